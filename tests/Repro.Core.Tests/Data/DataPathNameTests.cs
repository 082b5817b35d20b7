using System.Text;
using Repro.Core.Data;

namespace Repro.Core.Tests.Data;

public sealed class DataPathNameTests
{
    [Theory]
    [InlineData("plain.csv")]
    [InlineData("with space.csv")]
    [InlineData("new\nline.txt")]
    [InlineData("tab\tand \"quotes\"")]
    [InlineData("oké ünïcödé 数据 🙂.bin")]
    public void Valid_utf8_names_are_kept_as_they_are(string name)
    {
        Assert.Equal(name, DataPathName.Escape(Encoding.UTF8.GetBytes(name)));
    }

    [Fact]
    public void Invalid_utf8_bytes_become_lowercase_hex_escapes()
    {
        byte[] name = [(byte)'b', (byte)'a', (byte)'d', 0xFF, 0xFE, (byte)'n'];

        Assert.Equal(@"bad\xff\xfen", DataPathName.Escape(name));
    }

    [Fact]
    public void A_truncated_sequence_escapes_its_bytes_and_keeps_the_text_after_it()
    {
        // 0xC3 starts a two-byte sequence that '(' does not continue; 0xE2 0x82 is a truncated three-byte sequence.
        byte[] name = [0xC3, (byte)'(', (byte)'x', 0xE2, 0x82];

        Assert.Equal(@"\xc3(x\xe2\x82", DataPathName.Escape(name));
    }

    [Fact]
    public void Encoded_surrogates_and_overlong_forms_are_not_valid_utf8()
    {
        byte[] surrogate = [0xED, 0xA0, 0x80];
        byte[] overlongSlash = [0xC0, 0xAF];

        Assert.Equal(@"\xed\xa0\x80", DataPathName.Escape(surrogate));
        Assert.Equal(@"\xc0\xaf", DataPathName.Escape(overlongSlash));
    }

    [Fact]
    public void A_literal_backslash_is_doubled_so_escapes_stay_unambiguous()
    {
        var literal = Encoding.UTF8.GetBytes(@"a\xff");
        byte[] raw = [(byte)'a', 0xFF];

        Assert.Equal(@"a\\xff", DataPathName.Escape(literal));
        Assert.Equal(@"a\xff", DataPathName.Escape(raw));
        Assert.NotEqual(DataPathName.Escape(literal), DataPathName.Escape(raw));
    }

    [Fact]
    public void Unescape_returns_the_original_bytes_for_every_escaped_name()
    {
        var random = new Random(20240601);
        for (var round = 0; round < 2000; round++)
        {
            var bytes = new byte[random.Next(0, 12)];
            random.NextBytes(bytes);
            var escaped = DataPathName.Escape(bytes);

            Assert.Equal(bytes, DataPathName.Unescape(escaped));
        }
    }

    [Theory]
    [InlineData(@"\xc3\xa9", "escapes that spell valid UTF-8 (é)")]
    [InlineData(@"\xFF", "uppercase hex")]
    [InlineData(@"a\", "a trailing backslash")]
    [InlineData(@"a\q", "an unknown escape")]
    [InlineData(@"\x4", "a short escape")]
    public void Unescape_rejects_names_not_in_canonical_form(string escaped, string because)
    {
        Assert.False(DataPathName.TryUnescape(escaped, out _, out var error), because);
        Assert.NotEmpty(error);
        Assert.Throws<FormatException>(() => DataPathName.Unescape(escaped));
    }

    [Fact]
    public void Unescape_rejects_a_lone_surrogate()
    {
        Assert.False(DataPathName.TryUnescape("a\uD800b", out _, out _));
    }

    [Fact]
    public void Quote_puts_a_name_with_control_characters_on_one_line()
    {
        Assert.Equal(@"'new\nline\tx\u0001 it\'s'", DataPathName.Quote("new\nline\tx\u0001 it's"));
    }
}

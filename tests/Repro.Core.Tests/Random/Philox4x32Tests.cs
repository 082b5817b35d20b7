using System.Globalization;
using Repro.Core.Numerics;
using Repro.Core.Randomness;

namespace Repro.Core.Tests.Randomness;

public sealed class Philox4x32Tests
{
    private static readonly SimdPath[] AllPaths = [SimdPath.Scalar, SimdPath.Vector128, SimdPath.Vector256, SimdPath.Vector512];

    private sealed record KnownAnswer(int Rounds, PhiloxCounter Counter, PhiloxKey Key, PhiloxBlock Expected, string Line);

    private static List<KnownAnswer> ReadKnownAnswers()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestFiles", "random123_kat_vectors.txt");
        var answers = new List<KnownAnswer>();
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0 || fields[0] != "philox4x32")
            {
                continue;
            }

            Assert.Equal(12, fields.Length);
            var w = fields.Skip(2).Select(f => uint.Parse(f, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
            answers.Add(new KnownAnswer(
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                new PhiloxCounter(w[0], w[1], w[2], w[3]),
                new PhiloxKey(w[4], w[5]),
                new PhiloxBlock(w[6], w[7], w[8], w[9]),
                line));
        }

        return answers;
    }

    [Fact]
    public void Generate_reproduces_every_philox4x32_known_answer_of_Random123()
    {
        var answers = ReadKnownAnswers();

        Assert.Equal(6, answers.Count);
        Assert.Equal(3, answers.Count(a => a.Rounds == 7));
        Assert.Equal(3, answers.Count(a => a.Rounds == 10));
        var mismatches = answers
            .Where(a => Philox4x32.Generate(a.Counter, a.Key, a.Rounds) != a.Expected)
            .Select(a => a.Line)
            .ToList();
        Assert.Empty(mismatches);
    }

    [Fact]
    public void Fill_reproduces_the_known_answers_on_every_code_path()
    {
        var answers = ReadKnownAnswers();
        foreach (var path in AllPaths.Where(Philox4x32.IsSupported))
        {
            foreach (var a in answers)
            {
                // Put the known counter at block 37 of a run long enough to go through the vector kernel.
                var start = PhiloxCounter.FromUInt64(a.Counter.Low - 37, a.Counter.High);
                var words = new uint[4 * 100];
                Philox4x32.Fill(a.Key, start, words, a.Rounds, path);
                Assert.Equal([a.Expected.V0, a.Expected.V1, a.Expected.V2, a.Expected.V3], words[(37 * 4)..(38 * 4)]);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(119)]
    [InlineData(247)]
    [InlineData(255)]
    [InlineData(1000)]
    [InlineData(4099)]
    public void Fill_equals_Generate_block_by_block_on_every_code_path(int length)
    {
        var key = new PhiloxKey(0x243f6a88, 0x85a308d3);
        var start = new PhiloxCounter(0xFFFF_FFF0, 0xFFFF_FFFF, 7, 9);
        var expected = new uint[length];
        for (var j = 0; j * 4 < length; j++)
        {
            var counter = PhiloxCounter.FromUInt64(start.Low + (ulong)j, start.High);
            var b = Philox4x32.Generate(counter, key);
            uint[] block = [b.V0, b.V1, b.V2, b.V3];
            block.AsSpan(0, Math.Min(4, length - (j * 4))).CopyTo(expected.AsSpan(j * 4));
        }

        foreach (var path in AllPaths.Where(Philox4x32.IsSupported))
        {
            var actual = new uint[length];
            Philox4x32.Fill(key, start, actual, Philox4x32.DefaultRounds, path);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{path} differs from Generate for length {length}.");
        }
    }

    [Fact]
    public void Fill_wraps_the_block_index_within_the_low_64_bits_and_keeps_the_substream()
    {
        var key = new PhiloxKey(1, 2);
        var words = new uint[8];
        Philox4x32.Fill(key, new PhiloxCounter(uint.MaxValue, uint.MaxValue, 5, 6), words);

        var second = Philox4x32.Generate(new PhiloxCounter(0, 0, 5, 6), key);
        Assert.Equal([second.V0, second.V1, second.V2, second.V3], words[4..]);
    }

    [Fact]
    public void Fill_with_a_64_bit_start_counter_uses_a_zero_substream()
    {
        var key = new PhiloxKey(3, 4);
        var words = new uint[4];
        Philox4x32.Fill(key, 0x1_0000_0002UL, words);

        var block = Philox4x32.Generate(new PhiloxCounter(2, 1, 0, 0), key);
        Assert.Equal([block.V0, block.V1, block.V2, block.V3], words);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void Round_counts_outside_1_to_16_are_rejected(int rounds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Philox4x32.Generate(default, default, rounds));
        Assert.Throws<ArgumentOutOfRangeException>(() => Philox4x32.Fill(default, 0UL, new uint[4], rounds));
    }

    [Fact]
    public void Key_hex_is_the_little_endian_bytes_of_both_words()
    {
        Assert.Equal("78563412f0debc9a", new PhiloxKey(0x12345678, 0x9abcdef0).ToHex());
    }
}

using System.Text;
using Repro.Sdk.Recording;

namespace Repro.Sdk.Tests.Recording;

public sealed class EventsFileTailerTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "tailer-" + Guid.NewGuid().ToString("N") + ".jsonl");

    public void Dispose() => File.Delete(_path);

    private void Append(string text) => File.AppendAllText(_path, text, new UTF8Encoding(false));

    [Fact]
    public void Only_complete_lines_are_returned_and_a_partial_line_waits_for_its_end()
    {
        using var tailer = new EventsFileTailer(_path);
        Assert.Empty(tailer.ReadAvailable());
        Append("one\ntw");
        Assert.Equal(["one"], tailer.ReadAvailable().Select(l => l.Text));
        Append("o\r\nthree\n");
        var lines = tailer.ReadAvailable();
        Assert.Equal(["two", "three"], lines.Select(l => l.Text));
        Assert.Equal([2L, 3L], lines.Select(l => l.LineNumber));
        Assert.Empty(tailer.ReadAvailable());
    }

    [Fact]
    public void A_trailing_line_without_newline_is_reported_truncated_at_the_end()
    {
        using var tailer = new EventsFileTailer(_path);
        Append("ok\n{\"type\":\"met");
        Assert.Single(tailer.ReadAvailable());
        var final = Assert.Single(tailer.ReadFinal());
        Assert.True(final.IsTruncated);
        Assert.Equal(2, final.LineNumber);
    }

    [Fact]
    public void An_oversized_line_is_skipped_without_being_held_whole_and_later_lines_survive()
    {
        using var tailer = new EventsFileTailer(_path);
        Append("first\n");
        Append(new string('x', 3 * EventsFileTailer.MaxLineBytes));
        var during = tailer.ReadAvailable();
        Assert.Equal(["first"], during.Select(l => l.Text));
        Append("yyy\nlast\n");
        var lines = tailer.ReadAvailable();
        Assert.Equal(2, lines.Count);
        Assert.True(lines[0].IsOversized);
        Assert.Equal(3L * EventsFileTailer.MaxLineBytes + 3, lines[0].OversizedBytes);
        Assert.Equal("last", lines[1].Text);
        Assert.Equal(3, lines[1].LineNumber);
    }

    [Fact]
    public void Multibyte_characters_split_across_reads_are_decoded_whole()
    {
        using var tailer = new EventsFileTailer(_path);
        var bytes = Encoding.UTF8.GetBytes("héllo wörld ✓\n");
        using (var f = new FileStream(_path, FileMode.Append))
        {
            f.Write(bytes, 0, 2);
        }

        Assert.Empty(tailer.ReadAvailable());
        using (var f = new FileStream(_path, FileMode.Append))
        {
            f.Write(bytes, 2, bytes.Length - 2);
        }

        Assert.Equal("héllo wörld ✓", Assert.Single(tailer.ReadAvailable()).Text);
    }
}

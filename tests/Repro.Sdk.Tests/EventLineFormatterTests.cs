using System.Text;
using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Sdk.Sinks;

namespace Repro.Sdk.Tests;

public sealed class EventLineFormatterTests
{
    public static TheoryData<ProtocolEvent> Events() =>
    [
        new MetricEvent("loss", 0.1 + 0.2, 3, 1_700_000_000_123),
        new MetricEvent("loss", double.NaN, null, null),
        new MetricEvent("grad", double.NegativeInfinity, 0, 5),
        new MetricEvent("big", 1e308, long.MaxValue, null),
        new ParamEvent("lr", "0.05", ParamSource.Cli),
        new ParamEvent("name", "ümlaut \"q\" <b>", ParamSource.Default),
        new TagEvent("note", "line1\nline2\ttab"),
        new ArtifactEvent("out/model.bin", null),
        new ArtifactEvent("out/a b.txt", "a file"),
    ];

    [Theory]
    [MemberData(nameof(Events))]
    public void Lines_are_the_same_text_the_protocol_writer_produces(ProtocolEvent ev)
    {
        using var formatter = new EventLineFormatter();

        formatter.Append(ev);

        Assert.Equal(ProtocolWriter.Format(ev) + "\n", Encoding.UTF8.GetString(formatter.Written));
    }

    [Fact]
    public void Metric_lines_match_the_protocol_writer_for_many_values_keys_and_times()
    {
        var random = new Random(12345);
        using var formatter = new EventLineFormatter();
        var keys = new[] { "loss", "val/accuracy", "ключ", "tab\tkey", "quote\"key", "<html>&" };
        for (var i = 0; i < 20_000; i++)
        {
            var value = (i % 4) switch
            {
                0 => random.NextDouble(),
                1 => BitConverter.Int64BitsToDouble(random.NextInt64()),
                2 => Math.Round(random.NextDouble() * 1000, random.Next(0, 6)),
                _ => -random.Next(),
            };
            if (!double.IsFinite(value))
            {
                continue;
            }

            var ev = new MetricEvent(
                keys[i % keys.Length],
                value,
                i % 3 == 0 ? null : random.NextInt64(0, long.MaxValue),
                i % 5 == 0 ? null : random.NextInt64(0, 4_000_000_000_000));
            formatter.Clear();

            formatter.Append(ev);

            Assert.Equal(ProtocolWriter.Format(ev) + "\n", Encoding.UTF8.GetString(formatter.Written));
        }
    }

    [Fact]
    public void Times_are_written_exactly_as_the_protocol_writer_writes_them()
    {
        var random = new Random(7);
        using var formatter = new EventLineFormatter();
        var times = Enumerable.Range(0, 20_000).Select(i => (long)i)
            .Concat(Enumerable.Range(0, 50_000).Select(_ => random.NextInt64(0, 100_000_000_000_000)))
            .Concat([99_999_999_999_999, 100_000_000_000_000, 1_760_000_000_000, 1_760_000_000_100, 1_760_000_000_010]);
        foreach (var ms in times)
        {
            var ev = new MetricEvent("loss", 0.5, 1, ms);
            formatter.Clear();

            formatter.Append(ev);

            Assert.Equal(ProtocolWriter.Format(ev) + "\n", Encoding.UTF8.GetString(formatter.Written));
        }
    }

    [Fact]
    public void Text_with_a_lone_surrogate_is_repaired_rather_than_lost()
    {
        using var formatter = new EventLineFormatter();

        formatter.Append(new TagEvent("k\uD800", "v"));
        formatter.Append(new MetricEvent("loss", 1, 0, null));

        var lines = Encoding.UTF8.GetString(formatter.Written).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.True(ProtocolParser.TryParse(lines[0], out var tag, out _));
        Assert.Equal(new TagEvent("k\uFFFD", "v"), tag);
        Assert.True(ProtocolParser.TryParse(lines[1], out _, out _));
    }
}

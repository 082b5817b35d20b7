using Repro.Core.Protocol;
using Repro.Core.Runs;

namespace Repro.Core.Tests.Protocol;

public sealed class ProtocolParserTests
{
    private static ProtocolEvent Parse(string line)
    {
        Assert.True(ProtocolParser.TryParse(line, out var ev, out var error), error);
        return ev!;
    }

    private static string Reject(string line)
    {
        Assert.False(ProtocolParser.TryParse(line, out _, out var error));
        return error;
    }

    [Fact]
    public void A_metric_line_is_parsed_with_key_value_step_and_time()
    {
        var m = Assert.IsType<MetricEvent>(Parse("""{"type":"metric","key":"loss","value":0.25,"step":3,"time":1700000000.5}"""));
        Assert.Equal(new MetricEvent("loss", 0.25, 3, 1_700_000_000_500), m);
    }

    [Theory]
    [InlineData("""{"type":"metric","key":"x","value":NaN}""", double.NaN)]
    [InlineData("""{"type":"metric","key":"x","value":Infinity}""", double.PositiveInfinity)]
    [InlineData("""{"type":"metric","key":"x","value":-Infinity}""", double.NegativeInfinity)]
    [InlineData("""{"type":"metric","key":"x","value":"NaN"}""", double.NaN)]
    [InlineData("""{"type":"metric","key":"x","value":"-inf"}""", double.NegativeInfinity)]
    [InlineData("""{"type":"metric","key":"x","value":"Infinity"}""", double.PositiveInfinity)]
    [InlineData("""{"type":"metric","key":"x","value":-0.0}""", -0.0)]
    public void Non_finite_values_bare_or_quoted_are_read_faithfully(string line, double expected)
    {
        var m = Assert.IsType<MetricEvent>(Parse(line));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(m.Value));
    }

    [Fact]
    public void Bare_tokens_inside_strings_are_left_alone()
    {
        var t = Assert.IsType<TagEvent>(Parse("""{"type":"tag","key":"NaN","value":"Infinity and \"NaN\" beyond"}"""));
        Assert.Equal(new TagEvent("NaN", "Infinity and \"NaN\" beyond"), t);
    }

    [Fact]
    public void A_missing_step_is_left_for_the_ingestor_to_assign()
    {
        var m = Assert.IsType<MetricEvent>(Parse("""{"type":"metric","key":"loss","value":1}"""));
        Assert.Null(m.Step);
        Assert.Null(m.TimestampMs);
    }

    [Fact]
    public void Params_keep_their_source_and_numbers_keep_their_text()
    {
        Assert.Equal(new ParamEvent("lr", "0.1", ParamSource.Default), Parse("""{"type":"param","key":"lr","value":0.1}"""));
        Assert.Equal(new ParamEvent("lr", "0.05", ParamSource.Cli), Parse("""{"type":"param","key":"lr","value":"0.05","source":"cli"}"""));
        Assert.Equal(new ParamEvent("cfg", "a.yaml", ParamSource.File), Parse("""{"type":"param","key":"cfg","value":"a.yaml","source":"file"}"""));
        Assert.Equal(new ParamEvent("flag", "true", ParamSource.Env), Parse("""{"type":"param","key":"flag","value":true,"source":"env"}"""));
    }

    [Fact]
    public void Artifacts_have_a_path_and_an_optional_name()
    {
        Assert.Equal(new ArtifactEvent("out/model.bin", null), Parse("""{"type":"artifact","path":"out/model.bin"}"""));
        Assert.Equal(new ArtifactEvent("m.bin", "weights"), Parse("""{"type":"artifact","path":"m.bin","name":"weights"}"""));
    }

    [Theory]
    [InlineData("garbage", "not valid JSON")]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("""{"key":"x","value":1}""", "missing \"type\"")]
    [InlineData("""{"type":"metric","value":1}""", "missing \"key\"")]
    [InlineData("""{"type":"metric","key":"","value":1}""", "1 to 250")]
    [InlineData("""{"type":"metric","key":"x","value":"abc"}""", "\"value\" must be a number")]
    [InlineData("""{"type":"metric","key":"x","value":1,"step":-1}""", "non-negative")]
    [InlineData("""{"type":"metric","key":"x","value":1,"step":1.5}""", "non-negative integer")]
    [InlineData("""{"type":"param","key":"x","value":1,"source":"hearsay"}""", "\"source\" must be")]
    [InlineData("""{"type":"param","key":"x"}""", "missing \"value\"")]
    [InlineData("""{"type":"artifact","path":""}""", "empty")]
    [InlineData("""{"type":"histogram","key":"x"}""", "unknown type")]
    [InlineData("""{"type":"metric","key":"x","value":1""", "not valid JSON")]
    public void Bad_lines_are_rejected_with_a_reason(string line, string reason)
    {
        Assert.Contains(reason, Reject(line), StringComparison.Ordinal);
    }

    [Fact]
    public void Written_events_parse_back_to_the_same_events()
    {
        ProtocolEvent[] events =
        [
            new MetricEvent("loss", 0.1 + 0.2, 7, 1_700_000_000_123),
            new MetricEvent("nan", double.NaN, 0, null),
            new MetricEvent("inf", double.NegativeInfinity, null, null),
            new ParamEvent("name", "a \"quoted\"\nvalue", ParamSource.Sweep),
            new TagEvent("k", "v"),
            new ArtifactEvent("dir/file with space.bin", null),
        ];
        foreach (var ev in events)
        {
            var back = Parse(ProtocolWriter.Format(ev));
            if (ev is MetricEvent m && back is MetricEvent b)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(m.Value), BitConverter.DoubleToInt64Bits(b.Value));
                Assert.Equal(m with { Value = 0 }, b with { Value = 0 });
            }
            else
            {
                Assert.Equal(ev, back);
            }
        }
    }
}

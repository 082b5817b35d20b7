using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Series;
using Repro.Storage.Tracking;

namespace Repro.Server.Ui;

/// <summary>
/// Chart data: <c>GET /api/v1/series</c> (one metric of one or more runs, min/max/last per bucket, see
/// <see cref="Downsampler"/>) and <c>GET /api/v1/series/band</c> (mean ± std across runs, see <see cref="SeriesBands"/>).
/// The JSON is written straight to the response; NaN and infinities are written as null (a gap in the chart).
/// </summary>
internal static class SeriesEndpoints
{
    public const int DefaultBuckets = 1000;
    public const int DefaultBandBuckets = 500;
    public const int MaxBuckets = 10_000;
    public const int MaxRuns = 200;

    public static IEndpointRouteBuilder MapSeries(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/series", (HttpContext http, ServerContext context) => Series(http, context));
        app.MapGet("/api/v1/series/band", (HttpContext http, ServerContext context) => Band(http, context));
        return app;
    }

    private static async Task Series(HttpContext http, ServerContext context)
    {
        var request = ReadRequest(http, "run", DefaultBuckets);
        var results = Columns(context.Store, request)
            .Select(r => (r.Run, Series: Downsampler.Downsample(r.X, r.Y, request.Buckets)))
            .ToList();
        await using var json = StartResponse(http, request);
        json.WriteStartArray("series");
        foreach (var (run, series) in results)
        {
            json.WriteStartObject();
            json.WriteString("run", run.Id.ToString());
            json.WriteString("name", run.Name);
            json.WriteNumber("total", series.Total);
            Longs(json, "x", series.LineX);
            Doubles(json, "y", series.LineY);
            Longs(json, "bucketX", series.X);
            Doubles(json, "min", series.Min);
            Doubles(json, "max", series.Max);
            Doubles(json, "last", series.Last);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task Band(HttpContext http, ServerContext context)
    {
        var request = ReadRequest(http, "runs", DefaultBandBuckets);
        var runs = Columns(context.Store, request).ToList();
        var band = SeriesBands.Compute(runs.Select(r => new SeriesColumns(r.X, r.Y)).ToList(), request.Buckets);
        await using var json = StartResponse(http, request);
        json.WriteStartArray("runs");
        foreach (var (run, _, _) in runs)
        {
            json.WriteStringValue(run.Id.ToString());
        }

        json.WriteEndArray();
        Longs(json, "x", band.X);
        Doubles(json, "mean", band.Mean);
        Doubles(json, "std", band.Std);
        json.WriteStartArray("n");
        foreach (var n in band.N)
        {
            json.WriteNumberValue(n);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>What both endpoints are asked: the runs, the metric, the x axis and the bucket count, all checked before any
    /// run is looked up.</summary>
    private static SeriesRequest ReadRequest(HttpContext http, string runsParameter, int defaultBuckets)
    {
        var query = http.Request.Query;
        var refs = RunRefs(query, runsParameter);
        var key = Key(query);
        var axis = Axis(query);
        return new SeriesRequest(refs, key, axis, Buckets(query, defaultBuckets));
    }

    /// <summary>Each run asked for, resolved, with its metric's x and y columns; one run at a time, so a caller that reduces
    /// each series holds one full series at most.</summary>
    private static IEnumerable<(RunRecord Run, long[] X, double[] Y)> Columns(ITrackingStore store, SeriesRequest request)
    {
        foreach (var reference in request.Refs)
        {
            var run = Api.RunReferences.Resolve(store, reference);
            var series = store.GetMetricSeries(run.Id, request.Key);
            yield return (run, XColumn(series, request.Axis, run), series.Values);
        }
    }

    /// <summary>Starts the JSON response object with the request's key, axis and buckets.</summary>
    private static Utf8JsonWriter StartResponse(HttpContext http, SeriesRequest request)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        var json = new Utf8JsonWriter(http.Response.BodyWriter);
        json.WriteStartObject();
        json.WriteString("key", request.Key);
        json.WriteString("axis", request.Axis);
        json.WriteNumber("buckets", request.Buckets);
        return json;
    }

    private sealed record SeriesRequest(List<string> Refs, string Key, string Axis, int Buckets);

    /// <summary>step: the logged step; time: the point's timestamp (ms since the epoch); relative: ms since the run started.</summary>
    private static long[] XColumn(MetricSeries series, string axis, RunRecord run)
    {
        switch (axis)
        {
            case "step":
                return series.Steps;
            case "time":
                return series.TimestampsMs;
            default:
                var start = run.StartTime.ToUnixTimeMilliseconds();
                var x = new long[series.Count];
                var t = series.TimestampsMs;
                for (var i = 0; i < x.Length; i++)
                {
                    x[i] = t[i] - start;
                }

                return x;
        }
    }

    private static List<string> RunRefs(IQueryCollection query, string name)
    {
        var refs = query[name].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (refs.Count == 0)
        {
            throw new ReproException(ErrorCode.InvalidArgument,
                $"Name the runs with ?{name}=REF (a run id, a unique id prefix, a run name or 'last'); several are separated by commas.");
        }

        if (refs.Count > MaxRuns)
        {
            throw new ReproException(ErrorCode.InvalidArgument,
                string.Create(CultureInfo.InvariantCulture, $"{refs.Count} runs were asked for; at most {MaxRuns} fit in one request. Ask for fewer runs."));
        }

        return refs;
    }

    private static string Key(IQueryCollection query) =>
        query["key"].ToString() is { Length: > 0 } key
            ? key
            : throw new ReproException(ErrorCode.InvalidArgument, "Name the metric with ?key=METRIC (such as ?key=loss).");

    private static string Axis(IQueryCollection query) =>
        query["x"].ToString() switch
        {
            "" or "step" => "step",
            "time" => "time",
            "relative" => "relative",
            var other => throw new ReproException(ErrorCode.InvalidArgument,
                $"x='{other}' is not an axis. Use x=step, x=time (ms since the epoch) or x=relative (ms since the run started)."),
        };

    private static int Buckets(IQueryCollection query, int fallback)
    {
        var text = query["buckets"].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var buckets) && buckets is >= 1 and <= MaxBuckets
            ? buckets
            : throw new ReproException(ErrorCode.InvalidArgument,
                string.Create(CultureInfo.InvariantCulture, $"buckets='{text}' is not a whole number from 1 to {MaxBuckets}."));
    }

    private static void Longs(Utf8JsonWriter json, string name, long[] values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }

    private static void Doubles(Utf8JsonWriter json, string name, double[] values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            if (double.IsFinite(v))
            {
                json.WriteNumberValue(v);
            }
            else
            {
                json.WriteNullValue();
            }
        }

        json.WriteEndArray();
    }
}

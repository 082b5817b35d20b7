using System.Net;
using System.Text.Json;
using Repro.UiTests.Support;

namespace Repro.UiTests;

public sealed class SeriesApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private UiServer Server => fixture.Server;

    private Task<JsonElement> Get(string path) => Server.GetJsonAsync(path);

    private Task<(HttpStatusCode Status, JsonElement Problem)> Fail(string path) => Server.GetProblemAsync(path);

    private static double[] Numbers(JsonElement array) =>
        [.. array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble())];

    [Fact]
    public async Task A_long_history_comes_back_in_buckets_with_its_spike()
    {
        var answer = await Get($"api/v1/series?run={Server.Runs.Long}&key=loss&x=step&buckets=100");

        var series = answer.GetProperty("series")[0];
        Assert.Equal("loss", answer.GetProperty("key").GetString());
        Assert.Equal("step", answer.GetProperty("axis").GetString());
        Assert.Equal(Seed.LongPoints, series.GetProperty("total").GetInt32());
        Assert.Equal(Server.Runs.Long.ToString(), series.GetProperty("run").GetString());
        Assert.Equal(100, series.GetProperty("bucketX").GetArrayLength());
        Assert.Equal(Seed.LongPoints - 1, series.GetProperty("bucketX")[99].GetInt64());
        Assert.Contains(Seed.Spike, Numbers(series.GetProperty("max")));
        Assert.Contains(Seed.Spike, Numbers(series.GetProperty("y")));
        Assert.DoesNotContain(Seed.Spike, Numbers(series.GetProperty("last")));
        var x = series.GetProperty("x").EnumerateArray().Select(v => v.GetInt64()).ToList();
        Assert.Equal(x.Order().ToList(), x);
        Assert.True(x.Count <= 300);
    }

    [Fact]
    public async Task Several_runs_come_back_in_the_order_asked()
    {
        var ids = Server.Runs.Sweep.Take(3).Select(r => r.ToString()).ToList();

        var answer = await Get($"api/v1/series?run={string.Join(',', ids)}&key=acc");

        var series = answer.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(ids, series.Select(s => s.GetProperty("run").GetString()));
        Assert.All(series, s => Assert.Equal(100, s.GetProperty("total").GetInt32()));
        Assert.All(series, s => Assert.Equal(100, s.GetProperty("x").GetArrayLength()));
    }

    [Fact]
    public async Task Runs_can_be_named_by_name_and_time_axes_are_offered()
    {
        var time = await Get("api/v1/series?run=long-history&key=loss&x=time&buckets=10");
        var relative = await Get("api/v1/series?run=long-history&key=loss&x=relative&buckets=10");

        var t0 = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal(t0 + ((Seed.LongPoints - 1) * 1000L), time.GetProperty("series")[0].GetProperty("bucketX")[9].GetInt64());
        // The long run started 14 minutes after the points' clock began.
        Assert.Equal(((Seed.LongPoints - 1) * 1000L) - (14 * 60_000), relative.GetProperty("series")[0].GetProperty("bucketX")[9].GetInt64());
    }

    [Fact]
    public async Task A_metric_the_run_never_logged_is_an_empty_series()
    {
        var answer = await Get($"api/v1/series?run={Server.Runs.Long}&key=nope");

        Assert.Equal(0, answer.GetProperty("series")[0].GetProperty("total").GetInt32());
        Assert.Equal(0, answer.GetProperty("series")[0].GetProperty("x").GetArrayLength());
    }

    [Fact]
    public async Task A_band_gives_mean_and_std_across_seeds_at_each_step()
    {
        var ids = string.Join(',', Server.Runs.HighLr);

        var band = await Get($"api/v1/series/band?runs={ids}&key=acc&x=step&buckets=500");

        Assert.Equal(100, band.GetProperty("x").GetArrayLength());
        Assert.Equal(99, band.GetProperty("x")[99].GetInt64());
        Assert.All(band.GetProperty("n").EnumerateArray(), n => Assert.Equal(3, n.GetInt32()));
        Assert.Equal(0.92, band.GetProperty("mean")[99].GetDouble(), 12);
        Assert.Equal(0.02, band.GetProperty("std")[99].GetDouble(), 12);
        Assert.Equal(3, band.GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public async Task A_band_of_one_run_has_no_deviation()
    {
        var band = await Get($"api/v1/series/band?runs={Server.Runs.Dirty}&key=loss");

        Assert.All(band.GetProperty("std").EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.ValueKind));
        Assert.All(band.GetProperty("n").EnumerateArray(), n => Assert.Equal(1, n.GetInt32()));
    }

    [Theory]
    [InlineData("api/v1/series?key=loss", "?run=REF")]
    [InlineData("api/v1/series?run=long-history", "?key=METRIC")]
    [InlineData("api/v1/series?run=long-history&key=loss&x=epoch", "x='epoch' is not an axis")]
    [InlineData("api/v1/series?run=long-history&key=loss&buckets=0", "buckets='0'")]
    [InlineData("api/v1/series?run=long-history&key=loss&buckets=lots", "buckets='lots'")]
    [InlineData("api/v1/series/band?key=loss", "?runs=REF")]
    public async Task Bad_parameters_are_400_with_what_to_send(string path, string message)
    {
        var (status, problem) = await Fail(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_argument", problem.GetProperty("code").GetString());
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_run_is_404()
    {
        var (status, problem) = await Fail("api/v1/series?run=no-such-run&key=loss");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Contains("no-such-run", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_code_diff_of_a_dirty_run_is_served_as_text()
    {
        using var response = await Server.Client.GetAsync(new Uri($"api/v1/runs/{Server.Runs.Dirty}/code/diff", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Server.Runs.Diff, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_run_without_a_diff_says_why()
    {
        var (status, problem) = await Fail($"api/v1/runs/{Server.Runs.Long}/code/diff");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("not started in a git repository", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

/// <summary>`repro ui` and `repro server` as real processes: they print where they listen, serve, and stop on SIGTERM.</summary>
public sealed partial class ServerCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public ServerCommandTests()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "init").ExitCode);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Repro_ui_prints_its_url_on_loopback_serves_the_pages_and_stops_on_sigterm()
    {
        using var process = Process.Start(ReproCli.StartInfo(_dir.Path, ["ui"]))!;
        try
        {
            var url = await ReadUrl(process, UiLine());
            Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            Assert.Equal("OK", await http.GetStringAsync(new Uri("health", UriKind.Relative)));
            Assert.Contains("<!doctype html>", await http.GetStringAsync(new Uri("", UriKind.Relative)), StringComparison.OrdinalIgnoreCase);

            Signal(process, "TERM");
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "repro ui did not stop on SIGTERM");
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Repro_server_takes_its_token_from_the_environment_prints_its_addresses_and_refuses_a_bad_port()
    {
        var bad = ReproCli.Run(_dir.Path, "server", "--port", "70000");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--port 70000 is not a TCP port", bad.Stderr, StringComparison.Ordinal);

        var env = new Dictionary<string, string?> { ["REPRO_SERVER_TOKEN"] = "t0ken" };
        using var process = Process.Start(ReproCli.StartInfo(_dir.Path, ["server", "--port", "0"], env))!;
        try
        {
            var url = await ReadUrl(process, ServerLine());
            Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);
            using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
            using var search = await http.GetAsync(new Uri("api/2.0/mlflow/experiments/search?max_results=10", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, search.StatusCode);    // reads stay open without --protect-reads

            var body = """{"name":"from-the-cli"}""";
            using (var refused = await http.PostAsync(new Uri("api/v1/experiments", UriKind.Relative), Json(body)))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("api/v1/experiments", UriKind.Relative)) { Content = Json(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t0ken");
            using (var created = await http.SendAsync(request))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            Signal(process, "TERM");
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "repro server did not stop on SIGTERM");
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Server stopped.", await process.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<string> ReadUrl(Process process, Regex line)
    {
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } text)
        {
            if (line.Match(text) is { Success: true } match)
            {
                return match.Groups["url"].Value;
            }
        }

        throw new InvalidOperationException($"the server printed no address; stderr: {await process.StandardError.ReadToEndAsync()}");
    }

    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {process.Id}") { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    [GeneratedRegex(@"^Repro UI: (?<url>http://\S+/)$")]
    private static partial Regex UiLine();

    [GeneratedRegex(@"^Repro server listening on (?<url>http://\S+)$")]
    private static partial Regex ServerLine();
}

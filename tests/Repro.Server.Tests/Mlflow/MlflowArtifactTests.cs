using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;

namespace Repro.Server.Tests.Mlflow;

public sealed class MlflowArtifactTests
{
    [Fact]
    public async Task Artifacts_uploaded_through_the_proxy_are_listed_downloaded_and_belong_to_the_run()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var experimentId = await http.CreateExperiment("Art In Fact");
        var runId = await http.CreateRun(experimentId);
        var root = $"api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts";
        await Put(http, $"{root}/my.file", "Hello, World!");
        await Put(http, $"{root}/dir/my.file", "Hello, World!");
        await Put(http, $"{root}/dir/sub/data.json", "{\"a\": 1}");

        var runList = (await http.Get($"api/2.0/mlflow/artifacts/list?run_id={runId}")).Ok();
        Assert.Equal($"mlflow-artifacts:/{experimentId}/{runId}/artifacts", runList.Json.GetProperty("root_uri").GetString());
        var files = runList.Json.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
        Assert.Equal(["dir", "my.file"], files.Keys.Order(StringComparer.Ordinal));
        Assert.True(files["dir"].GetProperty("is_dir").GetBoolean());
        Assert.False(files["dir"].TryGetProperty("file_size", out _));
        Assert.False(files["my.file"].GetProperty("is_dir").GetBoolean());
        Assert.Equal(13, files["my.file"].GetProperty("file_size").GetInt64());

        var dirList = (await http.Get($"api/2.0/mlflow/artifacts/list?run_id={runId}&path=dir")).Ok();
        Assert.Equal(["dir/my.file", "dir/sub"], dirList.Json.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));

        var proxyList = (await http.Get($"api/2.0/mlflow-artifacts/artifacts?path={experimentId}/{runId}/artifacts/dir")).Ok();
        Assert.Equal(["my.file", "sub"], proxyList.Json.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()!).Order(StringComparer.Ordinal));
        var fileList = (await http.Get($"api/2.0/mlflow-artifacts/artifacts?path={experimentId}/{runId}/artifacts/my.file")).Ok();
        Assert.Equal("{}", fileList.Text);

        using var download = await http.GetAsync($"{root}/dir/sub/data.json");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("{\"a\": 1}", await download.Content.ReadAsStringAsync());
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);

        using var viaUi = await http.GetAsync($"get-artifact?run_id={runId}&path=my.file");
        Assert.Equal("Hello, World!", await viaUi.Content.ReadAsStringAsync());

        using var workspace = ReproWorkspace.Open(server.Root);
        var record = Assert.Single(workspace.Runs.ListRuns(new RunQuery()));
        Assert.Equal(["dir/my.file", "dir/sub/data.json", "my.file"], record.Artifacts.Select(a => a.Path).Order(StringComparer.Ordinal));
        Assert.True(workspace.Objects.Exists(record.Artifacts[0].Sha256));

        (await Send(http, HttpMethod.Delete, $"{root}/dir")).Ok();
        (await http.Get($"{root}/dir/my.file")).Fails(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        var afterDelete = (await http.Get($"api/2.0/mlflow/artifacts/list?run_id={runId}")).Ok();
        Assert.Single(afterDelete.Json.GetProperty("files").EnumerateArray());
    }

    [Theory]
    [InlineData("../secret")]
    [InlineData("a/../../secret")]
    [InlineData("..%2F..%2Fsecret")]
    [InlineData("..%252F..%252Fsecret")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData("a%5C..%5Csecret")]
    [InlineData("a%00b")]
    [InlineData("C:%5Cwindows")]
    public async Task Traversal_absolute_and_odd_paths_are_refused_and_nothing_is_written(string path)
    {
        await using var server = await RunningServer.StartAsync();
        var outside = Path.Combine(Path.GetDirectoryName(server.Root)!, "secret");
        var before = Directory.GetFiles(server.Root, "*", SearchOption.AllDirectories).Length;

        var put = await SendRaw(server.Url, "PUT", "/api/2.0/mlflow-artifacts/artifacts/" + path, "payload");
        Assert.True(put.Status is 400 or 404, $"PUT {path}: {put.Status} {put.Body}"); // Kestrel itself refuses a NUL in the path
        if (put.Status == 400 && put.Body.Length > 0)
        {
            Assert.Contains("INVALID_PARAMETER_VALUE", put.Body, StringComparison.Ordinal);
        }

        var list = await server.Client.Get("api/2.0/mlflow-artifacts/artifacts?path=" + path);
        list.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.Equal("Invalid path", list.Message);

        Assert.False(File.Exists(outside));
        Assert.Equal(before, Directory.GetFiles(server.Root, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task A_double_slash_path_is_404_not_a_path_from_the_root()
    {
        await using var server = await RunningServer.StartAsync();
        foreach (var method in new[] { "GET", "PUT" })
        {
            var answer = await SendRaw(server.Url, method, "/api/2.0/mlflow-artifacts/artifacts//etc/passwd", method == "PUT" ? "x" : null);
            Assert.Equal(404, answer.Status);
            Assert.DoesNotContain("root:", answer.Body, StringComparison.Ordinal);
        }

        var inside = await SendRaw(server.Url, "GET", "/api/2.0/mlflow-artifacts/artifacts/0/a//b", null);
        Assert.Equal(404, inside.Status);
    }

    [Fact]
    public async Task The_tracking_listing_refuses_traversal_with_MLflows_exact_error()
    {
        await using var server = await RunningServer.StartAsync();
        var runId = await server.Client.CreateRun("0");
        var answer = await server.Client.Get($"api/2.0/mlflow/artifacts/list?run_id={runId}&path=../path");
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("""{"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid path"}""", answer.Text);
        var ui = await server.Client.Get($"get-artifact?run_id={runId}&path=../path");
        Assert.Equal("Invalid path", ui.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE").Message);
    }

    [Fact]
    public async Task Writes_need_the_token_when_one_is_set_and_searches_do_not()
    {
        await using var server = await RunningServer.StartAsync(token: "s3cret");
        var refused = await server.Client.Post("api/2.0/mlflow/runs/create", new { experiment_id = "0" });
        refused.Fails(HttpStatusCode.Unauthorized, "UNAUTHENTICATED");
        var upload = await SendRaw(server.Url, "PUT", "/api/2.0/mlflow-artifacts/artifacts/0/x.txt", "x");
        Assert.Equal(401, upload.Status);
        (await server.Client.Post("api/2.0/mlflow/runs/search", new { experiment_ids = new[] { "0" } })).Ok();

        using var authorized = server.ClientWithToken("s3cret");
        var runId = await authorized.CreateRun("0");
        await Put(authorized, $"api/2.0/mlflow-artifacts/artifacts/0/{runId}/artifacts/x.txt", "x");
        Assert.Equal(runId, (await server.Client.GetRun(runId)).GetProperty("info").GetProperty("run_id").GetString());
    }

    [Fact]
    public async Task The_ajax_upload_endpoint_checks_its_arguments_then_stores_the_file()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        async Task<MlflowAnswer> Upload(string query, string? data) =>
            await MlflowCalls.Send(http, HttpMethod.Post, "ajax-api/2.0/mlflow/upload-artifact" + query, data);
        Assert.Contains("Request must specify run_uuid.", (await Upload("", null)).Message, StringComparison.Ordinal);
        Assert.Contains("Request must specify path.", (await Upload($"?run_uuid={runId}", null)).Message, StringComparison.Ordinal);
        Assert.Contains("Invalid path", (await Upload($"?run_uuid={runId}&path=../test.txt", "x")).Message, StringComparison.Ordinal);
        Assert.Contains("Request must specify data.", (await Upload($"?run_uuid={runId}&path=test.txt", null)).Message, StringComparison.Ordinal);
        (await Upload($"?run_uuid={runId}&path=test.txt", "hello world")).Ok();
        using var back = await http.GetAsync($"get-artifact?run_uuid={runId}&path=test.txt");
        Assert.Equal("hello world", await back.Content.ReadAsStringAsync());
    }

    private static async Task Put(HttpClient http, string path, string content)
    {
        using var body = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.PutAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    private static Task<MlflowAnswer> Send(HttpClient http, HttpMethod method, string path) => MlflowCalls.Send(http, method, path, null);

    /// <summary>Sends the request line exactly as given (HttpClient would normalize dots and slashes away).</summary>
    private static async Task<(int Status, string Body)> SendRaw(string url, string method, string target, string? body)
    {
        var uri = new Uri(url);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        await using var stream = tcp.GetStream();
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var head = $"{method} {target} HTTP/1.1\r\nHost: {uri.Authority}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bytes);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var split = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, split < 0 ? "" : response[(split + 4)..]);
    }
}

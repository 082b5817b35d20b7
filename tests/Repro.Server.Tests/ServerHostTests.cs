using System.Net;
using System.Text;
using System.Text.Json;
using Repro.Core.Errors;

namespace Repro.Server.Tests;

public sealed class ServerHostTests
{
    [Fact]
    public async Task Health_answers_OK_on_a_loopback_address()
    {
        await using var server = await RunningServer.StartAsync();
        Assert.StartsWith("http://127.0.0.1:", server.Url, StringComparison.Ordinal);
        var response = await server.Client.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_write_without_the_token_is_refused_with_problem_details_and_a_read_is_not()
    {
        await using var server = await RunningServer.StartAsync(token: "s3cret");
        var write = await server.Client.PostAsync("api/v1/anything", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        Assert.Equal("application/problem+json", write.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await write.Content.ReadAsStringAsync());
        Assert.Equal("unauthenticated", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(401, problem.RootElement.GetProperty("status").GetInt32());

        var read = await server.Client.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        using var withWrongToken = server.ClientWithToken("wrong");
        var wrong = await withWrongToken.PostAsync("api/v1/anything", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var withToken = server.ClientWithToken("s3cret");
        var allowed = await withToken.PostAsync("api/v1/anything", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.NotEqual(HttpStatusCode.Unauthorized, allowed.StatusCode);
    }

    [Fact]
    public async Task Protected_reads_need_the_token_and_MLflow_paths_get_MLflow_style_errors()
    {
        await using var server = await RunningServer.StartAsync(token: "s3cret", protectReads: true);
        var read = await server.Client.GetAsync("api/2.0/mlflow/experiments/get?experiment_id=0");
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        using var error = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        Assert.Equal("UNAUTHENTICATED", error.RootElement.GetProperty("error_code").GetString());
    }

    [Fact]
    public async Task Starting_on_a_taken_port_is_a_clear_error()
    {
        await using var first = await RunningServer.StartAsync();
        var port = new Uri(first.Url).Port;
        var error = await Assert.ThrowsAsync<ReproException>(() => ReproServer.StartAsync(new ServerOptions { Port = port, Workspace = first.Root }));
        Assert.Contains("--port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_that_is_not_an_address_is_refused_before_listening()
    {
        await using var first = await RunningServer.StartAsync();
        var error = await Assert.ThrowsAsync<ReproException>(() => ReproServer.StartAsync(new ServerOptions { Host = "not a host", Port = 0, Workspace = first.Root }));
        Assert.Contains("--host", error.Message, StringComparison.Ordinal);
    }
}

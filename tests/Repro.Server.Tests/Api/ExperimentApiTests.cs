using System.Net;
using Repro.Server.Api;
using Repro.Storage.Tracking;

namespace Repro.Server.Tests.Api;

public sealed class ExperimentApiTests
{
    [Fact]
    public async Task Experiments_are_created_listed_fetched_deleted_and_restored()
    {
        await using var server = await RunningServer.StartAsync();
        var response = await Api.PostJson(server.Client, "api/v1/experiments",
            new CreateExperimentRequest("vision", new Dictionary<string, string> { ["owner"] = "ana" }, null));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await Api.Read<ExperimentInfo>(response);
        Assert.Equal("vision", created.Name);
        Assert.Equal("ana", created.Tags["owner"]);
        Assert.Equal($"/api/v1/experiments/{created.Id}", response.Headers.Location?.OriginalString);

        var list = await Api.Read<ExperimentList>(await server.Client.GetAsync("api/v1/experiments"));
        Assert.Equal(["0", created.Id], list.Experiments.Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.Equal("Default", list.Experiments.Single(e => e.Id == "0").Name);
        Assert.Equal("vision", (await Api.Read<ExperimentInfo>(await server.Client.GetAsync($"api/v1/experiments/{created.Id}"))).Name);

        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.DeleteAsync($"api/v1/experiments/{created.Id}")).StatusCode);
        Assert.DoesNotContain((await Api.Read<ExperimentList>(await server.Client.GetAsync("api/v1/experiments"))).Experiments, e => e.Id == created.Id);
        var deleted = await Api.Read<ExperimentList>(await server.Client.GetAsync("api/v1/experiments?view=deleted"));
        Assert.Equal(LifecycleStage.Deleted, Assert.Single(deleted.Experiments).Stage);

        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.PostAsync($"api/v1/experiments/{created.Id}/restore", null)).StatusCode);
        Assert.Equal(2, (await Api.Read<ExperimentList>(await server.Client.GetAsync("api/v1/experiments"))).Experiments.Count);
    }

    [Fact]
    public async Task A_duplicate_name_is_409_an_unknown_id_404_and_a_missing_name_400()
    {
        await using var server = await RunningServer.StartAsync();
        (await Api.PostJson(server.Client, "api/v1/experiments", new CreateExperimentRequest("nlp", null, null))).EnsureSuccessStatusCode();
        await Api.Problem(await Api.PostJson(server.Client, "api/v1/experiments", new CreateExperimentRequest("nlp", null, null)),
            HttpStatusCode.Conflict, "already_exists");
        Assert.Contains("'12345'", await Api.Problem(await server.Client.GetAsync("api/v1/experiments/12345"), HttpStatusCode.NotFound, "not_found"),
            StringComparison.Ordinal);
        await Api.Problem(await server.Client.DeleteAsync("api/v1/experiments/12345"), HttpStatusCode.NotFound, "not_found");
        await Api.Problem(await Api.PostJson(server.Client, "api/v1/experiments", new CreateExperimentRequest(" ", null, null)),
            HttpStatusCode.BadRequest, "invalid_argument");
    }
}

using System.Net;

namespace Repro.Server.Tests.Mlflow;

public sealed class MlflowExperimentTests
{
    [Fact]
    public async Task Experiments_are_created_found_by_id_and_name_searched_deleted_and_restored()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var created = await http.Post("api/2.0/mlflow/experiments/create",
            new { name = "My Experiment", tags = new[] { new { key = "key1", value = "val1" }, new { key = "key2", value = "val2" } } });
        var id = created.Ok().Json.GetProperty("experiment_id").GetString()!;

        var experiment = (await http.Get($"api/2.0/mlflow/experiments/get?experiment_id={id}")).Ok().Json.GetProperty("experiment");
        Assert.Equal("My Experiment", experiment.GetProperty("name").GetString());
        Assert.Equal("active", experiment.GetProperty("lifecycle_stage").GetString());
        Assert.Equal($"mlflow-artifacts:/{id}", experiment.GetProperty("artifact_location").GetString());
        Assert.Equal(2, experiment.GetProperty("tags").GetArrayLength());
        Assert.True(experiment.GetProperty("creation_time").GetInt64() > 0);

        var byName = (await http.Get("api/2.0/mlflow/experiments/get-by-name?experiment_name=My%20Experiment")).Ok();
        Assert.Equal(id, byName.Json.GetProperty("experiment").GetProperty("experiment_id").GetString());

        var all = (await http.Post("api/2.0/mlflow/experiments/search", new { max_results = 1000 })).Ok();
        Assert.Equal(["Default", "My Experiment"], Names(all));

        (await http.Post("api/2.0/mlflow/experiments/delete", new { experiment_id = id })).Ok();
        Assert.Equal(["Default"], Names(await http.Post("api/2.0/mlflow/experiments/search", new { })));
        Assert.Equal(["My Experiment"], Names(await http.Post("api/2.0/mlflow/experiments/search", new { view_type = "DELETED_ONLY" })));
        var deleted = (await http.Get($"api/2.0/mlflow/experiments/get?experiment_id={id}")).Ok();
        Assert.Equal("deleted", deleted.Json.GetProperty("experiment").GetProperty("lifecycle_stage").GetString());

        (await http.Post("api/2.0/mlflow/experiments/restore", new { experiment_id = id })).Ok();
        Assert.Equal(["Default", "My Experiment"], Names(await http.Get("api/2.0/mlflow/experiments/search?view_type=ALL")));
    }

    [Fact]
    public async Task Experiment_search_pages_with_a_token_and_the_last_page_has_none()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        await http.CreateExperiment("a");
        await http.CreateExperiment("b");
        var first = (await http.Post("api/2.0/mlflow/experiments/search", new { max_results = 2, view_type = "ALL" })).Ok();
        Assert.Equal(2, first.Json.GetProperty("experiments").GetArrayLength());
        var token = first.Json.GetProperty("next_page_token").GetString();
        var second = (await http.Post("api/2.0/mlflow/experiments/search", new { max_results = 2, view_type = "ALL", page_token = token })).Ok();
        Assert.Equal(1, second.Json.GetProperty("experiments").GetArrayLength());
        Assert.False(second.Json.TryGetProperty("next_page_token", out _));
        Assert.Equal(3, Names(first).Concat(Names(second)).Distinct().Count());
    }

    [Fact]
    public async Task Unknown_and_duplicate_experiments_get_MLflow_codes_and_statuses()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        (await http.Get("api/2.0/mlflow/experiments/get?experiment_id=4242")).Fails(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        (await http.Get("api/2.0/mlflow/experiments/get-by-name?experiment_name=nope")).Fails(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        await http.CreateExperiment("twice");
        var again = await http.Post("api/2.0/mlflow/experiments/create", new { name = "twice" });
        again.Fails(HttpStatusCode.BadRequest, "RESOURCE_ALREADY_EXISTS");
        Assert.Contains("already exists", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_validation_quotes_the_bad_value_as_MLflow_does()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var number = await http.Post("api/2.0/mlflow/experiments/create", new { name = 123 });
        number.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.Contains("Invalid value 123 for parameter 'name'", number.Text, StringComparison.Ordinal);

        var missing = await http.Post("api/2.0/mlflow/experiments/create", new { });
        Assert.Contains("Missing value for required parameter 'name'", missing.Text, StringComparison.Ordinal);

        var location = await http.Post("api/2.0/mlflow/experiments/create", """{"name": "n", "artifact_location": 9.0}""");
        Assert.Contains("Invalid value 9.0 for parameter 'artifact_location'", location.Text, StringComparison.Ordinal);

        var tags = await http.Post("api/2.0/mlflow/experiments/create", new { name = "n", tags = "5" });
        Assert.Contains("Invalid value \\\"5\\\" for parameter 'tags'", tags.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rename_and_experiment_tags_are_kept()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var id = await http.CreateExperiment("BadName");
        (await http.Post("api/2.0/mlflow/experiments/update", new { experiment_id = id, new_name = "GoodName" })).Ok();
        (await http.Post("api/2.0/mlflow/experiments/set-experiment-tag", new { experiment_id = id, key = "dataset", value = "imagenet" })).Ok();
        (await http.Post("api/2.0/mlflow/experiments/set-experiment-tag", new { experiment_id = id, key = "dataset", value = "birds\nbikes" })).Ok();
        var experiment = (await http.Get($"api/2.0/mlflow/experiments/get?experiment_id={id}")).Ok().Json.GetProperty("experiment");
        Assert.Equal("GoodName", experiment.GetProperty("name").GetString());
        var tag = Assert.Single(experiment.GetProperty("tags").EnumerateArray());
        Assert.Equal("birds\nbikes", tag.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Experiment_search_filters_on_name_and_tags_and_orders_like_MLflow()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        Assert.Equal(["Default"], Names(await http.Post("api/2.0/mlflow/experiments/search", new { })));
        var ids = new List<string>();
        foreach (var (name, tag) in new[] { ("a", "value"), ("ab", "vaLue"), ("Abc", null) })
        {
            await Task.Delay(5);
            var tags = tag is null ? Array.Empty<object>() : [new { key = "key", value = tag }];
            ids.Add((await http.Post("api/2.0/mlflow/experiments/create", new { name, tags })).Ok().Json.GetProperty("experiment_id").GetString()!);
        }

        async Task<string[]> Search(object body) =>
            [.. (await http.Post("api/2.0/mlflow/experiments/search", body)).Ok().Json.GetProperty("experiments")
                .EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];
        Assert.Equal(["a"], await Search(new { filter = "attribute.name = 'a'" }));
        Assert.Equal(["Abc", "ab", "Default"], await Search(new { filter = "attribute.name != 'a'" }));
        Assert.Equal(["ab", "a"], await Search(new { filter = "name LIKE 'a%'" }));
        Assert.Equal(["a"], await Search(new { filter = "tag.key = 'value'" }));
        Assert.Equal(["ab"], await Search(new { filter = "tag.key != 'value'" }));
        Assert.Equal(["ab", "a"], await Search(new { filter = "tag.key ILIKE '%alu%'" }));
        Assert.Equal(["ab", "a", "Default", "Abc"], await Search(new { order_by = new[] { "name DESC" } }));
        Assert.Equal(["Abc", "ab"], await Search(new { max_results = 2 }));

        await Task.Delay(5);
        (await http.Post("api/2.0/mlflow/experiments/delete", new { experiment_id = ids[1] })).Ok();
        Assert.Equal(["Abc", "a", "Default"], await Search(new { view_type = "ACTIVE_ONLY" }));
        Assert.Equal(["ab"], await Search(new { view_type = "DELETED_ONLY" }));
        Assert.Equal(["Abc", "ab", "a", "Default"], await Search(new { view_type = "ALL" }));
    }

    private static string[] Names(MlflowAnswer answer) =>
        answer.Json.TryGetProperty("experiments", out var list)
            ? [.. list.EnumerateArray().Select(e => e.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)]
            : [];
}

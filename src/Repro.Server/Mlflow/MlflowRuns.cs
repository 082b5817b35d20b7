using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Repro.Core.Runs;

namespace Repro.Server.Mlflow;

/// <summary>How MLflow's run vocabulary maps onto Repro's records.</summary>
internal static class MlflowRuns
{
    public const string RunNameTag = "mlflow.runName";
    public const string UserTag = "mlflow.user";
    public const string LoggedModelsTag = "mlflow.log-model.history";

    /// <summary>What a run logged over the MLflow API records as its seed's source (MLflow has no seed).</summary>
    public const string SeedSource = "unknown: logged through the MLflow API";

    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brisk", "calm", "clever", "crisp", "daring", "eager", "fair", "gentle", "glad", "keen", "lively",
        "lucid", "merry", "nimble", "noble", "plucky", "quiet", "rapid", "serene", "sharp", "steady", "sunny", "swift",
    ];

    private static readonly string[] Nouns =
    [
        "badger", "bison", "crane", "dolphin", "eagle", "falcon", "finch", "fox", "gecko", "heron", "ibis", "koala", "lark",
        "lemur", "lynx", "marten", "newt", "ocelot", "otter", "owl", "panda", "puffin", "quail", "raven", "wren",
    ];

    /// <summary>MLflow's status names. Repro's INTERRUPTED (stopped by the user) is MLflow's KILLED.</summary>
    public static string StatusName(RunStatus status) => status switch
    {
        RunStatus.Running => "RUNNING",
        RunStatus.Finished => "FINISHED",
        RunStatus.Failed => "FAILED",
        _ => "KILLED",
    };

    /// <summary>
    /// Parses an MLflow RunStatus given by name or number. SCHEDULED has no Repro counterpart and is kept as RUNNING
    /// (a run created over the API is alive until it is ended).
    /// </summary>
    public static RunStatus ParseStatus(JsonElement value, string field)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return text switch
        {
            "RUNNING" or "1" or "SCHEDULED" or "2" => RunStatus.Running,
            "FINISHED" or "3" => RunStatus.Finished,
            "FAILED" or "4" => RunStatus.Failed,
            "KILLED" or "5" => RunStatus.Killed,
            _ => throw MlflowException.InvalidParameter(
                MlflowArgs.InvalidMessage(field, value, "Hint: a run status is one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED.")),
        };
    }

    public static bool IsTerminal(RunStatus status) => status != RunStatus.Running;

    /// <summary>A readable name ("brisk-otter-417") for a run created without one, as MLflow gives them.</summary>
    public static string NewName() =>
        $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}-{Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)]}-"
        + RandomNumberGenerator.GetInt32(100, 1000).ToString(CultureInfo.InvariantCulture);

    public static MlflowException RunNotFound(string id) => MlflowException.NotFound($"Run with id={id} not found");

    public static MlflowException RunNotActive(string id) =>
        MlflowException.InvalidParameter($"The run {id} must be in the 'active' state. Current state is deleted.");

    public static MlflowException ExperimentNotFound(string id) => MlflowException.NotFound($"No Experiment with id={id} exists");

    public static MlflowException ExperimentNotActive(string id) =>
        MlflowException.InvalidParameter($"The experiment {id} must be in the 'active' state. Current state is deleted.");
}

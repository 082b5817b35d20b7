using Repro.Sdk.Logging;
using Repro.Sdk.Sinks;

namespace Repro.Sdk.Tests.Support;

/// <summary>Builds runs from explicit environments, so tests never touch the process's variables.</summary>
internal static class TestRuns
{
    public const string RunId = "0123456789abcdef0123456789abcdef";

    public static Dictionary<string, string> Attached(string eventsPath, string? paramsJson = null, string seed = "42")
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["REPRO_RUN_ID"] = RunId,
            ["REPRO_EVENTS"] = eventsPath,
            ["REPRO_SEED"] = seed,
        };
        if (paramsJson is not null)
        {
            env["REPRO_PARAMS"] = paramsJson;
        }

        return env;
    }

    public static Run Create(
        IReadOnlyDictionary<string, string> environment,
        StringWriter? warnings = null,
        RunOptions? options = null,
        Func<RunStartInfo, StandaloneRun>? standaloneFactory = null) =>
        Run.Create(options ?? new RunOptions(), environment, new SdkWarnings(warnings ?? new StringWriter()), standaloneFactory);
}

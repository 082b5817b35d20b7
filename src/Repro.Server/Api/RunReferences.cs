using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Server.Api;

/// <summary>Runs named in API paths and parameters, with not-found messages that point at the API rather than the CLI.</summary>
internal static class RunReferences
{
    /// <summary>
    /// A full id (deleted runs included, so their lifecycle can be seen), a unique id prefix (4+ characters), a run name,
    /// or <c>last</c>.
    /// </summary>
    public static RunRecord Resolve(IRunStore store, string reference)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reference);
        if (RunId.IsValid(reference) && store.GetRun(new RunId(reference)) is { } byId)
        {
            return byId;
        }

        try
        {
            return store.ResolveRun(reference);
        }
        catch (ReproException e) when (e.Code == ErrorCode.NotFound)
        {
            throw NotFound(reference, e);
        }
    }

    /// <summary>The run a write names: its full id. Writes do not take prefixes, names or <c>last</c>.</summary>
    public static RunId ParseId(string text)
    {
        if (RunId.IsValid(text))
        {
            return new RunId(text);
        }

        throw new ReproException(
            ErrorCode.InvalidArgument,
            $"'{text}' is not a run id: writes name a run by its full id (32 lowercase hex characters). "
            + $"Find it with GET /api/v1/runs/{Uri.EscapeDataString(text)} (which takes a prefix, a name or `last`).");
    }

    public static ReproException NotFound(string reference, Exception? inner = null)
    {
        var message = reference.Trim() == "last"
            ? "There are no runs yet. Create one with POST /api/v1/runs."
            : $"Run '{reference}' not found: no run has that id, id prefix or name. List runs with GET /api/v1/runs.";
        return inner is null ? new ReproException(ErrorCode.NotFound, message) : new ReproException(ErrorCode.NotFound, message, inner);
    }
}

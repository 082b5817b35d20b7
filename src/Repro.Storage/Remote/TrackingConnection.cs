using Repro.Core.Errors;
using Repro.Core.Runs;

namespace Repro.Storage.Remote;

/// <summary>
/// One process's link to a tracking server: the HTTP client, the server's stores, the spool for what cannot be sent, and
/// whether the server has been lost. Once a write fails because the server cannot be reached, every later write of this
/// process goes to the spool (one warning on stderr), so a run keeps its order and never waits on a dead server twice.
/// </summary>
public sealed class TrackingConnection : IDisposable
{
    private readonly TextWriter _warnings;
    private readonly Lock _gate = new();
    private ReproException? _lost;

    public TrackingConnection(TrackingSettings settings, string pendingDirectory, string tempDirectory, TextWriter? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Uri = settings.Uri ?? throw new ArgumentException("The settings name no tracking server.", nameof(settings));
        _warnings = warnings ?? Console.Error;
        Client = new TrackingServerClient(Uri, settings.Token);
        Runs = new RemoteRunStore(Client);
        Objects = new RemoteObjectStore(Client, tempDirectory);
        Spool = new PendingSpool(pendingDirectory, Uri);
    }

    public Uri Uri { get; }

    public TrackingServerClient Client { get; }

    public RemoteRunStore Runs { get; }

    public RemoteObjectStore Objects { get; }

    public PendingSpool Spool { get; }

    /// <summary>True once a write could not reach the server; later writes are spooled.</summary>
    public bool IsLost
    {
        get
        {
            lock (_gate)
            {
                return _lost is not null;
            }
        }
    }

    /// <summary>How many requests of a run this process had to keep in the spool.</summary>
    public int SpooledFor(RunId id) => Spool.AppendedFor(id);

    /// <summary>Records that the server cannot be reached; warns once.</summary>
    internal void MarkLost(ReproException error)
    {
        lock (_gate)
        {
            if (_lost is not null)
            {
                return;
            }

            _lost = error;
        }

        try
        {
            _warnings.WriteLine(
                $"repro: warning: {error.Message} The command keeps running; what it records is kept in {Spool.TargetDirectory}. "
                + "Send it with `repro sync` when the server is back.");
        }
        catch (IOException)
        {
            // stderr gone: nothing to tell.
        }
    }

    public void Dispose()
    {
        Spool.Dispose();
        Client.Dispose();
    }
}

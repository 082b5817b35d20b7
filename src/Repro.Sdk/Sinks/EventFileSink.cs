using Repro.Core.Protocol;

namespace Repro.Sdk.Sinks;

/// <summary>
/// Appends events to the events file of the surrounding <c>repro run</c> (REPRO_EVENTS): one write call per batch of whole
/// lines. The file is opened on first use and reopened after a failure, so a transient error costs a retry, not the run.
/// </summary>
internal sealed class EventFileSink : IRunSink, IDisposable
{
    private readonly string _path;
    private readonly EventLineFormatter _formatter = new();
    private AppendOnlyFile? _file;

    public EventFileSink(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
    }

    public void Write(IReadOnlyList<ProtocolEvent> batch)
    {
        _formatter.Clear();
        foreach (var ev in batch)
        {
            _formatter.Append(ev);
        }

        try
        {
            _file ??= AppendOnlyFile.Open(_path);
            _file.Append(_formatter.Written);
        }
        catch
        {
            _file?.Dispose();
            _file = null;
            throw;
        }
    }

    public void Complete(bool success) => Dispose();

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        _formatter.Dispose();
    }
}

using System.Globalization;
using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Storage.Objects;
using Repro.Storage.Runs;

namespace Repro.Sdk.Recording;

/// <summary>
/// Turns protocol events into store batches for one run: assigns steps to metrics that gave none, stores artifact
/// files in the object store, and counts and remembers rejected lines so they can be reported at the end.
/// </summary>
public sealed class EventIngestor
{
    public const int MaxReportedProblems = 20;

    private readonly RunId _runId;
    private readonly IObjectStore _objects;
    private readonly string _workingDirectory;
    private readonly Dictionary<string, long> _nextStep = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];
    private readonly SortedDictionary<string, StreamUsage> _ledger = new(StringComparer.Ordinal);
    private bool _ledgerChanged;
    private readonly List<DataInput> _inputs = [];
    private bool _inputsChanged;

    private readonly Dictionary<string, Param> _given = new(StringComparer.Ordinal);

    public EventIngestor(
        RunId runId, IObjectStore objects, string workingDirectory, IReadOnlyList<DataInput>? inputs = null, IReadOnlyList<Param>? given = null)
    {
        foreach (var p in given ?? [])
        {
            _given[p.Key] = p;
        }

        _inputs.AddRange(inputs ?? []);
        _runId = runId;
        _objects = objects;
        _workingDirectory = workingDirectory;
    }

    public long Accepted { get; private set; }
    public long Rejected { get; private set; }

    /// <summary>The first <see cref="MaxReportedProblems"/> rejected lines, as "line N: why".</summary>
    public IReadOnlyList<string> Problems => _problems;

    public RunWriteBatch FromLines(IEnumerable<TailedLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var events = new List<ProtocolEvent>();
        foreach (var line in lines)
        {
            if (line.IsOversized)
            {
                Reject(line.LineNumber, string.Create(CultureInfo.InvariantCulture, $"longer than {EventsFileTailer.MaxLineBytes} bytes ({line.OversizedBytes} bytes); skipped"));
            }
            else if (line.IsTruncated)
            {
                Reject(line.LineNumber, "truncated (no newline at the end of the file)");
            }
            else if (string.IsNullOrWhiteSpace(line.Text))
            {
                // Blank lines are harmless separators.
            }
            else if (ProtocolParser.TryParse(line.Text, out var ev, out var error))
            {
                events.Add(ev!);
            }
            else
            {
                Reject(line.LineNumber, error);
            }
        }

        return FromEvents(events);
    }

    public RunWriteBatch FromEvents(IEnumerable<ProtocolEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var metrics = new List<MetricPoint>();
        var parameters = new List<Param>();
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var artifacts = new List<Artifact>();
        var warnings = new List<string>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var ev in events)
        {
            switch (ev)
            {
                case MetricEvent m:
                    var step = m.Step ?? (_nextStep.TryGetValue(m.Key, out var next) ? next : 0);
                    _nextStep[m.Key] = Math.Max(step + 1, _nextStep.GetValueOrDefault(m.Key));
                    metrics.Add(new MetricPoint(m.Key, m.Value, step, m.TimestampMs ?? now));
                    break;
                case ParamEvent p:
                    // A program echoing a value repro gave it (REPRO_PARAMS) keeps that value's provenance (cli, sweep).
                    if (!(_given.TryGetValue(p.Key, out var given) && given.Value == p.Value))
                    {
                        parameters.Add(new Param(p.Key, p.Value, p.Source));
                    }

                    break;
                case TagEvent t:
                    tags[t.Key] = t.Value;
                    break;
                case InputEvent i:
                    if (TryStoreInput(i, out var input, out var inputWarning))
                    {
                        _inputs.RemoveAll(x => x.Path == input!.Path);
                        _inputs.Add(input!);
                        _inputsChanged = true;
                    }
                    else
                    {
                        warnings.Add(inputWarning);
                    }

                    break;
                case StreamEvent r:
                    _ledger[r.Name] = new StreamUsage(r.Name, r.Key, r.Draws);
                    _ledgerChanged = true;
                    break;
                case ArtifactEvent a:
                    if (TryStoreArtifact(a, out var artifact, out var warning))
                    {
                        artifacts.Add(artifact!);
                    }
                    else
                    {
                        warnings.Add(warning);
                    }

                    break;
            }

            Accepted++;
        }

        return new RunWriteBatch(_runId)
        {
            Metrics = metrics,
            Params = parameters,
            Tags = tags,
            Artifacts = artifacts,
            Warnings = warnings,
            SeedLedger = TakeLedgerChange(),
            Inputs = TakeInputsChange(),
        };
    }

    private List<DataInput>? TakeInputsChange()
    {
        if (!_inputsChanged)
        {
            return null;
        }

        _inputsChanged = false;
        return [.. _inputs];
    }

    private bool TryStoreInput(InputEvent e, out DataInput? input, out string warning)
    {
        input = null;
        warning = "";
        try
        {
            var bytes = File.ReadAllBytes(e.Manifest);
            var manifest = Repro.Core.Data.DataManifest.Parse(bytes);
            using var stream = new MemoryStream(bytes);
            var (sha, _) = _objects.Put(stream);
            input = new DataInput(e.Path, manifest.Root, manifest.FileCount, manifest.TotalBytes, sha);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Repro.Core.Errors.ReproException or ArgumentException or FormatException)
        {
            warning = $"data input '{e.Path}' was reported but its manifest {e.Manifest} could not be read: {ex.Message}";
            return false;
        }
    }

    private List<StreamUsage>? TakeLedgerChange()
    {
        if (!_ledgerChanged)
        {
            return null;
        }

        _ledgerChanged = false;
        return [.. _ledger.Values];
    }

    public static bool IsEmpty(RunWriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.Create is null && batch.Complete is null && batch.Code is null && batch.Environment is null
            && batch.Metrics.Count == 0 && batch.Params.Count == 0 && batch.Tags.Count == 0
            && batch.Artifacts.Count == 0 && batch.Warnings.Count == 0 && batch.SeedLedger is null && batch.Inputs is null && batch.Verdict is null;
    }

    private bool TryStoreArtifact(ArtifactEvent a, out Artifact? artifact, out string warning)
    {
        artifact = null;
        warning = "";
        var full = Path.IsPathRooted(a.Path) ? a.Path : Path.GetFullPath(Path.Combine(_workingDirectory, a.Path));
        if (!File.Exists(full))
        {
            warning = $"artifact '{a.Path}' was reported but no such file exists (looked at {full}); not stored";
            return false;
        }

        try
        {
            var (sha, size) = _objects.PutFile(full);
            var name = a.Name ?? RelativeName(full);
            artifact = new Artifact(name, sha, size);
            return true;
        }
        catch (IOException e)
        {
            warning = $"artifact '{a.Path}' could not be stored: {e.Message}";
            return false;
        }
        catch (UnauthorizedAccessException e)
        {
            warning = $"artifact '{a.Path}' could not be read: {e.Message}";
            return false;
        }
        catch (Repro.Core.Errors.ReproException e)
        {
            warning = $"artifact '{a.Path}' could not be stored: {e.Message}";
            return false;
        }
    }

    private string RelativeName(string full)
    {
        var relative = Path.GetRelativePath(_workingDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) ? full : relative.Replace('\\', '/');
    }

    private void Reject(long lineNumber, string why)
    {
        Rejected++;
        if (_problems.Count < MaxReportedProblems)
        {
            _problems.Add(string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}: {why}"));
        }
    }
}

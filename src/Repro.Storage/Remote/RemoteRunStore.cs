using System.Globalization;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Storage.Remote;

/// <summary>
/// The run store of a tracking server, over <c>/api/v1</c>. <see cref="Write"/> becomes <c>POST /runs</c> for a create and
/// <c>POST /runs/{id}/batch</c> for the rest (metric-heavy batches are split so no request is larger than the server takes);
/// reads are GETs. Failures are <see cref="ReproException"/>s: the server's own, or <see cref="ErrorCode.Io"/> when it
/// cannot be reached.
/// </summary>
public sealed class RemoteRunStore : IRunStore
{
    /// <summary>Metric points per request: a few MB of JSON, well under the server's body limit.</summary>
    public const int MetricsPerRequest = 20_000;

    /// <summary>Runs per <see cref="ListRuns"/> request unless told otherwise: full records of a few KB each.</summary>
    public const int DefaultPageSize = 500;

    private readonly TrackingServerClient _client;

    public RemoteRunStore(TrackingServerClient client, int pageSize = DefaultPageSize)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        _client = client;
        PageSize = pageSize;
    }

    /// <summary>The most runs one <see cref="ListRuns"/> request asks for.</summary>
    public int PageSize { get; }

    public void Write(RunWriteBatch batch)
    {
        foreach (var request in Plan(batch))
        {
            Send(request);
        }
    }

    /// <summary>The requests a batch becomes, in the order they must be sent.</summary>
    public static IReadOnlyList<PendingRequest> Plan(RunWriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Create is { } created && created.Id != batch.RunId)
        {
            throw new ArgumentException($"The batch is for run {batch.RunId} but creates run {created.Id}.", nameof(batch));
        }

        var requests = new List<PendingRequest>();
        var rest = batch with { Create = null };
        if (batch.Create is { } record)
        {
            // Params and tags are upserts, so those of the batch can travel inside the created record: one request, not two.
            var parameters = record.Params.ToList();
            foreach (var p in batch.Params)
            {
                var at = parameters.FindIndex(existing => existing.Key == p.Key);
                if (at >= 0)
                {
                    parameters[at] = p;
                }
                else
                {
                    parameters.Add(p);
                }
            }

            var tags = new SortedDictionary<string, string>(record.Tags.ToDictionary(), StringComparer.Ordinal);
            foreach (var (key, value) in batch.Tags)
            {
                tags[key] = value;
            }

            requests.Add(new PendingRequest(PendingKind.Create, batch.RunId) { Record = record with { Params = parameters, Tags = tags } });
            rest = rest with { Params = [], Tags = new Dictionary<string, string>() };
        }

        var metrics = rest.Metrics;
        var chunks = metrics.Count <= MetricsPerRequest ? 0 : (metrics.Count - 1) / MetricsPerRequest;
        for (var c = 0; c < chunks; c++)
        {
            var chunk = new MetricPoint[MetricsPerRequest];
            for (var i = 0; i < chunk.Length; i++)
            {
                chunk[i] = metrics[(c * MetricsPerRequest) + i];
            }

            requests.Add(new PendingRequest(PendingKind.Batch, batch.RunId) { Batch = new RunWriteBatch(batch.RunId) { Metrics = chunk } });
        }

        if (chunks > 0)
        {
            rest = rest with { Metrics = [.. metrics.Skip(chunks * MetricsPerRequest)] };
        }

        if (!IsEmpty(rest))
        {
            requests.Add(new PendingRequest(PendingKind.Batch, batch.RunId) { Batch = rest });
        }

        return requests;
    }

    /// <summary>
    /// Sends one request. With <paramref name="createMayExist"/>, a create of a run the server already has counts as done
    /// (a resent request whose first answer was lost).
    /// </summary>
    public void Send(PendingRequest request, bool createMayExist = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (request.Kind)
        {
            case PendingKind.Create:
                try
                {
                    _client.SendJson(HttpMethod.Post, "api/v1/runs", request.Record ?? throw new ArgumentException("A create request has no record.", nameof(request)));
                }
                catch (ReproException e) when (createMayExist && e.Code is ErrorCode.Conflict or ErrorCode.AlreadyExists)
                {
                    // Delivered before; the server keeps the first copy.
                }

                break;
            case PendingKind.Batch:
                _client.SendJson(HttpMethod.Post, $"api/v1/runs/{request.RunId.Value}/batch",
                    request.Batch ?? throw new ArgumentException("A batch request has no batch.", nameof(request)));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown request kind.");
        }
    }

    public RunRecord? GetRun(RunId id) => _client.GetJson<RunEnvelope>($"api/v1/runs/{id.Value}", notFoundIsNull: true)?.Run;

    public RunRecord ResolveRun(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        return _client.GetJson<RunEnvelope>("api/v1/runs/" + TrackingServerClient.Escape(reference))!.Run;
    }

    /// <summary>
    /// Pages of full records (<c>GET /api/v1/runs?full=true</c>): one request per <see cref="PageSize"/> runs, the
    /// experiment and sweep group filtered by the server.
    /// </summary>
    public IReadOnlyList<RunRecord> ListRuns(RunQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        var records = new List<RunRecord>();
        string? token = null;
        do
        {
            var path = "api/v1/runs" + TrackingServerClient.Query(
                ("experiment", query.Experiment),
                ("group", query.Group),
                ("full", "true"),
                ("order_by", "attributes.start_time DESC"),
                ("max_results", Math.Min(PageSize, query.Limit - records.Count).ToString(CultureInfo.InvariantCulture)),
                ("page_token", token));
            RecordPage page;
            try
            {
                page = _client.GetJson<RecordPage>(path)!;
            }
            catch (ReproException e) when (e.Code == ErrorCode.NotFound && query.Experiment is not null)
            {
                return [];    // an unknown experiment has no runs, as in the local store
            }

            records.AddRange(page.Runs);
            token = page.NextPageToken;
        }
        while (token is { Length: > 0 } && records.Count < query.Limit);

        return records;
    }

    public IReadOnlyList<MetricPoint> GetMetricHistory(RunId id, string? key = null) =>
        _client.GetJson<MetricsEnvelope>($"api/v1/runs/{id.Value}/metrics" + TrackingServerClient.Query(("key", key)))!.Metrics;

    public IReadOnlyList<string> ListExperiments() =>
        [.. _client.GetJson<ExperimentsEnvelope>("api/v1/experiments")!.Experiments.Select(e => e.Name)];

    public void Dispose()
    {
        // The client belongs to the tracking connection.
    }

    internal static bool IsEmpty(RunWriteBatch batch) =>
        batch.Create is null && batch.Complete is null && batch.Code is null && batch.Environment is null
        && batch.Metrics.Count == 0 && batch.Params.Count == 0 && batch.Tags.Count == 0
        && batch.Artifacts.Count == 0 && batch.Warnings.Count == 0 && batch.SeedLedger is null && batch.Inputs is null && batch.Verdict is null;

    private sealed record RunEnvelope(RunRecord Run);

    private sealed record RecordPage(IReadOnlyList<RunRecord> Runs, string? NextPageToken);

    private sealed record MetricsEnvelope(IReadOnlyList<MetricPoint> Metrics);

    private sealed record ExperimentsEnvelope(IReadOnlyList<ExperimentName> Experiments);

    private sealed record ExperimentName(string Name);
}

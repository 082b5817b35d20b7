namespace Repro.Core.Search;

/// <summary>
/// What a search may name: which key types (<c>metrics.</c>, <c>params.</c>, ...) and which attributes, with their types,
/// for filters and for order_by. <see cref="Runs"/> and <see cref="Experiments"/> follow MLflow's search_runs and
/// search_experiments.
/// </summary>
public sealed class SearchSchema
{
    private static readonly Dictionary<string, SearchEntity> Prefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["metric"] = SearchEntity.Metric,
        ["metrics"] = SearchEntity.Metric,
        ["param"] = SearchEntity.Param,
        ["params"] = SearchEntity.Param,
        ["parameter"] = SearchEntity.Param,
        ["parameters"] = SearchEntity.Param,
        ["tag"] = SearchEntity.Tag,
        ["tags"] = SearchEntity.Tag,
        ["attribute"] = SearchEntity.Attribute,
        ["attributes"] = SearchEntity.Attribute,
        ["attr"] = SearchEntity.Attribute,
        ["run"] = SearchEntity.Attribute,
        ["dataset"] = SearchEntity.Dataset,
        ["datasets"] = SearchEntity.Dataset,
    };

    /// <param name="attributes">The attributes, in the order messages list them.</param>
    /// <param name="orderOnly">The attributes that can be ordered by but not searched (as in MLflow).</param>
    private SearchSchema(
        string what,
        IReadOnlySet<SearchEntity> entities,
        (string Name, SearchValueType Type)[] attributes,
        string[] orderOnly,
        IReadOnlyDictionary<string, string> datasetFields)
    {
        What = what;
        Entities = entities;
        FilterAttributes = Attributes(attributes.Where(a => !orderOnly.Contains(a.Name)));
        OrderAttributes = Attributes(attributes);
        DatasetFields = datasetFields;
    }

    public static SearchSchema Runs { get; } = new(
        "runs",
        new HashSet<SearchEntity>
        {
            SearchEntity.Metric, SearchEntity.Param, SearchEntity.Tag, SearchEntity.Attribute, SearchEntity.Dataset,
        },
        [
            ("run_id", SearchValueType.String),
            ("run_name", SearchValueType.String),
            ("status", SearchValueType.String),
            ("user_id", SearchValueType.String),
            ("artifact_uri", SearchValueType.String),
            ("lifecycle_stage", SearchValueType.String),
            ("experiment_id", SearchValueType.String),
            ("start_time", SearchValueType.Number),
            ("end_time", SearchValueType.Number),
            ("created", SearchValueType.Number),
        ],
        ["experiment_id"],
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["name"] = "name",
            ["digest"] = "digest",
            ["context"] = "context",
        });

    public static SearchSchema Experiments { get; } = new(
        "experiments",
        new HashSet<SearchEntity> { SearchEntity.Tag, SearchEntity.Attribute },
        [
            ("name", SearchValueType.String),
            ("experiment_id", SearchValueType.String),
            ("creation_time", SearchValueType.Number),
            ("last_update_time", SearchValueType.Number),
        ],
        ["experiment_id"],
        new Dictionary<string, string>());

    /// <summary>"runs" or "experiments", for messages.</summary>
    public string What { get; }

    public IReadOnlySet<SearchEntity> Entities { get; }

    public IReadOnlyDictionary<string, (string Name, SearchValueType Type)> FilterAttributes { get; }

    public IReadOnlyDictionary<string, (string Name, SearchValueType Type)> OrderAttributes { get; }

    public IReadOnlyDictionary<string, string> DatasetFields { get; }

    internal static bool TryEntity(string prefix, out SearchEntity entity) => Prefixes.TryGetValue(prefix, out entity);

    internal string PrefixList() =>
        string.Join(", ", Entities.Select(e => e switch
        {
            SearchEntity.Metric => "metrics.",
            SearchEntity.Param => "params.",
            SearchEntity.Tag => "tags.",
            SearchEntity.Dataset => "datasets.",
            _ => "attributes.",
        }));

    private static Dictionary<string, (string, SearchValueType)> Attributes(IEnumerable<(string Name, SearchValueType Type)> attributes)
    {
        var map = new Dictionary<string, (string, SearchValueType)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, type) in attributes)
        {
            map[name] = (name == "created" ? "start_time" : name, type);
        }

        return map;
    }
}

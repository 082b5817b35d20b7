namespace Repro.Core.Search;

/// <summary>What a search key refers to: <c>metrics.x</c>, <c>params.x</c>, <c>tags.x</c>, an attribute, or a dataset field.</summary>
public enum SearchEntity
{
    Metric,
    Param,
    Tag,
    Attribute,
    Dataset,
}

/// <summary>The comparisons of MLflow's filter syntax.</summary>
public enum SearchOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Like,
    ILike,
    In,
    NotIn,
    IsNull,
    IsNotNull,
}

/// <summary>Whether a key compares as a number (metrics, times) or as a string (params, tags, names).</summary>
public enum SearchValueType
{
    String,
    Number,
}

/// <summary>A key of a search: for attributes and dataset fields <see cref="Name"/> is the canonical attribute name.</summary>
public sealed record SearchKey(SearchEntity Entity, string Name, SearchValueType Type)
{
    public override string ToString() => Entity switch
    {
        SearchEntity.Metric => "metrics." + Name,
        SearchEntity.Param => "params." + Name,
        SearchEntity.Tag => "tags." + Name,
        SearchEntity.Dataset => "datasets." + Name,
        _ => "attributes." + Name,
    };
}

/// <summary>The right-hand side of a comparison.</summary>
public abstract record SearchValue;

public sealed record SearchText(string Text) : SearchValue;

public sealed record SearchNumber(double Number) : SearchValue;

public sealed record SearchTextList(IReadOnlyList<string> Items) : SearchValue;

/// <summary>One comparison; <see cref="Value"/> is null for IS NULL / IS NOT NULL.</summary>
public sealed record SearchComparison(SearchKey Key, SearchOperator Operator, SearchValue? Value);

/// <summary>A parsed filter: comparisons joined by AND (an empty filter has none and matches everything).</summary>
public sealed record SearchFilter(IReadOnlyList<SearchComparison> Comparisons)
{
    public static SearchFilter Empty { get; } = new([]);
}

/// <summary>One order_by clause.</summary>
public sealed record SearchOrder(SearchKey Key, bool Ascending);

public static class SearchOperators
{
    public static string ToSql(this SearchOperator op) => op switch
    {
        SearchOperator.Equal => "=",
        SearchOperator.NotEqual => "!=",
        SearchOperator.Less => "<",
        SearchOperator.LessOrEqual => "<=",
        SearchOperator.Greater => ">",
        SearchOperator.GreaterOrEqual => ">=",
        SearchOperator.Like => "LIKE",
        SearchOperator.ILike => "ILIKE",
        SearchOperator.In => "IN",
        SearchOperator.NotIn => "NOT IN",
        SearchOperator.IsNull => "IS NULL",
        _ => "IS NOT NULL",
    };
}

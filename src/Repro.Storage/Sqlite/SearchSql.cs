using System.Globalization;
using System.Text;
using Repro.Core.Errors;
using Repro.Core.Search;

namespace Repro.Storage.Sqlite;

/// <summary>
/// Turns parsed search comparisons into SQL conditions. Values always travel as parameters (<c>$p0</c>, <c>$p1</c>, ...);
/// only fixed column names and operators from the parsed syntax are written into the SQL text.
/// </summary>
internal sealed class SearchSql
{
    public const int MaxResultsLimit = 50_000;

    private readonly List<(string Name, object? Value)> _parameters = [];

    public IReadOnlyList<(string Name, object? Value)> Parameters => _parameters;

    public string Add(object? value)
    {
        var name = "$p" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
        _parameters.Add((name, value));
        return name;
    }

    /// <summary>A condition on a column or expression of the right type (text or number), for every operator but IS [NOT] NULL.</summary>
    public string Compare(string column, SearchComparison comparison)
    {
        switch (comparison.Operator)
        {
            case SearchOperator.Like:
                return $"{column} GLOB {Add(LikeToGlob(Text(comparison)))}";
            case SearchOperator.ILike:
                // SQLite's LIKE ignores ASCII case, which is what ILIKE asks for; MLflow's patterns have no escape character.
                return $"{column} LIKE {Add(Text(comparison))}";
            case SearchOperator.In:
            case SearchOperator.NotIn:
                var items = ((SearchTextList)comparison.Value!).Items.Select(i => Add(i));
                return $"{column} {comparison.Operator.ToSql()} ({string.Join(", ", items)})";
            default:
                object value = comparison.Value switch
                {
                    SearchNumber n => n.Number,
                    SearchText t => t.Text,
                    _ => throw new ArgumentException("A comparison without a value.", nameof(comparison)),
                };
                return $"{column} {comparison.Operator.ToSql()} {Add(value)}";
        }
    }

    /// <summary>Checks max_results and decodes the page token into an offset.</summary>
    public static long Offset(int maxResults, string? pageToken, string scope)
    {
        if (maxResults < 1 || maxResults > MaxResultsLimit)
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"max_results must be between 1 and {MaxResultsLimit}, but was {maxResults.ToString(CultureInfo.InvariantCulture)}.");
        }

        return SearchPageToken.Decode(pageToken, scope);
    }

    /// <summary>
    /// MLflow's LIKE (case-sensitive, % and _ wildcards, no escape) as a GLOB pattern, which is case-sensitive in SQLite.
    /// </summary>
    public static string LikeToGlob(string like)
    {
        var glob = new StringBuilder(like.Length + 8);
        foreach (var c in like)
        {
            glob.Append(c switch
            {
                '%' => "*",
                '_' => "?",
                '*' => "[*]",
                '?' => "[?]",
                '[' => "[[]",
                _ => c.ToString(),
            });
        }

        return glob.ToString();
    }

    private static string Text(SearchComparison comparison) => ((SearchText)comparison.Value!).Text;
}

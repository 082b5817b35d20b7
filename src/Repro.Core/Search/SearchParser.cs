using System.Globalization;

namespace Repro.Core.Search;

/// <summary>
/// Parses MLflow's search syntax: comparisons joined by AND (<c>metrics.acc &gt; 0.9 and params.lr = '0.01'</c>), and
/// order_by clauses (<c>metrics.acc DESC</c>). Pure. Every error is a <c>ReproException(ErrorCode.InvalidArgument)</c> whose
/// message names the 1-based character position and what was expected there.
/// </summary>
public static class SearchParser
{
    private const string NumberOperators = "=, !=, <, <=, >, >=";
    private const string StringOperators = "=, !=, LIKE, ILIKE, IN, NOT IN";
    private const string AllOperators = "=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN";

    /// <summary>Parses a filter; null or blank is the empty filter.</summary>
    public static SearchFilter ParseFilter(string? filter, SearchSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (string.IsNullOrWhiteSpace(filter))
        {
            return SearchFilter.Empty;
        }

        const string Context = "filter";
        var tokens = SearchTokenizer.Tokenize(filter, Context);
        var cursor = new Cursor(tokens);
        var comparisons = new List<SearchComparison>();
        while (true)
        {
            comparisons.Add(ParseComparison(cursor, schema, Context));
            var next = cursor.Peek;
            if (next.Kind == TokenKind.End)
            {
                return new SearchFilter(comparisons);
            }

            if (next.IsKeyword("and"))
            {
                cursor.Next();
                if (cursor.Peek.Kind == TokenKind.End)
                {
                    throw SearchErrors.At(Context, cursor.Peek.Position, "expected a comparison after AND");
                }

                continue;
            }

            if (next.IsKeyword("or"))
            {
                throw SearchErrors.At(
                    Context,
                    next.Position,
                    "OR is not supported: MLflow's filter syntax joins comparisons with AND only (run one search per alternative, "
                    + "or use IN ('a', 'b') for several values of one key)");
            }

            throw SearchErrors.At(Context, next.Position, $"expected AND or the end of the filter, found {next.Describe()}");
        }
    }

    /// <summary>Parses one order_by clause: a key, then optionally ASC or DESC (ascending when neither is given).</summary>
    public static SearchOrder ParseOrderBy(string clause, SearchSchema schema)
    {
        ArgumentNullException.ThrowIfNull(clause);
        ArgumentNullException.ThrowIfNull(schema);
        var context = $"order_by clause '{clause}'";
        var tokens = SearchTokenizer.Tokenize(clause, context);
        var cursor = new Cursor(tokens);
        var first = cursor.Next();
        if (first.Kind != TokenKind.Identifier)
        {
            throw SearchErrors.At(
                context,
                first.Position,
                $"expected a key to order by (like metrics.acc or attributes.start_time), found {first.Describe()}");
        }

        var key = ResolveKey(first, schema, context, forOrder: true);
        var ascending = true;
        var next = cursor.Peek;
        if (next.IsKeyword("asc") || next.IsKeyword("desc"))
        {
            ascending = next.IsKeyword("asc");
            cursor.Next();
        }

        if (cursor.Peek.Kind != TokenKind.End)
        {
            throw SearchErrors.At(
                context,
                cursor.Peek.Position,
                $"expected ASC, DESC or the end of the clause, found {cursor.Peek.Describe()}");
        }

        return new SearchOrder(key, ascending);
    }

    private static SearchComparison ParseComparison(Cursor cursor, SearchSchema schema, string context)
    {
        var keyToken = cursor.Next();
        if (keyToken.Kind == TokenKind.LeftParen)
        {
            throw SearchErrors.At(context, keyToken.Position, "parentheses are only allowed around IN lists; join comparisons with AND");
        }

        if (keyToken.Kind != TokenKind.Identifier || keyToken.IsKeyword("and") || keyToken.IsKeyword("or"))
        {
            throw SearchErrors.At(
                context,
                keyToken.Position,
                $"expected a key (like metrics.acc, params.lr, tags.x or attributes.status), found {keyToken.Describe()}");
        }

        var key = ResolveKey(keyToken, schema, context, forOrder: false);
        var (op, opToken) = ParseOperator(cursor, keyToken, context);
        CheckOperator(key, op, opToken, keyToken, context);
        if (op is SearchOperator.IsNull or SearchOperator.IsNotNull)
        {
            return new SearchComparison(key, op, null);
        }

        if (op is SearchOperator.In or SearchOperator.NotIn)
        {
            return new SearchComparison(key, op, ParseList(cursor, keyToken, op, context));
        }

        var valueToken = cursor.Next();
        var after = $"'{keyToken.Raw} {op.ToSql()}'";
        if (key.Type == SearchValueType.Number)
        {
            if (valueToken.Kind != TokenKind.Number)
            {
                throw SearchErrors.At(context, valueToken.Position, $"expected a number after {after}, found {valueToken.Describe()}");
            }

            var number = double.Parse(valueToken.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
            return new SearchComparison(key, op, new SearchNumber(number));
        }

        if (valueToken.Kind != TokenKind.String)
        {
            throw SearchErrors.At(
                context,
                valueToken.Position,
                $"expected a quoted string after {after}, found {valueToken.Describe()} "
                + $"(values of {KeyKind(key)} are strings: quote them, e.g. '0.01')");
        }

        return new SearchComparison(key, op, new SearchText(valueToken.Text));
    }

    private static (SearchOperator Op, SearchToken Token) ParseOperator(Cursor cursor, SearchToken keyToken, string context)
    {
        var token = cursor.Next();
        if (token.Kind == TokenKind.Operator)
        {
            return (token.Text switch
            {
                "=" => SearchOperator.Equal,
                "!=" => SearchOperator.NotEqual,
                "<" => SearchOperator.Less,
                "<=" => SearchOperator.LessOrEqual,
                ">" => SearchOperator.Greater,
                _ => SearchOperator.GreaterOrEqual,
            }, token);
        }

        if (token.IsKeyword("like"))
        {
            return (SearchOperator.Like, token);
        }

        if (token.IsKeyword("ilike"))
        {
            return (SearchOperator.ILike, token);
        }

        if (token.IsKeyword("in"))
        {
            return (SearchOperator.In, token);
        }

        if (token.IsKeyword("not"))
        {
            var next = cursor.Next();
            if (next.IsKeyword("in"))
            {
                return (SearchOperator.NotIn, token);
            }

            throw SearchErrors.At(context, next.Position, $"expected IN after NOT, found {next.Describe()}");
        }

        if (token.IsKeyword("is"))
        {
            var next = cursor.Next();
            if (next.IsKeyword("null"))
            {
                return (SearchOperator.IsNull, token);
            }

            if (next.IsKeyword("not") && cursor.Peek.IsKeyword("null"))
            {
                cursor.Next();
                return (SearchOperator.IsNotNull, token);
            }

            throw SearchErrors.At(context, next.Position, $"expected NULL or NOT NULL after IS, found {next.Describe()}");
        }

        throw SearchErrors.At(
            context,
            token.Position,
            $"expected a comparison operator ({AllOperators}) after '{keyToken.Raw}', found {token.Describe()}");
    }

    private static void CheckOperator(SearchKey key, SearchOperator op, SearchToken opToken, SearchToken keyToken, string context)
    {
        var nullable = key.Entity is SearchEntity.Metric or SearchEntity.Param or SearchEntity.Tag;
        if (op is SearchOperator.IsNull or SearchOperator.IsNotNull)
        {
            if (!nullable)
            {
                throw SearchErrors.At(
                    context,
                    opToken.Position,
                    $"IS NULL and IS NOT NULL apply to metrics, params and tags only, not to '{keyToken.Raw}'");
            }

            return;
        }

        var numeric = key.Type == SearchValueType.Number;
        var allowed = numeric
            ? op is SearchOperator.Equal or SearchOperator.NotEqual or SearchOperator.Less or SearchOperator.LessOrEqual
                or SearchOperator.Greater or SearchOperator.GreaterOrEqual
            : op is SearchOperator.Equal or SearchOperator.NotEqual or SearchOperator.Like or SearchOperator.ILike
                or SearchOperator.In or SearchOperator.NotIn;
        if (!allowed)
        {
            var list = numeric ? NumberOperators : StringOperators;
            var nulls = nullable ? ", IS NULL, IS NOT NULL" : "";
            throw SearchErrors.At(
                context,
                opToken.Position,
                $"'{op.ToSql()}' cannot compare '{keyToken.Raw}' ({KeyKind(key)} compare as {(numeric ? "numbers" : "strings")}); "
                + $"use {list}{nulls}");
        }
    }

    private static SearchTextList ParseList(Cursor cursor, SearchToken keyToken, SearchOperator op, string context)
    {
        var open = cursor.Next();
        if (open.Kind != TokenKind.LeftParen)
        {
            throw SearchErrors.At(
                context,
                open.Position,
                $"expected '(' to start the list after '{keyToken.Raw} {op.ToSql()}', found {open.Describe()}");
        }

        var items = new List<string>();
        while (true)
        {
            var item = cursor.Next();
            if (item.Kind != TokenKind.String)
            {
                throw SearchErrors.At(
                    context,
                    item.Position,
                    $"expected a quoted string in the {op.ToSql()} list, found {item.Describe()}");
            }

            items.Add(item.Text);
            var separator = cursor.Next();
            if (separator.Kind == TokenKind.RightParen)
            {
                return new SearchTextList(items);
            }

            if (separator.Kind != TokenKind.Comma)
            {
                throw SearchErrors.At(
                    context,
                    separator.Position,
                    $"expected ',' or ')' in the {op.ToSql()} list, found {separator.Describe()}");
            }
        }
    }

    private static SearchKey ResolveKey(SearchToken token, SearchSchema schema, string context, bool forOrder)
    {
        SearchEntity entity;
        if (token.Prefix is null)
        {
            entity = SearchEntity.Attribute;
        }
        else if (!SearchSchema.TryEntity(token.Prefix, out entity) || !schema.Entities.Contains(entity))
        {
            throw SearchErrors.At(
                context,
                token.Position,
                $"unknown key type '{token.Prefix}' in '{token.Raw}'; {schema.What} can be searched by {schema.PrefixList()}");
        }

        if (forOrder && entity == SearchEntity.Dataset)
        {
            throw SearchErrors.At(context, token.Position, $"{schema.What} cannot be ordered by dataset fields ('{token.Raw}')");
        }

        switch (entity)
        {
            case SearchEntity.Metric:
                return new SearchKey(entity, token.Text, SearchValueType.Number);
            case SearchEntity.Param:
            case SearchEntity.Tag:
                return new SearchKey(entity, token.Text, SearchValueType.String);
            case SearchEntity.Dataset:
                return schema.DatasetFields.TryGetValue(token.Text, out var field)
                    ? new SearchKey(entity, field, SearchValueType.String)
                    : throw SearchErrors.At(
                        context,
                        token.Position,
                        $"'{token.Raw}' is not a dataset field; use "
                        + string.Join(", ", schema.DatasetFields.Keys.Select(k => "datasets." + k)));
            default:
                var attributes = forOrder ? schema.OrderAttributes : schema.FilterAttributes;
                if (attributes.TryGetValue(token.Text, out var attribute))
                {
                    return new SearchKey(SearchEntity.Attribute, attribute.Name, attribute.Type);
                }

                var hint = token.Prefix is null && schema.Entities.Contains(SearchEntity.Metric)
                    ? " (name metrics, params and tags with their prefix: metrics.x, params.x, tags.x)"
                    : "";
                throw SearchErrors.At(
                    context,
                    token.Position,
                    $"'{token.Raw}' is not an attribute {schema.What} can be {(forOrder ? "ordered" : "searched")} by; "
                    + $"use one of {string.Join(", ", attributes.Keys.Where(k => k != "created"))}{hint}");
        }
    }

    private static string KeyKind(SearchKey key) => key.Entity switch
    {
        SearchEntity.Metric => "metrics",
        SearchEntity.Param => "params",
        SearchEntity.Tag => "tags",
        SearchEntity.Dataset => "dataset fields",
        _ => key.Type == SearchValueType.Number ? "time attributes" : "string attributes",
    };

    private sealed class Cursor(List<SearchToken> tokens)
    {
        private int _index;

        public SearchToken Peek => tokens[_index];

        public SearchToken Next()
        {
            var token = tokens[_index];
            if (_index < tokens.Count - 1)
            {
                _index++;
            }

            return token;
        }
    }
}

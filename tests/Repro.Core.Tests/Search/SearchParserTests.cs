using Repro.Core.Errors;
using Repro.Core.Search;

namespace Repro.Core.Tests.Search;

public sealed class SearchParserTests
{
    private static SearchFilter Runs(string filter) => SearchParser.ParseFilter(filter, SearchSchema.Runs);

    private static ReproException Fails(string filter, SearchSchema? schema = null)
    {
        var error = Assert.Throws<ReproException>(() => SearchParser.ParseFilter(filter, schema ?? SearchSchema.Runs));
        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        return error;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_filter_matches_everything(string? filter)
    {
        Assert.Empty(SearchParser.ParseFilter(filter, SearchSchema.Runs).Comparisons);
    }

    [Fact]
    public void Metrics_and_params_joined_by_and_parse_in_order()
    {
        var filter = Runs("metrics.acc > 0.9 and params.lr = '0.01'");

        Assert.Equal(
            [
                new SearchComparison(new SearchKey(SearchEntity.Metric, "acc", SearchValueType.Number), SearchOperator.Greater, new SearchNumber(0.9)),
                new SearchComparison(new SearchKey(SearchEntity.Param, "lr", SearchValueType.String), SearchOperator.Equal, new SearchText("0.01")),
            ],
            filter.Comparisons);
    }

    [Theory]
    [InlineData("metrics.x = 1", SearchOperator.Equal)]
    [InlineData("metrics.x != 1", SearchOperator.NotEqual)]
    [InlineData("metrics.x < 1", SearchOperator.Less)]
    [InlineData("metrics.x <= 1", SearchOperator.LessOrEqual)]
    [InlineData("metrics.x > 1", SearchOperator.Greater)]
    [InlineData("metrics.x >= 1", SearchOperator.GreaterOrEqual)]
    [InlineData("params.x = '1'", SearchOperator.Equal)]
    [InlineData("params.x != '1'", SearchOperator.NotEqual)]
    [InlineData("params.x LIKE '1%'", SearchOperator.Like)]
    [InlineData("params.x ilike '1%'", SearchOperator.ILike)]
    [InlineData("tags.x IN ('1', '2')", SearchOperator.In)]
    [InlineData("tags.x NOT IN ('1')", SearchOperator.NotIn)]
    [InlineData("tags.x IS NULL", SearchOperator.IsNull)]
    [InlineData("metrics.x is not null", SearchOperator.IsNotNull)]
    [InlineData("attributes.status = 'FINISHED'", SearchOperator.Equal)]
    [InlineData("attributes.start_time >= 1714564800000", SearchOperator.GreaterOrEqual)]
    [InlineData("datasets.digest IN ('ab')", SearchOperator.In)]
    public void Every_operator_parses(string filter, SearchOperator expected)
    {
        Assert.Equal(expected, Assert.Single(Runs(filter).Comparisons).Operator);
    }

    [Fact]
    public void Comparisons_need_no_spaces_and_numbers_may_be_negative_or_exponents()
    {
        var comparisons = Runs("metrics.loss<-1.5e-3 AND metrics.acc>=.5").Comparisons;

        Assert.Equal(new SearchNumber(-1.5e-3), comparisons[0].Value);
        Assert.Equal(new SearchNumber(0.5), comparisons[1].Value);
    }

    [Fact]
    public void Keys_in_backquotes_or_double_quotes_may_hold_spaces_and_symbols()
    {
        var comparisons = Runs("metrics.`my key` > 1 and params.\"model class\" = 'cnn' and tags.`a``b` = 'x'").Comparisons;

        Assert.Equal(["my key", "model class", "a`b"], comparisons.Select(c => c.Key.Name));
    }

    [Fact]
    public void Bare_keys_may_hold_dots_slashes_and_dashes()
    {
        var comparisons = Runs("tags.mlflow.runName = 'x' and metrics.val/loss-avg < 2").Comparisons;

        Assert.Equal(["mlflow.runName", "val/loss-avg"], comparisons.Select(c => c.Key.Name));
    }

    [Fact]
    public void Strings_take_single_or_double_quotes_and_doubled_quotes_escape()
    {
        var comparisons = Runs("params.a = 'it''s' and params.b = \"say \"\"hi\"\"\" and params.c = 'back\\'slash'").Comparisons;

        Assert.Equal([new SearchText("it's"), new SearchText("say \"hi\""), new SearchText("back'slash")], comparisons.Select(c => c.Value));
    }

    [Fact]
    public void In_lists_keep_their_items_in_order()
    {
        var comparison = Assert.Single(Runs("attributes.run_id IN ('a', \"b\",'c')").Comparisons);

        Assert.Equal(["a", "b", "c"], ((SearchTextList)comparison.Value!).Items);
    }

    [Theory]
    [InlineData("attributes.status = 'x'")]
    [InlineData("attribute.status = 'x'")]
    [InlineData("attr.status = 'x'")]
    [InlineData("run.status = 'x'")]
    [InlineData("status = 'x'")]
    [InlineData("ATTRIBUTES.STATUS = 'x'")]
    public void Attribute_prefixes_and_bare_attribute_names_are_accepted(string filter)
    {
        Assert.Equal(new SearchKey(SearchEntity.Attribute, "status", SearchValueType.String), Assert.Single(Runs(filter).Comparisons).Key);
    }

    [Theory]
    [InlineData("metric.a = 1", SearchEntity.Metric)]
    [InlineData("param.a = '1'", SearchEntity.Param)]
    [InlineData("parameters.a = '1'", SearchEntity.Param)]
    [InlineData("tag.a = '1'", SearchEntity.Tag)]
    [InlineData("dataset.name = 'x'", SearchEntity.Dataset)]
    public void Singular_and_long_prefixes_are_accepted(string filter, SearchEntity entity)
    {
        Assert.Equal(entity, Assert.Single(Runs(filter).Comparisons).Key.Entity);
    }

    [Fact]
    public void Created_is_start_time()
    {
        Assert.Equal("start_time", Assert.Single(Runs("attributes.created > 5").Comparisons).Key.Name);
    }

    [Fact]
    public void A_missing_operator_names_the_position_and_the_operators()
    {
        var error = Fails("params.lr = '1' and metrics.acc 0.9");

        Assert.Equal(
            "Invalid filter at position 33: expected a comparison operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN) after "
            + "'metrics.acc', found '0.9'.",
            error.Message);
    }

    [Fact]
    public void Or_is_refused_with_a_hint()
    {
        var error = Fails("metrics.a > 1 or metrics.b > 1");

        Assert.StartsWith("Invalid filter at position 15: OR is not supported", error.Message, StringComparison.Ordinal);
        Assert.Contains("IN (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unquoted_param_value_asks_for_quotes()
    {
        var error = Fails("params.lr = 0.01");

        Assert.StartsWith("Invalid filter at position 13: expected a quoted string after 'params.lr ='", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_metric_value_asks_for_a_number()
    {
        Assert.StartsWith("Invalid filter at position 15: expected a number after 'metrics.acc >'", Fails("metrics.acc > '0.9'").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metrics.acc LIKE '1'", 13, "'LIKE' cannot compare 'metrics.acc'")]
    [InlineData("params.lr > '1'", 11, "'>' cannot compare 'params.lr'")]
    [InlineData("attributes.start_time IN ('1')", 23, "'IN' cannot compare")]
    [InlineData("attributes.status IS NULL", 19, "IS NULL and IS NOT NULL apply to metrics, params and tags only")]
    public void An_operator_the_key_type_does_not_allow_is_refused(string filter, int position, string message)
    {
        var error = Fails(filter);

        Assert.StartsWith($"Invalid filter at position {position}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metricz.acc > 1", 1, "unknown key type 'metricz'")]
    [InlineData("attributes.nope = 'x'", 1, "'attributes.nope' is not an attribute runs can be searched by")]
    [InlineData("acc > 1", 1, "name metrics, params and tags with their prefix")]
    [InlineData("datasets.size = 'x'", 1, "is not a dataset field")]
    [InlineData("metrics. > 1", 9, "expected a key after 'metrics.'")]
    [InlineData("params.a = 'open", 12, "unterminated string")]
    [InlineData("metrics.`open > 1", 9, "unterminated quoted key")]
    [InlineData("metrics.a == 1", 11, "'==' is not an operator")]
    [InlineData("metrics.a > 1 and", 18, "expected a comparison after AND")]
    [InlineData("metrics.a > 1 metrics.b > 2", 15, "expected AND or the end of the filter, found 'metrics.b'")]
    [InlineData("(metrics.a > 1)", 1, "parentheses are only allowed around IN lists")]
    [InlineData("params.a IN 'x'", 13, "expected '(' to start the list")]
    [InlineData("params.a IN ('x' 'y')", 18, "expected ',' or ')' in the IN list")]
    [InlineData("params.a IN ('x', 1)", 19, "expected a quoted string in the IN list")]
    [InlineData("params.a NOT 'x'", 14, "expected IN after NOT")]
    [InlineData("params.a IS 'x'", 13, "expected NULL or NOT NULL after IS")]
    [InlineData("metrics.a > 1 # x", 15, "unexpected character '#'")]
    [InlineData("metrics.a > 12abc", 13, "is not a number")]
    [InlineData("metrics.a >", 12, "expected a number after 'metrics.a >', found the end of the input")]
    public void Errors_name_the_position_and_what_was_expected(string filter, int position, string message)
    {
        var error = Fails(filter);

        Assert.StartsWith($"Invalid filter at position {position}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Experiments_are_searched_by_name_tags_and_times()
    {
        var filter = SearchParser.ParseFilter("name LIKE 'vision%' and tags.team = 'a' and creation_time > 5", SearchSchema.Experiments);

        Assert.Equal(["name", "team", "creation_time"], filter.Comparisons.Select(c => c.Key.Name));
        Assert.Contains("unknown key type 'metrics'", Fails("metrics.a > 1", SearchSchema.Experiments).Message, StringComparison.Ordinal);
        Assert.Contains("'>' cannot compare 'name'", Fails("name > 'a'", SearchSchema.Experiments).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metrics.acc DESC", SearchEntity.Metric, "acc", false)]
    [InlineData("params.lr asc", SearchEntity.Param, "lr", true)]
    [InlineData("attributes.start_time", SearchEntity.Attribute, "start_time", true)]
    [InlineData("tags.`my tag` DESC", SearchEntity.Tag, "my tag", false)]
    [InlineData("run_name", SearchEntity.Attribute, "run_name", true)]
    public void Order_by_clauses_parse(string clause, SearchEntity entity, string name, bool ascending)
    {
        var order = SearchParser.ParseOrderBy(clause, SearchSchema.Runs);

        Assert.Equal(entity, order.Key.Entity);
        Assert.Equal(name, order.Key.Name);
        Assert.Equal(ascending, order.Ascending);
    }

    [Theory]
    [InlineData("metrics.acc DOWN", 13, "expected ASC, DESC or the end of the clause")]
    [InlineData("'acc'", 1, "expected a key to order by")]
    [InlineData("datasets.name", 1, "cannot be ordered by dataset fields")]
    [InlineData("attributes.nope", 1, "is not an attribute runs can be ordered by")]
    public void Bad_order_by_clauses_name_the_position(string clause, int position, string message)
    {
        var error = Assert.Throws<ReproException>(() => SearchParser.ParseOrderBy(clause, SearchSchema.Runs));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.StartsWith($"Invalid order_by clause '{clause}' at position {position}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Experiments_order_by_name_id_and_times()
    {
        Assert.Equal("experiment_id", SearchParser.ParseOrderBy("experiment_id DESC", SearchSchema.Experiments).Key.Name);
        Assert.Equal("last_update_time", SearchParser.ParseOrderBy("last_update_time", SearchSchema.Experiments).Key.Name);
    }

    [Fact]
    public void Page_tokens_round_trip_and_a_tampered_one_is_invalid()
    {
        var token = SearchPageToken.Encode(300, "runs");

        Assert.Equal(300, SearchPageToken.Decode(token, "runs"));
        Assert.Equal(0, SearchPageToken.Decode(null, "runs"));
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => SearchPageToken.Decode(token, "experiments")).Code);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => SearchPageToken.Decode(token[..^2] + "!!", "runs")).Code);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => SearchPageToken.Decode("bm90IGpzb24", "runs")).Code);
        var negative = Convert.ToBase64String("{\"o\":-5,\"s\":\"runs\"}"u8.ToArray()).TrimEnd('=');
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => SearchPageToken.Decode(negative, "runs")).Code);
    }
}

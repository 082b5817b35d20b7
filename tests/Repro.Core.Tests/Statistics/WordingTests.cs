using Repro.Core.Statistics;

namespace Repro.Core.Tests.Statistics;

public sealed class WordingTests
{
    [Theory]
    [InlineData(1.7983955783288086e-08, "2e-8")]
    [InlineData(0.00096, "1e-3")]
    [InlineData(0.0316, "0.032")]
    [InlineData(0.6372784195015764, "0.64")]
    [InlineData(1.0, "1")]
    [InlineData(0.0, "0")]
    public void P_values_show_two_significant_digits_or_one_in_e_notation(double p, string expected)
    {
        Assert.Equal(expected, Wording.PValue(p));
    }

    [Theory]
    [InlineData(1.37, 1)]
    [InlineData(0.0305, 3)]
    [InlineData(250.0, 0)]
    [InlineData(0.0, -1)]
    [InlineData(double.NaN, -1)]
    public void Decimals_show_two_significant_digits_of_the_uncertainty(double scale, int expected)
    {
        Assert.Equal(expected, Wording.DecimalsFor(scale));
    }

    [Fact]
    public void Numbers_that_round_to_zero_never_show_a_minus_sign()
    {
        Assert.Equal("0.0", Wording.Number(-0.04, 1));
        Assert.Equal("-0.1", Wording.Number(-0.06, 1));
    }

    [Theory]
    [InlineData(0.95, "95%")]
    [InlineData(0.995, "99.5%")]
    public void Levels_read_as_percentages(double level, string expected)
    {
        Assert.Equal(expected, Wording.Level(level));
    }
}

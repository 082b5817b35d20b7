using Digits;

namespace Repro.Sdk.Tests;

/// <summary>The digits example's exp and log, built from IEEE operations so deterministic runs match across machines.</summary>
public sealed class DigitsPortableMathTests
{
    [Fact]
    public void Exp_agrees_with_the_C_library_to_within_two_ulps_where_softmax_uses_it()
    {
        for (var x = -120.0; x <= 80.0; x += 0.0371)
        {
            var expected = Math.Exp(x);
            var ulp = Math.BitIncrement(expected) - expected;
            var actual = PortableMath.Exp(x);
            Assert.True(Math.Abs(actual - expected) <= 2 * ulp, $"Exp({x:R}) = {actual:R}, the C library gives {expected:R}");
        }
    }

    [Fact]
    public void Exp_is_exact_at_zero_and_saturates_like_the_C_library()
    {
        Assert.Equal(1.0, PortableMath.Exp(0.0));
        Assert.Equal(0.0, PortableMath.Exp(-800.0));
        Assert.Equal(double.PositiveInfinity, PortableMath.Exp(710.0));
        Assert.True(double.IsFinite(PortableMath.Exp(709.7)));
        Assert.Equal(Math.Exp(709.7), PortableMath.Exp(709.7), 1e-13 * Math.Exp(709.7));
        Assert.True(double.IsNaN(PortableMath.Exp(double.NaN)));
    }

    [Fact]
    public void Log_agrees_with_the_C_library_to_within_two_ulps()
    {
        for (var x = 1e-12; x < 1e6; x *= 1.0731)
        {
            var expected = Math.Log(x);
            var ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            var actual = PortableMath.Log(x);
            Assert.True(Math.Abs(actual - expected) <= 2 * ulp, $"Log({x:R}) = {actual:R}, the C library gives {expected:R}");
        }
    }

    [Fact]
    public void Log_handles_the_edges_like_the_C_library()
    {
        Assert.Equal(0.0, PortableMath.Log(1.0));
        Assert.Equal(double.NegativeInfinity, PortableMath.Log(0.0));
        Assert.Equal(double.PositiveInfinity, PortableMath.Log(double.PositiveInfinity));
        Assert.True(double.IsNaN(PortableMath.Log(-1.0)));
        Assert.True(double.IsNaN(PortableMath.Log(double.NaN)));
        Assert.Equal(Math.Log(double.Epsilon), PortableMath.Log(double.Epsilon), 1e-12);
    }

    [Theory]
    [InlineData(-0.5, 0x3FE368B2FC6F960AL)] // the bits glibc's exp gives too
    [InlineData(-3.25, 0x3FA3DA368521902DL)]
    [InlineData(-17.125, 0x3E639D4EC6B9F3D3L)]
    [InlineData(-87.5, 0x380B2CAEEAAB824AL)]
    public void Exp_has_the_recorded_bits_on_every_machine(double x, long bits) =>
        Assert.Equal(bits, BitConverter.DoubleToInt64Bits(PortableMath.Exp(x)));

    [Theory]
    [InlineData(1e-12, unchecked((long)0xC03BA18A998FFFA0UL))] // the bits glibc's log gives too
    [InlineData(0.3, unchecked((long)0xBFF34378FCBDA721UL))]
    [InlineData(0.999, unchecked((long)0xBF5064670D979B73UL))]
    [InlineData(2.5, 0x3FED5240F0E0E078L)]
    public void Log_has_the_recorded_bits_on_every_machine(double x, long bits) =>
        Assert.Equal(bits, BitConverter.DoubleToInt64Bits(PortableMath.Log(x)));
}

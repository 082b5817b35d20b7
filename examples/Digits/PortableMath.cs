namespace Digits;

/// <summary>
/// e^x and ln x from IEEE-754 additions, multiplications and divisions only, so their bits are the same on every operating
/// system, CPU and runtime. <see cref="Math.Exp"/>, <see cref="MathF.Exp"/> and <see cref="Math.Log(double)"/> call the C
/// library, whose last bits differ between glibc versions, musl, macOS and Windows, and between its FMA and non-FMA code.
/// Accuracy is about an ulp of double, far below what the float training needs; the point is identical bits.
/// </summary>
internal static class PortableMath
{
    // ln 2 split so that k * Ln2Hi is exact for |k| < 2^11.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double InverseLn2 = 1.44269504088896338700e+00;
    private const double MaxExponent = 709.782712893384; // ln(double.MaxValue)
    private const double MinExponent = -708.0;            // e^x below this is under 2^-1021: taken as 0

    /// <summary>e^<paramref name="x"/>; 0 for x below -708, infinity above ln(double.MaxValue), NaN for NaN.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x > MaxExponent)
        {
            return double.PositiveInfinity;
        }

        if (x < MinExponent)
        {
            return 0.0;
        }

        // x = k ln 2 + r with |r| <= ln 2 / 2; e^x = 2^k e^r.
        var k = Math.Round(x * InverseLn2, MidpointRounding.ToEven);
        var r = (x - (k * Ln2Hi)) - (k * Ln2Lo);

        // Taylor series of e^r through r^13 / 13!: the first omitted term is below 2^-57 of the result.
        var p = 1.0 / 6227020800.0;          // 1/13!
        p = (1.0 / 479001600.0) + (r * p);   // 1/12!
        p = (1.0 / 39916800.0) + (r * p);    // 1/11!
        p = (1.0 / 3628800.0) + (r * p);     // 1/10!
        p = (1.0 / 362880.0) + (r * p);      // 1/9!
        p = (1.0 / 40320.0) + (r * p);       // 1/8!
        p = (1.0 / 5040.0) + (r * p);        // 1/7!
        p = (1.0 / 720.0) + (r * p);         // 1/6!
        p = (1.0 / 120.0) + (r * p);         // 1/5!
        p = (1.0 / 24.0) + (r * p);          // 1/4!
        p = (1.0 / 6.0) + (r * p);           // 1/3!
        p = 0.5 + (r * p);
        p = 1.0 + (r * p);
        p = 1.0 + (r * p);

        // 2^k for k in [-1021, 1024]; 2^1024 is not a double, so it is applied as 2^1023 * 2.
        var exponent = (int)k;
        return exponent > 1023 ? p * PowerOfTwo(1023) * 2.0 : p * PowerOfTwo(exponent);
    }

    /// <summary>
    /// ln <paramref name="x"/>; like <see cref="Math.Log(double)"/>, NaN below 0 and for NaN, -infinity at 0, infinity at infinity.
    /// </summary>
    public static double Log(double x) =>
        !(x > 0) || double.IsPositiveInfinity(x)
            ? (x == 0 ? double.NegativeInfinity : x > 0 ? x : double.NaN)
            : Repro.Core.Numerics.PortableMath.Log(x);

    private static double PowerOfTwo(int exponent) => BitConverter.Int64BitsToDouble((long)(exponent + 1023) << 52);
}

namespace Repro.Core.Numerics;

/// <summary>
/// Logarithm and cosine built only from IEEE-754 additions, multiplications, divisions and square roots, so their bits are
/// the same on every operating system, CPU and runtime. <see cref="Math.Log(double)"/> and <see cref="Math.Cos"/> call the
/// platform's C library, whose last bits differ between glibc, musl, macOS and Windows.
/// Accuracy is a few units in the last place; the point is identical bits, not the last ulp.
/// </summary>
public static class PortableMath
{
    // ln 2 split so that k * Ln2Hi is exact for |k| < 2^11.
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double Sqrt2 = 1.4142135623730951;
    private const double HalfPi = 1.5707963267948966;

    /// <summary>Natural logarithm of a positive, finite, normal number.</summary>
    public static double Log(double x)
    {
        if (!(x >= double.Epsilon) || double.IsInfinity(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Log takes a positive finite number.");
        }

        var k = 0;
        if (!double.IsNormal(x))
        {
            x *= 18014398509481984.0; // 2^54
            k = -54;
        }

        var bits = BitConverter.DoubleToInt64Bits(x);
        k += (int)(bits >> 52) - 1023;
        var m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L); // m in [1, 2)
        if (m > Sqrt2)
        {
            m *= 0.5;
            k++;
        }

        // ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.1716, so terms through s^23 reach 2^-60.
        var s = (m - 1.0) / (m + 1.0);
        var z = s * s;
        var series = 1.0 / 23.0;
        series = (1.0 / 21.0) + (z * series);
        series = (1.0 / 19.0) + (z * series);
        series = (1.0 / 17.0) + (z * series);
        series = (1.0 / 15.0) + (z * series);
        series = (1.0 / 13.0) + (z * series);
        series = (1.0 / 11.0) + (z * series);
        series = (1.0 / 9.0) + (z * series);
        series = (1.0 / 7.0) + (z * series);
        series = (1.0 / 5.0) + (z * series);
        series = (1.0 / 3.0) + (z * series);
        var lnM = (2.0 * s) + (2.0 * s * z * series);
        return (k * Ln2Hi) + ((k * Ln2Lo) + lnM);
    }

    /// <summary>cos(2 pi u) for u in [0, 1], reduced exactly to a quarter turn before the polynomial.</summary>
    public static double CosTwoPi(double u)
    {
        if (!(u >= 0.0 && u <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(u), u, "CosTwoPi takes a fraction of a turn in [0, 1].");
        }

        var t = 4.0 * u;                                   // quarter turns, exact
        var q = Math.Round(t, MidpointRounding.ToEven);   // nearest quarter, exact
        var x = (t - q) * HalfPi;                          // |x| <= pi/4
        return ((int)q & 3) switch
        {
            0 => CosKernel(x),
            1 => -SinKernel(x),
            2 => -CosKernel(x),
            _ => SinKernel(x),
        };
    }

    // Taylor polynomials: on |x| <= pi/4 the first omitted terms are below 2^-58.
    private static double CosKernel(double x)
    {
        var z = x * x;
        var p = 1.0 / 20922789888000.0;        // 1/16!
        p = (-1.0 / 87178291200.0) + (z * p);  // -1/14!
        p = (1.0 / 479001600.0) + (z * p);     // 1/12!
        p = (-1.0 / 3628800.0) + (z * p);      // -1/10!
        p = (1.0 / 40320.0) + (z * p);         // 1/8!
        p = (-1.0 / 720.0) + (z * p);          // -1/6!
        p = (1.0 / 24.0) + (z * p);            // 1/4!
        return 1.0 - (0.5 * z) + (z * z * p);
    }

    private static double SinKernel(double x)
    {
        var z = x * x;
        var p = 1.0 / 355687428096000.0;       // 1/17!
        p = (-1.0 / 1307674368000.0) + (z * p); // -1/15!
        p = (1.0 / 6227020800.0) + (z * p);     // 1/13!
        p = (-1.0 / 39916800.0) + (z * p);      // -1/11!
        p = (1.0 / 362880.0) + (z * p);         // 1/9!
        p = (-1.0 / 5040.0) + (z * p);          // -1/7!
        p = (1.0 / 120.0) + (z * p);            // 1/5!
        p = (-1.0 / 6.0) + (z * p);             // -1/3!
        return x + (x * z * p);
    }
}

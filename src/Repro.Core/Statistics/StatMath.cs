using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.RootFinding;

namespace Repro.Core.Statistics;

/// <summary>The distribution functions and sample helpers the statistics share; all distributions come from MathNet.Numerics.</summary>
internal static class StatMath
{
    /// <summary>
    /// The <paramref name="p"/> quantile of Student's t with <paramref name="degreesOfFreedom"/> (SciPy's t.ppf). MathNet's
    /// InvCDF stops its root search up to about 5e-11 relative from the root; Newton steps on its CDF and PDF bring that to
    /// about 1e-13.
    /// </summary>
    public static double StudentTQuantile(double p, double degreesOfFreedom)
    {
        if (double.IsNaN(p) || double.IsNaN(degreesOfFreedom))
        {
            return double.NaN;
        }

        double x;
        try
        {
            x = StudentT.InvCDF(0, 1, degreesOfFreedom, p);
        }
        catch (NonConvergenceException)
        {
            // InvCDF only searches [-800, 800]; quantiles beyond (one or two degrees of freedom at levels near 1) need a wider bracket.
            var bound = 1600.0;
            while (StudentT.CDF(0, 1, degreesOfFreedom, bound) < Math.Max(p, 1 - p) && bound < 1e300)
            {
                bound *= 2;
            }

            x = Brent.FindRoot(t => StudentT.CDF(0, 1, degreesOfFreedom, t) - p, -bound, bound, 1e-12, 1000);
        }

        for (var i = 0; i < 4; i++)
        {
            var step = (StudentT.CDF(0, 1, degreesOfFreedom, x) - p) / StudentT.PDF(0, 1, degreesOfFreedom, x);
            if (!double.IsFinite(step))
            {
                break;
            }

            x -= step;
            if (Math.Abs(step) <= 1e-15 * Math.Abs(x))
            {
                break;
            }
        }

        return x;
    }

    /// <summary>Two-sided p-value of a t statistic: 2 P(T &gt; |t|).</summary>
    public static double StudentTTwoSidedP(double t, double degreesOfFreedom)
    {
        if (double.IsNaN(t) || double.IsNaN(degreesOfFreedom))
        {
            return double.NaN;
        }

        if (double.IsInfinity(t))
        {
            return 0;
        }

        return Math.Min(1, 2 * StudentT.CDF(0, 1, degreesOfFreedom, -Math.Abs(t)));
    }

    /// <summary>Upper tail of the standard normal, P(Z &gt; z), accurate far into the tail.</summary>
    public static double NormalUpperTail(double z) => Normal.CDF(0, 1, -z);

    /// <summary>The <paramref name="p"/> quantile of the standard normal.</summary>
    public static double NormalQuantile(double p) => Normal.InvCDF(0, 1, p);

    /// <summary>ln Γ(x).</summary>
    public static double GammaLn(double x) => SpecialFunctions.GammaLn(x);

    /// <summary>The median of values sorted ascending (mean of the two middle values for an even count); NaN when empty.</summary>
    public static double MedianOfSorted(IReadOnlyList<double> sorted)
    {
        var n = sorted.Count;
        if (n == 0)
        {
            return double.NaN;
        }

        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>
    /// The <paramref name="q"/> quantile of values sorted ascending, interpolating linearly between order statistics at
    /// position q (n - 1): NumPy's default ("linear", Hyndman and Fan type 7).
    /// </summary>
    public static double QuantileOfSorted(ReadOnlySpan<double> sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1)
        {
            return sorted[^1];
        }

        return sorted[lo] + ((h - lo) * (sorted[lo + 1] - sorted[lo]));
    }

    /// <summary>a / b where 0 / 0 is 0 rather than NaN: a zero difference with zero spread is no evidence of anything.</summary>
    public static double RatioOrZero(double a, double b) => a == 0 && b == 0 ? 0 : a / b;
}

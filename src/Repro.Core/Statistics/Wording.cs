using System.Globalization;

namespace Repro.Core.Statistics;

/// <summary>How numbers appear in verdict sentences: as many decimals as the uncertainty justifies, invariant culture.</summary>
internal static class Wording
{
    /// <summary>Decimals showing two significant digits of <paramref name="scale"/> (a width or spread); -1 if 0 or not finite.</summary>
    public static int DecimalsFor(double scale)
    {
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            return -1;
        }

        return Math.Clamp(1 - (int)Math.Floor(Math.Log10(scale)), 0, 12);
    }

    /// <summary><paramref name="value"/> with <paramref name="decimals"/> decimals (-1: four significant digits), never "-0.0".</summary>
    public static string Number(double value, int decimals)
    {
        if (decimals < 0 || !double.IsFinite(value))
        {
            return value.ToString("G4", CultureInfo.InvariantCulture);
        }

        var rounded = Math.Round(value, decimals);
        if (rounded == 0)
        {
            rounded = 0;   // drops the sign of -0
        }

        return rounded.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>A value as given, shortest round-trip form: 30.3, 0.5.</summary>
    public static string Exact(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A p-value: two significant digits ("0.64", "0.032"), or one digit in e-notation below 0.001 ("2e-8").</summary>
    public static string PValue(double p)
    {
        if (double.IsNaN(p))
        {
            return "NaN";
        }

        if (p == 0 || p >= 0.001)
        {
            return p.ToString("G2", CultureInfo.InvariantCulture);
        }

        var exponent = (int)Math.Floor(Math.Log10(p));
        var mantissa = Math.Round(p / Math.Pow(10, exponent));
        if (mantissa >= 10)
        {
            mantissa = 1;
            exponent++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{mantissa}e{exponent}");
    }

    /// <summary>A confidence level as a percentage: 0.95 → "95%", 0.995 → "99.5%".</summary>
    public static string Level(double confidenceLevel) =>
        (confidenceLevel * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>"1 result" / "3 results".</summary>
    public static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}

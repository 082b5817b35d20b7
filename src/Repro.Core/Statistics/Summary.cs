using System.Text.Json.Serialization;

namespace Repro.Core.Statistics;

/// <summary>
/// Descriptive statistics of one group of per-seed results: count, mean, standard deviation (n - 1 denominator), standard
/// error, a Student t confidence interval of the mean, minimum, median and maximum. NaN results are left out of every
/// statistic and counted in <see cref="NaNCount"/>; infinities are kept, since a diverged run is a result.
/// </summary>
/// <remarks>
/// Undefined statistics are NaN rather than absent: with no values every statistic is NaN; with one value the standard
/// deviation, standard error and interval are NaN while mean, minimum, median and maximum are that value. Identical values
/// give a standard deviation of exactly 0 and an interval that collapses to the mean.
/// </remarks>
/// <param name="Count">How many values were used (NaN excluded).</param>
/// <param name="NaNCount">How many values were NaN and left out.</param>
/// <param name="Mean">The arithmetic mean.</param>
/// <param name="StandardDeviation">The sample standard deviation, sqrt(sum (x - mean)^2 / (n - 1)).</param>
/// <param name="StandardError">The standard error of the mean, s / sqrt(n).</param>
/// <param name="ConfidenceLevel">The level of <see cref="MeanInterval"/>, such as 0.95.</param>
/// <param name="MeanInterval">mean ± t((1 + level) / 2, n - 1) · s / sqrt(n).</param>
/// <param name="Min">The smallest value.</param>
/// <param name="Median">The middle value (mean of the two middle values for an even count).</param>
/// <param name="Max">The largest value.</param>
public sealed record Summary(
    int Count,
    [property: JsonPropertyName("nanCount")] int NaNCount,
    double Mean,
    double StandardDeviation,
    double StandardError,
    double ConfidenceLevel,
    Interval MeanInterval,
    double Min,
    double Median,
    double Max)
{
    /// <summary>Summarises <paramref name="values"/>, with the interval of the mean at <paramref name="confidenceLevel"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="confidenceLevel"/> is not strictly between 0 and 1.</exception>
    public static Summary Of(IEnumerable<double> values, double confidenceLevel = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        CheckConfidenceLevel(confidenceLevel);

        var all = values.ToList();
        var sorted = all.Where(v => !double.IsNaN(v)).ToList();
        sorted.Sort();
        var nanCount = all.Count - sorted.Count;
        var n = sorted.Count;
        if (n == 0)
        {
            return new Summary(0, nanCount, double.NaN, double.NaN, double.NaN, confidenceLevel, Interval.Undefined,
                double.NaN, double.NaN, double.NaN);
        }

        var min = sorted[0];
        var max = sorted[^1];
        var median = StatMath.MedianOfSorted(sorted);
        double mean;
        double std;
        if (min == max)
        {
            // Summing identical values can round (3 x 0.1 = 0.30000000000000004); the exact answer is known.
            mean = min;
            std = n >= 2 ? 0 : double.NaN;
        }
        else
        {
            mean = sorted.Sum() / n;
            var squares = 0.0;
            foreach (var v in sorted)
            {
                squares += (v - mean) * (v - mean);
            }

            std = n >= 2 ? Math.Sqrt(squares / (n - 1)) : double.NaN;
        }

        var standardError = std / Math.Sqrt(n);
        var interval = Interval.Undefined;
        if (n >= 2)
        {
            var halfWidth = StatMath.StudentTQuantile((1 + confidenceLevel) / 2, n - 1) * standardError;
            interval = new Interval(mean - halfWidth, mean + halfWidth);
        }

        return new Summary(n, nanCount, mean, std, standardError, confidenceLevel, interval, min, median, max);
    }

    internal static void CheckConfidenceLevel(double confidenceLevel)
    {
        if (!(confidenceLevel > 0 && confidenceLevel < 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(confidenceLevel), confidenceLevel, "The confidence level must be strictly between 0 and 1, such as 0.95.");
        }
    }
}

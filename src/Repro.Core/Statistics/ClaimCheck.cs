using System.Globalization;
using Repro.Core.Errors;

namespace Repro.Core.Statistics;

/// <summary>
/// Whether a reported value (a paper's "30.3% error") is consistent with a group's per-seed results: where the claim sits
/// in the sample (z-score, percentile), and whether it lies inside the prediction interval for one new run and inside the
/// confidence interval of the mean.
/// </summary>
/// <remarks>
/// z = (claim - mean) / s (0 when the claim equals the mean and s is 0). Percentile = 100 (below + equal / 2) / n, where
/// below and equal count the results under and equal to the claim. Prediction interval: mean ± t((1 + level) / 2, n - 1) ·
/// s · sqrt(1 + 1/n), which covers one new run's result with probability level if results are normal. A claim inside the
/// prediction interval but outside the interval of the mean is one a single run can reach but the average cannot.
/// </remarks>
/// <param name="Summary">The results the claim is checked against (NaN results left out and counted there).</param>
/// <param name="ClaimedValue">The reported value.</param>
/// <param name="ZScore">(claim - mean) / standard deviation.</param>
/// <param name="Percentile">The claim's percentile among the results, 0 to 100.</param>
/// <param name="PredictionInterval">Where one new run's result is expected to fall, at the summary's confidence level.</param>
/// <param name="InsidePredictionInterval">The claim lies in <see cref="PredictionInterval"/>: a run like these could report it.</param>
/// <param name="InsideMeanInterval">The claim lies in the confidence interval of the mean.</param>
/// <param name="Sentence">The conclusion in words, with the numbers behind it.</param>
public sealed record ClaimCheck(
    Summary Summary,
    double ClaimedValue,
    double ZScore,
    double Percentile,
    Interval PredictionInterval,
    bool InsidePredictionInterval,
    bool InsideMeanInterval,
    string Sentence)
{
    /// <summary>Checks <paramref name="claimedValue"/> against <paramref name="values"/>, one result per seed.</summary>
    /// <exception cref="ReproException">
    /// <see cref="ErrorCode.InvalidArgument"/>: fewer than 2 results that are not NaN; the message says how many more runs are needed.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The claim is not a finite number, or the level is not between 0 and 1.</exception>
    public static ClaimCheck Of(IEnumerable<double> values, double claimedValue, double confidenceLevel = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!double.IsFinite(claimedValue))
        {
            throw new ArgumentOutOfRangeException(nameof(claimedValue), claimedValue, "The claimed value must be a finite number.");
        }

        var list = values.ToList();
        var summary = Summary.Of(list, confidenceLevel);
        if (summary.Count < 2)
        {
            var nan = summary.NaNCount > 0 ? string.Create(CultureInfo.InvariantCulture, $" besides {summary.NaNCount} NaN") : "";
            var have = (summary.Count == 1 ? "is " : "are ") + Wording.Count(summary.Count, "result") + nan;
            var more = (2 - summary.Count).ToString(CultureInfo.InvariantCulture);
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"Cannot check the claim {Wording.Exact(claimedValue)}: there {have}, but a spread needs at least 2. "
                + $"Run {more} more with new seeds (repro run --seed <seed> -- <command>), then check again.");
        }

        var below = list.Count(v => v < claimedValue);
        var equal = list.Count(v => v == claimedValue);
        var percentile = 100.0 * (below + (equal / 2.0)) / summary.Count;
        var z = StatMath.RatioOrZero(claimedValue - summary.Mean, summary.StandardDeviation);

        var n = summary.Count;
        var halfWidth = summary.StandardDeviation == 0
            ? 0
            : StatMath.StudentTQuantile((1 + confidenceLevel) / 2, n - 1) * summary.StandardDeviation * Math.Sqrt(1 + (1.0 / n));
        var prediction = new Interval(summary.Mean - halfWidth, summary.Mean + halfWidth);
        var insidePrediction = prediction.Contains(claimedValue);
        var insideMean = summary.MeanInterval.Contains(claimedValue);

        var check = new ClaimCheck(summary, claimedValue, z, percentile, prediction, insidePrediction, insideMean, Sentence: "");
        return check with { Sentence = Describe(check) };
    }

    private static string Describe(ClaimCheck c)
    {
        var s = c.Summary;
        var decimals = Wording.DecimalsFor(s.StandardDeviation);
        if (decimals < 0)
        {
            decimals = Wording.DecimalsFor(Math.Abs(s.Mean) / 1000);
        }

        string N(double x) => Wording.Number(x, decimals);
        var level = Wording.Level(s.ConfidenceLevel);
        var nan = s.NaNCount > 0 ? $", {Wording.Count(s.NaNCount, "NaN result")} left out" : "";
        var context = string.Create(
            CultureInfo.InvariantCulture,
            $"{s.Count} seeds (mean {N(s.Mean)}, std {N(s.StandardDeviation)}{nan}; z = {c.ZScore:0.00}, percentile {c.Percentile:0})");
        var prediction = $"{level} prediction interval for a new run ({N(c.PredictionInterval.Lower)} to {N(c.PredictionInterval.Upper)})";
        var mean = $"{level} CI of the mean ({N(s.MeanInterval.Lower)} to {N(s.MeanInterval.Upper)})";
        var claim = Wording.Exact(c.ClaimedValue);

        if (!c.InsidePredictionInterval)
        {
            return $"The claimed {claim} is not consistent with {context}: it lies outside the {prediction}";
        }

        return c.InsideMeanInterval
            ? $"The claimed {claim} is consistent with {context}: it lies inside the {prediction} and the {mean}"
            : $"The claimed {claim} is within reach of a single run of {context}: it lies inside the {prediction}, "
                + $"but outside the {mean}, so the average run does not reach it";
    }
}

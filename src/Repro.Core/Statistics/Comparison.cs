using System.Globalization;
using Repro.Core.Errors;
using Repro.Core.Randomness;

namespace Repro.Core.Statistics;

/// <summary>What <see cref="Comparison.Of"/> concludes about the claim "A is better than B".</summary>
public enum ComparisonVerdict
{
    /// <summary>Significant at 1 - confidence level, and the whole confidence interval of the difference favours A.</summary>
    Holds,

    /// <summary>Significant, and the whole confidence interval favours B: the opposite of the claim.</summary>
    Reversed,

    /// <summary>The results cannot tell A and B apart.</summary>
    Inconclusive,
}

/// <summary>How <see cref="Comparison.Of"/> reads its two groups.</summary>
public sealed record ComparisonOptions
{
    /// <summary>True when a larger metric is better (accuracy); false when smaller is better (loss, error rate).</summary>
    public bool HigherIsBetter { get; init; } = true;

    /// <summary>The level of every interval; the significance level is 1 minus it. Strictly between 0 and 1.</summary>
    public double ConfidenceLevel { get; init; } = 0.95;

    /// <summary>How many bootstrap resamples to draw; at least 1.</summary>
    public int BootstrapResamples { get; init; } = 10_000;

    /// <summary>The seed of the bootstrap's random stream, so the bootstrap interval itself reproduces.</summary>
    public long BootstrapSeed { get; init; }

    /// <summary>
    /// The difference (in metric units, positive) the sample-size estimate should detect; null to use the observed difference.
    /// </summary>
    public double? TargetDifference { get; init; }

    /// <summary>What the sentence calls the first group.</summary>
    public string NameA { get; init; } = "A";

    /// <summary>What the sentence calls the second group.</summary>
    public string NameB { get; init; } = "B";
}

/// <summary>A t-test: the statistic, its degrees of freedom and the two-sided p-value.</summary>
public sealed record TTest(double T, double DegreesOfFreedom, double PValue);

/// <summary>
/// Two groups of per-seed results compared, treating each seed's result as a sample: the difference of means (A - B) with its
/// Welch confidence interval, Welch's and Student's t-tests, the Mann-Whitney U test, Hedges' g, a percentile bootstrap
/// interval, how many seeds per side would detect a given difference, and a verdict on the claim "A is better than B".
/// </summary>
/// <remarks>
/// <para>
/// Welch: se = sqrt(sA²/nA + sB²/nB), t = (meanA - meanB) / se, df by Welch-Satterthwaite
/// (sA²/nA + sB²/nB)² / ((sA²/nA)² / (nA - 1) + (sB²/nB)² / (nB - 1)); the interval is the difference
/// ± t((1 + level) / 2, df) · se.
/// Student: the same with the pooled variance sp² = ((nA - 1) sA² + (nB - 1) sB²) / (nA + nB - 2) and df = nA + nB - 2.
/// When both groups have zero spread, t is ±∞ with p = 0 if the means differ, and 0 with p = 1 if they are equal; the Welch
/// df then falls back to nA + nB - 2.
/// </para>
/// <para>
/// Hedges' g = J · (meanA - meanB) / sp with the exact small-sample correction J = Γ(df / 2) / (sqrt(df / 2) Γ((df - 1) / 2)),
/// df = nA + nB - 2 (about 1 - 3 / (4 df - 1)).
/// </para>
/// <para>
/// Bootstrap: each resample draws nA values of A and nB values of B with replacement from the stream "bootstrap" of
/// <c>new RandomStreams(BootstrapSeed)</c> (indices by <see cref="RandomStream.NextInt(int)"/>, A's then B's) and takes the
/// difference of means; the interval is the (1 - level) / 2 and (1 + level) / 2 quantiles of those differences, interpolated
/// linearly as NumPy does. The same inputs and seed give the same interval on every machine.
/// </para>
/// <para>
/// Seeds per side: the smallest n with n ≥ 2 (z(1 - α/2) + z(power))² sp² / δ² (two-sided, equal group sizes, normal
/// approximation), with each z replaced by the t quantile at df = 2n - 2 so that small samples are not underestimated;
/// α = 1 - level, power = 0.8, δ = <see cref="ComparisonOptions.TargetDifference"/> or else |meanA - meanB|. Null when δ is 0.
/// </para>
/// </remarks>
/// <param name="A">The first group, the one the claim favours.</param>
/// <param name="B">The second group.</param>
/// <param name="Options">The options the comparison used.</param>
/// <param name="Difference">meanA - meanB.</param>
/// <param name="DifferenceInterval">Welch confidence interval of <see cref="Difference"/>.</param>
/// <param name="Welch">Welch's t-test (unequal variances); its p-value decides the verdict.</param>
/// <param name="Student">Student's t-test (pooled variance).</param>
/// <param name="MannWhitney">The Mann-Whitney U test.</param>
/// <param name="HedgesG">Hedges' g of A - B, in pooled standard deviations.</param>
/// <param name="BootstrapInterval">Percentile bootstrap interval of <see cref="Difference"/>.</param>
/// <param name="PooledStandardDeviation">sp, the pooled standard deviation.</param>
/// <param name="TargetDifference">δ, the difference the sample-size estimate is for.</param>
/// <param name="RequiredSeedsPerSide">About how many seeds per side detect δ with power 0.8; null when δ is 0.</param>
/// <param name="Verdict">What the results say about "A is better than B".</param>
/// <param name="Sentence">The verdict in words, with the numbers behind it.</param>
public sealed record Comparison(
    Summary A,
    Summary B,
    ComparisonOptions Options,
    double Difference,
    Interval DifferenceInterval,
    TTest Welch,
    TTest Student,
    MannWhitneyTest MannWhitney,
    double HedgesG,
    Interval BootstrapInterval,
    double PooledStandardDeviation,
    double TargetDifference,
    int? RequiredSeedsPerSide,
    ComparisonVerdict Verdict,
    string Sentence)
{
    /// <summary>The power the sample-size estimate aims for.</summary>
    public const double Power = 0.8;

    /// <summary>The stream of <see cref="RandomStreams"/> the bootstrap draws from.</summary>
    public const string BootstrapStream = "bootstrap";

    /// <summary>
    /// Compares per-seed results <paramref name="a"/> against <paramref name="b"/>; NaN results are left out and counted.
    /// </summary>
    /// <exception cref="ReproException">
    /// <see cref="ErrorCode.InvalidArgument"/>: a side has fewer than 2 results that are not NaN; the message says how many more
    /// runs each side needs.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static Comparison Of(IEnumerable<double> a, IEnumerable<double> b, ComparisonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        options ??= new ComparisonOptions();
        CheckOptions(options);

        var level = options.ConfidenceLevel;
        var listA = a.ToList();
        var listB = b.ToList();
        var summaryA = Summary.Of(listA, level);
        var summaryB = Summary.Of(listB, level);
        RequireTwoPerSide(summaryA, summaryB, options);
        var valuesA = listA.Where(v => !double.IsNaN(v)).ToArray();
        var valuesB = listB.Where(v => !double.IsNaN(v)).ToArray();

        int nA = summaryA.Count, nB = summaryB.Count;
        var difference = summaryA.Mean - summaryB.Mean;
        var varA = summaryA.StandardDeviation * summaryA.StandardDeviation;
        var varB = summaryB.StandardDeviation * summaryB.StandardDeviation;

        var pooledDf = nA + nB - 2.0;
        var pooledVariance = (((nA - 1) * varA) + ((nB - 1) * varB)) / pooledDf;
        var pooledStd = Math.Sqrt(pooledVariance);
        var studentT = StatMath.RatioOrZero(difference, Math.Sqrt(pooledVariance * ((1.0 / nA) + (1.0 / nB))));
        var student = new TTest(studentT, pooledDf, StatMath.StudentTTwoSidedP(studentT, pooledDf));

        var shareA = varA / nA;
        var shareB = varB / nB;
        var welchSe = Math.Sqrt(shareA + shareB);
        var welchDf = welchSe == 0
            ? pooledDf
            : (shareA + shareB) * (shareA + shareB) / ((shareA * shareA / (nA - 1)) + (shareB * shareB / (nB - 1)));
        var welchT = StatMath.RatioOrZero(difference, welchSe);
        var welch = new TTest(welchT, welchDf, StatMath.StudentTTwoSidedP(welchT, welchDf));
        var halfWidth = welchSe == 0 ? 0 : StatMath.StudentTQuantile((1 + level) / 2, welchDf) * welchSe;
        var differenceInterval = new Interval(difference - halfWidth, difference + halfWidth);

        var correction = Math.Exp(StatMath.GammaLn(pooledDf / 2) - StatMath.GammaLn((pooledDf - 1) / 2)) / Math.Sqrt(pooledDf / 2);
        var hedgesG = correction * StatMath.RatioOrZero(difference, pooledStd);

        var target = options.TargetDifference ?? Math.Abs(difference);
        var required = RequiredPerSide(pooledStd, target, 1 - level);

        var verdict = Decide(difference, differenceInterval, welch.PValue, 1 - level, options.HigherIsBetter);
        var comparison = new Comparison(
            summaryA,
            summaryB,
            options,
            difference,
            differenceInterval,
            welch,
            student,
            MannWhitneyTest.Of(valuesA, valuesB),
            hedgesG,
            Bootstrap(valuesA, valuesB, options),
            pooledStd,
            target,
            required,
            verdict,
            Sentence: "");
        return comparison with { Sentence = Describe(comparison) };
    }

    private static void CheckOptions(ComparisonOptions options)
    {
        Summary.CheckConfidenceLevel(options.ConfidenceLevel);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BootstrapResamples, 1, nameof(options));
        if (options.TargetDifference is { } target && !(target > 0 && double.IsFinite(target)))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), target, "The target difference must be a positive number in the metric's units, such as 0.5.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.NameA, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.NameB, nameof(options));
    }

    private static void RequireTwoPerSide(Summary a, Summary b, ComparisonOptions options)
    {
        if (a.Count >= 2 && b.Count >= 2)
        {
            return;
        }

        static string Has(string name, Summary s) =>
            string.Create(CultureInfo.InvariantCulture, $"{name} has {Wording.Count(s.Count, "result")}")
            + (s.NaNCount > 0 ? string.Create(CultureInfo.InvariantCulture, $" besides {s.NaNCount} NaN") : "");

        static string More(string name, Summary s) =>
            string.Create(CultureInfo.InvariantCulture, $"{2 - s.Count} more of {name}");

        var needs = new List<string>();
        if (a.Count < 2)
        {
            needs.Add(More(options.NameA, a));
        }

        if (b.Count < 2)
        {
            needs.Add(More(options.NameB, b));
        }

        throw new ReproException(
            ErrorCode.InvalidArgument,
            $"Cannot compare {options.NameA} with {options.NameB}: {Has(options.NameA, a)} and {Has(options.NameB, b)}, "
            + $"but each side needs at least 2 results. Run {string.Join(" and ", needs)} with new seeds "
            + "(repro run --seed <seed> -- <command>), then compare again.");
    }

    private static int? RequiredPerSide(double pooledStd, double target, double alpha)
    {
        if (!(target > 0) || double.IsNaN(pooledStd) || double.IsInfinity(pooledStd) || double.IsInfinity(target))
        {
            return null;
        }

        var ratio = pooledStd * pooledStd / (target * target);
        double Needed(double zAlpha, double zPower) => 2 * (zAlpha + zPower) * (zAlpha + zPower) * ratio;

        var normal = Needed(StatMath.NormalQuantile(1 - (alpha / 2)), StatMath.NormalQuantile(Power));
        if (normal >= int.MaxValue)
        {
            return int.MaxValue;
        }

        // n - needed(n) increases with n (t quantiles shrink as df grows), so the first n that suffices is the answer.
        var n = Math.Max(2, (int)Math.Ceiling(normal));
        while (n < int.MaxValue
            && n < Needed(StatMath.StudentTQuantile(1 - (alpha / 2), (2.0 * n) - 2), StatMath.StudentTQuantile(Power, (2.0 * n) - 2)))
        {
            n++;
        }

        return n;
    }

    private static ComparisonVerdict Decide(double difference, Interval interval, double p, double alpha, bool higherIsBetter)
    {
        if (!(p < alpha) || interval.Contains(0) || !interval.IsDefined)
        {
            return ComparisonVerdict.Inconclusive;
        }

        var favoursA = higherIsBetter ? difference > 0 : difference < 0;
        return favoursA ? ComparisonVerdict.Holds : ComparisonVerdict.Reversed;
    }

    private static Interval Bootstrap(double[] a, double[] b, ComparisonOptions options)
    {
        var stream = new RandomStreams(options.BootstrapSeed).Get(BootstrapStream);
        var differences = new double[options.BootstrapResamples];
        for (var r = 0; r < differences.Length; r++)
        {
            var sumA = 0.0;
            for (var i = 0; i < a.Length; i++)
            {
                sumA += a[stream.NextInt(a.Length)];
            }

            var sumB = 0.0;
            for (var i = 0; i < b.Length; i++)
            {
                sumB += b[stream.NextInt(b.Length)];
            }

            differences[r] = (sumA / a.Length) - (sumB / b.Length);
        }

        Array.Sort(differences);
        var tail = (1 - options.ConfidenceLevel) / 2;
        return new Interval(StatMath.QuantileOfSorted(differences, tail), StatMath.QuantileOfSorted(differences, 1 - tail));
    }

    private static string Describe(Comparison c)
    {
        var o = c.Options;
        var level = Wording.Level(o.ConfidenceLevel);
        var decimals = Wording.DecimalsFor(c.DifferenceInterval.Upper - c.DifferenceInterval.Lower);
        if (decimals < 0)
        {
            decimals = Wording.DecimalsFor(Math.Max(c.A.StandardDeviation, c.B.StandardDeviation));
        }

        string N(double x) => Wording.Number(x, decimals);
        var seeds = Seeds(c, o);
        var p = Wording.PValue(c.Welch.PValue);

        if (c.Verdict == ComparisonVerdict.Inconclusive)
        {
            var sentence = $"{o.NameA} and {o.NameB} cannot be told apart with {seeds} (difference {N(c.Difference)}, "
                + $"{level} CI {N(c.DifferenceInterval.Lower)} to {N(c.DifferenceInterval.Upper)}, p = {p}); ";
            if (c.RequiredSeedsPerSide is { } required)
            {
                var target = o.TargetDifference is { } given ? Wording.Exact(given) : N(c.TargetDifference);
                return sentence + string.Create(
                    CultureInfo.InvariantCulture, $"about {required} seeds per side would detect a difference of {target}");
            }

            return sentence + (c.TargetDifference == 0
                ? "the means are equal, so give a target difference to estimate how many seeds would detect it"
                : "how many seeds would tell them apart cannot be estimated from these results");
        }

        // Express the gap as an improvement of the winner, so the numbers read positive for either direction.
        var higherWins = (c.Verdict == ComparisonVerdict.Holds) == o.HigherIsBetter;
        var gain = higherWins ? c.Difference : -c.Difference;
        var lower = higherWins ? c.DifferenceInterval.Lower : -c.DifferenceInterval.Upper;
        var upper = higherWins ? c.DifferenceInterval.Upper : -c.DifferenceInterval.Lower;
        var evidence = $"by {N(gain)} ({level} CI {N(lower)} to {N(upper)}), p = {p}, {seeds}";
        return c.Verdict == ComparisonVerdict.Holds
            ? $"{o.NameA} is better than {o.NameB} {evidence}: the conclusion holds"
            : $"{o.NameB} is better than {o.NameA} {evidence}: the claim that {o.NameA} is better is reversed";
    }

    private static string Seeds(Comparison c, ComparisonOptions o)
    {
        var seeds = c.A.Count == c.B.Count
            ? string.Create(CultureInfo.InvariantCulture, $"{c.A.Count} seeds each")
            : string.Create(CultureInfo.InvariantCulture, $"{c.A.Count} seeds of {o.NameA} and {c.B.Count} of {o.NameB}");
        var left = new List<string>();
        if (c.A.NaNCount > 0)
        {
            left.Add(string.Create(CultureInfo.InvariantCulture, $"{Wording.Count(c.A.NaNCount, "NaN result")} of {o.NameA}"));
        }

        if (c.B.NaNCount > 0)
        {
            left.Add(string.Create(CultureInfo.InvariantCulture, $"{Wording.Count(c.B.NaNCount, "NaN result")} of {o.NameB}"));
        }

        return left.Count == 0 ? seeds : $"{seeds} ({string.Join(" and ", left)} left out)";
    }
}

namespace Repro.Core.Series;

/// <summary>One run's series in columns, as <see cref="SeriesBands.Compute"/> takes it.</summary>
public sealed record SeriesColumns(long[] X, double[] Y)
{
    public int Count => X.Length;
}

/// <summary>
/// Mean ± standard deviation across runs on a common x grid. Per non-empty grid bucket: <see cref="X"/> is the largest x any
/// run has in it (so runs logged at the same steps give those exact steps), <see cref="Mean"/> the mean over runs of each
/// run's mean in the bucket, <see cref="Std"/> the sample standard deviation (n - 1) of those (NaN when fewer than two runs
/// have points there), <see cref="N"/> how many runs have a (non-NaN) value there.
/// </summary>
public sealed record SeriesBand(long[] X, double[] Mean, double[] Std, int[] N)
{
    public static SeriesBand Empty { get; } = new([], [], [], []);
}

/// <summary>Deterministic seed-group bands: the same runs in the same order always give the same numbers.</summary>
public static class SeriesBands
{
    /// <summary>
    /// Puts every run on one grid of <paramref name="buckets"/> equal buckets over the union of their x ranges, averages each
    /// run within a bucket, then takes mean and standard deviation across runs. NaN values are left out.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="buckets"/> is not between 1 and <see cref="Downsampler.MaxBuckets"/>.</exception>
    public static SeriesBand Compute(IReadOnlyList<SeriesColumns> runs, int buckets)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, Downsampler.MaxBuckets);
        var xMin = long.MaxValue;
        var xMax = long.MinValue;
        foreach (var run in runs)
        {
            if (run.X.Length != run.Y.Length)
            {
                throw new ArgumentException($"A run has {run.X.Length} x values but {run.Y.Length} y values; the columns must be the same length.", nameof(runs));
            }

            foreach (var x in run.X)
            {
                xMin = Math.Min(xMin, x);
                xMax = Math.Max(xMax, x);
            }
        }

        if (xMin > xMax)
        {
            return SeriesBand.Empty;
        }

        var scale = Downsampler.ScaleFor(xMin, xMax, buckets);
        var gridX = new long[buckets];
        var seen = new bool[buckets];
        var sum = new double[buckets];
        var count = new int[buckets];

        // Each run's bucket means, kept so the deviation is a second pass over exact means rather than a sum of squares.
        var means = new double[runs.Count][];
        for (var r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            Array.Clear(sum);
            Array.Clear(count);
            for (var i = 0; i < run.X.Length; i++)
            {
                var b = Downsampler.BucketOf(run.X[i], xMin, scale, buckets);
                if (!seen[b] || run.X[i] > gridX[b])
                {
                    gridX[b] = run.X[i];
                    seen[b] = true;
                }

                var v = run.Y[i];
                if (!double.IsNaN(v))
                {
                    sum[b] += v;
                    count[b]++;
                }
            }

            var m = new double[buckets];
            for (var b = 0; b < buckets; b++)
            {
                m[b] = count[b] > 0 ? sum[b] / count[b] : double.NaN;
            }

            means[r] = m;
        }

        var used = 0;
        var n = new int[buckets];
        var mean = new double[buckets];
        for (var b = 0; b < buckets; b++)
        {
            var total = 0.0;
            var lowest = double.PositiveInfinity;
            var highest = double.NegativeInfinity;
            foreach (var m in means)
            {
                if (!double.IsNaN(m[b]))
                {
                    total += m[b];
                    lowest = Math.Min(lowest, m[b]);
                    highest = Math.Max(highest, m[b]);
                    n[b]++;
                }
            }

            // Identical runs (the same seed replayed) give exactly their value and a deviation of exactly 0, not rounding noise.
            mean[b] = n[b] == 0 ? double.NaN : lowest == highest ? lowest : total / n[b];
            if (n[b] > 0)
            {
                used++;
            }
        }

        var outX = new long[used];
        var outMean = new double[used];
        var outStd = new double[used];
        var outN = new int[used];
        var k = 0;
        for (var b = 0; b < buckets; b++)
        {
            if (n[b] == 0)
            {
                continue;
            }

            var squares = 0.0;
            foreach (var m in means)
            {
                if (!double.IsNaN(m[b]))
                {
                    squares += (m[b] - mean[b]) * (m[b] - mean[b]);
                }
            }

            outX[k] = gridX[b];
            outMean[k] = mean[b];
            outStd[k] = n[b] >= 2 ? Math.Sqrt(squares / (n[b] - 1)) : double.NaN;
            outN[k] = n[b];
            k++;
        }

        return new SeriesBand(outX, outMean, outStd, outN);
    }
}

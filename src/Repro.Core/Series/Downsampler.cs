namespace Repro.Core.Series;

/// <summary>
/// One metric series reduced to at most a given number of buckets of equal width along x (steps or timestamps).
/// Per non-empty bucket: <see cref="X"/> is the bucket's last x (the largest), <see cref="Min"/> and <see cref="Max"/> the
/// extremes of its values (NaN left out; NaN when every value is NaN), <see cref="Last"/> the value at its last x.
/// <see cref="LineX"/>/<see cref="LineY"/> is the line to draw: for each bucket its min, max and last points in x order
/// (a point once when they coincide), so a spike one point wide is still drawn.
/// </summary>
/// <param name="Total">How many points the full series has.</param>
public sealed record DownsampledSeries(int Total, long[] X, double[] Min, double[] Max, double[] Last, long[] LineX, double[] LineY)
{
    public static DownsampledSeries Empty { get; } = new(0, [], [], [], [], [], []);

    /// <summary>How many buckets hold points.</summary>
    public int Buckets => X.Length;
}

/// <summary>
/// Deterministic min/max/last downsampling: one pass over the columns, work and memory O(points + buckets), no allocation
/// per point. The same input always gives the same output: bucket edges come from the x range only.
/// </summary>
public static class Downsampler
{
    /// <summary>The most buckets a caller may ask for.</summary>
    public const int MaxBuckets = 100_000;

    /// <summary>
    /// Splits [min x, max x] into <paramref name="buckets"/> buckets of equal width and keeps min, max and last of each.
    /// A series of at most <paramref name="buckets"/> points comes back whole (ordered by x), each point its own bucket.
    /// </summary>
    /// <exception cref="ArgumentException">The columns differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="buckets"/> is not between 1 and <see cref="MaxBuckets"/>.</exception>
    public static DownsampledSeries Downsample(ReadOnlySpan<long> x, ReadOnlySpan<double> y, int buckets)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"x has {x.Length} values but y has {y.Length}; the columns must be the same length.", nameof(y));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, MaxBuckets);
        var n = x.Length;
        if (n == 0)
        {
            return DownsampledSeries.Empty;
        }

        var xMin = x[0];
        var xMax = x[0];
        var sorted = true;
        for (var i = 1; i < n; i++)
        {
            var v = x[i];
            if (v < xMin)
            {
                xMin = v;
            }

            if (v > xMax)
            {
                xMax = v;
            }
            else if (v < x[i - 1])
            {
                sorted = false;
            }
        }

        return n <= buckets ? Whole(x, y, sorted)
            : sorted ? BucketedSorted(x, y, buckets, xMin, xMax)
            : Bucketed(x, y, buckets, xMin, xMax);
    }

    /// <summary>The bucket of <paramref name="x"/> on the grid of <paramref name="buckets"/> equal buckets over [xMin, xMax].</summary>
    internal static int BucketOf(long x, long xMin, double scale, int buckets)
    {
        var b = (int)((double)(x - xMin) * scale);
        return b >= buckets ? buckets - 1 : b;
    }

    /// <summary>Buckets per unit of x, so that xMax lands in the last bucket and every integer x of a short range has its own.</summary>
    internal static double ScaleFor(long xMin, long xMax, int buckets) => buckets / ((double)(xMax - xMin) + 1.0);

    private static DownsampledSeries Whole(ReadOnlySpan<long> x, ReadOnlySpan<double> y, bool sorted)
    {
        var n = x.Length;
        var xs = x.ToArray();
        var ys = y.ToArray();
        if (!sorted)
        {
            // Stable by x: equal x keep their order. Rare (timestamps out of step order), and n is at most the bucket count.
            var order = new int[n];
            for (var i = 0; i < n; i++)
            {
                order[i] = i;
            }

            var keys = x.ToArray();
            Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
            for (var i = 0; i < n; i++)
            {
                xs[i] = keys[order[i]];
                ys[i] = y[order[i]];
            }
        }

        return new DownsampledSeries(n, xs, ys, (double[])ys.Clone(), (double[])ys.Clone(), (long[])xs.Clone(), (double[])ys.Clone());
    }

    private static DownsampledSeries Bucketed(ReadOnlySpan<long> x, ReadOnlySpan<double> y, int buckets, long xMin, long xMax)
    {
        var minAt = new int[buckets];
        var maxAt = new int[buckets];
        var lastAt = new int[buckets];
        Array.Fill(minAt, -1);
        Array.Fill(maxAt, -1);
        Array.Fill(lastAt, -1);
        var scale = ScaleFor(xMin, xMax, buckets);
        for (var i = 0; i < x.Length; i++)
        {
            var xi = x[i];
            var b = BucketOf(xi, xMin, scale, buckets);
            var last = lastAt[b];
            if (last < 0 || xi >= x[last])
            {
                lastAt[b] = i;
            }

            var v = y[i];
            if (double.IsNaN(v))
            {
                continue;
            }

            var lo = minAt[b];
            if (lo < 0 || v < y[lo])
            {
                minAt[b] = i;
            }

            var hi = maxAt[b];
            if (hi < 0 || v > y[hi])
            {
                maxAt[b] = i;
            }
        }

        var used = 0;
        var drawn = 0;
        for (var b = 0; b < buckets; b++)
        {
            if (lastAt[b] >= 0)
            {
                used++;
                drawn += Distinct(minAt[b], maxAt[b], lastAt[b]);
            }
        }

        var xs = new long[used];
        var mins = new double[used];
        var maxs = new double[used];
        var lasts = new double[used];
        var lineX = new long[drawn];
        var lineY = new double[drawn];
        Span<int> points = stackalloc int[3];
        var k = 0;
        var d = 0;
        for (var b = 0; b < buckets; b++)
        {
            var last = lastAt[b];
            if (last < 0)
            {
                continue;
            }

            var lo = minAt[b];
            var hi = maxAt[b];
            xs[k] = x[last];
            mins[k] = lo >= 0 ? y[lo] : double.NaN;
            maxs[k] = hi >= 0 ? y[hi] : double.NaN;
            lasts[k] = y[last];
            k++;

            var count = 0;
            foreach (var p in (ReadOnlySpan<int>)[lo, hi, last])
            {
                if (p >= 0 && points[..count].IndexOf(p) < 0)
                {
                    points[count++] = p;
                }
            }

            SortByX(points[..count], x);
            foreach (var p in points[..count])
            {
                lineX[d] = x[p];
                lineY[d] = y[p];
                d++;
            }
        }

        return new DownsampledSeries(x.Length, xs, mins, maxs, lasts, lineX, lineY);
    }

    /// <summary>
    /// The common case, x in order (steps): buckets come one after another, so each is reduced in one run over its
    /// points and written out when the next begins. Same result as <see cref="Bucketed"/>.
    /// </summary>
    private static DownsampledSeries BucketedSorted(ReadOnlySpan<long> x, ReadOnlySpan<double> y, int buckets, long xMin, long xMax)
    {
        var scale = ScaleFor(xMin, xMax, buckets);
        var xs = new long[buckets];
        var mins = new double[buckets];
        var maxs = new double[buckets];
        var lasts = new double[buckets];
        var lineX = new long[3 * buckets];
        var lineY = new double[3 * buckets];
        var k = 0;
        var d = 0;
        var i = 0;
        var n = x.Length;
        while (i < n)
        {
            var b = BucketOf(x[i], xMin, scale, buckets);
            var lo = -1;
            var hi = -1;
            var low = double.NaN;
            var high = double.NaN;
            var j = i;
            for (; j < n; j++)
            {
                var xj = x[j];
                if (j > i && xj != x[j - 1] && BucketOf(xj, xMin, scale, buckets) != b)
                {
                    break;
                }

                var v = y[j];
                if (v < low || lo < 0)
                {
                    if (!double.IsNaN(v))
                    {
                        lo = j;
                        low = v;
                    }
                }

                if (v > high || hi < 0)
                {
                    if (!double.IsNaN(v))
                    {
                        hi = j;
                        high = v;
                    }
                }
            }

            var last = j - 1;
            xs[k] = x[last];
            mins[k] = low;
            maxs[k] = high;
            lasts[k] = y[last];
            k++;

            // min, max and last in index order (which is x order here), each once; last is the largest index.
            var first = lo < 0 ? hi : hi < 0 ? lo : Math.Min(lo, hi);
            var second = lo < 0 || hi < 0 ? -1 : Math.Max(lo, hi);
            if (first >= 0 && first != last)
            {
                lineX[d] = x[first];
                lineY[d] = y[first];
                d++;
            }

            if (second >= 0 && second != first && second != last)
            {
                lineX[d] = x[second];
                lineY[d] = y[second];
                d++;
            }

            lineX[d] = x[last];
            lineY[d] = y[last];
            d++;

            i = j;
        }

        return new DownsampledSeries(n, xs[..k], mins[..k], maxs[..k], lasts[..k], lineX[..d], lineY[..d]);
    }

    private static int Distinct(int a, int b, int c)
    {
        var count = 1;    // c (the last point) always exists
        if (a >= 0 && a != c)
        {
            count++;
        }

        if (b >= 0 && b != c && b != a)
        {
            count++;
        }

        return count;
    }

    /// <summary>Insertion sort of at most three indices by (x, index).</summary>
    private static void SortByX(Span<int> points, ReadOnlySpan<long> x)
    {
        for (var i = 1; i < points.Length; i++)
        {
            var p = points[i];
            var j = i - 1;
            while (j >= 0 && (x[points[j]] > x[p] || (x[points[j]] == x[p] && points[j] > p)))
            {
                points[j + 1] = points[j];
                j--;
            }

            points[j + 1] = p;
        }
    }
}

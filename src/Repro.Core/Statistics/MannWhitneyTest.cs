namespace Repro.Core.Statistics;

/// <summary>
/// The Mann-Whitney U test, two-sided, computed as SciPy's <c>mannwhitneyu</c> does with its default method "auto": the exact
/// distribution of U when at least one side has 8 or fewer values and there are no ties; otherwise the normal approximation
/// with tie correction and continuity correction.
/// </summary>
/// <param name="U">U of the first sample: its rank sum minus n1 (n1 + 1) / 2, ties given their mean rank.</param>
/// <param name="PValue">The two-sided p-value.</param>
/// <param name="Exact">True when <see cref="PValue"/> comes from the exact distribution.</param>
public sealed record MannWhitneyTest(double U, double PValue, bool Exact)
{
    internal static MannWhitneyTest Of(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var n1 = a.Count;
        var n2 = b.Count;
        var n = n1 + n2;
        var pooled = new (double Value, bool FromA)[n];
        for (var i = 0; i < n1; i++)
        {
            pooled[i] = (a[i], true);
        }

        for (var i = 0; i < n2; i++)
        {
            pooled[n1 + i] = (b[i], false);
        }

        Array.Sort(pooled, (x, y) => x.Value.CompareTo(y.Value));

        var rankSumA = 0.0;
        var tieTerm = 0.0;
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && pooled[end].Value == pooled[start].Value)
            {
                end++;
            }

            var size = (double)(end - start);
            var meanRank = (start + 1 + end) / 2.0;
            for (var i = start; i < end; i++)
            {
                if (pooled[i].FromA)
                {
                    rankSumA += meanRank;
                }
            }

            tieTerm += (size * size * size) - size;
            start = end;
        }

        var u1 = rankSumA - (n1 * (n1 + 1) / 2.0);
        var u2 = ((double)n1 * n2) - u1;
        var u = Math.Max(u1, u2);

        if ((n1 <= 8 || n2 <= 8) && tieTerm == 0)
        {
            return new MannWhitneyTest(u1, Math.Min(1, 2 * ExactUpperTail((int)u, n1, n2)), Exact: true);
        }

        var mu = n1 * n2 / 2.0;
        var s = Math.Sqrt(n1 * (double)n2 / 12 * (n + 1 - (tieTerm / (n * (n - 1.0)))));
        var p = s == 0 ? 1 : Math.Min(1, 2 * StatMath.NormalUpperTail((u - mu - 0.5) / s));
        return new MannWhitneyTest(u1, p, Exact: false);
    }

    /// <summary>
    /// P(U &gt;= <paramref name="u"/>) when there are no ties. The number of arrangements with U = k is the number of
    /// partitions of k into at most m parts none larger than n; it is built up by adding one value of the larger sample at a
    /// time, c(j, n)[k] = c(j, n - 1)[k] + c(j - 1, n)[k - n], so every step only adds non-negative counts.
    /// </summary>
    internal static double ExactUpperTail(int u, int n1, int n2)
    {
        var m = Math.Min(n1, n2);
        var big = Math.Max(n1, n2);
        var length = (m * big) + 1;
        var counts = new double[m + 1][];
        for (var j = 0; j <= m; j++)
        {
            counts[j] = new double[length];
            counts[j][0] = 1;   // before any value of the larger sample is placed, the only sum is 0
        }

        for (var size = 1; size <= big; size++)
        {
            for (var j = 1; j <= m; j++)
            {
                var current = counts[j];
                var fewer = counts[j - 1];
                for (var k = j * size; k >= size; k--)
                {
                    current[k] += fewer[k - size];
                }
            }
        }

        var table = counts[m];
        var total = 0.0;
        var tail = 0.0;
        for (var k = 0; k < length; k++)
        {
            total += table[k];
            if (k >= u)
            {
                tail += table[k];
            }
        }

        return tail / total;
    }
}

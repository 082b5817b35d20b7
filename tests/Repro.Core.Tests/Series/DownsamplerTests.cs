using Repro.Core.Series;

namespace Repro.Core.Tests.Series;

public sealed class DownsamplerTests
{
    private static (long[] X, double[] Y) Steps(int n, Func<long, double> f)
    {
        var x = new long[n];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = i;
            y[i] = f(i);
        }

        return (x, y);
    }

    /// <summary>The two results have the same buckets and the same line, point for point.</summary>
    private static void AssertSame(DownsampledSeries expected, DownsampledSeries actual)
    {
        Assert.Equal(expected.Total, actual.Total);
        Assert.Equal(expected.X, actual.X);
        Assert.Equal(expected.Min, actual.Min);
        Assert.Equal(expected.Max, actual.Max);
        Assert.Equal(expected.Last, actual.Last);
        Assert.Equal(expected.LineX, actual.LineX);
        Assert.Equal(expected.LineY, actual.LineY);
    }

    [Fact]
    public void An_empty_series_gives_no_buckets()
    {
        var result = Downsampler.Downsample([], [], 100);

        Assert.Equal(0, result.Total);
        Assert.Empty(result.X);
        Assert.Empty(result.LineY);
    }

    [Fact]
    public void A_series_shorter_than_the_bucket_count_comes_back_whole()
    {
        var result = Downsampler.Downsample([0, 5, 9], [1.0, 2.0, 3.0], 10);

        Assert.Equal([0L, 5, 9], result.X);
        Assert.Equal([1.0, 2.0, 3.0], result.Min);
        Assert.Equal([1.0, 2.0, 3.0], result.Max);
        Assert.Equal([1.0, 2.0, 3.0], result.Last);
        Assert.Equal([0L, 5, 9], result.LineX);
        Assert.Equal(3, result.Total);
    }

    [Fact]
    public void A_short_series_out_of_x_order_is_ordered_by_x_keeping_ties_in_order()
    {
        var result = Downsampler.Downsample([30, 10, 20, 10], [3.0, 1.0, 2.0, 1.5], 10);

        Assert.Equal([10L, 10, 20, 30], result.X);
        Assert.Equal([1.0, 1.5, 2.0, 3.0], result.Last);
    }

    [Fact]
    public void Each_bucket_keeps_min_max_and_last_with_the_last_x()
    {
        // 100 steps, 10 buckets of 10 steps: bucket 0 holds steps 0..9.
        var (x, y) = Steps(100, s => s % 10 == 3 ? -5 : s % 10 == 6 ? 700 : s);

        var result = Downsampler.Downsample(x, y, 10);

        Assert.Equal(10, result.Buckets);
        Assert.Equal(9, result.X[0]);
        Assert.Equal(-5, result.Min[0]);
        Assert.Equal(700, result.Max[0]);
        Assert.Equal(9, result.Last[0]);
        Assert.Equal(99, result.X[^1]);
        Assert.Equal(99, result.Last[^1]);
        Assert.Equal(100, result.Total);
    }

    [Fact]
    public void A_one_point_spike_survives_a_million_points_in_a_thousand_buckets()
    {
        var (x, y) = Steps(1_000_000, s => s == 333_333 ? 50.0 : Math.Exp(-s / 200_000.0));

        var result = Downsampler.Downsample(x, y, 1000);

        Assert.Equal(1000, result.Buckets);
        Assert.Contains(50.0, result.Max);
        Assert.Contains(50.0, result.LineY);
        Assert.DoesNotContain(50.0, result.Last);
        Assert.Equal(1_000_000, result.Total);
    }

    [Fact]
    public void The_line_visits_min_max_and_last_of_each_bucket_in_x_order()
    {
        // One bucket per 10 steps: max at step 2, min at step 7, last at step 9.
        var (x, y) = Steps(20, s => (s % 10) switch { 2 => 10.0, 7 => -10.0, _ => 0.0 });

        var result = Downsampler.Downsample(x, y, 2);

        Assert.Equal([2L, 7, 9, 12, 17, 19], result.LineX);
        Assert.Equal([10.0, -10.0, 0.0, 10.0, -10.0, 0.0], result.LineY);
    }

    [Fact]
    public void A_point_that_is_min_max_and_last_at_once_is_drawn_once()
    {
        var (x, y) = Steps(20, s => s % 10 == 9 ? 1.0 : double.NaN);

        var result = Downsampler.Downsample(x, y, 2);

        Assert.Equal([9L, 19], result.LineX);
        Assert.Equal([1.0, 1.0], result.Min);
    }

    [Fact]
    public void NaN_is_left_out_of_min_and_max_but_can_be_the_last_value()
    {
        var (x, y) = Steps(20, s => s is 9 or >= 10 ? double.NaN : s);

        var result = Downsampler.Downsample(x, y, 2);

        Assert.Equal(0, result.Min[0]);
        Assert.Equal(8, result.Max[0]);
        Assert.True(double.IsNaN(result.Last[0]));
        Assert.True(double.IsNaN(result.Min[1]));
        Assert.True(double.IsNaN(result.Max[1]));
    }

    [Fact]
    public void Empty_buckets_are_left_out()
    {
        // Points at the two ends of a wide range: only the first and last buckets hold anything.
        long[] x = [0, 1, 2, 997, 998, 999];
        double[] y = [1, 2, 3, 4, 5, 6];

        var result = Downsampler.Downsample(x, y, 5);

        Assert.Equal([2L, 999], result.X);
        Assert.Equal([1.0, 4.0], result.Min);
        Assert.Equal([3.0, 6.0], result.Max);
    }

    [Fact]
    public void Timestamps_out_of_order_put_the_largest_x_as_last()
    {
        long[] x = [100, 300, 200, 150, 900, 800];
        double[] y = [1, 3, 2, 1.5, 9, 8];

        var result = Downsampler.Downsample(x, y, 2);

        Assert.Equal([300L, 900], result.X);
        Assert.Equal([3.0, 9.0], result.Last);
        Assert.Equal([100L, 300, 800, 900], result.LineX);
    }

    [Fact]
    public void The_same_input_gives_the_same_output()
    {
        var (x, y) = Steps(54_321, s => Math.Sin(s * 0.37) * (1 + (s % 17)));

        var a = Downsampler.Downsample(x, y, 777);
        var b = Downsampler.Downsample(x, y, 777);

        AssertSame(a, b);
    }

    [Fact]
    public void Every_point_falls_in_some_bucket_and_the_extremes_are_the_series_extremes()
    {
        var (x, y) = Steps(10_007, s => Math.Sin(s * 0.011) + (s == 4242 ? -3 : 0));

        var result = Downsampler.Downsample(x, y, 97);

        Assert.Equal(y.Min(), result.Min.Min());
        Assert.Equal(y.Max(), result.Max.Max());
        Assert.Equal(10_006, result.X[^1]);
        Assert.True(result.Buckets <= 97);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(13)]
    public void Ordered_and_unordered_input_give_the_same_buckets(int seed)
    {
        // The ordered fast path and the general path must agree: same points, one copy in x order and one shuffled.
        var random = new Random(seed);
        var n = 5000;
        var x = new long[n];
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = (i / 3) + (i % 7 == 0 ? 0 : 1);   // runs of equal x
            y[i] = random.Next(4) == 0 ? double.NaN : random.NextDouble();   // distinct values: ties would pick by index
        }

        Array.Sort(x);
        // Even indices first, then odd ones: out of x order. Sorting it back stably gives the ordered copy, with points
        // of equal x in the same relative order, so "the last point of the largest x" names the same point in both.
        var shuffled = Enumerable.Range(0, n).OrderBy(i => i % 2).ThenBy(i => i).ToArray();
        var xs = shuffled.Select(i => x[i]).ToArray();
        var ys = shuffled.Select(i => y[i]).ToArray();
        var stable = Enumerable.Range(0, n).OrderBy(i => xs[i]).ToArray();
        var sortedAgain = stable.Select(i => xs[i]).ToArray();
        var valuesAgain = stable.Select(i => ys[i]).ToArray();

        var fast = Downsampler.Downsample(sortedAgain, valuesAgain, 97);
        var general = Downsampler.Downsample(xs, ys, 97);

        AssertSame(fast, general);
    }

    [Fact]
    public void A_bucket_whose_last_point_is_its_maximum_draws_min_then_last()
    {
        var (x, y) = Steps(20, s => s % 10);

        var result = Downsampler.Downsample(x, y, 2);

        Assert.Equal([0L, 9, 10, 19], result.LineX);
        Assert.Equal([0.0, 9, 0, 9], result.LineY);
    }

    [Fact]
    public void Mismatched_columns_and_bad_bucket_counts_are_refused()
    {
        Assert.Throws<ArgumentException>(() => Downsampler.Downsample([1, 2], [1.0], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Downsampler.Downsample([1], [1.0], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Downsampler.Downsample([1], [1.0], Downsampler.MaxBuckets + 1));
    }
}

using Repro.Core.Series;

namespace Repro.Core.Tests.Series;

public sealed class SeriesBandsTests
{
    private static SeriesColumns Run(long[] x, double[] y) => new(x, y);

    [Fact]
    public void No_runs_or_empty_runs_give_an_empty_band()
    {
        Assert.Empty(SeriesBands.Compute([], 10).X);
        Assert.Empty(SeriesBands.Compute([Run([], [])], 10).X);
    }

    [Fact]
    public void Runs_logged_at_the_same_steps_give_those_steps_with_mean_and_sample_std()
    {
        var band = SeriesBands.Compute(
            [Run([0, 1, 2], [1, 2, 3]), Run([0, 1, 2], [3, 4, 5]), Run([0, 1, 2], [2, 3, 4])],
            500);

        Assert.Equal([0L, 1, 2], band.X);
        Assert.Equal([2.0, 3.0, 4.0], band.Mean);
        Assert.Equal([1.0, 1.0, 1.0], band.Std);
        Assert.Equal([3, 3, 3], band.N);
    }

    [Fact]
    public void Identical_runs_have_a_deviation_of_exactly_zero()
    {
        var band = SeriesBands.Compute([Run([0, 1], [0.1, 0.7]), Run([0, 1], [0.1, 0.7]), Run([0, 1], [0.1, 0.7])], 10);

        Assert.Equal([0.1, 0.7], band.Mean);
        Assert.Equal([0.0, 0.0], band.Std);
    }

    [Fact]
    public void Where_only_one_run_has_points_the_deviation_is_undefined()
    {
        var band = SeriesBands.Compute([Run([0, 1, 2, 3], [1, 1, 1, 9]), Run([0, 1], [3, 3])], 100);

        Assert.Equal([0L, 1, 2, 3], band.X);
        Assert.Equal([2, 2, 1, 1], band.N);
        Assert.Equal(9.0, band.Mean[3]);
        Assert.True(double.IsNaN(band.Std[3]));
    }

    [Fact]
    public void Each_run_is_averaged_within_a_bucket_before_the_runs_are_combined()
    {
        // Two buckets over steps 0..9; run A has 5 points per bucket, run B one point per bucket.
        var a = Run([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 0, 0, 0, 10, 1, 1, 1, 1, 1]);
        var b = Run([4, 9], [4, 3]);

        var band = SeriesBands.Compute([a, b], 2);

        Assert.Equal([4L, 9], band.X);
        Assert.Equal([3.0, 2.0], band.Mean);     // (2 + 4) / 2, (1 + 3) / 2
        Assert.Equal(Math.Sqrt(2), band.Std[0], 12);
        Assert.Equal([2, 2], band.N);
    }

    [Fact]
    public void NaN_points_are_left_out_and_a_run_with_only_NaN_in_a_bucket_does_not_count()
    {
        var band = SeriesBands.Compute([Run([0, 1], [double.NaN, 2]), Run([0, 1], [5, 4])], 10);

        Assert.Equal([1, 2], band.N);
        Assert.Equal(5.0, band.Mean[0]);
        Assert.Equal(3.0, band.Mean[1]);
    }

    [Fact]
    public void The_grid_spans_every_run_and_has_at_most_the_bucket_count()
    {
        var runs = Enumerable.Range(0, 5)
            .Select(r => Run(Enumerable.Range(0, 10_000).Select(i => (long)(i + (r * 1000))).ToArray(),
                Enumerable.Range(0, 10_000).Select(i => Math.Sin(i * 0.01) + r).ToArray()))
            .ToList();

        var band = SeriesBands.Compute(runs, 300);

        Assert.True(band.X.Length <= 300);
        Assert.Equal(13_999, band.X[^1]);
        Assert.Equal(1, band.N[^1]);
        Assert.Equal(1, band.N[0]);
        Assert.Contains(5, band.N);
    }

    [Fact]
    public void Bad_input_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SeriesBands.Compute([Run([1, 2], [1])], 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => SeriesBands.Compute([], 0));
    }
}

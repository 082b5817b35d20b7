using Repro.Core.Statistics;

namespace Repro.Core.Tests.Statistics;

public sealed class MannWhitneyTests
{
    [Theory]
    [InlineData(2, 5)]
    [InlineData(4, 4)]
    [InlineData(3, 7)]
    [InlineData(5, 6)]
    public void Exact_tail_probabilities_equal_counting_every_arrangement(int n1, int n2)
    {
        // Place n1 values of the first sample among n1 + n2 ranks in every possible way and count how often U reaches u.
        var n = n1 + n2;
        var counts = new long[(n1 * n2) + 1];
        var total = 0L;
        for (var mask = 0; mask < 1 << n; mask++)
        {
            if (int.PopCount(mask) != n1)
            {
                continue;
            }

            var u = 0;
            var secondBelow = 0;
            for (var rank = 0; rank < n; rank++)
            {
                if ((mask & (1 << rank)) != 0)
                {
                    u += secondBelow;   // each value of the second sample below this one adds 1 to U of the first
                }
                else
                {
                    secondBelow++;
                }
            }

            counts[u]++;
            total++;
        }

        for (var u = 0; u <= n1 * n2; u++)
        {
            var atLeast = counts.Skip(u).Sum();
            Assert.Equal((double)atLeast / total, MannWhitneyTest.ExactUpperTail(u, n1, n2), 14);
        }
    }

    [Fact]
    public void Complete_separation_of_three_and_three_has_the_smallest_exact_p()
    {
        var result = MannWhitneyTest.Of([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]);

        Assert.True(result.Exact);
        Assert.Equal(0.0, result.U);
        Assert.Equal(0.1, result.PValue, 15);   // 2 arrangements of 20 are this extreme
    }

    [Fact]
    public void Ties_switch_to_the_normal_approximation()
    {
        Assert.False(MannWhitneyTest.Of([1.0, 2.0, 2.0], [2.0, 3.0, 4.0]).Exact);
        Assert.True(MannWhitneyTest.Of([1.0, 2.0, 2.5], [2.25, 3.0, 4.0]).Exact);
    }

    [Fact]
    public void Both_samples_larger_than_eight_use_the_normal_approximation()
    {
        var a = Enumerable.Range(0, 9).Select(i => (double)i).ToArray();
        var b = Enumerable.Range(0, 9).Select(i => i + 0.5).ToArray();
        var eightVsNine = MannWhitneyTest.Of(a[..8], b);

        Assert.False(MannWhitneyTest.Of(a, b).Exact);
        Assert.True(eightVsNine.Exact);
    }

    [Fact]
    public void Identical_constant_samples_have_p_one()
    {
        var result = MannWhitneyTest.Of([2.0, 2.0, 2.0], [2.0, 2.0]);

        Assert.Equal(3.0, result.U);
        Assert.Equal(1.0, result.PValue);
    }
}

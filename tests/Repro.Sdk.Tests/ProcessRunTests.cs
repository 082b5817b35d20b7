namespace Repro.Sdk.Tests;

/// <summary>The process-wide run (<see cref="Run.Current"/>, <see cref="Run.Start"/>). The only tests touching it.</summary>
public sealed class ProcessRunTests
{
    [Fact]
    public void Start_makes_the_run_current_and_refuses_a_second_active_run()
    {
        var environmentAttached = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("REPRO_RUN_ID"));
        using (var first = Run.Start(new RunOptions { Seed = 17 }))
        {
            Assert.Same(first, Run.Current);
            if (!environmentAttached)
            {
                Assert.Equal(17, first.Seed);
            }

            var e = Assert.Throws<InvalidOperationException>(() => Run.Start(new RunOptions()));
            Assert.Contains("Dispose it before starting another run", e.Message, StringComparison.Ordinal);
        }

        using var second = Run.Start(new RunOptions { Seed = 18 });
        Assert.Same(second, Run.Current);
    }
}

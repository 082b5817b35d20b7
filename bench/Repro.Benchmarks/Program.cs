using BenchmarkDotNet.Running;
using Repro.Benchmarks.Numerics;

namespace Repro.Benchmarks;

internal static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["--interleaved"])
        {
            InterleavedReductionComparison.Run(Console.Out);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}

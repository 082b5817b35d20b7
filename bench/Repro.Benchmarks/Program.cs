using BenchmarkDotNet.Running;
using Repro.Benchmarks.Data;

namespace Repro.Benchmarks;

internal static class Program
{
    public static int Main(string[] args)
    {
        // I/O benchmarks that BenchmarkDotNet's many short iterations would measure poorly run as plain console modes.
        switch (args.FirstOrDefault())
        {
            case DataBench.Command:
                return DataBench.Run(args[1..]);
            case DataBench.RecheckCommand:
                return DataBench.RecheckOnce(args[1..]);
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}

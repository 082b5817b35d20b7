using BenchmarkDotNet.Running;
using Repro.Benchmarks.Data;
using Repro.Benchmarks.Numerics;
using Repro.Benchmarks.Server;

namespace Repro.Benchmarks;

internal static class Program
{
    public static int Main(string[] args)
    {
        // I/O benchmarks and the interleaved reduction comparison run as plain console modes: BenchmarkDotNet's many short
        // iterations measure them poorly on a shared machine.
        switch (args.FirstOrDefault())
        {
            case DataBench.Command:
                return DataBench.Run(args[1..]);
            case DataBench.RecheckCommand:
                return DataBench.RecheckOnce(args[1..]);
            case ServerBench.Command:
                return ServerBench.Run(args[1..]);
            case Storage.StorageBench.Command:
                return Storage.StorageBench.Run(args[1..]);
            case "--interleaved":
                InterleavedReductionComparison.Run(Console.Out);
                return 0;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}

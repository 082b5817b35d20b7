using System.Diagnostics;
using System.Globalization;
using Repro.Core.Numerics;
using Repro.Core.Randomness;

namespace Repro.Benchmarks.Numerics;

/// <summary>
/// The comparison of <see cref="ReductionBenchmarks"/> made robust to a busy machine: the deterministic and the plain reduction
/// run alternately, call after call, so that load from other processes hits both alike; the minimum and median of each are
/// compared. Run with <c>dotnet run -c Release --project bench/Repro.Benchmarks -- --interleaved</c>.
/// </summary>
internal static class InterleavedReductionComparison
{
    public static void Run(TextWriter output)
    {
        output.WriteLine("case       n          det min    det med   plain min  plain med  ratio min  ratio med  (microseconds)");
        foreach (var n in new[] { 1_000_000, 10_000_000 })
        {
            var streams = new RandomStreams(1);
            var xf = new float[n];
            var yf = new float[n];
            streams.Get("x").FillNormal(xf);
            streams.Get("y").FillNormal(yf);
            var xd = xf.Select(v => (double)v).ToArray();
            var yd = yf.Select(v => (double)v).ToArray();
            var cases = new (string Name, Func<double> Deterministic, Func<double> Plain)[]
            {
                ("SumFloat", () => DeterministicMath.Sum(xf), () => FastMath.Sum(xf)),
                ("DotFloat", () => DeterministicMath.Dot(xf, yf), () => FastMath.Dot(xf, yf)),
                ("SumDouble", () => DeterministicMath.Sum(xd), () => FastMath.Sum(xd)),
                ("DotDouble", () => DeterministicMath.Dot(xd, yd), () => FastMath.Dot(xd, yd)),
            };
            var repeats = n <= 1_000_000 ? 400 : 60;
            foreach (var (name, deterministic, plain) in cases)
            {
                for (var i = 0; i < 20; i++)
                {
                    deterministic();
                    plain();
                }

                var td = new List<double>(repeats);
                var tp = new List<double>(repeats);
                for (var r = 0; r < repeats; r++)
                {
                    td.Add(Time(deterministic));
                    tp.Add(Time(plain));
                }

                td.Sort();
                tp.Sort();
                var (dMin, dMed, pMin, pMed) = (td[0], td[repeats / 2], tp[0], tp[repeats / 2]);
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name,-10} {n,-10} {dMin,9:F1} {dMed,10:F1} {pMin,11:F1} {pMed,10:F1} {dMin / pMin,10:F2} {dMed / pMed,10:F2}"));
            }
        }
    }

    private static double Time(Func<double> action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }
}

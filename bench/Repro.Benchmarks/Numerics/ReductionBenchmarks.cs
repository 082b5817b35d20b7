using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Repro.Core.Numerics;
using Repro.Core.Randomness;

namespace Repro.Benchmarks.Numerics;

/// <summary>
/// Deterministic reductions against the plain Parallel.For reduction with thread-local partials (<see cref="FastMath"/>), on
/// all cores. Each category has the plain one as its baseline, so Ratio is the cost of determinism. Target: at most 1.10.
/// On a shared machine compare the Min columns too: the least disturbed iteration of each.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[MinColumn]
[MedianColumn]
public class ReductionBenchmarks
{
    private float[] _xf = null!;
    private float[] _yf = null!;
    private double[] _xd = null!;
    private double[] _yd = null!;

    [Params(1_000_000, 10_000_000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var streams = new RandomStreams(1);
        _xf = new float[N];
        _yf = new float[N];
        streams.Get("x").FillNormal(_xf);
        streams.Get("y").FillNormal(_yf);
        _xd = _xf.Select(v => (double)v).ToArray();
        _yd = _yf.Select(v => (double)v).ToArray();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("SumFloat")]
    public float PlainSumFloat() => FastMath.Sum(_xf);

    [Benchmark, BenchmarkCategory("SumFloat")]
    public float DeterministicSumFloat() => DeterministicMath.Sum(_xf);

    [Benchmark(Baseline = true), BenchmarkCategory("DotFloat")]
    public float PlainDotFloat() => FastMath.Dot(_xf, _yf);

    [Benchmark, BenchmarkCategory("DotFloat")]
    public float DeterministicDotFloat() => DeterministicMath.Dot(_xf, _yf);

    [Benchmark(Baseline = true), BenchmarkCategory("SumDouble")]
    public double PlainSumDouble() => FastMath.Sum(_xd);

    [Benchmark, BenchmarkCategory("SumDouble")]
    public double DeterministicSumDouble() => DeterministicMath.Sum(_xd);

    [Benchmark(Baseline = true), BenchmarkCategory("DotDouble")]
    public double PlainDotDouble() => FastMath.Dot(_xd, _yd);

    [Benchmark, BenchmarkCategory("DotDouble")]
    public double DeterministicDotDouble() => DeterministicMath.Dot(_xd, _yd);
}

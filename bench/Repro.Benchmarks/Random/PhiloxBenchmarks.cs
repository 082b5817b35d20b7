using BenchmarkDotNet.Attributes;
using Repro.Core.Randomness;

namespace Repro.Benchmarks.Randomness;

/// <summary>
/// Philox4x32-10 draw costs. Each benchmark reports the mean per single 32-bit draw (OperationsPerInvoke), so draws per second
/// are 1e9 / Mean[ns]. Targets: at most 5 ns per draw one at a time; at least 1e9 draws per second per core in bulk.
/// </summary>
[MinColumn]
[MedianColumn]
public class PhiloxBenchmarks
{
    private const int Draws = 4096;

    private RandomStream _stream = null!;
    private uint[] _words = null!;
    private float[] _floats = null!;
    private PhiloxKey _key;
    private ulong _counter;

    /// <summary>Bulk size in words: 64 Ki words (256 KiB) stays in cache; 1 Mi words (4 MiB) goes through to memory.</summary>
    [Params(65_536, 1_048_576)]
    public int BulkWords { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _stream = new RandomStreams(42).Get("bench");
        _key = _stream.Key;
        _words = new uint[BulkWords];
        _floats = new float[BulkWords];
    }

    [Benchmark(OperationsPerInvoke = Draws)]
    public uint StreamNextUInt32()
    {
        uint acc = 0;
        for (var i = 0; i < Draws; i++)
        {
            acc ^= _stream.NextUInt32();
        }

        return acc;
    }

    [Benchmark(OperationsPerInvoke = Draws)]
    public uint StreamNextFloat()
    {
        // Folds the bits rather than adding the floats, so a chain of dependent float additions is not what gets measured.
        uint acc = 0;
        for (var i = 0; i < Draws; i++)
        {
            acc ^= BitConverter.SingleToUInt32Bits(_stream.NextFloat());
        }

        return acc;
    }

    [Benchmark(OperationsPerInvoke = Draws)]
    public int StreamNextInt()
    {
        var acc = 0;
        for (var i = 0; i < Draws; i++)
        {
            acc += _stream.NextInt(1797);
        }

        return acc;
    }

    /// <summary>One block at a time through the scalar <see cref="Philox4x32.Generate"/>; per word.</summary>
    [Benchmark(OperationsPerInvoke = Draws)]
    public uint GenerateScalar()
    {
        uint acc = 0;
        for (var i = 0; i < Draws / 4; i++)
        {
            var b = Philox4x32.Generate(PhiloxCounter.FromUInt64(_counter++, 0), _key);
            acc ^= b.V0 ^ b.V1 ^ b.V2 ^ b.V3;
        }

        return acc;
    }

    [Benchmark]
    public void KernelFill()
    {
        Philox4x32.Fill(_key, _counter, _words);
        _counter += (ulong)(_words.Length / 4);
    }

    [Benchmark]
    public void StreamFillFloat() => _stream.Fill(_floats);
}

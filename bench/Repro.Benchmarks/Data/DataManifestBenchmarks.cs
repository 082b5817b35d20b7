using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Repro.Core.Data;

namespace Repro.Benchmarks.Data;

/// <summary>
/// The pure work of a re-check over 100,000 files: building the manifest (sort, validate, Merkle root), diffing, serializing.
/// </summary>
[MemoryDiagnoser]
public class DataManifestBenchmarks
{
    private ManifestEntry[] _entries = [];
    private DataManifest _manifest = null!;
    private DataManifest _changed = null!;
    private byte[] _serialized = [];

    [Params(100_000)]
    public int Files { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _entries = Enumerable.Range(0, Files)
            .Select(i => new ManifestEntry(
                string.Create(CultureInfo.InvariantCulture, $"train/d{i / 1000:D4}/sample-{i:D6}.png"),
                random.Next(64, 4096),
                Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture))))))
            .OrderBy(_ => random.Next())
            .ToArray();
        _manifest = DataManifest.Create(DataInputKind.Directory, _entries);
        _changed = DataManifest.Create(DataInputKind.Directory, _entries.Select((e, i) => i % 100 == 0 ? e with { Size = e.Size + 1 } : e));
        _serialized = _manifest.ToJsonLines();
    }

    [Benchmark]
    public string Create() => DataManifest.Create(DataInputKind.Directory, _entries).Root;

    [Benchmark]
    public int Compare() => ManifestDiff.Compare(_manifest, _changed).ChangedCount;

    [Benchmark]
    public int Serialize() => _manifest.ToJsonLines().Length;

    [Benchmark]
    public string Parse() => DataManifest.Parse(_serialized).Root;
}

using System.Diagnostics;
using System.Globalization;
using Repro.Capture.Data;
using Repro.Core.Data;

namespace Repro.Benchmarks.Data;

/// <summary>
/// <c>data-bench</c>: (a) hashing throughput of <see cref="DataFingerprinter"/> on 1 and 2 threads against
/// <c>sha256sum</c> on the same files (page cache warm, so both measure hashing, not the disk); (b) re-checking an
/// unchanged dataset of many small files with the stat cache, in this process and in a fresh one. Generated files are
/// deleted at the end.
/// <code>dotnet run -c Release --project bench/Repro.Benchmarks -- data-bench [--dir PARENT] [--mib 1024] [--files 100000]
///   [--repeat 3] [--only throughput|recheck]</code>
/// </summary>
internal static class DataBench
{
    public const string Command = "data-bench";
    public const string RecheckCommand = "data-recheck";

    private const int LargeFileMib = 16;

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        var root = Path.Combine(options.Parent, "repro-data-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        Console.WriteLine(
            $"# data-bench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {Environment.ProcessorCount} logical cores  .NET {Environment.Version}");
        Console.WriteLine($"# scratch directory {root}");
        try
        {
            if (options.Only is null or "throughput")
            {
                Throughput(Path.Combine(root, "throughput"), options);
            }

            if (options.Only is null or "recheck")
            {
                Recheck(Path.Combine(root, "recheck"), Path.Combine(root, "cache"), options);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Console.WriteLine($"# removed {root}");
        }

        return 0;
    }

    /// <summary>Child process of the re-check benchmark: one Check, as <c>repro data status</c> would run it.</summary>
    public static int RecheckOnce(string[] args)
    {
        var clock = Stopwatch.StartNew();
        DataManifest recorded;
        using (var manifestFile = File.OpenRead(args[2]))
        {
            recorded = DataManifest.Parse(manifestFile);
        }

        var parsed = clock.Elapsed.TotalMilliseconds;
        var diff = DataFingerprinter.Check(args[0], recorded, new FingerprintOptions { CacheDirectory = args[1] });
        var total = clock.Elapsed.TotalMilliseconds;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"parse manifest {parsed:F0} ms + Check {total - parsed:F0} ms, {(diff.IsEmpty ? "unchanged" : "CHANGED")}"));
        return diff.IsEmpty ? 0 : 1;
    }

    private static void Throughput(string directory, Options options)
    {
        var fileCount = Math.Max(1, options.Mib / LargeFileMib);
        Console.WriteLine();
        Console.WriteLine($"## (a) hashing throughput: {fileCount} files x {LargeFileMib} MiB = {fileCount * LargeFileMib} MiB");
        var files = Generate(directory, fileCount, LargeFileMib << 20, LargeFileMib << 20, filesPerDirectory: fileCount);
        var bytes = files.Sum(f => new FileInfo(f).Length);

        // Warm the page cache so every contender reads from memory.
        DataFingerprinter.Fingerprint(directory, new FingerprintOptions { MaxDegreeOfParallelism = 2 });
        RunSha256sum(files, processes: 1);

        var results = new List<(string Name, double Seconds)>();
        for (var round = 0; round < options.Repeat; round++)
        {
            results.Add(("sha256sum, 1 process", Time(() => RunSha256sum(files, processes: 1))));
            results.Add(("sha256sum, 2 processes", Time(() => RunSha256sum(files, processes: 2))));
            foreach (var threads in new[] { 1, 2 })
            {
                var name = $"repro, {threads} thread{(threads == 1 ? "" : "s")}";
                var fingerprintOptions = new FingerprintOptions { MaxDegreeOfParallelism = threads };
                results.Add((name, Time(() => DataFingerprinter.Fingerprint(directory, fingerprintOptions))));
            }
        }

        Console.WriteLine("| contender | best MiB/s | median MiB/s | runs (s) |");
        Console.WriteLine("|---|---:|---:|---|");
        foreach (var group in results.GroupBy(r => r.Name))
        {
            var seconds = group.Select(r => r.Seconds).Order().ToList();
            var mib = bytes / (double)(1 << 20);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {group.Key} | {mib / seconds[0]:F0} | {mib / seconds[seconds.Count / 2]:F0} | {Join(seconds, 1, "F2")} |"));
        }

        Directory.Delete(directory, recursive: true);
    }

    private static void Recheck(string directory, string cache, Options options)
    {
        Console.WriteLine();
        Console.WriteLine($"## (b) re-check of an unchanged dataset: {options.Files} files of 64 B to 4 KiB in directories of 1000");
        var create = Stopwatch.StartNew();
        Generate(directory, options.Files, 64, 4096, filesPerDirectory: 1000);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated in {create.Elapsed.TotalSeconds:F1} s"));

        // Let the file-system clock pass the newest file so no file is racily clean.
        Thread.Sleep(50);
        var cacheOptions = new FingerprintOptions { CacheDirectory = cache };
        var first = Stopwatch.StartNew();
        var fingerprint = DataFingerprinter.Fingerprint(directory, cacheOptions);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"first fingerprint (hashes everything, fills the cache): {first.Elapsed.TotalSeconds:F2} s, "
            + $"{fingerprint.FileCount} files, {fingerprint.TotalBytes / 1e6:F1} MB"));
        var second = DataFingerprinter.Fingerprint(directory, cacheOptions);
        Console.WriteLine($"second fingerprint: {second.FilesFromCache} files from the cache, {second.BytesHashed} bytes hashed");

        var inProcess = new List<double>();
        for (var round = 0; round < Math.Max(options.Repeat, 5); round++)
        {
            inProcess.Add(Time(() =>
            {
                var diff = DataFingerprinter.Check(directory, fingerprint.Manifest, cacheOptions);
                if (!diff.IsEmpty)
                {
                    throw new InvalidOperationException("The dataset changed during the benchmark.");
                }
            }));
        }

        var manifestPath = Path.Combine(directory, "..", "manifest.jsonl");
        File.WriteAllBytes(manifestPath, fingerprint.Manifest.ToJsonLines());
        var fresh = new List<(double Wall, string Inner)>();
        for (var round = 0; round < 3; round++)
        {
            string inner = "";
            var wall = Time(() => inner = RunSelf(RecheckCommand, directory, cache, manifestPath));
            fresh.Add((wall, inner));
        }

        inProcess.Sort();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Check, in process (warm JIT): best {inProcess[0] * 1000:F0} ms, median {inProcess[inProcess.Count / 2] * 1000:F0} ms; "
            + $"runs: {Join(inProcess, 1000, "F0")} ms"));
        foreach (var (wall, inner) in fresh)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Check, fresh process: {wall * 1000:F0} ms wall for the whole process; inside it: {inner}"));
        }

        File.Delete(manifestPath);
    }

    private static List<string> Generate(string directory, int count, int minSize, int maxSize, int filesPerDirectory)
    {
        var paths = Enumerable.Range(0, count)
            .Select(i => Path.Combine(directory, $"d{i / filesPerDirectory:D4}", $"f{i:D6}.bin"))
            .ToList();
        foreach (var parent in paths.Select(p => Path.GetDirectoryName(p)!).Distinct())
        {
            Directory.CreateDirectory(parent);
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var random = new Random(i);
            var content = new byte[minSize == maxSize ? minSize : random.Next(minSize, maxSize + 1)];
            random.NextBytes(content);
            File.WriteAllBytes(paths[i], content);
        });
        return paths;
    }

    private static void RunSha256sum(List<string> files, int processes)
    {
        var running = Enumerable.Range(0, processes).Select(p =>
        {
            var start = new ProcessStartInfo("sha256sum") { RedirectStandardOutput = true };
            foreach (var file in files.Where((_, i) => i % processes == p))
            {
                start.ArgumentList.Add(file);
            }

            return Process.Start(start)!;
        }).ToList();
        foreach (var process in running)
        {
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException("sha256sum failed.");
            }

            process.Dispose();
        }
    }

    private static string RunSelf(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(DataBench).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }

    private static string Join(IEnumerable<double> values, double scale, string format) =>
        string.Join(" ", values.Select(v => (v * scale).ToString(format, CultureInfo.InvariantCulture)));

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private sealed record Options(string Parent, int Mib, int Files, int Repeat, string? Only)
    {
        public static Options Parse(string[] args)
        {
            var options = new Options(Path.GetTempPath(), 1024, 100_000, 3, null);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                var value = args[i + 1];
                options = args[i] switch
                {
                    "--dir" => options with { Parent = value },
                    "--mib" => options with { Mib = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--files" => options with { Files = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--repeat" => options with { Repeat = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--only" => options with { Only = value },
                    _ => throw new ArgumentException(
                        $"Unknown option {args[i]}. Options: --dir PARENT --mib N --files N --repeat N --only throughput|recheck"),
                };
            }

            return options;
        }
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Repro.Capture.Data;

namespace Repro.Capture.Tests.Data;

/// <summary>A temporary directory with a data folder and a cache folder beside it, deleted on dispose.</summary>
internal sealed class DataTestTree : IDisposable
{
    public DataTestTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "repro-data-test-" + Guid.NewGuid().ToString("N"));
        Data = Path.Combine(Root, "data");
        Cache = Path.Combine(Root, "cache");
        Directory.CreateDirectory(Data);
    }

    public string Root { get; }

    public string Data { get; }

    public string Cache { get; }

    public string Write(string relative, string content) => Write(relative, Encoding.UTF8.GetBytes(content));

    public string Write(string relative, byte[] content)
    {
        var path = Path.Combine(Data, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Creates a file whose name is given as raw bytes (as octal escapes for printf), through /bin/sh.</summary>
    public void WriteRawName(string octalName, string content)
    {
        Run("/bin/sh", "-c", $"printf '%s' \"$1\" > \"$(printf '{octalName}')\"", "sh", content);
    }

    public void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = Data, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} failed: {error}");
    }

    /// <summary>Gives every file under the data folder an old mtime (100 ns-exact, so it can be restored exactly).</summary>
    public void AgeAllFiles()
    {
        foreach (var file in Directory.EnumerateFiles(Data, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, Old);
        }
    }

    public static DateTime Old { get; } = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    /// <summary>
    /// Waits until the file-system clock is past every file's ctime, so a fingerprint taken now does not see the files as
    /// racily clean. Usually returns at once: timestamps have nanosecond or jiffy resolution.
    /// </summary>
    public void WaitForFileSystemClock()
    {
        var fs = FileSystemAccess.Default;
        var newest = Directory.EnumerateFiles(Data, "*", SearchOption.AllDirectories)
            .Select(f => fs.TryStat(FileSystemAccess.ToBytes(f), out var s, out _) ? Math.Max(s.CtimeNs, s.MtimeNs) : 0)
            .DefaultIfEmpty(0)
            .Max();
        var probe = Path.Combine(Root, "clock-probe");
        for (var attempt = 0; attempt < 2000; attempt++)
        {
            File.WriteAllBytes(probe, [1]);
            if (fs.TryStat(FileSystemAccess.ToBytes(probe), out var stat, out _) && stat.MtimeNs > newest)
            {
                return;
            }

            Thread.Sleep(1);
        }

        throw new InvalidOperationException("The file-system clock did not advance.");
    }

    public FingerprintOptions Options(int threads = 2) => new() { CacheDirectory = Cache, MaxDegreeOfParallelism = threads };

    public static string Sha(string content) => Sha(Encoding.UTF8.GetBytes(content));

    public static string Sha(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public void Dispose()
    {
        // chmod and rm cope with modes the tests took away and with names .NET cannot represent.
        foreach (var command in new[] { new[] { "chmod", "-R", "u+rwx", Root }, new[] { "rm", "-rf", Root } })
        {
            using var process = Process.Start(new ProcessStartInfo(command[0], command[1..]) { RedirectStandardError = true })!;
            process.StandardError.ReadToEnd();
            process.WaitForExit();
        }
    }
}

using Repro.Capture.Processes;
using Repro.Core.Runs;

namespace Repro.Capture.Cpu;

/// <summary>What the CPU and memory probe found; flags include the "dotnet:" flags of <see cref="DotnetCpuFeatures"/>.</summary>
internal sealed record CpuSummary(string Model, int LogicalCores, IReadOnlyList<string> Flags, long MemoryBytes);

/// <summary>Reads the CPU model, core count, instruction sets and total memory.</summary>
internal static class CpuProbe
{
    public static CpuSummary Capture(TimeSpan timeout, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var model = EnvironmentSnapshot.Unknown;
        var cores = Environment.ProcessorCount;
        IReadOnlyList<string> cpuFlags = [];

        var cpuinfo = OperatingSystem.IsLinux() ? FileText.TryRead("/proc/cpuinfo") : null;
        if (cpuinfo is not null)
        {
            var info = CpuInfoParser.Parse(cpuinfo);
            model = info.ModelName ?? EnvironmentSnapshot.Unknown;
            cpuFlags = info.NumericFlags;
            if (info.LogicalCores > 0)
            {
                cores = info.LogicalCores;
            }

            if (info.ModelName is null)
            {
                warnings.Add("The CPU model is unknown: /proc/cpuinfo names no model.");
            }
        }
        else if (OperatingSystem.IsLinux())
        {
            warnings.Add("The CPU model and instruction sets are unknown: /proc/cpuinfo could not be read.");
        }
        else
        {
            model = OtherOsModel(timeout) ?? EnvironmentSnapshot.Unknown;
        }

        var memory = ReadMemory(warnings);
        return new CpuSummary(model, cores, [.. cpuFlags, .. DotnetCpuFeatures.Current()], memory);
    }

    private static string? OtherOsModel(TimeSpan timeout)
    {
        if (OperatingSystem.IsMacOS())
        {
            var sysctl = ProcessRunner.Run("sysctl", ["-n", "machdep.cpu.brand_string"], new ProcessRunOptions { Timeout = timeout });
            return sysctl.Succeeded && sysctl.StandardOutput.Trim() is { Length: > 0 } brand ? brand : null;
        }

        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER");
    }

    private static long ReadMemory(List<string> warnings)
    {
        if (OperatingSystem.IsLinux() && FileText.TryRead("/proc/meminfo") is { } meminfo
            && MemInfoParser.Parse(meminfo).TotalBytes is { } total)
        {
            return total;
        }

        // Elsewhere the GC's view is the best portable figure (it respects container limits).
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available <= 0)
        {
            warnings.Add("The machine's memory size is unknown.");
            return 0;
        }

        return available;
    }
}

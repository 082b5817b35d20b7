using Repro.Capture.Cpu;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Cpu;

public sealed class CpuProbeTests
{
    [LinuxFact]
    public void The_probe_reports_this_machine_with_cpu_and_dotnet_flags()
    {
        var warnings = new List<string>();

        var cpu = CpuProbe.Capture(TimeSpan.FromSeconds(10), warnings);
        var expected = CpuInfoParser.Parse(File.ReadAllText("/proc/cpuinfo"));

        Assert.Equal(expected.ModelName ?? "unknown", cpu.Model);
        Assert.Equal(expected.LogicalCores, cpu.LogicalCores);
        Assert.Equal(MemInfoParser.Parse(File.ReadAllText("/proc/meminfo")).TotalBytes, cpu.MemoryBytes);
        Assert.All(expected.NumericFlags, flag => Assert.Contains(flag, cpu.Flags));
        Assert.Contains(cpu.Flags, f => f.StartsWith("dotnet:vector-bits=", StringComparison.Ordinal));
    }

    [Fact]
    public void Dotnet_flags_follow_what_the_runtime_enables()
    {
        var flags = DotnetCpuFeatures.Current();

        Assert.Equal(System.Runtime.Intrinsics.X86.Avx2.IsSupported, flags.Contains("dotnet:avx2"));
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, flags.Contains("dotnet:avx512f"));
        Assert.Contains($"dotnet:vector-bits={System.Numerics.Vector<byte>.Count * 8}", flags);
        Assert.All(flags, f => Assert.StartsWith(DotnetCpuFeatures.Prefix, f, StringComparison.Ordinal));
    }
}

using Repro.Capture.Os;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Os;

public sealed class OsProbeTests
{
    [LinuxFact]
    public void On_linux_the_probe_reads_distribution_and_kernel_from_the_system()
    {
        var warnings = new List<string>();

        var info = OsProbe.Capture(TimeSpan.FromSeconds(10), warnings);

        Assert.Equal("Linux", info.Os);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), info.Kernel);
        Assert.Equal(OsReleaseParser.Parse(File.ReadAllText("/etc/os-release")).Describe(), info.Distribution);
        Assert.Equal(Environment.MachineName, info.Hostname);
        Assert.Contains(info.Architecture, new[] { "x64", "arm64", "x86", "arm", "s390x", "ppc64le", "riscv64", "loongarch64" });
        Assert.Empty(warnings);
    }
}

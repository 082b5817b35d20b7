using System.Collections;
using System.Runtime.InteropServices;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests;

public sealed class EnvironmentCaptureTests
{
    [LinuxFact]
    public void A_python_run_on_this_machine_is_described_in_full()
    {
        using var temp = new TempDirectory();
        var environment = new Hashtable(Environment.GetEnvironmentVariables())
        {
            ["OMP_NUM_THREADS"] = "3",
            ["TORCH_HUB_TOKEN"] = "never-recorded",
            ["REPRO_THREADS"] = "2",
        };
        var options = new EnvironmentCaptureOptions
        {
            Command = ["python3", "train.py"],
            WorkingDirectory = temp.Path,
            Environment = environment,
            NvidiaSmi = "repro-no-such-nvidia-smi",
        };

        var snapshot = EnvironmentCapture.Capture(options);

        Assert.Equal("Linux", snapshot.Os);
        Assert.NotEqual("unknown", snapshot.Distribution);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), snapshot.Kernel);
        Assert.Equal(RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(), snapshot.Architecture);
        Assert.Equal(Environment.MachineName, snapshot.Hostname);
        Assert.True(snapshot.LogicalCores > 0);
        Assert.True(snapshot.MemoryBytes > 0);
        Assert.Contains(snapshot.CpuFlags, f => f.StartsWith("dotnet:", StringComparison.Ordinal));
        Assert.Contains(snapshot.Container, new[] { "none", "docker", "podman", "kubernetes", "lxc", "wsl", "container" });
        Assert.Equal(RuntimeInformation.FrameworkDescription, snapshot.DotnetRuntime);
        Assert.Equal("none", snapshot.GpuSummary);
        Assert.Empty(snapshot.Gpus);
        Assert.Equal("3", snapshot.Variables["OMP_NUM_THREADS"]);
        Assert.Equal("2", snapshot.Variables["REPRO_THREADS"]);
        Assert.False(snapshot.Variables.ContainsKey("TORCH_HUB_TOKEN"));
        if (Tools.HasPython3 || Tools.OnCi)
        {
            Assert.NotNull(snapshot.Python);
            Assert.Empty(snapshot.Warnings);
        }
    }

    [UnixFact]
    public void Failing_probes_leave_unknown_fields_and_warnings_but_never_throw()
    {
        using var temp = new TempDirectory();
        var hangingPython = FakeProgram.Write(temp, "python3", "sleep 30");
        var brokenNvidiaSmi = FakeProgram.Write(
            temp, "nvidia-smi", "echo 'Failed to initialize NVML: Driver/library version mismatch'; exit 18");
        var options = new EnvironmentCaptureOptions
        {
            Command = [hangingPython, "train.py"],
            WorkingDirectory = temp.Path,
            PythonTimeout = TimeSpan.FromMilliseconds(300),
            NvidiaSmi = brokenNvidiaSmi,
        };

        var snapshot = EnvironmentCapture.Capture(options);

        Assert.Null(snapshot.Python);
        Assert.Equal("unknown", snapshot.GpuSummary);
        Assert.Contains(snapshot.Warnings, w => w.Contains("Python packages were not recorded", StringComparison.Ordinal));
        Assert.Contains(snapshot.Warnings, w => w.Contains("Driver/library version mismatch", StringComparison.Ordinal));
        Assert.NotEqual("unknown", snapshot.Os);
    }

    [Fact]
    public void Without_an_environment_the_current_process_environment_is_used()
    {
        var snapshot = EnvironmentCapture.Capture(new EnvironmentCaptureOptions { NvidiaSmi = "repro-no-such-nvidia-smi" });

        var expected = Repro.Capture.Variables.DeterminismVariables.Select(Environment.GetEnvironmentVariables());
        Assert.Equal(expected, snapshot.Variables);
        Assert.Null(snapshot.Python);
    }
}

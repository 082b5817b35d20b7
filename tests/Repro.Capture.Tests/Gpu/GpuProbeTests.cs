using Repro.Capture.Gpu;
using Repro.Capture.Tests.Support;
using Repro.Core.Runs;

namespace Repro.Capture.Tests.Gpu;

public sealed class GpuProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Without_nvidia_smi_there_is_no_gpu_and_no_warning()
    {
        var capture = GpuProbe.Capture(Timeout, "repro-no-such-nvidia-smi-" + Guid.NewGuid().ToString("N"));

        Assert.Equal("none", capture.Summary);
        Assert.Empty(capture.Gpus);
        Assert.Empty(capture.Warnings);
    }

    [UnixFact]
    public void Eight_h100s_are_listed_with_driver_cuda_and_memory()
    {
        using var temp = new TempDirectory();
        var rows = QueryRows("NVIDIA H100 80GB HBM3", "535.183.01", "81559 MiB", 8);
        var nvidiaSmi = FakeNvidiaSmi(temp, TestFiles.PathOf("nvidia-smi/h100-x8-driver-535.txt"), rows);

        var capture = GpuProbe.Capture(Timeout, nvidiaSmi);

        Assert.Equal(8, capture.Gpus.Count);
        Assert.All(capture.Gpus, g => Assert.Equal(new GpuInfo("NVIDIA H100 80GB HBM3", "535.183.01", "12.2", "81559 MiB"), g));
        Assert.Equal("8 x NVIDIA H100 80GB HBM3 (driver 535.183.01, CUDA 12.2)", capture.Summary);
        Assert.Empty(capture.Warnings);
    }

    [UnixFact]
    public void A_driver_that_is_not_loaded_gives_unknown_and_a_warning()
    {
        using var temp = new TempDirectory();
        var message = TestFiles.PathOf("nvidia-smi/driver-not-loaded.txt");
        var nvidiaSmi = FakeProgram.Write(temp, "nvidia-smi", $"cat {FakeProgram.Quote(message)}; exit 9");

        var capture = GpuProbe.Capture(Timeout, nvidiaSmi);

        Assert.Equal("unknown", capture.Summary);
        Assert.Empty(capture.Gpus);
        var warning = Assert.Single(capture.Warnings);
        Assert.Contains("couldn't communicate with the NVIDIA driver", warning, StringComparison.Ordinal);
    }

    [UnixFact]
    public void A_hanging_nvidia_smi_gives_unknown_and_a_warning()
    {
        using var temp = new TempDirectory();
        var nvidiaSmi = FakeProgram.Write(temp, "nvidia-smi", "sleep 30");

        var capture = GpuProbe.Capture(TimeSpan.FromMilliseconds(300), nvidiaSmi);

        Assert.Equal("unknown", capture.Summary);
        Assert.Contains("did not finish", Assert.Single(capture.Warnings), StringComparison.Ordinal);
    }

    [UnixFact]
    public void A_missing_cuda_version_is_unknown_with_a_warning_but_gpus_are_kept()
    {
        using var temp = new TempDirectory();
        var rows = temp.WriteFile("rows.csv", "NVIDIA L40, 580.126.09, 46068 MiB\n");
        var nvidiaSmi = FakeProgram.Write(
            temp, "nvidia-smi", $"if [ \"$#\" -gt 0 ]; then cat {FakeProgram.Quote(rows)}; else echo 'no header here'; fi");

        var capture = GpuProbe.Capture(Timeout, nvidiaSmi);

        Assert.Equal("unknown", Assert.Single(capture.Gpus).Cuda);
        Assert.Single(capture.Warnings);
    }

    [Fact]
    public void Mixed_models_are_summarised_in_order_of_appearance()
    {
        GpuInfo[] gpus =
        [
            new("NVIDIA GeForce RTX 3090", "580.95.05", "13.0", "24576 MiB"),
            new("Tesla V100-SXM2-32GB", "580.95.05", "13.0", "32768 MiB"),
            new("Tesla V100-SXM2-32GB", "580.95.05", "13.0", "32768 MiB"),
        ];

        Assert.Equal("1 x NVIDIA GeForce RTX 3090, 2 x Tesla V100-SXM2-32GB (driver 580.95.05, CUDA 13.0)", GpuProbe.Summarize(gpus));
        Assert.Equal("none", GpuProbe.Summarize([]));
    }

    private static string QueryRows(string name, string driver, string memory, int count) =>
        string.Concat(Enumerable.Repeat($"{name}, {driver}, {memory}\n", count));

    private static string FakeNvidiaSmi(TempDirectory temp, string tableFile, string queryRows)
    {
        var rows = temp.WriteFile("rows.csv", queryRows);
        return FakeProgram.Write(
            temp,
            "nvidia-smi",
            $"if [ \"$1\" = \"--query-gpu=name,driver_version,memory.total\" ] && [ \"$2\" = \"--format=csv,noheader\" ]; "
            + $"then cat {FakeProgram.Quote(rows)}; else cat {FakeProgram.Quote(tableFile)}; fi");
    }
}

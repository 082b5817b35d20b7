using Repro.Capture.Gpu;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Gpu;

public sealed class NvidiaSmiParserTests
{
    private static string File(string name) => TestFiles.Read($"nvidia-smi/{name}");

    [Theory]
    [InlineData("h100-x8-driver-535.txt", "12.2", "535.183.01")]
    [InlineData("a40-x10-driver-550.txt", "12.4", "550.127.05")]
    [InlineData("a100-sxm4-40gb-driver-570.txt", "12.8", "570.124.06")]
    [InlineData("geforce-driver-470.txt", "11.4", "470.63.01")]
    public void The_table_header_gives_cuda_and_driver_versions(string file, string cuda, string driver)
    {
        var output = File(file);

        Assert.Equal(cuda, NvidiaSmiParser.ParseCudaVersion(output));
        Assert.Equal(driver, NvidiaSmiParser.ParseDriverVersion(output));
    }

    [Fact]
    public void A_failure_message_has_no_versions()
    {
        Assert.Null(NvidiaSmiParser.ParseCudaVersion(File("driver-not-loaded.txt")));
        Assert.Null(NvidiaSmiParser.ParseDriverVersion(File("driver-not-loaded.txt")));
    }

    [Fact]
    public void Query_rows_without_header_give_one_gpu_each()
    {
        var gpus = NvidiaSmiParser.ParseQuery(File("query-rtx-a5000-x4.csv"));

        Assert.Equal(4, gpus.Count);
        Assert.All(gpus, g => Assert.Equal(new NvidiaSmiGpu("NVIDIA RTX A5000", "535.183.01", "24564 MiB"), g));
    }

    [Fact]
    public void A_header_line_is_skipped()
    {
        var gpus = NvidiaSmiParser.ParseQuery(File("query-l40-x2-with-header.csv"));

        Assert.Equal(2, gpus.Count);
        Assert.Equal(new NvidiaSmiGpu("NVIDIA L40", "580.126.09", "46068 MiB"), gpus[0]);
    }

    [Fact]
    public void Extra_columns_are_ignored()
    {
        var gpu = Assert.Single(NvidiaSmiParser.ParseQuery(File("query-h100-with-compute-cap.csv")));

        Assert.Equal(new NvidiaSmiGpu("NVIDIA H100 80GB HBM3", "580.82.07", "81559 MiB"), gpu);
    }

    [Fact]
    public void Windows_output_with_crlf_is_read()
    {
        var crlf = File("query-rtx-2070-super-windows.csv").Replace("\n", "\r\n", StringComparison.Ordinal);

        var gpu = Assert.Single(NvidiaSmiParser.ParseQuery(crlf));

        Assert.Equal(new NvidiaSmiGpu("NVIDIA GeForce RTX 2070 SUPER", "560.94", "8192 MiB"), gpu);
    }

    [Fact]
    public void Text_that_is_not_csv_gives_no_gpus()
    {
        Assert.Empty(NvidiaSmiParser.ParseQuery(File("driver-not-loaded.txt")));
        Assert.Empty(NvidiaSmiParser.ParseQuery(""));
    }
}

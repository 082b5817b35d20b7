using System.Globalization;
using Repro.Capture.Processes;
using Repro.Core.Runs;

namespace Repro.Capture.Gpu;

/// <summary>What the GPU probe found. <see cref="Summary"/> is "none", "unknown" or a one-line description.</summary>
internal sealed record GpuCapture(string Summary, IReadOnlyList<GpuInfo> Gpus, IReadOnlyList<string> Warnings);

/// <summary>
/// Asks nvidia-smi for the GPUs, driver and CUDA version. No nvidia-smi means no NVIDIA GPU: "none", without a warning.
/// nvidia-smi that fails or hangs gives "unknown" and a warning.
/// </summary>
internal static class GpuProbe
{
    public const string NoGpu = "none";

    public static GpuCapture Capture(TimeSpan timeout, string nvidiaSmi = "nvidia-smi")
    {
        ArgumentException.ThrowIfNullOrEmpty(nvidiaSmi);
        var options = new ProcessRunOptions { Timeout = timeout };

        // The two calls are independent; run them side by side so the probe costs one nvidia-smi start, not two.
        var header = Task.Run(() => ProcessRunner.Run(nvidiaSmi, [], options));
        var query = ProcessRunner.Run(nvidiaSmi, ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], options);
        var table = header.GetAwaiter().GetResult();

        if (query.NotFound)
        {
            return new GpuCapture(NoGpu, [], []);
        }

        if (!query.Succeeded)
        {
            return Unknown($"nvidia-smi failed, so the GPUs are unknown: {query.Describe()}. Check the driver with `nvidia-smi`.");
        }

        var rows = NvidiaSmiParser.ParseQuery(query.StandardOutput);
        if (rows.Count == 0)
        {
            return new GpuCapture(NoGpu, [], []);
        }

        var warnings = new List<string>();
        var cuda = table.Succeeded ? NvidiaSmiParser.ParseCudaVersion(table.StandardOutput) : null;
        if (cuda is null)
        {
            warnings.Add(table.Succeeded
                ? "nvidia-smi did not show a CUDA version, so the driver's CUDA version is unknown."
                : $"The driver's CUDA version is unknown: {table.Describe()}.");
        }

        var gpus = rows.Select(r => new GpuInfo(r.Name, r.Driver, cuda ?? EnvironmentSnapshot.Unknown, r.MemoryTotal)).ToList();
        return new GpuCapture(Summarize(gpus), gpus, warnings);
    }

    /// <summary>"8 x NVIDIA H100 80GB HBM3 (driver 535.183.01, CUDA 12.2)"; mixed models are listed in order of first appearance.</summary>
    public static string Summarize(IReadOnlyList<GpuInfo> gpus)
    {
        ArgumentNullException.ThrowIfNull(gpus);
        if (gpus.Count == 0)
        {
            return NoGpu;
        }

        var models = gpus
            .GroupBy(g => g.Name, StringComparer.Ordinal)
            .Select(g => $"{g.Count().ToString(CultureInfo.InvariantCulture)} x {g.Key}");
        var drivers = string.Join("/", gpus.Select(g => g.Driver).Distinct(StringComparer.Ordinal));
        var cudas = string.Join("/", gpus.Select(g => g.Cuda).Distinct(StringComparer.Ordinal));
        return $"{string.Join(", ", models)} (driver {drivers}, CUDA {cudas})";
    }

    private static GpuCapture Unknown(string warning) => new(EnvironmentSnapshot.Unknown, [], [warning]);
}

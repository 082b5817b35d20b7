using System.Text.RegularExpressions;

namespace Repro.Capture.Gpu;

/// <summary>One row of <c>nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader</c>.</summary>
public sealed record NvidiaSmiGpu(string Name, string Driver, string? MemoryTotal);

/// <summary>Parses nvidia-smi's CSV query output and the CUDA version in its table header.</summary>
public static partial class NvidiaSmiParser
{
    /// <summary>
    /// One GPU per line: "NVIDIA H100 80GB HBM3, 535.183.01, 81559 MiB". A header line (from --format=csv), blank lines
    /// and extra columns are tolerated; lines with fewer than two fields are skipped.
    /// </summary>
    public static IReadOnlyList<NvidiaSmiGpu> ParseQuery(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var gpus = new List<NvidiaSmiGpu>();
        foreach (var rawLine in csv.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith("name,", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var fields = line.Split(',').Select(f => f.Trim()).ToArray();
            if (fields.Length < 2 || fields[0].Length == 0 || fields[1].Length == 0)
            {
                continue;
            }

            var memory = fields.Length > 2 && fields[2].Length > 0 && fields[2] != "[N/A]" ? fields[2] : null;
            gpus.Add(new NvidiaSmiGpu(fields[0], fields[1], memory));
        }

        return gpus;
    }

    /// <summary>"12.2" from the header line "| NVIDIA-SMI 535.183.01   Driver Version: 535.183.01   CUDA Version: 12.2 |".</summary>
    public static string? ParseCudaVersion(string nvidiaSmiOutput)
    {
        ArgumentNullException.ThrowIfNull(nvidiaSmiOutput);
        var match = CudaVersion().Match(nvidiaSmiOutput);
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The driver version from the same header line, for when the CSV query is not available.</summary>
    public static string? ParseDriverVersion(string nvidiaSmiOutput)
    {
        ArgumentNullException.ThrowIfNull(nvidiaSmiOutput);
        var match = DriverVersion().Match(nvidiaSmiOutput);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"CUDA Version\s*:\s*([0-9]+(?:\.[0-9]+)*)", RegexOptions.CultureInvariant)]
    private static partial Regex CudaVersion();

    [GeneratedRegex(@"Driver Version\s*:\s*([0-9]+(?:\.[0-9]+)*)", RegexOptions.CultureInvariant)]
    private static partial Regex DriverVersion();
}

using System.Globalization;

namespace Repro.Capture.Cpu;

/// <summary>Parses <c>/proc/cpuinfo</c> from x86 (flags) and ARM (Features) kernels.</summary>
public static class CpuInfoParser
{
    /// <summary>
    /// The instruction-set extensions kept in the record, in this order. x86 spells SSE3 "pni"; it is reported as sse3.
    /// ARM's "asimd" is NEON on 64-bit kernels; 32-bit kernels say "neon".
    /// </summary>
    public static IReadOnlyList<string> NumericFlagOrder { get; } =
    [
        "sse", "sse2", "sse3", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
        "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni",
        "amx_tile", "amx_bf16", "amx_int8",
        "neon", "asimd", "asimdhp", "asimddp", "fphp", "bf16", "i8mm", "sve", "sve2",
    ];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal) { ["pni"] = "sse3" };

    // CPU implementer / part codes for the ARM cores seen most in ML machines (from the kernel's cputype.h).
    private static readonly Dictionary<(int Implementer, int Part), string> ArmCores = new()
    {
        [(0x41, 0xd03)] = "ARM Cortex-A53",
        [(0x41, 0xd07)] = "ARM Cortex-A57",
        [(0x41, 0xd08)] = "ARM Cortex-A72",
        [(0x41, 0xd0b)] = "ARM Cortex-A76",
        [(0x41, 0xd0c)] = "ARM Neoverse-N1",
        [(0x41, 0xd40)] = "ARM Neoverse-V1",
        [(0x41, 0xd49)] = "ARM Neoverse-N2",
        [(0x41, 0xd4f)] = "ARM Neoverse-V2",
        [(0xc0, 0xac3)] = "Ampere-1",
        [(0x61, 0x022)] = "Apple M1",
        [(0x61, 0x032)] = "Apple M2",
    };

    public static CpuInfo Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        string? modelName = null;
        string? legacyProcessorName = null;
        string? implementer = null;
        string? part = null;
        IReadOnlyList<string>? flags = null;
        var processors = 0;

        foreach (var rawLine in content.Split('\n'))
        {
            var colon = rawLine.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var key = rawLine[..colon].Trim();
            var value = rawLine[(colon + 1)..].Trim();
            switch (key)
            {
                case "processor":
                    // Old ARM kernels also use "Processor" (capital P) for the model name, never a number.
                    processors++;
                    break;
                case "Processor":
                    legacyProcessorName ??= value;
                    break;
                case "model name":
                case "cpu model":
                    modelName ??= value;
                    break;
                case "flags":
                case "Features":
                    flags ??= value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    break;
                case "CPU implementer":
                    implementer ??= value;
                    break;
                case "CPU part":
                    part ??= value;
                    break;
                default:
                    break;
            }
        }

        flags ??= [];
        var model = modelName ?? legacyProcessorName ?? ArmModel(implementer, part);
        return new CpuInfo(string.IsNullOrWhiteSpace(model) ? null : model, processors, flags, SelectNumericFlags(flags));
    }

    /// <summary>Keeps the flags listed in <see cref="NumericFlagOrder"/>, in that order, without duplicates.</summary>
    public static IReadOnlyList<string> SelectNumericFlags(IEnumerable<string> flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var flag in flags)
        {
            var lower = flag.ToLowerInvariant();
            present.Add(Aliases.TryGetValue(lower, out var alias) ? alias : lower);
        }

        return NumericFlagOrder.Where(present.Contains).ToList();
    }

    private static string? ArmModel(string? implementer, string? part)
    {
        if (implementer is null || part is null)
        {
            return null;
        }

        if (TryParseHex(implementer, out var i) && TryParseHex(part, out var p) && ArmCores.TryGetValue((i, p), out var name))
        {
            return name;
        }

        return $"ARM implementer {implementer} part {part}";
    }

    private static bool TryParseHex(string text, out int value)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return int.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }
}

using System.Globalization;
using System.Numerics;
using System.Runtime.Intrinsics;
using ArmAdvSimd = System.Runtime.Intrinsics.Arm.AdvSimd;
using X86 = System.Runtime.Intrinsics.X86;

namespace Repro.Capture.Cpu;

/// <summary>
/// The instruction sets the .NET runtime of this process uses, as "dotnet:" flags. They can differ from what the CPU offers:
/// DOTNET_EnableAVX2=0 or DOTNET_EnableAVX512F=0 turn them off, and that changes which code paths (and results) run.
/// </summary>
public static class DotnetCpuFeatures
{
    public const string Prefix = "dotnet:";

    public static IReadOnlyList<string> Current()
    {
        var flags = new List<string>();
        Add(flags, "sse4_2", X86.Sse42.IsSupported);
        Add(flags, "avx", X86.Avx.IsSupported);
        Add(flags, "avx2", X86.Avx2.IsSupported);
        Add(flags, "fma", X86.Fma.IsSupported);
        Add(flags, "avx512f", X86.Avx512F.IsSupported);
        Add(flags, "avx512bw", X86.Avx512BW.IsSupported);
        Add(flags, "advsimd", ArmAdvSimd.IsSupported);
        Add(flags, "vector128", Vector128.IsHardwareAccelerated);
        Add(flags, "vector256", Vector256.IsHardwareAccelerated);
        Add(flags, "vector512", Vector512.IsHardwareAccelerated);

        // Vector<T> is what most numeric .NET code uses; its width decides how sums are split across lanes.
        var bits = Vector<byte>.Count * 8;
        flags.Add(Prefix + "vector-bits=" + bits.ToString(CultureInfo.InvariantCulture));
        return flags;
    }

    private static void Add(List<string> flags, string name, bool supported)
    {
        if (supported)
        {
            flags.Add(Prefix + name);
        }
    }
}

using System.Runtime.Intrinsics;

namespace Repro.Core.Numerics;

/// <summary>Which generic vector widths the JIT accelerates in this process (DOTNET_EnableAVX512F=0 etc. narrow them).</summary>
internal static class SimdSupport
{
    public static SimdPath Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdPath.Vector512
        : Vector256.IsHardwareAccelerated ? SimdPath.Vector256
        : Vector128.IsHardwareAccelerated ? SimdPath.Vector128
        : SimdPath.Scalar;

    public static bool IsAccelerated(SimdPath path) => path switch
    {
        SimdPath.Auto or SimdPath.Scalar => true,
        SimdPath.Vector128 => Vector128.IsHardwareAccelerated,
        SimdPath.Vector256 => Vector256.IsHardwareAccelerated,
        SimdPath.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    public static SimdPath Resolve(SimdPath path)
    {
        if (path == SimdPath.Auto)
        {
            return Best;
        }

        return IsAccelerated(path)
            ? path
            : throw new PlatformNotSupportedException($"The {path} code path is not accelerated on this CPU.");
    }
}

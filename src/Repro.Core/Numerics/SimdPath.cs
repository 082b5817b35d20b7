namespace Repro.Core.Numerics;

/// <summary>
/// Which code path a vectorized kernel takes. Every path of a kernel gives the same bits; tests force each path that the CPU
/// supports and compare it with <see cref="Scalar"/>.
/// </summary>
internal enum SimdPath
{
    Auto,
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

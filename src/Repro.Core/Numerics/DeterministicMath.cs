using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Repro.Core.Numerics;

/// <summary>
/// Sums, dot products and a matrix product whose result bits depend neither on the number of threads nor on the CPU's vector
/// width (SSE, AVX2, AVX-512 or none). The order of every floating-point operation is fixed by the input length alone:
/// <list type="bullet">
/// <item>the input is cut into chunks of <see cref="ChunkSize"/> elements, whatever the thread count;</item>
/// <item>inside a chunk, element i goes to accumulator lane i mod L, with L = 64 for float and 32 for double (256 bytes); each
/// lane adds its elements in index order, products being rounded before the addition (never fused);</item>
/// <item>the L lanes are combined by halving: lane l += lane l + L/2, then L/4, ..., down to lane 0;</item>
/// <item>chunk results are combined by a pairwise tree over chunk index: neighbours 2i and 2i+1 are added, an odd last one is
/// carried up, until one remains.</item>
/// </list>
/// Vector code and the scalar fallback perform exactly these operations, so every path gives the same bits.
/// </summary>
public static class DeterministicMath
{
    /// <summary>Elements per chunk: the unit of parallel work, fixed so results do not depend on the thread count.</summary>
    public const int ChunkSize = 16_384;

    private const int LaneBytes = 256;

    /// <summary>The sum of <paramref name="values"/>, with the same bits for any thread count and vector width.</summary>
    /// <param name="values">The numbers to add.</param>
    /// <param name="maxDegreeOfParallelism">Threads to use at most; -1 for as many as the machine has.</param>
    public static float Sum(ReadOnlySpan<float> values, int maxDegreeOfParallelism = -1) =>
        Reduce(values, default, dot: false, maxDegreeOfParallelism, SimdPath.Auto);

    /// <inheritdoc cref="Sum(ReadOnlySpan{float}, int)"/>
    public static double Sum(ReadOnlySpan<double> values, int maxDegreeOfParallelism = -1) =>
        Reduce(values, default, dot: false, maxDegreeOfParallelism, SimdPath.Auto);

    /// <summary>
    /// The dot product of <paramref name="x"/> and <paramref name="y"/> (equal lengths), deterministic like
    /// <see cref="Sum(ReadOnlySpan{float}, int)"/>.
    /// </summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int maxDegreeOfParallelism = -1) =>
        Reduce(x, CheckSameLength(x, y), dot: true, maxDegreeOfParallelism, SimdPath.Auto);

    /// <inheritdoc cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int maxDegreeOfParallelism = -1) =>
        Reduce(x, CheckSameLength(x, y), dot: true, maxDegreeOfParallelism, SimdPath.Auto);

    /// <summary>
    /// c = a b for row-major a (m x k), b (k x n) and c (m x n). Each c[i, j] is accumulated from 0 over p = 0 .. k - 1 in order,
    /// as c += a[i, p] * b[p, j] with the product rounded first, so its bits do not depend on the thread count (rows are spread
    /// over threads) or on the vector width (columns are spread over vector lanes).
    /// </summary>
    public static void MatMul(
        ReadOnlySpan<float> a, int m, int k, ReadOnlySpan<float> b, int n, Span<float> c, int maxDegreeOfParallelism = -1) =>
        MatMul(a, m, k, b, n, c, maxDegreeOfParallelism, SimdPath.Auto);

    internal static T Reduce<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool dot, int maxDegreeOfParallelism, SimdPath path)
        where T : unmanaged, INumberBase<T>
    {
        CheckDegree(maxDegreeOfParallelism);
        path = SimdSupport.Resolve(path);
        var chunks = (x.Length + ChunkSize - 1) / ChunkSize;
        if (chunks <= 1)
        {
            return ReduceChunk(x, y, dot, path);
        }

        var partials = new T[chunks];
        if (maxDegreeOfParallelism == 1)
        {
            for (var i = 0; i < chunks; i++)
            {
                var (start, length) = ChunkRange(i, x.Length);
                partials[i] = ReduceChunk(x.Slice(start, length), dot ? y.Slice(start, length) : default, dot, path);
            }
        }
        else
        {
            ReduceChunksInParallel(x, y, dot, path, partials, maxDegreeOfParallelism);
        }

        return PairwiseTree(partials);
    }

    internal static void MatMul(
        ReadOnlySpan<float> a, int m, int k, ReadOnlySpan<float> b, int n, Span<float> c, int maxDegreeOfParallelism, SimdPath path)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        CheckDegree(maxDegreeOfParallelism);
        CheckLength(a.Length, (long)m * k, nameof(a), $"{m} x {k}");
        CheckLength(b.Length, (long)k * n, nameof(b), $"{k} x {n}");
        CheckLength(c.Length, (long)m * n, nameof(c), $"{m} x {n}");
        path = SimdSupport.Resolve(path);
        if (maxDegreeOfParallelism == 1 || m <= 1)
        {
            for (var i = 0; i < m; i++)
            {
                MatMulRow(a.Slice(i * k, k), b, c.Slice(i * n, n), path);
            }

            return;
        }

        MatMulRowsInParallel(a, m, k, b, n, c, maxDegreeOfParallelism, path);
    }

    internal static T PairwiseTree<T>(Span<T> partials)
        where T : INumberBase<T>
    {
        if (partials.IsEmpty)
        {
            return T.Zero;
        }

        for (var count = partials.Length; count > 1; count = (count + 1) / 2)
        {
            for (var i = 0; i < count / 2; i++)
            {
                partials[i] = partials[2 * i] + partials[(2 * i) + 1];
            }

            if (count % 2 == 1)
            {
                partials[count / 2] = partials[count - 1];
            }
        }

        return partials[0];
    }

    private static ParallelOptions Options(int maxDegreeOfParallelism) => new() { MaxDegreeOfParallelism = maxDegreeOfParallelism };

    private static (int Start, int Length) ChunkRange(int chunk, int total)
    {
        var start = chunk * ChunkSize;
        return (start, Math.Min(ChunkSize, total - start));
    }

    private static unsafe void ReduceChunksInParallel<T>(
        ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool dot, SimdPath path, T[] partials, int maxDegreeOfParallelism)
        where T : unmanaged, INumberBase<T>
    {
        var total = x.Length;
        fixed (T* px = x)
        fixed (T* py = y)
        {
            var xs = (nint)px;
            var ys = (nint)py;
            Parallel.For(0, partials.Length, Options(maxDegreeOfParallelism), i =>
            {
                var (start, length) = ChunkRange(i, total);
                var xi = new ReadOnlySpan<T>((T*)xs + start, length);
                var yi = dot ? new ReadOnlySpan<T>((T*)ys + start, length) : default;
                partials[i] = ReduceChunk(xi, yi, dot, path);
            });
        }
    }

    private static unsafe void MatMulRowsInParallel(
        ReadOnlySpan<float> a, int m, int k, ReadOnlySpan<float> b, int n, Span<float> c, int maxDegreeOfParallelism, SimdPath path)
    {
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var (aa, bb, cc) = ((nint)pa, (nint)pb, (nint)pc);
            var bLength = b.Length;
            Parallel.For(0, m, Options(maxDegreeOfParallelism), i => MatMulRow(
                new ReadOnlySpan<float>((float*)aa + ((long)i * k), k),
                new ReadOnlySpan<float>((float*)bb, bLength),
                new Span<float>((float*)cc + ((long)i * n), n),
                path));
        }
    }

    /// <summary>One chunk (at most <see cref="ChunkSize"/> elements) reduced over 256 bytes of lanes, then halved down to one.</summary>
    /// <remarks>
    /// The kernels are compiled fully optimized at once: called per chunk, each call's loop is too short for on-stack
    /// replacement, so tiered compilation would run them unoptimized for the first calls (2.5x slower). The vector kernels
    /// add a short last group as a group padded with +0, which leaves every lane as it was (a lane that starts at +0 never
    /// becomes -0), and halve the lanes in registers.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static T ReduceChunk<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool dot, SimdPath path)
        where T : unmanaged, INumberBase<T>
    {
        var laneCount = LaneBytes / Unsafe.SizeOf<T>();
        var full = x.Length / laneCount * laneCount;
        var tail = full < x.Length;
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var yr = ref MemoryMarshal.GetReference(y);
        if (!tail)
        {
            return path switch
            {
                SimdPath.Vector512 => Chunk512(ref xr, ref yr, (nuint)full, false, ref xr, ref yr, dot),
                SimdPath.Vector256 => Chunk256(ref xr, ref yr, (nuint)full, false, ref xr, ref yr, dot),
                SimdPath.Vector128 => Chunk128(ref xr, ref yr, (nuint)full, false, ref xr, ref yr, dot, laneCount),
                _ => ChunkScalar(x, y, dot, laneCount),
            };
        }

        Span<T> padX = stackalloc T[laneCount];
        Span<T> padY = stackalloc T[laneCount];
        padX.Clear();
        padY.Clear();
        x[full..].CopyTo(padX);
        if (dot)
        {
            y[full..].CopyTo(padY);
        }

        ref var px = ref MemoryMarshal.GetReference(padX);
        ref var py = ref MemoryMarshal.GetReference(padY);
        return path switch
        {
            SimdPath.Vector512 => Chunk512(ref xr, ref yr, (nuint)full, true, ref px, ref py, dot),
            SimdPath.Vector256 => Chunk256(ref xr, ref yr, (nuint)full, true, ref px, ref py, dot),
            SimdPath.Vector128 => Chunk128(ref xr, ref yr, (nuint)full, true, ref px, ref py, dot, laneCount),
            _ => ChunkScalar(x, y, dot, laneCount),
        };
    }

    private static T ChunkScalar<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool dot, int laneCount)
        where T : unmanaged, INumberBase<T>
    {
        Span<T> lanes = stackalloc T[laneCount];
        lanes.Clear();
        for (var i = 0; i < x.Length; i++)
        {
            lanes[i % laneCount] += dot ? x[i] * y[i] : x[i];
        }

        return Halve(lanes);
    }

    /// <summary>lane l += lane l + n/2, then n/4, ..., down to lane 0.</summary>
    private static T Halve<T>(Span<T> lanes)
        where T : INumberBase<T>
    {
        for (var width = lanes.Length / 2; width >= 1; width /= 2)
        {
            for (var l = 0; l < width; l++)
            {
                lanes[l] += lanes[l + width];
            }
        }

        return lanes[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Halve<T>(Vector128<T> v)
        where T : unmanaged, INumberBase<T>
    {
        if (Vector128<T>.Count == 4)
        {
            return (v.GetElement(0) + v.GetElement(2)) + (v.GetElement(1) + v.GetElement(3));
        }

        if (Vector128<T>.Count == 2)
        {
            return v.GetElement(0) + v.GetElement(1);
        }

        Span<T> lanes = stackalloc T[Vector128<T>.Count];
        v.CopyTo(lanes);
        return Halve(lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Chunk512<T>(ref T x, ref T y, nuint full, bool tail, ref T padX, ref T padY, bool dot)
        where T : unmanaged, INumberBase<T>
    {
        Vector512<T> a0 = default, a1 = default, a2 = default, a3 = default;
        Accumulate512(ref x, ref y, full, dot, ref a0, ref a1, ref a2, ref a3);
        if (tail)
        {
            Accumulate512(ref padX, ref padY, (nuint)(4 * Vector512<T>.Count), dot, ref a0, ref a1, ref a2, ref a3);
        }

        a0 += a2;
        a1 += a3;
        a0 += a1;
        var v = a0.GetLower() + a0.GetUpper();
        return Halve(v.GetLower() + v.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate512<T>(
        ref T x, ref T y, nuint count, bool dot, ref Vector512<T> a0, ref Vector512<T> a1, ref Vector512<T> a2, ref Vector512<T> a3)
        where T : unmanaged, INumberBase<T>
    {
        var c = (nuint)Vector512<T>.Count;
        if (dot)
        {
            for (nuint i = 0; i < count; i += 4 * c)
            {
                a0 += Vector512.LoadUnsafe(ref x, i) * Vector512.LoadUnsafe(ref y, i);
                a1 += Vector512.LoadUnsafe(ref x, i + c) * Vector512.LoadUnsafe(ref y, i + c);
                a2 += Vector512.LoadUnsafe(ref x, i + (2 * c)) * Vector512.LoadUnsafe(ref y, i + (2 * c));
                a3 += Vector512.LoadUnsafe(ref x, i + (3 * c)) * Vector512.LoadUnsafe(ref y, i + (3 * c));
            }
        }
        else
        {
            for (nuint i = 0; i < count; i += 4 * c)
            {
                a0 += Vector512.LoadUnsafe(ref x, i);
                a1 += Vector512.LoadUnsafe(ref x, i + c);
                a2 += Vector512.LoadUnsafe(ref x, i + (2 * c));
                a3 += Vector512.LoadUnsafe(ref x, i + (3 * c));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Chunk256<T>(ref T x, ref T y, nuint full, bool tail, ref T padX, ref T padY, bool dot)
        where T : unmanaged, INumberBase<T>
    {
        var a = default(Accumulators256<T>);
        Accumulate256(ref x, ref y, full, dot, ref a);
        if (tail)
        {
            Accumulate256(ref padX, ref padY, (nuint)(8 * Vector256<T>.Count), dot, ref a);
        }

        a.A0 += a.A4;
        a.A1 += a.A5;
        a.A2 += a.A6;
        a.A3 += a.A7;
        a.A0 += a.A2;
        a.A1 += a.A3;
        a.A0 += a.A1;
        return Halve(a.A0.GetLower() + a.A0.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate256<T>(ref T x, ref T y, nuint count, bool dot, ref Accumulators256<T> a)
        where T : unmanaged, INumberBase<T>
    {
        var c = (nuint)Vector256<T>.Count;
        Vector256<T> a0 = a.A0, a1 = a.A1, a2 = a.A2, a3 = a.A3, a4 = a.A4, a5 = a.A5, a6 = a.A6, a7 = a.A7;
        if (dot)
        {
            for (nuint i = 0; i < count; i += 8 * c)
            {
                a0 += Vector256.LoadUnsafe(ref x, i) * Vector256.LoadUnsafe(ref y, i);
                a1 += Vector256.LoadUnsafe(ref x, i + c) * Vector256.LoadUnsafe(ref y, i + c);
                a2 += Vector256.LoadUnsafe(ref x, i + (2 * c)) * Vector256.LoadUnsafe(ref y, i + (2 * c));
                a3 += Vector256.LoadUnsafe(ref x, i + (3 * c)) * Vector256.LoadUnsafe(ref y, i + (3 * c));
                a4 += Vector256.LoadUnsafe(ref x, i + (4 * c)) * Vector256.LoadUnsafe(ref y, i + (4 * c));
                a5 += Vector256.LoadUnsafe(ref x, i + (5 * c)) * Vector256.LoadUnsafe(ref y, i + (5 * c));
                a6 += Vector256.LoadUnsafe(ref x, i + (6 * c)) * Vector256.LoadUnsafe(ref y, i + (6 * c));
                a7 += Vector256.LoadUnsafe(ref x, i + (7 * c)) * Vector256.LoadUnsafe(ref y, i + (7 * c));
            }
        }
        else
        {
            for (nuint i = 0; i < count; i += 8 * c)
            {
                a0 += Vector256.LoadUnsafe(ref x, i);
                a1 += Vector256.LoadUnsafe(ref x, i + c);
                a2 += Vector256.LoadUnsafe(ref x, i + (2 * c));
                a3 += Vector256.LoadUnsafe(ref x, i + (3 * c));
                a4 += Vector256.LoadUnsafe(ref x, i + (4 * c));
                a5 += Vector256.LoadUnsafe(ref x, i + (5 * c));
                a6 += Vector256.LoadUnsafe(ref x, i + (6 * c));
                a7 += Vector256.LoadUnsafe(ref x, i + (7 * c));
            }
        }

        (a.A0, a.A1, a.A2, a.A3, a.A4, a.A5, a.A6, a.A7) = (a0, a1, a2, a3, a4, a5, a6, a7);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Chunk128<T>(ref T x, ref T y, nuint full, bool tail, ref T padX, ref T padY, bool dot, int laneCount)
        where T : unmanaged, INumberBase<T>
    {
        // Sixteen 128-bit accumulators exceed the SSE register file, so they live in memory; this path is only taken without AVX2.
        var c = Vector128<T>.Count;
        var vectors = laneCount / c;
        Span<Vector128<T>> acc = stackalloc Vector128<T>[vectors];
        acc.Clear();
        Accumulate128(ref x, ref y, full, dot, acc);
        if (tail)
        {
            Accumulate128(ref padX, ref padY, (nuint)laneCount, dot, acc);
        }

        for (var width = vectors / 2; width >= 1; width /= 2)
        {
            for (var v = 0; v < width; v++)
            {
                acc[v] += acc[v + width];
            }
        }

        return Halve(acc[0]);
    }

    private static void Accumulate128<T>(ref T x, ref T y, nuint count, bool dot, Span<Vector128<T>> acc)
        where T : unmanaged, INumberBase<T>
    {
        var c = (nuint)Vector128<T>.Count;
        for (nuint i = 0; i < count; i += (nuint)acc.Length * c)
        {
            for (var v = 0; v < acc.Length; v++)
            {
                var offset = i + ((nuint)v * c);
                acc[v] += dot
                    ? Vector128.LoadUnsafe(ref x, offset) * Vector128.LoadUnsafe(ref y, offset)
                    : Vector128.LoadUnsafe(ref x, offset);
            }
        }
    }

    private struct Accumulators256<T>
        where T : unmanaged
    {
        public Vector256<T> A0;
        public Vector256<T> A1;
        public Vector256<T> A2;
        public Vector256<T> A3;
        public Vector256<T> A4;
        public Vector256<T> A5;
        public Vector256<T> A6;
        public Vector256<T> A7;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MatMulRow(ReadOnlySpan<float> aRow, ReadOnlySpan<float> b, Span<float> cRow, SimdPath path)
    {
        var k = aRow.Length;
        var n = cRow.Length;
        ref var br = ref MemoryMarshal.GetReference(b);
        ref var cr = ref MemoryMarshal.GetReference(cRow);
        var j = 0;
        if (path is SimdPath.Vector256 or SimdPath.Vector512)
        {
            const int C = 8;
            for (; j + (4 * C) <= n; j += 4 * C)
            {
                Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
                for (var p = 0; p < k; p++)
                {
                    var ap = Vector256.Create(aRow[p]);
                    var row = (nuint)(((long)p * n) + j);
                    c0 += ap * Vector256.LoadUnsafe(ref br, row);
                    c1 += ap * Vector256.LoadUnsafe(ref br, row + C);
                    c2 += ap * Vector256.LoadUnsafe(ref br, row + (2 * C));
                    c3 += ap * Vector256.LoadUnsafe(ref br, row + (3 * C));
                }

                c0.StoreUnsafe(ref cr, (nuint)j);
                c1.StoreUnsafe(ref cr, (nuint)(j + C));
                c2.StoreUnsafe(ref cr, (nuint)(j + (2 * C)));
                c3.StoreUnsafe(ref cr, (nuint)(j + (3 * C)));
            }

            for (; j + C <= n; j += C)
            {
                Vector256<float> c0 = default;
                for (var p = 0; p < k; p++)
                {
                    c0 += Vector256.Create(aRow[p]) * Vector256.LoadUnsafe(ref br, (nuint)(((long)p * n) + j));
                }

                c0.StoreUnsafe(ref cr, (nuint)j);
            }
        }

        if (path != SimdPath.Scalar)
        {
            const int C = 4;
            for (; j + C <= n; j += C)
            {
                Vector128<float> c0 = default;
                for (var p = 0; p < k; p++)
                {
                    c0 += Vector128.Create(aRow[p]) * Vector128.LoadUnsafe(ref br, (nuint)(((long)p * n) + j));
                }

                c0.StoreUnsafe(ref cr, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            var sum = 0f;
            for (var p = 0; p < k; p++)
            {
                sum += aRow[p] * b[(p * n) + j];
            }

            cRow[j] = sum;
        }
    }

    private static ReadOnlySpan<T> CheckSameLength<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"A dot product needs vectors of equal length; got {x.Length} and {y.Length}.", nameof(y));
        }

        return y;
    }

    private static void CheckLength(int actual, long expected, string name, string shape)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Matrix {name} should hold {expected} elements ({shape}) but holds {actual}.", name);
        }
    }

    internal static void CheckDegree(int maxDegreeOfParallelism)
    {
        if (maxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Give a positive thread count, or -1 for all cores.");
        }
    }
}

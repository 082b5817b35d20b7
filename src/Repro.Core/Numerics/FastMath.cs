using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Repro.Core.Numerics;

/// <summary>
/// The ordinary way to reduce in parallel, kept for comparison with <see cref="DeterministicMath"/>: Parallel.For over ranges,
/// thread-local partial sums with <see cref="Vector{T}"/> (whose width follows the CPU), partials added in the order threads
/// finish. Results may differ in the last bits from run to run and between machines.
/// </summary>
public static class FastMath
{
    private const int RangeSize = DeterministicMath.ChunkSize;

    /// <summary>The sum of <paramref name="values"/>; the last bits may vary with thread timing and CPU.</summary>
    public static float Sum(ReadOnlySpan<float> values, int maxDegreeOfParallelism = -1) =>
        Reduce(values, default, dot: false, maxDegreeOfParallelism);

    /// <inheritdoc cref="Sum(ReadOnlySpan{float}, int)"/>
    public static double Sum(ReadOnlySpan<double> values, int maxDegreeOfParallelism = -1) =>
        Reduce(values, default, dot: false, maxDegreeOfParallelism);

    /// <summary>The dot product of <paramref name="x"/> and <paramref name="y"/>; the last bits may vary with timing and CPU.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int maxDegreeOfParallelism = -1) =>
        Reduce(x, SameLength(x, y), dot: true, maxDegreeOfParallelism);

    /// <inheritdoc cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int maxDegreeOfParallelism = -1) =>
        Reduce(x, SameLength(x, y), dot: true, maxDegreeOfParallelism);

    private static ReadOnlySpan<T> SameLength<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) =>
        x.Length == y.Length
            ? y
            : throw new ArgumentException($"A dot product needs vectors of equal length; got {x.Length} and {y.Length}.", nameof(y));

    private static unsafe T Reduce<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool dot, int maxDegreeOfParallelism)
        where T : unmanaged, INumberBase<T>
    {
        DeterministicMath.CheckDegree(maxDegreeOfParallelism);
        var ranges = (x.Length + RangeSize - 1) / RangeSize;
        if (ranges <= 1 || maxDegreeOfParallelism == 1)
        {
            return ReduceRange(x, y, dot);
        }

        var total = T.Zero;
        var gate = new Lock();
        var length = x.Length;
        fixed (T* px = x)
        fixed (T* py = y)
        {
            var (xs, ys) = ((nint)px, (nint)py);
            Parallel.For(
                0,
                ranges,
                new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
                () => T.Zero,
                (i, _, local) =>
                {
                    var start = i * RangeSize;
                    var count = Math.Min(RangeSize, length - start);
                    var xi = new ReadOnlySpan<T>((T*)xs + start, count);
                    var yi = dot ? new ReadOnlySpan<T>((T*)ys + start, count) : default;
                    return local + ReduceRange(xi, yi, dot);
                },
                local =>
                {
                    lock (gate)
                    {
                        total += local;
                    }
                });
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T ReduceRange<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, bool dot)
        where T : unmanaged, INumberBase<T>
    {
        var vx = MemoryMarshal.Cast<T, Vector<T>>(x);
        var vy = MemoryMarshal.Cast<T, Vector<T>>(y);
        Vector<T> a0 = default, a1 = default, a2 = default, a3 = default;
        var v = 0;
        if (dot)
        {
            for (; v + 4 <= vx.Length; v += 4)
            {
                a0 += vx[v] * vy[v];
                a1 += vx[v + 1] * vy[v + 1];
                a2 += vx[v + 2] * vy[v + 2];
                a3 += vx[v + 3] * vy[v + 3];
            }

            for (; v < vx.Length; v++)
            {
                a0 += vx[v] * vy[v];
            }
        }
        else
        {
            for (; v + 4 <= vx.Length; v += 4)
            {
                a0 += vx[v];
                a1 += vx[v + 1];
                a2 += vx[v + 2];
                a3 += vx[v + 3];
            }

            for (; v < vx.Length; v++)
            {
                a0 += vx[v];
            }
        }

        var sum = Vector.Sum((a0 + a1) + (a2 + a3));
        for (var i = vx.Length * Vector<T>.Count; i < x.Length; i++)
        {
            sum += dot ? x[i] * y[i] : x[i];
        }

        return sum;
    }
}

using System.Numerics;
using Repro.Core.Numerics;

namespace Digits;

/// <summary>
/// Every batch operation of the training: matrix products, row softmax, the sums over the batch and the logarithm of the
/// loss. Matrices are row-major float arrays. Work is spread over <see cref="Threads"/> threads, in one of two modes.
/// <para>
/// <see cref="Deterministic"/>: every product and every sum over the batch goes through <see cref="DeterministicMath.MatMul"/>,
/// which computes each output from +0 by adding the rounded products in index order, whatever the thread count and the
/// CPU's vector width (SSE, AVX2 or AVX-512); exp and log are <see cref="PortableMath"/>'s, made of IEEE additions,
/// multiplications and divisions, not the C library's. The bits of a result therefore depend on the inputs alone.
/// </para>
/// <para>
/// Otherwise: the ordinary fast way. Products split output rows between threads and use <see cref="Vector{T}"/>, whose
/// width follows the CPU; sums over the batch give each thread a slice of the batch and add the threads' partial results
/// as they finish, so their last bits change with the thread count, with thread timing and between machines.
/// </para>
/// </summary>
internal sealed class BatchMath
{
    /// <summary>Below this many multiply-adds an operation runs on the calling thread: handing it out costs more.</summary>
    private const long ParallelThreshold = 32 * 1024;

    private readonly ParallelOptions _parallel;

    // A transposed operand; in deterministic mode also a row of ones, whose product with a matrix is its column sums.
    private float[] _transposed = [];
    private float[] _ones = [];

    public BatchMath(bool deterministic, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Deterministic = deterministic;
        Threads = threads;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
    }

    public bool Deterministic { get; }

    public int Threads { get; }

    /// <summary>c[n x m] = a[n x k] * b[k x m] + bias[m].</summary>
    public void MatMulAddBias(float[] a, float[] b, float[] bias, float[] c, int n, int k, int m)
    {
        var work = (long)n * k * m;
        if (Deterministic)
        {
            DeterministicMath.MatMul(a.AsSpan(0, n * k), n, k, b.AsSpan(0, k * m), m, c.AsSpan(0, n * m), DegreeFor(work));
            for (var row = 0; row < n; row++)
            {
                var cRow = c.AsSpan(row * m, m);
                for (var j = 0; j < m; j++)
                {
                    cRow[j] += bias[j];
                }
            }

            return;
        }

        ForRowRanges(n, work, (from, to) => Gemm(a, k, 1, b, m, c, from, to, 0, k, bias));
    }

    /// <summary>c[n x k] = a[n x m] * transpose(b[k x m]).</summary>
    public void MatMulTransposeB(float[] a, float[] b, float[] c, int n, int m, int k)
    {
        var work = (long)n * k * m;
        if (Deterministic)
        {
            var bT = Transpose(b, k, m);
            DeterministicMath.MatMul(a.AsSpan(0, n * m), n, m, bT, k, c.AsSpan(0, n * k), DegreeFor(work));
            return;
        }

        Transpose(b, k, m);
        var transposed = _transposed;
        ForRowRanges(n, work, (from, to) => Gemm(a, m, 1, transposed, k, c, from, to, 0, m, bias: null));
    }

    /// <summary>c[k x m] = transpose(a[n x k]) * b[n x m]: a sum over the n batch rows.</summary>
    public void MatMulTransposeA(float[] a, float[] b, float[] c, int n, int k, int m)
    {
        var work = (long)n * k * m;
        if (Deterministic)
        {
            var aT = Transpose(a, n, k);
            DeterministicMath.MatMul(aT, k, n, b.AsSpan(0, n * m), m, c.AsSpan(0, k * m), DegreeFor(work));
            return;
        }

        // Each thread: partial[i, j] = sum over its batch rows r of a[r, i] * b[r, j].
        ReduceBatchSlices(n, k * m, c, work, (from, to, partial) => Gemm(a, 1, k, b, m, partial, 0, k, from, to, bias: null));
    }

    /// <summary>sums[m] = the column sums of a[n x m]: a sum over the n batch rows.</summary>
    public void SumRows(float[] a, float[] sums, int n, int m)
    {
        var work = (long)n * m;
        if (Deterministic)
        {
            // (1 x n) * (n x m): each sum starts from +0 and adds the rows in order (1 * x is exact).
            if (_ones.Length < n)
            {
                _ones = new float[n];
                _ones.AsSpan().Fill(1f);
            }

            DeterministicMath.MatMul(_ones.AsSpan(0, n), 1, n, a.AsSpan(0, n * m), m, sums.AsSpan(0, m), 1);
            return;
        }

        ReduceBatchSlices(n, m, sums, work, (from, to, partial) =>
        {
            for (var r = from; r < to; r++)
            {
                Axpy(1f, a.AsSpan(r * m, m), partial.AsSpan(0, m));
            }
        });
    }

    /// <summary>Softmax of each row of logits[n x m], in place (with the row maximum subtracted first).</summary>
    public void SoftmaxRows(float[] logits, int n, int m)
    {
        var portable = Deterministic;
        ForRowRanges(n, (long)n * m * 16, (from, to) =>
        {
            for (var row = from; row < to; row++)
            {
                var values = logits.AsSpan(row * m, m);
                var max = float.NegativeInfinity;
                foreach (var v in values)
                {
                    max = Math.Max(max, v);
                }

                var total = 0f;
                for (var j = 0; j < m; j++)
                {
                    values[j] = portable ? (float)PortableMath.Exp(values[j] - max) : MathF.Exp(values[j] - max);
                    total += values[j];
                }

                for (var j = 0; j < m; j++)
                {
                    values[j] /= total;
                }
            }
        });
    }

    /// <summary>The natural logarithm: <see cref="PortableMath.Log"/> in deterministic mode, the C library's otherwise.</summary>
    public double Log(double x) => Deterministic ? PortableMath.Log(x) : Math.Log(x);

    /// <summary>The sum of values[0..count), in order, in double precision (a batch is small: one thread).</summary>
    public static double Sum(double[] values, int count)
    {
        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            total += values[i];
        }

        return total;
    }

    /// <summary>
    /// Runs <paramref name="body"/> over [0, rows) cut into one contiguous range per thread, or as one range on the calling
    /// thread when the work is small. Each row is handled by exactly one call, so per-row results never depend on the cut.
    /// </summary>
    public void ForRowRanges(int rows, long work, Action<int, int> body)
    {
        if (Threads == 1 || work < ParallelThreshold || rows < 2)
        {
            body(0, rows);
            return;
        }

        var chunk = (rows + Threads - 1) / Threads;
        Parallel.For(0, Threads, _parallel, t =>
        {
            var from = t * chunk;
            var to = Math.Min(rows, from + chunk);
            if (from < to)
            {
                body(from, to);
            }
        });
    }

    /// <summary>Threads for a deterministic operation: the result is the same for any count, so small work stays on one.</summary>
    private int DegreeFor(long work) => work < ParallelThreshold ? 1 : Threads;

    /// <summary>transpose(a[rows x columns]) into <see cref="_transposed"/>, valid until the next call.</summary>
    private ReadOnlySpan<float> Transpose(float[] a, int rows, int columns)
    {
        var size = rows * columns;
        if (_transposed.Length < size)
        {
            _transposed = new float[size];
        }

        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < columns; j++)
            {
                _transposed[(j * rows) + r] = a[(r * columns) + j];
            }
        }

        return _transposed.AsSpan(0, size);
    }

    /// <summary>The fast, order-dependent reduction: per-thread partial results, added to the total as threads finish.</summary>
    private void ReduceBatchSlices(int n, int size, float[] result, long work, Action<int, int, float[]> sumSlice)
    {
        var target = result.AsSpan(0, size);
        target.Clear();
        if (Threads == 1 || work < ParallelThreshold)
        {
            sumSlice(0, n, result);
            return;
        }

        var gate = new Lock();
        var chunk = (n + Threads - 1) / Threads;
        Parallel.For(0, Threads, _parallel, t =>
        {
            var from = t * chunk;
            var to = Math.Min(n, from + chunk);
            if (from >= to)
            {
                return;
            }

            var partial = new float[size];
            sumSlice(from, to, partial);
            lock (gate)
            {
                Axpy(1f, partial, result.AsSpan(0, size));
            }
        });
    }

    /// <summary>
    /// The fast product (fast mode only): c[i, j] = bias[j] + sum over p in [pFrom, pTo) of A(i, p) * b[p, j] for rows i in
    /// [iFrom, iTo), where A(i, p) = a[i * aRowStride + p * aColumnStride] (so A may be a transposed view) and b, c are
    /// row-major with <paramref name="m"/> columns. Columns are held in <see cref="Vector{T}"/> registers across the p loop.
    /// </summary>
    private static void Gemm(
        float[] a, int aRowStride, int aColumnStride, float[] b, int m, float[] c, int iFrom, int iTo, int pFrom, int pTo, float[]? bias)
    {
        var w = Vector<float>.Count;
        for (var i = iFrom; i < iTo; i++)
        {
            var cRow = c.AsSpan(i * m, m);
            var aStart = i * aRowStride;
            var j = 0;
            for (; j + (4 * w) <= m; j += 4 * w)
            {
                var c0 = bias is null ? Vector<float>.Zero : new Vector<float>(bias, j);
                var c1 = bias is null ? Vector<float>.Zero : new Vector<float>(bias, j + w);
                var c2 = bias is null ? Vector<float>.Zero : new Vector<float>(bias, j + (2 * w));
                var c3 = bias is null ? Vector<float>.Zero : new Vector<float>(bias, j + (3 * w));
                for (var p = pFrom; p < pTo; p++)
                {
                    var f = new Vector<float>(a[aStart + (p * aColumnStride)]);
                    var offset = (p * m) + j;
                    c0 += f * new Vector<float>(b, offset);
                    c1 += f * new Vector<float>(b, offset + w);
                    c2 += f * new Vector<float>(b, offset + (2 * w));
                    c3 += f * new Vector<float>(b, offset + (3 * w));
                }

                c0.CopyTo(cRow[j..]);
                c1.CopyTo(cRow[(j + w)..]);
                c2.CopyTo(cRow[(j + (2 * w))..]);
                c3.CopyTo(cRow[(j + (3 * w))..]);
            }

            for (; j + w <= m; j += w)
            {
                var c0 = bias is null ? Vector<float>.Zero : new Vector<float>(bias, j);
                for (var p = pFrom; p < pTo; p++)
                {
                    c0 += new Vector<float>(a[aStart + (p * aColumnStride)]) * new Vector<float>(b, (p * m) + j);
                }

                c0.CopyTo(cRow[j..]);
            }

            for (; j < m; j++)
            {
                var sum = bias is null ? 0f : bias[j];
                for (var p = pFrom; p < pTo; p++)
                {
                    sum += a[aStart + (p * aColumnStride)] * b[(p * m) + j];
                }

                cRow[j] = sum;
            }
        }
    }

    /// <summary>y += alpha * x, element by element, with <see cref="Vector{T}"/> (fast mode only).</summary>
    private static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            var a = new Vector<float>(alpha);
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var yv = new Vector<float>(y[i..]);
                (yv + (a * new Vector<float>(x[i..]))).CopyTo(y[i..]);
            }
        }

        for (; i < x.Length; i++)
        {
            y[i] += alpha * x[i];
        }
    }
}

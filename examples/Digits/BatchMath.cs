using System.Numerics;

namespace Digits;

/// <summary>
/// Every batch operation of the training: matrix products, row softmax and the sums over the batch. Matrices are
/// row-major float arrays. Work is spread over <see cref="Threads"/> threads.
/// <para>
/// Products and softmax split their output rows between threads, so each output value is computed by one thread in
/// a fixed order: their bits do not depend on the thread count. The reductions over the batch (weight and bias
/// gradients, sums) differ by mode. <see cref="Deterministic"/>: each thread owns whole output values and adds the
/// batch rows in order, so results are bit-identical for any thread count. Otherwise: each thread sums a slice of the
/// batch into its own partial result and the partials are added as threads finish, which is how most frameworks do
/// it, and whose last bits change with the thread count and with thread timing.
/// </para>
/// </summary>
internal sealed class BatchMath
{
    /// <summary>Below this many multiply-adds an operation runs on the calling thread: handing it out costs more.</summary>
    private const long ParallelThreshold = 32 * 1024;

    private readonly ParallelOptions _parallel;

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
        ForRows(n, (long)n * k * m, row =>
        {
            var cRow = c.AsSpan(row * m, m);
            bias.AsSpan(0, m).CopyTo(cRow);
            for (var i = 0; i < k; i++)
            {
                var factor = a[(row * k) + i];
                if (factor != 0f)
                {
                    Axpy(factor, b.AsSpan(i * m, m), cRow);
                }
            }
        });
    }

    /// <summary>c[n x k] = a[n x m] * transpose(b[k x m]).</summary>
    public void MatMulTransposeB(float[] a, float[] b, float[] c, int n, int m, int k)
    {
        ForRows(n, (long)n * k * m, row =>
        {
            var aRow = a.AsSpan(row * m, m);
            for (var i = 0; i < k; i++)
            {
                var bRow = b.AsSpan(i * m, m);
                var sum = 0f;
                for (var j = 0; j < m; j++)
                {
                    sum += aRow[j] * bRow[j];
                }

                c[(row * k) + i] = sum;
            }
        });
    }

    /// <summary>c[k x m] = transpose(a[n x k]) * b[n x m]: a sum over the n batch rows.</summary>
    public void MatMulTransposeA(float[] a, float[] b, float[] c, int n, int k, int m)
    {
        var work = (long)n * k * m;
        if (Deterministic || Threads == 1 || work < ParallelThreshold)
        {
            ForRows(k, work, i =>
            {
                var cRow = c.AsSpan(i * m, m);
                cRow.Clear();
                for (var r = 0; r < n; r++)
                {
                    var factor = a[(r * k) + i];
                    if (factor != 0f)
                    {
                        Axpy(factor, b.AsSpan(r * m, m), cRow);
                    }
                }
            });
            return;
        }

        ReduceBatchSlices(n, k * m, c, (from, to, partial) =>
        {
            for (var r = from; r < to; r++)
            {
                var bRow = b.AsSpan(r * m, m);
                for (var i = 0; i < k; i++)
                {
                    var factor = a[(r * k) + i];
                    if (factor != 0f)
                    {
                        Axpy(factor, bRow, partial.AsSpan(i * m, m));
                    }
                }
            }
        });
    }

    /// <summary>sums[m] = the column sums of a[n x m]: a sum over the n batch rows.</summary>
    public void SumRows(float[] a, float[] sums, int n, int m)
    {
        if (Deterministic || Threads == 1 || (long)n * m < ParallelThreshold)
        {
            var result = sums.AsSpan(0, m);
            result.Clear();
            for (var r = 0; r < n; r++)
            {
                Axpy(1f, a.AsSpan(r * m, m), result);
            }

            return;
        }

        ReduceBatchSlices(n, m, sums, (from, to, partial) =>
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
        ForRows(n, (long)n * m * 8, row =>
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
                values[j] = MathF.Exp(values[j] - max);
                total += values[j];
            }

            for (var j = 0; j < m; j++)
            {
                values[j] /= total;
            }
        });
    }

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

    private void ForRows(int rows, long work, Action<int> body)
    {
        if (Threads == 1 || work < ParallelThreshold)
        {
            for (var row = 0; row < rows; row++)
            {
                body(row);
            }

            return;
        }

        var chunk = (rows + Threads - 1) / Threads;
        Parallel.For(0, Threads, _parallel, t =>
        {
            var end = Math.Min(rows, (t + 1) * chunk);
            for (var row = t * chunk; row < end; row++)
            {
                body(row);
            }
        });
    }

    /// <summary>The fast, order-dependent reduction: per-thread partial results, added to the total as threads finish.</summary>
    private void ReduceBatchSlices(int n, int size, float[] result, Action<int, int, float[]> sumSlice)
    {
        var target = result.AsSpan(0, size);
        target.Clear();
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

    /// <summary>y += alpha * x, element by element (vectorised; each element gets the same two operations, so no
    /// result depends on the vector width).</summary>
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

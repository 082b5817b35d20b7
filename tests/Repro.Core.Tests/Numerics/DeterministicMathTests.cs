using Repro.Core.Numerics;
using Repro.Core.Randomness;
using Xunit.Abstractions;

namespace Repro.Core.Tests.Numerics;

public sealed class DeterministicMathTests(ITestOutputHelper output)
{
    public static readonly TheoryData<int> AwkwardSizes = [0, 1, 17, 63, 64, 65, 16_383, 16_384, 16_385, 3 * 16_384, 1_000_003];

    private static readonly int[] ThreadCounts = [1, 2, 4, 8];
    private static readonly SimdPath[] VectorPaths = [SimdPath.Vector128, SimdPath.Vector256, SimdPath.Vector512];

    // Values spread over 2^-12 .. 2^12 with both signs, so that any change in the order of additions changes the last bits.
    private static float[] Floats(int n, string name = "x")
    {
        var stream = new RandomStreams(2024).Get(name);
        var values = new float[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = (stream.NextFloat() - 0.5f) * MathF.ScaleB(1f, stream.NextInt(-12, 13));
        }

        return values;
    }

    private static double[] Doubles(int n, string name = "x")
    {
        var stream = new RandomStreams(2024).Get(name);
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = (stream.NextDouble() - 0.5) * Math.ScaleB(1.0, stream.NextInt(-30, 31));
        }

        return values;
    }

    private static ulong Bits(float value) => BitConverter.SingleToUInt32Bits(value);

    private static ulong Bits(double value) => BitConverter.DoubleToUInt64Bits(value);

    private static double KahanSum(IEnumerable<double> values)
    {
        double sum = 0, compensation = 0;
        foreach (var v in values)
        {
            var y = v - compensation;
            var t = sum + y;
            compensation = (t - sum) - y;
            sum = t;
        }

        return sum;
    }

    [Theory]
    [MemberData(nameof(AwkwardSizes))]
    public void Sum_and_dot_have_the_same_bits_for_1_2_4_and_8_threads(int n)
    {
        var xf = Floats(n);
        var yf = Floats(n, "y");
        var xd = Doubles(n);
        var yd = Doubles(n, "y");
        var sumF = DeterministicMath.Sum(xf, 1);
        var dotF = DeterministicMath.Dot(xf, yf, 1);
        var sumD = DeterministicMath.Sum(xd, 1);
        var dotD = DeterministicMath.Dot(xd, yd, 1);

        foreach (var threads in ThreadCounts.Append(-1))
        {
            for (var repeat = 0; repeat < 3; repeat++)
            {
                Assert.Equal(Bits(sumF), Bits(DeterministicMath.Sum(xf, threads)));
                Assert.Equal(Bits(dotF), Bits(DeterministicMath.Dot(xf, yf, threads)));
                Assert.Equal(Bits(sumD), Bits(DeterministicMath.Sum(xd, threads)));
                Assert.Equal(Bits(dotD), Bits(DeterministicMath.Dot(xd, yd, threads)));
            }
        }
    }

    [Theory]
    [MemberData(nameof(AwkwardSizes))]
    public void Every_vector_path_gives_the_bits_of_the_scalar_path(int n)
    {
        var xf = Floats(n);
        var yf = Floats(n, "y");
        var xd = Doubles(n);
        var yd = Doubles(n, "y");
        var sumF = DeterministicMath.Reduce<float>(xf, default, dot: false, 1, SimdPath.Scalar);
        var dotF = DeterministicMath.Reduce<float>(xf, yf, dot: true, 1, SimdPath.Scalar);
        var sumD = DeterministicMath.Reduce<double>(xd, default, dot: false, 1, SimdPath.Scalar);
        var dotD = DeterministicMath.Reduce<double>(xd, yd, dot: true, 1, SimdPath.Scalar);

        var tested = 0;
        foreach (var path in VectorPaths.Where(SimdSupport.IsAccelerated))
        {
            tested++;
            Assert.Equal(sumF, DeterministicMath.Reduce<float>(xf, default, dot: false, 2, path));
            Assert.Equal(dotF, DeterministicMath.Reduce<float>(xf, yf, dot: true, 2, path));
            Assert.Equal(sumD, DeterministicMath.Reduce<double>(xd, default, dot: false, 2, path));
            Assert.Equal(dotD, DeterministicMath.Reduce<double>(xd, yd, dot: true, 2, path));
        }

        output.WriteLine($"Compared {tested} vector paths with the scalar path; the default path here is {SimdSupport.Best}.");
    }

    [Fact]
    public void A_chunk_is_reduced_over_64_float_lanes_in_index_order_then_halved()
    {
        var x = Floats(1000);
        var lanes = new float[64];
        for (var i = 0; i < x.Length; i++)
        {
            lanes[i % 64] += x[i];
        }

        for (var width = 32; width >= 1; width /= 2)
        {
            for (var l = 0; l < width; l++)
            {
                lanes[l] += lanes[l + width];
            }
        }

        Assert.Equal(lanes[0], DeterministicMath.Sum(x));
    }

    [Fact]
    public void Chunk_results_are_combined_by_a_pairwise_tree_over_chunk_index()
    {
        const int C = DeterministicMath.ChunkSize;
        var x = Floats((5 * C) + 3);
        var c = Enumerable.Range(0, 6).Select(i => DeterministicMath.Sum(x.AsSpan(i * C, Math.Min(C, x.Length - (i * C))))).ToArray();

        Assert.Equal(((c[0] + c[1]) + (c[2] + c[3])) + (c[4] + c[5]), DeterministicMath.Sum(x));
        Assert.Equal(((c[0] + c[1]) + (c[2] + c[3])) + c[4], DeterministicMath.Sum(x.AsSpan(0, 5 * C)));
        Assert.Equal((c[0] + c[1]) + c[2], DeterministicMath.Sum(x.AsSpan(0, 3 * C)));
    }

    [Fact]
    public void Results_are_close_to_a_compensated_double_reference()
    {
        const int N = 1_000_003;
        var xf = Floats(N);
        var yf = Floats(N, "y");
        var scale = xf.Sum(v => Math.Abs((double)v));
        var dotScale = xf.Zip(yf, (a, b) => Math.Abs((double)a * b)).Sum();

        Assert.Equal(KahanSum(xf.Select(v => (double)v)), DeterministicMath.Sum(xf), scale * 1e-6);
        Assert.Equal(KahanSum(xf.Zip(yf, (a, b) => (double)a * b)), DeterministicMath.Dot(xf, yf), dotScale * 1e-6);

        var xd = Doubles(N);
        var yd = Doubles(N, "y");
        Assert.Equal(KahanSum(xd), DeterministicMath.Sum(xd), xd.Sum(Math.Abs) * 1e-14);
        var dotScaleD = xd.Zip(yd, (a, b) => Math.Abs(a * b)).Sum();
        Assert.Equal(KahanSum(xd.Zip(yd, (a, b) => a * b)), DeterministicMath.Dot(xd, yd), dotScaleD * 1e-14);

        Assert.Equal(KahanSum(xf.Select(v => (double)v)), FastMath.Sum(xf), scale * 1e-6);
        Assert.Equal(KahanSum(xd.Zip(yd, (a, b) => a * b)), FastMath.Dot(xd, yd), dotScaleD * 1e-14);
    }

    [Fact]
    public void Fixed_sums_have_the_recorded_golden_bits_on_this_machine_and_every_other()
    {
        // Any CPU, vector width, thread count or runtime that changes one operation changes these bits. Check with, e.g.,
        // DOTNET_EnableAVX512F=0, DOTNET_EnableAVX2=0, DOTNET_EnableHWIntrinsic=0 and DOTNET_EnableFMA=0.
        var xf = Floats(1_000_003);
        var yf = Floats(1_000_003, "y");
        var xd = Doubles(100_003);
        var yd = Doubles(100_003, "y");
        var actual = new[]
        {
            BitConverter.SingleToUInt32Bits(DeterministicMath.Sum(xf)),
            BitConverter.SingleToUInt32Bits(DeterministicMath.Dot(xf, yf)),
            BitConverter.DoubleToUInt64Bits(DeterministicMath.Sum(xd)),
            BitConverter.DoubleToUInt64Bits(DeterministicMath.Dot(xd, yd)),
            MatMulHash(),
        };
        output.WriteLine(string.Join(", ", actual.Select(v => $"0x{v:X}")));

        Assert.Equal(GoldenBits, actual);

        // The golden values do pin the order: plain left-to-right summation of the same numbers gives other bits.
        var naive = 0f;
        foreach (var v in xf)
        {
            naive += v;
        }

        Assert.NotEqual(BitConverter.SingleToUInt32Bits(naive), actual[0]);
    }

    private static ulong MatMulHash()
    {
        var a = Floats(37 * 129, "a");
        var b = Floats(129 * 77, "b");
        var c = new float[37 * 77];
        DeterministicMath.MatMul(a, 37, 129, b, 77, c);
        var hash = 14695981039346656037UL;
        foreach (var v in c)
        {
            hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211UL;
        }

        return hash;
    }

    // Checked against an independent implementation of the documented order (float maths emulated by rounding every step).
    private static readonly ulong[] GoldenBits =
        [0x48344357, 0x4C06794C, 0x41DB658E2D227AF8, 0x43974AB02C454646, 0x126602A6477FBA88];

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 33, 45)]
    [InlineData(3, 0, 5)]
    [InlineData(16, 64, 100)]
    [InlineData(64, 784, 10)]
    public void MatMul_sums_each_element_in_order_with_the_same_bits_on_every_path_and_thread_count(int m, int k, int n)
    {
        var a = Floats(m * k, "a");
        var b = Floats(k * n, "b");
        var expected = new float[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0f;
                for (var p = 0; p < k; p++)
                {
                    sum += a[(i * k) + p] * b[(p * n) + j];
                }

                expected[(i * n) + j] = sum;
            }
        }

        foreach (var path in VectorPaths.Where(SimdSupport.IsAccelerated).Prepend(SimdPath.Scalar))
        {
            foreach (var threads in ThreadCounts)
            {
                var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
                DeterministicMath.MatMul(a, m, k, b, n, c, threads, path);
                Assert.Equal(expected, c);
            }
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_expected_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => DeterministicMath.MatMul(new float[6], 2, 3, new float[5], 2, new float[4]));
        Assert.Contains("6 elements (3 x 2)", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DeterministicMath.Dot(new float[3], new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeterministicMath.Sum(new float[3], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FastMath.Sum(new double[3], -2));
    }

    [Fact]
    public void Empty_inputs_sum_to_zero()
    {
        Assert.Equal(0f, DeterministicMath.Sum(ReadOnlySpan<float>.Empty));
        Assert.Equal(0.0, DeterministicMath.Dot(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty));
        Assert.Equal(0f, FastMath.Sum(ReadOnlySpan<float>.Empty));
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Repro.Core.Numerics;

namespace Repro.Core.Randomness;

/// <summary>
/// The Philox4x32 counter-based generator of Random123 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
/// 1, 2, 3", SC'11): a keyed bijection of a 128-bit counter to 128 random bits. Any block is computed directly from its
/// counter, so draws can be addressed by position and produced on any thread in any order.
/// </summary>
public static class Philox4x32
{
    /// <summary>The round count Random123 recommends (Philox4x32-10), used by every Repro stream.</summary>
    public const int DefaultRounds = 10;

    /// <summary>The largest round count Random123 defines for Philox4x32.</summary>
    public const int MaxRounds = 16;

    private const uint M0 = 0xD2511F53;
    private const uint M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9;
    private const uint W1 = 0xBB67AE85;

    /// <summary>The output block for one counter under one key.</summary>
    public static PhiloxBlock Generate(PhiloxCounter counter, PhiloxKey key, int rounds = DefaultRounds)
    {
        ValidateRounds(rounds);
        var (x0, x1, x2, x3) = Rounds(counter.V0, counter.V1, counter.V2, counter.V3, key.V0, key.V1, rounds);
        return new PhiloxBlock(x0, x1, x2, x3);
    }

    /// <summary>
    /// Writes consecutive blocks for counters <paramref name="startCounter"/>, +1, +2, ... (high 64 counter bits zero) into
    /// <paramref name="destination"/>, four words per block; a final partial block is cut short.
    /// </summary>
    public static void Fill(PhiloxKey key, ulong startCounter, Span<uint> destination, int rounds = DefaultRounds) =>
        Fill(key, PhiloxCounter.FromUInt64(startCounter, 0), destination, rounds);

    /// <summary>
    /// Writes consecutive blocks into <paramref name="destination"/>, four words per block; a final partial block is cut short.
    /// Block j uses <paramref name="start"/> with j added to its low 64 bits (wrapping modulo 2^64); the high 64 bits, the
    /// sub-stream, stay fixed. The words equal those of <see cref="Generate"/> for each counter on every CPU.
    /// </summary>
    public static void Fill(PhiloxKey key, PhiloxCounter start, Span<uint> destination, int rounds = DefaultRounds) =>
        Fill(key, start, destination, rounds, SimdPath.Auto);

    internal static SimdPath BestPath { get; } =
        IsSupported(SimdPath.Vector512) ? SimdPath.Vector512
        : IsSupported(SimdPath.Vector256) ? SimdPath.Vector256
        : IsSupported(SimdPath.Vector128) ? SimdPath.Vector128
        : SimdPath.Scalar;

    internal static bool IsSupported(SimdPath path) => path switch
    {
        SimdPath.Auto or SimdPath.Scalar => true,
        SimdPath.Vector128 => Sse2.IsSupported,
        SimdPath.Vector256 => Avx2.IsSupported,
        SimdPath.Vector512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
        _ => false,
    };

    internal static void Fill(PhiloxKey key, PhiloxCounter start, Span<uint> destination, int rounds, SimdPath path)
    {
        ValidateRounds(rounds);
        if (path == SimdPath.Auto)
        {
            path = BestPath;
        }
        else if (!IsSupported(path))
        {
            throw new PlatformNotSupportedException($"The {path} code path is not supported on this CPU.");
        }

        // Each kernel takes the whole groups it can; narrower ones finish what is left (AVX-512 implies AVX2 implies SSE2).
        var low = start.Low;
        var done = 0;
        if (path >= SimdPath.Vector512)
        {
            done += FillVector512(key, low, start.V2, start.V3, destination, rounds);
        }

        if (path >= SimdPath.Vector256)
        {
            done += FillVector256(key, low + (ulong)(done / 4), start.V2, start.V3, destination[done..], rounds);
        }

        if (path >= SimdPath.Vector128)
        {
            done += FillVector128(key, low + (ulong)(done / 4), start.V2, start.V3, destination[done..], rounds);
        }

        FillScalar(key, low + (ulong)(done / 4), start.V2, start.V3, destination[done..], rounds);
    }

    private static void ValidateRounds(int rounds)
    {
        if (rounds is < 1 or > MaxRounds)
        {
            throw new ArgumentOutOfRangeException(nameof(rounds), rounds, $"Philox4x32 takes 1 to {MaxRounds} rounds; use 10.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (uint, uint, uint, uint) Rounds(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, int rounds)
    {
        for (var r = 0; r < rounds; r++)
        {
            if (r > 0)
            {
                k0 += W0;
                k1 += W1;
            }

            var p0 = (ulong)M0 * c0;
            var p1 = (ulong)M1 * c2;
            var n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            var n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint)p1;
            c3 = (uint)p0;
            c0 = n0;
            c2 = n2;
        }

        return (c0, c1, c2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillScalar(PhiloxKey key, ulong low, uint c2, uint c3, Span<uint> destination, int rounds)
    {
        var full = destination.Length / 4;
        for (var j = 0; j < full; j++)
        {
            var counter = low + (ulong)j;
            var (x0, x1, x2, x3) = Rounds((uint)counter, (uint)(counter >> 32), c2, c3, key.V0, key.V1, rounds);
            var block = destination.Slice(j * 4, 4);
            block[0] = x0;
            block[1] = x1;
            block[2] = x2;
            block[3] = x3;
        }

        var rest = destination.Length - (full * 4);
        if (rest > 0)
        {
            var counter = low + (ulong)full;
            var (x0, x1, x2, x3) = Rounds((uint)counter, (uint)(counter >> 32), c2, c3, key.V0, key.V1, rounds);
            ReadOnlySpan<uint> words = [x0, x1, x2, x3];
            words[..rest].CopyTo(destination[(full * 4)..]);
        }
    }

    // The vector kernels hold blocks "structure of arrays": vector i holds word i of several blocks. Lanes are given counters
    // so that the unpack-based transpose at the end leaves whole blocks in counter order, ready to store without permutes.
    // Each 32x32->64 multiply uses vpmuludq on the even lanes and on the odd lanes shifted down.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FillVector512(PhiloxKey key, ulong low, uint c2Fixed, uint c3Fixed, Span<uint> destination, int rounds)
    {
        // Two independent groups of 16 blocks per iteration keep the multiplier busy while the other group waits on latency.
        const int Blocks = 32;
        var groups = destination.Length / (Blocks * 4);
        var offsets = Vector512.Create(0u, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        var sixteen = Vector512.Create(16u);
        var m0 = Vector512.Create(M0);
        var m1 = Vector512.Create(M1);
        var w0 = Vector512.Create(W0);
        var w1 = Vector512.Create(W1);
        var key0 = Vector512.Create(key.V0);
        var key1 = Vector512.Create(key.V1);
        var lowWords = Vector512.Create(0u, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        var highWords = lowWords + Vector512<uint>.One;
        ref var d = ref MemoryMarshal.GetReference(destination);
        for (var g = 0; g < groups; g++)
        {
            var counter = low + (ulong)(g * Blocks);
            var base0 = Vector512.Create((uint)counter);
            var a0 = base0 + offsets;
            var a1 = Vector512.Create((uint)(counter >> 32)) - Vector512.LessThan(a0, base0);
            var b0 = a0 + sixteen;
            var b1 = a1 - Vector512.LessThan(b0, a0);
            var a2 = Vector512.Create(c2Fixed);
            var a3 = Vector512.Create(c3Fixed);
            var b2 = a2;
            var b3 = a3;
            var k0 = key0;
            var k1 = key1;
            for (var r = 0; r < rounds; r++)
            {
                if (r > 0)
                {
                    k0 += w0;
                    k1 += w1;
                }

                Round512(ref a0, ref a1, ref a2, ref a3, k0, k1, m0, m1, lowWords, highWords);
                Round512(ref b0, ref b1, ref b2, ref b3, k0, k1, m0, m1, lowWords, highWords);
            }

            ref var o = ref Unsafe.Add(ref d, g * Blocks * 4);
            Store512(a0, a1, a2, a3, ref o);
            Store512(b0, b1, b2, b3, ref Unsafe.Add(ref o, 64));
        }

        var done = groups * Blocks * 4;
        if (destination.Length - done >= 64)
        {
            var counter = low + (ulong)(groups * Blocks);
            var base0 = Vector512.Create((uint)counter);
            var a0 = base0 + offsets;
            var a1 = Vector512.Create((uint)(counter >> 32)) - Vector512.LessThan(a0, base0);
            var a2 = Vector512.Create(c2Fixed);
            var a3 = Vector512.Create(c3Fixed);
            var k0 = key0;
            var k1 = key1;
            for (var r = 0; r < rounds; r++)
            {
                if (r > 0)
                {
                    k0 += w0;
                    k1 += w1;
                }

                Round512(ref a0, ref a1, ref a2, ref a3, k0, k1, m0, m1, lowWords, highWords);
            }

            Store512(a0, a1, a2, a3, ref Unsafe.Add(ref d, done));
            done += 64;
        }

        return done;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round512(
        ref Vector512<uint> c0,
        ref Vector512<uint> c1,
        ref Vector512<uint> c2,
        ref Vector512<uint> c3,
        Vector512<uint> k0,
        Vector512<uint> k1,
        Vector512<uint> m0,
        Vector512<uint> m1,
        Vector512<uint> lowWords,
        Vector512<uint> highWords)
    {
        const byte Xor3 = 0x96;
        var even0 = Avx512F.Multiply(c0, m0).AsUInt32();
        var odd0 = Avx512F.Multiply(Avx512F.ShiftRightLogical(c0.AsUInt64(), 32).AsUInt32(), m0).AsUInt32();
        var even1 = Avx512F.Multiply(c2, m1).AsUInt32();
        var odd1 = Avx512F.Multiply(Avx512F.ShiftRightLogical(c2.AsUInt64(), 32).AsUInt32(), m1).AsUInt32();
        var hi0 = Avx512F.PermuteVar16x32x2(even0, highWords, odd0);
        var hi1 = Avx512F.PermuteVar16x32x2(even1, highWords, odd1);
        var lo0 = Avx512F.PermuteVar16x32x2(even0, lowWords, odd0);
        var lo1 = Avx512F.PermuteVar16x32x2(even1, lowWords, odd1);
        c0 = Avx512F.TernaryLogic(hi1, c1, k0, Xor3);
        c1 = lo1;
        c2 = Avx512F.TernaryLogic(hi0, c3, k1, Xor3);
        c3 = lo0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(Vector512<uint> c0, Vector512<uint> c1, Vector512<uint> c2, Vector512<uint> c3, ref uint o)
    {
        var t0 = Avx512F.UnpackLow(c0, c1).AsUInt64();
        var t1 = Avx512F.UnpackHigh(c0, c1).AsUInt64();
        var t2 = Avx512F.UnpackLow(c2, c3).AsUInt64();
        var t3 = Avx512F.UnpackHigh(c2, c3).AsUInt64();
        Avx512F.UnpackLow(t0, t2).AsUInt32().StoreUnsafe(ref o);
        Avx512F.UnpackHigh(t0, t2).AsUInt32().StoreUnsafe(ref o, 16);
        Avx512F.UnpackLow(t1, t3).AsUInt32().StoreUnsafe(ref o, 32);
        Avx512F.UnpackHigh(t1, t3).AsUInt32().StoreUnsafe(ref o, 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FillVector256(PhiloxKey key, ulong low, uint c2Fixed, uint c3Fixed, Span<uint> destination, int rounds)
    {
        // As the AVX-512 kernel: two independent groups of 8 blocks per iteration, then a single group for what is left.
        const int Blocks = 16;
        var groups = destination.Length / (Blocks * 4);
        var offsets = Vector256.Create(0u, 2, 4, 6, 1, 3, 5, 7);
        var eight = Vector256.Create(8u);
        var m0 = Vector256.Create(M0);
        var m1 = Vector256.Create(M1);
        var w0 = Vector256.Create(W0);
        var w1 = Vector256.Create(W1);
        var key0 = Vector256.Create(key.V0);
        var key1 = Vector256.Create(key.V1);
        ref var d = ref MemoryMarshal.GetReference(destination);
        for (var g = 0; g < groups; g++)
        {
            var counter = low + (ulong)(g * Blocks);
            var base0 = Vector256.Create((uint)counter);
            var a0 = base0 + offsets;
            var a1 = Vector256.Create((uint)(counter >> 32)) - Vector256.LessThan(a0, base0);
            var b0 = a0 + eight;
            var b1 = a1 - Vector256.LessThan(b0, a0);
            var a2 = Vector256.Create(c2Fixed);
            var a3 = Vector256.Create(c3Fixed);
            var b2 = a2;
            var b3 = a3;
            var k0 = key0;
            var k1 = key1;
            for (var r = 0; r < rounds; r++)
            {
                if (r > 0)
                {
                    k0 += w0;
                    k1 += w1;
                }

                Round256(ref a0, ref a1, ref a2, ref a3, k0, k1, m0, m1);
                Round256(ref b0, ref b1, ref b2, ref b3, k0, k1, m0, m1);
            }

            ref var o = ref Unsafe.Add(ref d, g * Blocks * 4);
            Store256(a0, a1, a2, a3, ref o);
            Store256(b0, b1, b2, b3, ref Unsafe.Add(ref o, 32));
        }

        var done = groups * Blocks * 4;
        if (destination.Length - done >= 32)
        {
            var counter = low + (ulong)(groups * Blocks);
            var base0 = Vector256.Create((uint)counter);
            var a0 = base0 + offsets;
            var a1 = Vector256.Create((uint)(counter >> 32)) - Vector256.LessThan(a0, base0);
            var a2 = Vector256.Create(c2Fixed);
            var a3 = Vector256.Create(c3Fixed);
            var k0 = key0;
            var k1 = key1;
            for (var r = 0; r < rounds; r++)
            {
                if (r > 0)
                {
                    k0 += w0;
                    k1 += w1;
                }

                Round256(ref a0, ref a1, ref a2, ref a3, k0, k1, m0, m1);
            }

            Store256(a0, a1, a2, a3, ref Unsafe.Add(ref d, done));
            done += 32;
        }

        return done;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round256(
        ref Vector256<uint> c0,
        ref Vector256<uint> c1,
        ref Vector256<uint> c2,
        ref Vector256<uint> c3,
        Vector256<uint> k0,
        Vector256<uint> k1,
        Vector256<uint> m0,
        Vector256<uint> m1)
    {
        const byte OddLanes = 0b1010_1010;
        const byte HighWords = 0b11_11_01_01;
        var hi0 = Avx2.Blend(
            Avx2.Shuffle(Avx2.Multiply(c0, m0).AsUInt32(), HighWords),
            Avx2.Multiply(Avx2.ShiftRightLogical(c0.AsUInt64(), 32).AsUInt32(), m0).AsUInt32(),
            OddLanes);
        var hi1 = Avx2.Blend(
            Avx2.Shuffle(Avx2.Multiply(c2, m1).AsUInt32(), HighWords),
            Avx2.Multiply(Avx2.ShiftRightLogical(c2.AsUInt64(), 32).AsUInt32(), m1).AsUInt32(),
            OddLanes);
        var lo0 = Avx2.MultiplyLow(c0, m0);
        var lo1 = Avx2.MultiplyLow(c2, m1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(Vector256<uint> c0, Vector256<uint> c1, Vector256<uint> c2, Vector256<uint> c3, ref uint o)
    {
        var t0 = Avx2.UnpackLow(c0, c1).AsUInt64();
        var t1 = Avx2.UnpackHigh(c0, c1).AsUInt64();
        var t2 = Avx2.UnpackLow(c2, c3).AsUInt64();
        var t3 = Avx2.UnpackHigh(c2, c3).AsUInt64();
        Avx2.UnpackLow(t0, t2).AsUInt32().StoreUnsafe(ref o);
        Avx2.UnpackHigh(t0, t2).AsUInt32().StoreUnsafe(ref o, 8);
        Avx2.UnpackLow(t1, t3).AsUInt32().StoreUnsafe(ref o, 16);
        Avx2.UnpackHigh(t1, t3).AsUInt32().StoreUnsafe(ref o, 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FillVector128(PhiloxKey key, ulong low, uint c2Fixed, uint c3Fixed, Span<uint> destination, int rounds)
    {
        const int Blocks = 4;
        var groups = destination.Length / (Blocks * 4);
        var offsets = Vector128.Create(0u, 1, 2, 3);
        var m0 = Vector128.Create(M0);
        var m1 = Vector128.Create(M1);
        var w0 = Vector128.Create(W0);
        var w1 = Vector128.Create(W1);
        var key0 = Vector128.Create(key.V0);
        var key1 = Vector128.Create(key.V1);
        var odd = Vector128.Create(0xFFFF_FFFF_0000_0000UL).AsUInt32();
        ref var d = ref MemoryMarshal.GetReference(destination);
        for (var g = 0; g < groups; g++)
        {
            var counter = low + (ulong)(g * Blocks);
            var base0 = Vector128.Create((uint)counter);
            var c0 = base0 + offsets;
            var c1 = Vector128.Create((uint)(counter >> 32)) - Vector128.LessThan(c0, base0);
            var c2 = Vector128.Create(c2Fixed);
            var c3 = Vector128.Create(c3Fixed);
            var k0 = key0;
            var k1 = key1;
            for (var r = 0; r < rounds; r++)
            {
                if (r > 0)
                {
                    k0 += w0;
                    k1 += w1;
                }

                var even0 = Sse2.Multiply(c0, m0);
                var odd0 = Sse2.Multiply(Sse2.ShiftRightLogical(c0.AsUInt64(), 32).AsUInt32(), m0);
                var even1 = Sse2.Multiply(c2, m1);
                var odd1 = Sse2.Multiply(Sse2.ShiftRightLogical(c2.AsUInt64(), 32).AsUInt32(), m1);
                var lo0 = Vector128.ConditionalSelect(odd, Sse2.ShiftLeftLogical(odd0, 32).AsUInt32(), even0.AsUInt32());
                var hi0 = Vector128.ConditionalSelect(odd, odd0.AsUInt32(), Sse2.ShiftRightLogical(even0, 32).AsUInt32());
                var lo1 = Vector128.ConditionalSelect(odd, Sse2.ShiftLeftLogical(odd1, 32).AsUInt32(), even1.AsUInt32());
                var hi1 = Vector128.ConditionalSelect(odd, odd1.AsUInt32(), Sse2.ShiftRightLogical(even1, 32).AsUInt32());
                c0 = hi1 ^ c1 ^ k0;
                c1 = lo1;
                c2 = hi0 ^ c3 ^ k1;
                c3 = lo0;
            }

            var t0 = Sse2.UnpackLow(c0, c1).AsUInt64();
            var t1 = Sse2.UnpackHigh(c0, c1).AsUInt64();
            var t2 = Sse2.UnpackLow(c2, c3).AsUInt64();
            var t3 = Sse2.UnpackHigh(c2, c3).AsUInt64();
            ref var o = ref Unsafe.Add(ref d, g * Blocks * 4);
            Sse2.UnpackLow(t0, t2).AsUInt32().StoreUnsafe(ref o);
            Sse2.UnpackHigh(t0, t2).AsUInt32().StoreUnsafe(ref o, 4);
            Sse2.UnpackLow(t1, t3).AsUInt32().StoreUnsafe(ref o, 8);
            Sse2.UnpackHigh(t1, t3).AsUInt32().StoreUnsafe(ref o, 12);
        }

        return groups * Blocks * 4;
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Repro.Core.Numerics;

namespace Repro.Core.Randomness;

/// <summary>
/// A named stream of random numbers: Philox4x32-10 under the stream's key, read as a sequence of 32-bit words. Word p of the
/// stream is word p % 4 of the block with counter (block index p / 4, sub-stream), so every draw is addressed by its position,
/// never by thread layout, and <see cref="Seek"/> jumps anywhere in O(1).
/// </summary>
/// <remarks>
/// A stream is used by one thread at a time. <see cref="Substream"/> may be called from many threads at once, and each view it
/// returns is an independent stream for one step that its own thread uses. Every method documents how many words it consumes,
/// so a program that draws the same things in the same order gets the same numbers on every machine.
/// </remarks>
public sealed class RandomStream
{
    private const int MaxBufferWords = 64;
    private const float FloatUnit = 1.0f / 16777216.0f;               // 2^-24
    private const double DoubleUnit = 1.0 / 9007199254740992.0;       // 2^-53
    private const double WordUnit = 1.0 / 4294967296.0;               // 2^-32

    private readonly ulong _substream;
    private WordBuffer _buffer;
    private long _bufferStart;
    private int _bufferLength;
    private int _refillWords = 4;
    private long _position;
    private long _segmentStart;
    private long _drawsBefore;

    internal RandomStream(string name, PhiloxKey key, long? step)
    {
        Name = name;
        Key = key;
        Step = step;
        _substream = step is { } s ? (ulong)s + 1 : 0;
    }

    /// <summary>The stream's name, e.g. "init" or "shuffle".</summary>
    public string Name { get; }

    /// <summary>The Philox key derived from the master seed and <see cref="Name"/>.</summary>
    public PhiloxKey Key { get; }

    /// <summary>The step this view draws for (see <see cref="Substream"/>), or null for the named stream itself.</summary>
    public long? Step { get; }

    /// <summary>The position of the next draw, in 32-bit words from the start of this stream (or view).</summary>
    public long Position => _position;

    /// <summary>How many 32-bit words this stream (or view) has drawn, seeks included: the words actually consumed.</summary>
    public long Draws => _drawsBefore + (_position - _segmentStart);

    /// <summary>Moves to <paramref name="position"/> (in 32-bit words) in O(1); the next draw is the word at that position.</summary>
    public void Seek(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        _drawsBefore += _position - _segmentStart;
        _position = position;
        _segmentStart = position;
    }

    /// <summary>
    /// A view holding the draws for step <paramref name="step"/> (an epoch, a batch, a sample): Philox counters whose high 64
    /// bits are <paramref name="step"/> + 1, starting at position 0. The same step gives the same numbers whichever thread,
    /// and however many threads, draw them. Views are independent of this stream's position and are not counted in its draws.
    /// </summary>
    public RandomStream Substream(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (Step is { } own)
        {
            throw new InvalidOperationException(
                $"Stream '{Name}' is already the view for step {own}; take views from the named stream: "
                + $"streams.Get(\"{Name}\").Substream(step).");
        }

        return new RandomStream(Name, Key, step);
    }

    /// <summary>The next 32-bit word. Consumes 1 word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt32()
    {
        var offset = (ulong)(_position - _bufferStart);
        if (offset >= (ulong)_bufferLength)
        {
            Refill();
            offset = (ulong)(_position - _bufferStart);
        }

        _position++;
        return _buffer[(int)offset];
    }

    /// <summary>The next 64 bits: the first word drawn is the low half. Consumes 2 words.</summary>
    public ulong NextUInt64()
    {
        ulong low = NextUInt32();
        return low | ((ulong)NextUInt32() << 32);
    }

    /// <summary>Uniform in [0, 1) on a grid of 2^-24: the top 24 bits of one word. Consumes 1 word.</summary>
    public float NextFloat() => (int)(NextUInt32() >> 8) * FloatUnit;

    /// <summary>Uniform in [0, 1) on a grid of 2^-53: the top 53 bits of <see cref="NextUInt64"/>. Consumes 2 words.</summary>
    public double NextDouble() => (long)(NextUInt64() >> 11) * DoubleUnit;

    /// <summary>
    /// Uniform integer in [0, <paramref name="exclusiveMax"/>) with no bias (Lemire's multiply-and-reject). Consumes 1 word,
    /// plus 1 more each time a draw is rejected (probability below exclusiveMax / 2^32).
    /// </summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveMax);
        return (int)NextBounded((uint)exclusiveMax);
    }

    /// <summary>
    /// Uniform integer in [<paramref name="minValue"/>, <paramref name="exclusiveMax"/>) with no bias; see <see cref="NextInt(int)"/>.
    /// </summary>
    public int NextInt(int minValue, int exclusiveMax)
    {
        if (minValue >= exclusiveMax)
        {
            throw new ArgumentOutOfRangeException(
                nameof(exclusiveMax), exclusiveMax, $"The exclusive maximum must be greater than the minimum ({minValue}).");
        }

        return (int)(minValue + (long)NextBounded((uint)((long)exclusiveMax - minValue)));
    }

    /// <summary>
    /// A standard normal deviate by the Box-Muller cosine branch: sqrt(-2 ln u1) cos(2 pi u2) with u1 = (w1 + 1/2) 2^-32 and
    /// u2 = w2 2^-32 from the next two words. Consumes exactly 2 words. The logarithm and cosine are computed with portable
    /// arithmetic, so the bits are the same on every platform; |result| is at most about 6.8.
    /// </summary>
    public double NextNormal()
    {
        var w1 = NextUInt32();
        var w2 = NextUInt32();
        return BoxMuller(w1, w2);
    }

    /// <summary><paramref name="mean"/> + <paramref name="standardDeviation"/> * <see cref="NextNormal()"/>. Consumes 2 words.</summary>
    public double NextNormal(double mean, double standardDeviation) => mean + (standardDeviation * NextNormal());

    /// <summary>True with probability floor(p 2^32) / 2^32. Consumes 1 word.</summary>
    public bool NextBernoulli(double p)
    {
        if (!(p is >= 0.0 and <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "A probability must be in [0, 1].");
        }

        return NextUInt32() < (ulong)(p * 4294967296.0);
    }

    /// <summary>
    /// Shuffles <paramref name="items"/> in place (Fisher-Yates from the last element: swap i with <see cref="NextInt(int)"/>
    /// of i + 1, for i = n - 1 down to 1). Consumes n - 1 calls of NextInt.
    /// </summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A random permutation of 0 .. <paramref name="count"/> - 1: the identity, shuffled by <see cref="Shuffle{T}"/>.</summary>
    public int[] Permutation(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new int[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = i;
        }

        Shuffle<int>(result);
        return result;
    }

    /// <summary>Fills <paramref name="destination"/> with the next words as <see cref="NextUInt32"/> would. Consumes 1 word each.</summary>
    public void Fill(Span<uint> destination)
    {
        var i = 0;
        var offset = _position - _bufferStart;
        if (offset >= 0 && offset < _bufferLength)
        {
            var n = (int)Math.Min(destination.Length, _bufferLength - offset);
            _buffer[(int)offset..((int)offset + n)].CopyTo(destination);
            i = n;
            _position += n;
        }

        while (i < destination.Length && (_position & 3) != 0)
        {
            destination[i++] = NextUInt32();
        }

        var whole = (destination.Length - i) & ~3;
        if (whole > 0)
        {
            Philox4x32.Fill(Key, Counter(_position), destination.Slice(i, whole));
            i += whole;
            _position += whole;
        }

        while (i < destination.Length)
        {
            destination[i++] = NextUInt32();
        }
    }

    /// <summary>Fills <paramref name="destination"/> as <see cref="NextFloat"/> would, vectorized. Consumes 1 word each.</summary>
    public void Fill(Span<float> destination)
    {
        var words = MemoryMarshal.Cast<float, uint>(destination);
        Fill(words);
        WordsToUnitFloats(words);
    }

    /// <summary>Fills <paramref name="destination"/> as <see cref="NextDouble"/> would. Consumes 2 words each.</summary>
    public void Fill(Span<double> destination)
    {
        Span<uint> words = stackalloc uint[512];
        for (var start = 0; start < destination.Length; start += words.Length / 2)
        {
            var chunk = destination.Slice(start, Math.Min(words.Length / 2, destination.Length - start));
            var w = words[..(chunk.Length * 2)];
            Fill(w);
            for (var i = 0; i < chunk.Length; i++)
            {
                chunk[i] = (long)((w[2 * i] | ((ulong)w[(2 * i) + 1] << 32)) >> 11) * DoubleUnit;
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with (float)(mean + std * <see cref="NextNormal()"/>), computed in double, as repeated
    /// calls would. Consumes 2 words each.
    /// </summary>
    public void FillNormal(Span<float> destination, float mean = 0f, float standardDeviation = 1f)
    {
        Span<uint> words = stackalloc uint[512];
        for (var start = 0; start < destination.Length; start += words.Length / 2)
        {
            var chunk = destination.Slice(start, Math.Min(words.Length / 2, destination.Length - start));
            var w = words[..(chunk.Length * 2)];
            Fill(w);
            for (var i = 0; i < chunk.Length; i++)
            {
                chunk[i] = (float)(mean + (standardDeviation * (double)BoxMuller(w[2 * i], w[(2 * i) + 1])));
            }
        }
    }

    public override string ToString() =>
        Step is { } s ? $"{Name}[step {s}] @ {_position}" : $"{Name} @ {_position}";

    internal void Restore(long position, long draws)
    {
        _position = position;
        _segmentStart = position;
        _drawsBefore = draws;
    }

    private static double BoxMuller(uint w1, uint w2)
    {
        var u1 = (w1 + 0.5) * WordUnit;
        var u2 = w2 * WordUnit;
        return Math.Sqrt(-2.0 * PortableMath.Log(u1)) * PortableMath.CosTwoPi(u2);
    }

    private static void WordsToUnitFloats(Span<uint> words)
    {
        // (w >> 8) is below 2^24, so the int-to-float conversion and the scaling are exact on every path.
        var i = 0;
        ref var w = ref MemoryMarshal.GetReference(words);
        if (Vector256.IsHardwareAccelerated)
        {
            var unit = Vector256.Create(FloatUnit);
            for (; i <= words.Length - Vector256<uint>.Count; i += Vector256<uint>.Count)
            {
                var v = Vector256.LoadUnsafe(ref w, (nuint)i) >> 8;
                (Vector256.ConvertToSingle(v.AsInt32()) * unit).AsUInt32().StoreUnsafe(ref w, (nuint)i);
            }
        }

        for (; i < words.Length; i++)
        {
            var f = (int)(words[i] >> 8) * FloatUnit;
            words[i] = BitConverter.SingleToUInt32Bits(f);
        }
    }

    private PhiloxCounter Counter(long position) => PhiloxCounter.FromUInt64((ulong)(position >> 2), _substream);

    private uint NextBounded(uint range)
    {
        var m = (ulong)NextUInt32() * range;
        var low = (uint)m;
        if (low < range)
        {
            var threshold = (0u - range) % range;
            while (low < threshold)
            {
                m = (ulong)NextUInt32() * range;
                low = (uint)m;
            }
        }

        return (uint)(m >> 32);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Refill()
    {
        var words = _refillWords;
        Philox4x32.Fill(Key, Counter(_position), _buffer[..words]);
        _bufferStart = _position & ~3L;
        _bufferLength = words;
        if (_refillWords < MaxBufferWords)
        {
            _refillWords *= 2;
        }
    }

    [InlineArray(MaxBufferWords)]
    private struct WordBuffer
    {
        private uint _element;
    }
}

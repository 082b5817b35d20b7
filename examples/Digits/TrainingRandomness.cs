namespace Digits;

/// <summary>
/// Every random draw of the training, from the run's seed, in three independent streams: weight initialisation,
/// shuffling and dropout. One place, so the streams can become Repro's named counter-based streams without touching the
/// training code. Today each stream is a <see cref="Random"/> seeded from (run seed, stream name).
/// </summary>
internal sealed class TrainingRandomness
{
    private readonly Random _init;
    private readonly Random _shuffle;
    private readonly Random _dropout;

    public TrainingRandomness(long seed)
    {
        _init = Stream(seed, 1);
        _shuffle = Stream(seed, 2);
        _dropout = Stream(seed, 3);
    }

    /// <summary>He initialisation for a ReLU layer: normal with mean 0 and standard deviation sqrt(2 / fanIn).</summary>
    public void InitWeights(Span<float> weights, int fanIn)
    {
        var scale = Math.Sqrt(2.0 / fanIn);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = (float)(scale * StandardNormal(_init));
        }
    }

    /// <summary>A fresh random order of 0..n-1 in <paramref name="order"/> (Fisher–Yates).</summary>
    public void Shuffle(Span<int> order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = _shuffle.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>Inverted dropout: each entry is 0 with probability <paramref name="rate"/>, else 1 / (1 - rate).</summary>
    public void DropoutMask(Span<float> mask, float rate)
    {
        var keep = 1f / (1f - rate);
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = _dropout.NextDouble() < rate ? 0f : keep;
        }
    }

    private static Random Stream(long seed, ulong stream)
    {
        // SplitMix64 finaliser of (seed, stream): distinct, well-mixed 32-bit seeds for System.Random.
        var z = ((ulong)seed * 0x9E3779B97F4A7C15UL) ^ (stream * 0xD1B54A32D192ED03UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new Random((int)(z & int.MaxValue));
    }

    private static double StandardNormal(Random random)
    {
        // Box–Muller; 1 - NextDouble() is in (0, 1], so the log is finite.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

using System.Collections.Concurrent;
using Repro.Core.Errors;
using Repro.Core.Randomness;

namespace Repro.Core.Tests.Randomness;

public sealed class RandomStreamTests
{
    private static uint[] Draw(RandomStream stream, int count)
    {
        var words = new uint[count];
        for (var i = 0; i < count; i++)
        {
            words[i] = stream.NextUInt32();
        }

        return words;
    }

    [Fact]
    public void Stream_init_under_seed_42_gives_the_documented_worked_example()
    {
        var init = new RandomStreams(42).Get("init");

        Assert.Equal("7410164cf1b11042", init.Key.ToHex());
        Assert.Equal(new PhiloxKey(0x4c161074, 0x4210b1f1), init.Key);
        Assert.Equal([0xcf673a49u, 0x0b63dd11u, 0x84dbe81fu, 0xbbdf7060u], Draw(init, 4));
        Assert.Equal(4, init.Draws);
    }

    [Fact]
    public void Word_p_of_a_stream_is_word_p_mod_4_of_the_philox_block_p_div_4()
    {
        var stream = new RandomStreams(7).Get("data");
        var words = Draw(stream, 40);

        for (var p = 0; p < 40; p++)
        {
            var b = Philox4x32.Generate(new PhiloxCounter((uint)(p / 4), 0, 0, 0), stream.Key);
            Assert.Equal(new[] { b.V0, b.V1, b.V2, b.V3 }[p % 4], words[p]);
        }
    }

    [Fact]
    public void Same_seed_and_name_give_equal_streams_across_instances()
    {
        var a = new RandomStreams(1234).Get("dropout");
        var b = new RandomStreams(1234).Get("dropout");

        Assert.Equal(Draw(a, 1000), Draw(b, 1000));
    }

    [Fact]
    public void Different_names_or_seeds_give_different_keys_and_sequences()
    {
        var keys = new HashSet<PhiloxKey>();
        var firstWords = new HashSet<ulong>();
        foreach (var seed in new long[] { 0, 1, 2, 42, -1, long.MaxValue })
        {
            var streams = new RandomStreams(seed);
            foreach (var name in new[] { "init", "shuffle", "dropout", "augment", "initx", "Init" })
            {
                var stream = streams.Get(name);
                Assert.True(keys.Add(stream.Key), $"Key of ({seed}, {name}) repeats.");
                Assert.True(firstWords.Add(stream.NextUInt64()), $"First draws of ({seed}, {name}) repeat.");
            }
        }

        Assert.Equal(36, keys.Count);
    }

    [Fact]
    public void Get_returns_the_same_instance_for_a_name()
    {
        var streams = new RandomStreams(3);

        Assert.Same(streams.Get("init"), streams.Get("init"));
        Assert.NotSame(streams.Get("init"), streams.Get("shuffle"));
    }

    [Fact]
    public void Names_are_hashed_as_strict_utf8_and_must_not_be_empty()
    {
        Assert.Throws<ArgumentException>(() => new RandomStreams(1).Get(""));
        Assert.ThrowsAny<ArgumentException>(() => RandomStreams.DeriveKey(1, "bad\ud800name"));
        Assert.NotEqual(RandomStreams.DeriveKey(1, "é"), RandomStreams.DeriveKey(1, "e\u0301"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(1001)]
    public void Seek_n_equals_drawing_n_then_continuing(int n)
    {
        var drawn = new RandomStreams(9).Get("s");
        Draw(drawn, n);
        var sought = new RandomStreams(9).Get("s");
        sought.Seek(n);

        Assert.Equal(n, sought.Position);
        Assert.Equal(Draw(drawn, 300), Draw(sought, 300));
    }

    [Fact]
    public void Seek_backwards_replays_the_same_words_and_counts_them_as_draws()
    {
        var stream = new RandomStreams(5).Get("s");
        var first = Draw(stream, 100);
        stream.Seek(10);
        var again = Draw(stream, 20);

        Assert.Equal(first[10..30], again);
        Assert.Equal(30, stream.Position);
        Assert.Equal(120, stream.Draws);
    }

    [Fact]
    public void Seek_jumps_far_in_constant_time_and_matches_the_block_at_that_position()
    {
        var stream = new RandomStreams(5).Get("s");
        const long Far = (1L << 50) + 6;
        stream.Seek(Far);

        var b = Philox4x32.Generate(PhiloxCounter.FromUInt64((ulong)(Far / 4), 0), stream.Key);
        Assert.Equal(b.V2, stream.NextUInt32());
        Assert.Equal(b.V3, stream.NextUInt32());
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(3, 1)]
    [InlineData(5, 37)]
    [InlineData(64, 4099)]
    public void Bulk_fill_equals_one_at_a_time_draws_from_any_position(int skip, int count)
    {
        var single = new RandomStreams(11).Get("s");
        var bulk = new RandomStreams(11).Get("s");
        Draw(single, skip);
        Draw(bulk, skip);

        var expectedWords = Draw(single, count);
        var words = new uint[count];
        bulk.Fill(words);
        Assert.Equal(expectedWords, words);
        Assert.Equal(single.Position, bulk.Position);
        Assert.Equal(single.Draws, bulk.Draws);

        var expectedFloats = Enumerable.Range(0, count).Select(_ => single.NextFloat()).ToArray();
        var floats = new float[count];
        bulk.Fill(floats);
        Assert.Equal(expectedFloats, floats);

        var expectedDoubles = Enumerable.Range(0, count).Select(_ => single.NextDouble()).ToArray();
        var doubles = new double[count];
        bulk.Fill(doubles);
        Assert.Equal(expectedDoubles, doubles);

        var expectedNormals = Enumerable.Range(0, count).Select(_ => (float)(0.5 + (2.0 * single.NextNormal()))).ToArray();
        var normals = new float[count];
        bulk.FillNormal(normals, 0.5f, 2f);
        Assert.Equal(expectedNormals, normals);
        Assert.Equal(single.Draws, bulk.Draws);
    }

    [Fact]
    public void Floats_and_doubles_are_in_the_unit_interval_on_the_documented_grid()
    {
        var stream = new RandomStreams(1).Get("u");
        for (var i = 0; i < 10_000; i++)
        {
            var f = stream.NextFloat();
            Assert.InRange(f, 0f, 1f - (1f / 16777216f));
            Assert.Equal(f, MathF.Round(f * 16777216f) / 16777216f);
            var d = stream.NextDouble();
            Assert.InRange(d, 0.0, 1.0 - (1.0 / 9007199254740992.0));
        }

        stream.Seek(0);
        var w = stream.NextUInt32();
        stream.Seek(0);
        Assert.Equal((w >> 8) / 16777216f, stream.NextFloat());
    }

    [Fact]
    public void NextUInt64_takes_the_first_word_as_the_low_half()
    {
        var stream = new RandomStreams(1).Get("u");
        var low = stream.NextUInt32();
        var high = stream.NextUInt32();
        stream.Seek(0);

        Assert.Equal(low | ((ulong)high << 32), stream.NextUInt64());
    }

    [Fact]
    public void Substream_values_do_not_depend_on_which_thread_draws_them()
    {
        const int Steps = 8;
        const int PerStep = 5000;
        var root = new RandomStreams(2024).Get("dropout");
        var expected = new uint[Steps][];
        for (var step = 0; step < Steps; step++)
        {
            expected[step] = Draw(root.Substream(step), PerStep);
        }

        foreach (var partition in new[] { 1, 7, 64, 1000, PerStep })
        {
            foreach (var threads in new[] { 1, 2, 4, 8 })
            {
                var actual = new uint[Steps * PerStep];
                var ranges = Enumerable.Range(0, Steps * ((PerStep + partition - 1) / partition)).ToArray();
                var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
                Parallel.ForEach(Partitioner.Create(ranges, loadBalance: true), options, r =>
                {
                    var perStep = (PerStep + partition - 1) / partition;
                    var step = r / perStep;
                    var start = r % perStep * partition;
                    var count = Math.Min(partition, PerStep - start);
                    var view = root.Substream(step);
                    view.Seek(start);
                    view.Fill(actual.AsSpan((step * PerStep) + start, count));
                });

                for (var step = 0; step < Steps; step++)
                {
                    Assert.Equal(expected[step], actual[(step * PerStep)..((step + 1) * PerStep)]);
                }
            }
        }

        Assert.Equal(0, root.Draws);
    }

    [Fact]
    public void Substreams_differ_from_each_other_and_from_the_stream_itself()
    {
        var root = new RandomStreams(1).Get("aug");
        var seen = new HashSet<ulong> { root.NextUInt64() };
        for (var step = 0; step < 100; step++)
        {
            var view = root.Substream(step);
            Assert.Equal(step, view.Step);
            Assert.Equal("aug", view.Name);
            Assert.True(seen.Add(view.NextUInt64()));
        }

        Assert.Throws<InvalidOperationException>(() => root.Substream(1).Substream(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => root.Substream(-1));
    }

    [Fact]
    public void Substream_uses_the_step_plus_one_as_the_high_counter_half()
    {
        var root = new RandomStreams(1).Get("aug");
        var view = root.Substream(41);

        var b = Philox4x32.Generate(PhiloxCounter.FromUInt64(0, 42), root.Key);
        Assert.Equal(b.V0, view.NextUInt32());
    }

    [Fact]
    public void NextInt_is_unbiased_on_a_small_range()
    {
        // Chi-square with 6 degrees of freedom; the 99.99th percentile is 27.9. The seed is fixed, so this is deterministic.
        const int Bins = 7;
        const int N = 700_000;
        var stream = new RandomStreams(99).Get("ints");
        var counts = new long[Bins];
        for (var i = 0; i < N; i++)
        {
            counts[stream.NextInt(Bins)]++;
        }

        var expected = N / (double)Bins;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.InRange(chiSquare, 0.0, 27.9);
    }

    [Fact]
    public void NextInt_rejects_draws_in_the_biased_zone_as_Lemire_prescribes()
    {
        // With range 3 * 2^29 the rejection threshold is 2^32 mod range = 2^30: one word in 4 lands low and is rejected.
        const uint Range = 3u << 29;
        var stream = new RandomStreams(8).Get("ints");
        var reference = new RandomStreams(8).Get("ints");
        for (var i = 0; i < 10_000; i++)
        {
            var value = stream.NextInt((int)Range);
            ulong m;
            do
            {
                m = (ulong)reference.NextUInt32() * Range;
            }
            while ((uint)m < (1u << 30));

            Assert.Equal((int)(m >> 32), value);
        }

        Assert.Equal(reference.Draws, stream.Draws);
        Assert.True(stream.Draws > 12_000, "About a quarter of the draws should have been rejected.");
    }

    [Fact]
    public void NextInt_with_bounds_covers_the_whole_int_range_and_stays_inside()
    {
        var stream = new RandomStreams(4).Get("ints");
        var sawNegative = false;
        var sawPositive = false;
        for (var i = 0; i < 1000; i++)
        {
            var v = stream.NextInt(int.MinValue, int.MaxValue);
            Assert.NotEqual(int.MaxValue, v);
            sawNegative |= v < 0;
            sawPositive |= v > 0;
            Assert.InRange(stream.NextInt(-3, 2), -3, 1);
        }

        Assert.True(sawNegative && sawPositive);
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.NextInt(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.NextInt(5, 5));
    }

    [Fact]
    public void Permutation_is_a_permutation_and_depends_on_the_stream()
    {
        var streams = new RandomStreams(17);
        var p = streams.Get("shuffle").Permutation(1797);
        var q = streams.Get("shuffle").Permutation(1797);

        Assert.Equal(Enumerable.Range(0, 1797), p.Order());
        Assert.Equal(Enumerable.Range(0, 1797), q.Order());
        Assert.NotEqual(p, q);
        Assert.NotEqual(Enumerable.Range(0, 1797), p);
        Assert.Equal(new RandomStreams(17).Get("shuffle").Permutation(1797), p);
        Assert.Empty(streams.Get("x").Permutation(0));
    }

    [Fact]
    public void Shuffle_makes_every_arrangement_of_three_items_about_equally_often()
    {
        var stream = new RandomStreams(3).Get("shuffle");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 60_000; i++)
        {
            Span<char> items = ['a', 'b', 'c'];
            stream.Shuffle(items);
            var key = new string(items);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 9_400, 10_600));
    }

    [Fact]
    public void Normal_draws_have_mean_0_and_standard_deviation_1_and_take_two_words_each()
    {
        var stream = new RandomStreams(5).Get("noise");
        var values = new float[200_000];
        stream.FillNormal(values);

        var mean = values.Average(v => (double)v);
        var std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(std, 0.99, 1.01);
        Assert.InRange(values.Count(v => Math.Abs(v) < 1) / (double)values.Length, 0.678, 0.688);
        Assert.Equal(400_000, stream.Draws);

        var scaled = new RandomStreams(5).Get("noise");
        Assert.Equal(values[0] * 3f + 10f, (float)scaled.NextNormal(10, 3), 4);
    }

    [Fact]
    public void Bernoulli_is_exact_at_0_and_1_and_near_p_in_between()
    {
        var stream = new RandomStreams(6).Get("mask");
        var hits = 0;
        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(stream.NextBernoulli(1.0));
            Assert.False(stream.NextBernoulli(0.0));
            hits += stream.NextBernoulli(0.3) ? 1 : 0;
        }

        Assert.InRange(hits, 29_400, 30_600);
        Assert.Equal(300_000, stream.Draws);
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.NextBernoulli(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.NextBernoulli(double.NaN));
    }
}

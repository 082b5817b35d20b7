using Repro.Core.Runs;
using Repro.Storage.Sqlite;
using Repro.Storage.Tests.Support;

namespace Repro.Storage.Tests.Sqlite;

public sealed class MetricChunkTests : IDisposable
{
    private readonly TempDir _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<long[]> Columns() => new()
    {
        Array.Empty<long>(),
        new long[] { 42 },
        new long[] { 0, 1, 2, 3, 4 },
        new long[] { 5, 5, 5 },
        new long[] { 10, 9, 300, -7, 8 },
        new long[] { 0, 70_000, 3, 140_000 },
        new long[] { 0, 5_000_000_000, -3, 1 },
        new long[] { long.MinValue, long.MaxValue, 0, long.MinValue, -1, long.MaxValue },
        new long[] { 1_714_564_800_000, 1_714_564_800_000, 1_714_564_800_001, 1_714_564_800_250 },
    };

    [Theory]
    [MemberData(nameof(Columns))]
    public void Steps_and_timestamps_of_any_spread_round_trip(long[] column)
    {
        var values = column.Select((_, i) => i * 0.5).ToArray();
        var reversed = column.Reverse().ToArray();

        var blob = MetricChunk.Encode(column, values, reversed);

        Assert.Equal(column.Length, MetricChunk.Count(blob));
        var steps = new long[column.Length];
        var back = new double[column.Length];
        var times = new long[column.Length];
        MetricChunk.Decode(blob, steps, back, times);
        Assert.Equal(column, steps);
        Assert.Equal(values, back);
        Assert.Equal(reversed, times);
    }

    [Fact]
    public void Values_keep_every_bit_including_nan_payloads()
    {
        long[] bits = [0x7FF8_0000_0000_0001, unchecked((long)0xFFF0_0000_0000_0000), long.MinValue, 0x7FF0_0000_0000_0001, 1];
        var values = bits.Select(BitConverter.Int64BitsToDouble).ToArray();

        var blob = MetricChunk.Encode(new long[bits.Length], values, new long[bits.Length]);
        var back = new double[bits.Length];
        MetricChunk.Decode(blob, new long[bits.Length], back, new long[bits.Length]);

        Assert.Equal(bits, back.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Consecutive_steps_with_one_timestamp_take_little_more_than_the_values()
    {
        var steps = Enumerable.Range(0, 1000).Select(i => (long)i).ToArray();

        var blob = MetricChunk.Encode(steps, new double[1000], Enumerable.Repeat(1_714_564_800_000L, 1000).ToArray());

        Assert.True(blob.Length < 8 * 1000 + 64, $"{blob.Length} bytes");
    }

    [Fact]
    public void One_point_writes_grow_a_chunk_and_large_writes_split_into_chunks()
    {
        using var store = SqliteRunStore.Open(_directory.Combine(SqliteRunStore.FileName));
        var run = store.Create();
        var expected = new List<MetricPoint>();
        for (var i = 0; i < MetricRows.GrowBelow + 10; i++)
        {
            var point = new MetricPoint("m", i, i, i);
            store.Log(run.Id, point);
            expected.Add(point);
        }

        var big = Enumerable.Range(0, MetricRows.MaxChunkPoints + 5).Select(i => new MetricPoint("m", -i, 100_000 + i, i)).ToArray();
        store.Log(run.Id, big);
        expected.AddRange(big);
        store.Log(run.Id, new MetricPoint("m", 1, 200_000, 0));
        expected.Add(new MetricPoint("m", 1, 200_000, 0));

        Assert.Equal(expected, store.GetMetricHistory(run.Id, "m"));
        var chunks = (long)SqliteTestDatabase.Scalar(store.DatabasePath, "SELECT count(*) FROM metric_chunks")!;
        Assert.Equal(4L, chunks);    // one grown past GrowBelow, the big batch in two, then a new one
    }

    [Fact]
    public void Steps_out_of_order_across_writes_read_back_sorted_keeping_insertion_order_on_ties()
    {
        using var store = SqliteRunStore.Open(_directory.Combine(SqliteRunStore.FileName));
        var run = store.Create();
        store.Log(run.Id, [.. Enumerable.Range(0, 600).Select(i => new MetricPoint("m", 1, 600 - i, 1))]);
        store.Log(run.Id, [.. Enumerable.Range(0, 600).Select(i => new MetricPoint("m", 2, i, 2))]);

        var history = store.GetMetricHistory(run.Id, "m");

        Assert.Equal(1200, history.Count);
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.Step <= p.Second.Step));
        Assert.Equal([2.0, 1, 2], history.Where(p => p.Step is 0 or 1).Select(p => p.Value).Take(3));
        Assert.Equal(new MetricPoint("m", 1, 1, 1), history.First(p => p.Step == 1));
    }
}

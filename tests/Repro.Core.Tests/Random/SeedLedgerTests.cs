using Repro.Core.Errors;
using Repro.Core.Randomness;

namespace Repro.Core.Tests.Randomness;

public sealed class SeedLedgerTests
{
    [Fact]
    public void Snapshot_lists_each_stream_with_its_key_draws_and_position()
    {
        var streams = new RandomStreams(42);
        var shuffle = streams.Get("shuffle");
        var init = streams.Get("init");
        init.Fill(new float[10]);
        shuffle.Seek(100);
        shuffle.NextDouble();
        shuffle.Substream(3).NextUInt64();

        var ledger = streams.Snapshot();

        Assert.Equal(42, ledger.MasterSeed);
        Assert.Equal(
            [
                new SeedLedgerEntry("init", "7410164cf1b11042", 10, 10),
                new SeedLedgerEntry("shuffle", RandomStreams.DeriveKey(42, "shuffle").ToHex(), 2, 102),
            ],
            ledger.Entries);
    }

    [Fact]
    public void Restoring_a_snapshot_continues_the_exact_same_sequences()
    {
        var streams = new RandomStreams(7);
        streams.Get("init").Fill(new float[1001]);
        streams.Get("shuffle").Permutation(50);
        streams.Get("noise").NextNormal();
        var ledger = streams.Snapshot();
        var continued = new[] { "init", "shuffle", "noise" }
            .Select(n => Enumerable.Range(0, 100).Select(_ => streams.Get(n).NextUInt32()).ToArray())
            .ToArray();

        var resumed = RandomStreams.FromLedger(ledger);

        Assert.Equal(ledger, resumed.Snapshot());
        var again = new[] { "init", "shuffle", "noise" }
            .Select(n => Enumerable.Range(0, 100).Select(_ => resumed.Get(n).NextUInt32()).ToArray())
            .ToArray();
        Assert.Equal(continued, again);
        Assert.Equal(streams.Snapshot(), resumed.Snapshot());
    }

    [Fact]
    public void Restore_moves_streams_already_handed_out_and_rewinds_streams_the_ledger_does_not_name()
    {
        var streams = new RandomStreams(7);
        var init = streams.Get("init");
        init.Fill(new uint[16]);
        var ledger = streams.Snapshot();
        var expected = init.NextUInt32();
        init.Fill(new uint[100]);
        var late = streams.Get("late");
        var lateFirst = late.NextUInt32();

        streams.Restore(ledger);

        Assert.Equal(16, init.Position);
        Assert.Equal(expected, init.NextUInt32());
        Assert.Equal(0, late.Position);
        Assert.Equal(0, late.Draws);
        Assert.Equal(lateFirst, late.NextUInt32());
    }

    [Fact]
    public void Restore_refuses_a_ledger_of_another_seed_or_with_a_wrong_key()
    {
        var ledger = new RandomStreams(1).Snapshot() with
        {
            Entries = [new SeedLedgerEntry("init", RandomStreams.DeriveKey(1, "init").ToHex(), 4, 4)],
        };

        var conflict = Assert.Throws<ReproException>(() => new RandomStreams(2).Restore(ledger));
        Assert.Equal(ErrorCode.Conflict, conflict.Code);
        Assert.Contains("FromLedger", conflict.Message, StringComparison.Ordinal);

        var edited = ledger with { Entries = [new SeedLedgerEntry("init", "0000000000000000", 4, 4)] };
        var corrupted = Assert.Throws<ReproException>(() => RandomStreams.FromLedger(edited));
        Assert.Equal(ErrorCode.Corrupted, corrupted.Code);

        var negative = ledger with { Entries = [ledger.Entries[0] with { Position = -1 }] };
        Assert.Equal(ErrorCode.Corrupted, Assert.Throws<ReproException>(() => RandomStreams.FromLedger(negative)).Code);

        var twice = ledger with { Entries = [ledger.Entries[0], ledger.Entries[0]] };
        Assert.Equal(ErrorCode.Corrupted, Assert.Throws<ReproException>(() => RandomStreams.FromLedger(twice)).Code);
    }

    [Fact]
    public void Ledgers_compare_by_value()
    {
        var a = new SeedLedger(3, [new SeedLedgerEntry("x", "00", 1, 1)]);
        var b = new SeedLedger(3, [new SeedLedgerEntry("x", "00", 1, 1)]);
        var c = new SeedLedger(3, [new SeedLedgerEntry("x", "00", 1, 2)]);

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
    }
}

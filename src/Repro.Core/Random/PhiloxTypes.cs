using System.Buffers.Binary;

namespace Repro.Core.Randomness;

/// <summary>A 128-bit Philox4x32 counter as four 32-bit words, <see cref="V0"/> least significant.</summary>
public readonly record struct PhiloxCounter(uint V0, uint V1, uint V2, uint V3)
{
    /// <summary>The counter whose low 64 bits are <paramref name="low"/> and high 64 bits are <paramref name="high"/>.</summary>
    public static PhiloxCounter FromUInt64(ulong low, ulong high) =>
        new((uint)low, (uint)(low >> 32), (uint)high, (uint)(high >> 32));

    /// <summary>The low 64 bits (<see cref="V0"/>, <see cref="V1"/>): the block index within a stream.</summary>
    public ulong Low => V0 | ((ulong)V1 << 32);

    /// <summary>The high 64 bits (<see cref="V2"/>, <see cref="V3"/>): the sub-stream index.</summary>
    public ulong High => V2 | ((ulong)V3 << 32);
}

/// <summary>A 64-bit Philox4x32 key as two 32-bit words.</summary>
public readonly record struct PhiloxKey(uint V0, uint V1)
{
    /// <summary>The key as 16 lowercase hex characters: the little-endian bytes of <see cref="V0"/>, then of <see cref="V1"/>.</summary>
    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, V0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], V1);
        return Convert.ToHexStringLower(bytes);
    }

    public override string ToString() => ToHex();
}

/// <summary>One Philox4x32 output block: four 32-bit words, in the order Random123 returns them.</summary>
public readonly record struct PhiloxBlock(uint V0, uint V1, uint V2, uint V3);

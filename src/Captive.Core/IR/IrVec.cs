namespace Captive.Core.IR;

/// <summary>
/// Packs and unpacks the Immediate of the vector opcodes: bits 0–7 element size in bytes (1, 2, 4, 8),
/// bits 8–15 an extra field (lane, shift, byte index, container size or half), bits 16–23 the data size
/// in bytes (8 for the 64-bit forms, 16 or 0 for the full register, the element size for the AdvSIMD
/// scalar forms: one lane, the rest of the register zero), bits 24–31 flags.
/// </summary>
public static class IrVec
{
    /// <summary>Packs a vector immediate.</summary>
    public static long Pack(int elementSize, int extra = 0, int dataSize = 16, int flags = 0)
    {
        if (elementSize is not (1 or 2 or 4 or 8 or 16)) throw new ArgumentOutOfRangeException(nameof(elementSize));
        if ((uint)extra > 255) throw new ArgumentOutOfRangeException(nameof(extra));
        if (dataSize is not (1 or 2 or 4 or 8 or 16)) throw new ArgumentOutOfRangeException(nameof(dataSize));
        return (long)(uint)elementSize | (long)(uint)extra << 8 | (long)(uint)dataSize << 16 | (long)(uint)(flags & 0xFF) << 24;
    }

    /// <summary>Element size in bytes.</summary>
    public static int ElementSize(long immediate) => (int)(immediate & 0xFF);

    /// <summary>The extra field.</summary>
    public static int Extra(long immediate) => (int)((immediate >> 8) & 0xFF);

    /// <summary>Data size in bytes: 16, 8, or (the scalar forms) 4, 2 or 1.</summary>
    public static int DataSize(long immediate) => (int)((immediate >> 16) & 0xFF) is var d and (1 or 2 or 4 or 8) ? d : 16;

    /// <summary>The flags field.</summary>
    public static int Flags(long immediate) => (int)((immediate >> 24) & 0xFF);
}

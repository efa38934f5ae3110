namespace Captive.Differential;

/// <summary>
/// Initial V register values for the FP classes: edge cases of single, double and half precision (zeros,
/// denormals, ±1, the largest normals, infinities, quiet and signalling NaNs with payloads, values next to
/// rounding boundaries and ties, integers next to 2^31, 2^32, 2^63, 2^64 for the conversions, the limits of
/// the narrowing conversions), moderate random normals (so that arithmetic rounds) and random bits.
/// </summary>
public static class FpValues
{
    public static readonly uint[] Single =
    [
        0x0000_0000, 0x0000_0001, 0x007F_FFFF, 0x0080_0000, 0x0080_0001, 0x3F80_0000, 0x3F80_0001, 0x3F7F_FFFF,
        0x7F7F_FFFF, 0x7F80_0000, 0x7FC0_0000, 0x7FC1_2345, 0x7FFF_FFFF, 0x7F80_0001, 0x7FA0_0000, 0x7F81_2345,
        0x3F00_0000, 0x3FC0_0000, 0x4020_0000, 0x4060_0000, 0x3400_0000, 0x3380_0000, 0x3F80_0002, 0x4B00_0000, 0x4B00_0001,
        0x4EFF_FFFF, 0x4F00_0000, 0x4F7F_FFFF, 0x4F80_0000, 0x5EFF_FFFF, 0x5F00_0000, 0x5F7F_FFFF, 0x5F80_0000,
        0x477F_E000, 0x477F_F000, 0x477F_EFFF, 0x3380_0000, 0x3300_0000, 0x3300_0001, 0x3880_0000, 0x387F_C000,
        0x0040_0000, 0x0000_0002, 0x2000_0000, 0x5F80_0000, 0x1F80_0000,
    ];

    public static readonly ulong[] Double =
    [
        0, 1, 0x000F_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000, 0x0010_0000_0000_0001, 0x0008_0000_0000_0000,
        0x3FF0_0000_0000_0000, 0x3FF0_0000_0000_0001, 0x3FEF_FFFF_FFFF_FFFF, 0x7FEF_FFFF_FFFF_FFFF,
        0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x7FF8_0000_0000_ABCD, 0x7FFF_FFFF_FFFF_FFFF,
        0x7FF0_0000_0000_0001, 0x7FF4_0000_0000_1234, 0x7FF0_0000_8000_0000, 0x7FF8_0000_8000_0001,
        0x3FE0_0000_0000_0000, 0x3FF8_0000_0000_0000, 0x4004_0000_0000_0000, 0x400C_0000_0000_0000,
        0x3CA0_0000_0000_0000, 0x3C90_0000_0000_0000, 0x4330_0000_0000_0000, 0x4330_0000_0000_0001,
        0x41DF_FFFF_FFC0_0000, 0x41DF_FFFF_FFE0_0000, 0x41DF_FFFF_FFF0_0000, 0x41E0_0000_0000_0000, 0x41E0_0000_0010_0000, 0x41E0_0000_0020_0000,
        0x41EF_FFFF_FFE0_0000, 0x41EF_FFFF_FFF0_0000, 0x41F0_0000_0000_0000, 0x41F0_0000_0008_0000,
        0x43DF_FFFF_FFFF_FFFF, 0x43E0_0000_0000_0000, 0x43E0_0000_0000_0001, 0x43EF_FFFF_FFFF_FFFF, 0x43F0_0000_0000_0000,
        0x47EF_FFFF_E000_0000, 0x47EF_FFFF_F000_0000, 0x47EF_FFFF_EFFF_FFFF, 0x47F0_0000_0000_0000,
        0x36A0_0000_0000_0000, 0x3690_0000_0000_0000, 0x3690_0000_0000_0001, 0x3810_0000_0000_0000, 0x380F_FFFF_FFFF_FFFF,
        0x380F_FFFF_E000_0000, 0x380F_FFFF_F000_0000, 0x3FF0_0000_1000_0000, 0x3FF0_0000_1000_0001, 0x3FF0_0000_3000_0000,
        0x40EF_FC00_0000_0000, 0x40EF_FE00_0000_0000, 0x3E70_0000_0000_0000, 0x3E60_0000_0000_0000, 0x3F10_0000_0000_0000,
        0x2000_0000_0000_0000, 0x5FF0_0000_0000_0000, 0x3FD5_5555_5555_5555,
    ];

    public static readonly ushort[] Half =
    [
        0x0000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0x3C01, 0x7BFF, 0x7C00, 0x7E00, 0x7E55, 0x7C01, 0x7D23, 0x3800, 0x3E00,
        0xFFFF, 0x7FFF, 0x5BFF, 0x0200,
    ];

    private static ulong Signed(Random rng, ulong value, int bits) => rng.Next(2) == 0 ? value : value ^ (1ul << (bits - 1));

    private static ulong RandomBits(Random rng) => (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);

    /// <summary>A single: an edge case, or a normal of moderate exponent with a random significand.</summary>
    public static uint RandomSingle(Random rng) => rng.Next(3) switch
    {
        0 => (uint)Signed(rng, (uint)rng.Next(0x800000) | ((uint)(127 + rng.Next(-30, 31)) << 23), 32),
        1 => (uint)Signed(rng, (uint)rng.Next(0x800000) | ((uint)rng.Next(256) << 23), 32),
        _ => (uint)Signed(rng, Single[rng.Next(Single.Length)], 32),
    };

    /// <summary>A double: an edge case, or a normal of moderate exponent with a random significand.</summary>
    public static ulong RandomDouble(Random rng) => rng.Next(3) switch
    {
        0 => Signed(rng, (RandomBits(rng) & 0xF_FFFF_FFFF_FFFF) | ((ulong)(1023 + rng.Next(-60, 61)) << 52), 64),
        1 => Signed(rng, (RandomBits(rng) & 0xF_FFFF_FFFF_FFFF) | ((ulong)rng.Next(2048) << 52), 64),
        _ => Signed(rng, Double[rng.Next(Double.Length)], 64),
    };

    /// <summary>One doubleword: a double, a single (above it a single, zeros or random bits), a half, or random bits.</summary>
    public static ulong RandomDoubleword(Random rng)
    {
        switch (rng.Next(10))
        {
            case < 4: return RandomDouble(rng);
            case < 8:
                {
                    ulong above = rng.Next(3) switch { 0 => RandomSingle(rng), 1 => 0, _ => (ulong)(uint)rng.Next() };
                    return (above << 32) | RandomSingle(rng);
                }
            case 8: return (RandomBits(rng) & ~0xFFFFul) | Signed(rng, Half[rng.Next(Half.Length)], 16);
            default: return RandomBits(rng);
        }
    }

    /// <summary>V0..V31 as 64 doublewords (low half, high half of each).</summary>
    public static ulong[] RandomVectors(Random rng)
    {
        var v = new ulong[64];
        for (int k = 0; k < 64; k++) v[k] = k % 2 == 0 || rng.Next(2) == 0 ? RandomDoubleword(rng) : RandomBits(rng);
        return v;
    }

    /// <summary>A random FPCR of ARMv8.0's control bits: RMode, FZ, DN, AHP (every other bit 0).</summary>
    public static ulong RandomFpcr(Random rng)
    {
        ulong fpcr = ((ulong)rng.Next(4) << 22) | ((ulong)rng.Next(2) << 24) | ((ulong)rng.Next(2) << 25) | ((ulong)rng.Next(2) << 26);
        return DefaultFpcrOnly ? 0 : fpcr; // the same random stream either way
    }

    /// <summary>
    /// --default-fpcr: FPCR stays 0 (round to nearest, no FZ/DN/AHP), the mode the translator's SSE fast paths
    /// serve; with random FPCRs most FP blocks take the translator's FPCR guard to the interpreter instead.
    /// </summary>
    public static bool DefaultFpcrOnly { get; set; }
}

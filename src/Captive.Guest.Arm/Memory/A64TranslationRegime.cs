namespace Captive.Guest.Arm.Memory;

/// <summary>
/// One half of the EL1&amp;0 VA space (TTBR0_EL1: VA[55] = 0, TTBR1_EL1: VA[55] = 1) as the walker needs it,
/// decoded from TCR_EL1 and the TTBR once per register write.
/// </summary>
public readonly record struct A64TranslationTable
{
    /// <summary>The VA width, 64 − TxSZ, clamped to 25..48.</summary>
    /// <remarks>
    /// TxSZ outside 16..39 is CONSTRAINED UNPREDICTABLE (ARM ARM <c>AArch64.TranslationTableWalk</c>, <c>Unpredictable_RESTnSZ</c>):
    /// this implementation takes the FORCE option and uses the nearest limit, as QEMU does.
    /// </remarks>
    public int InputAddressBits { get; init; }

    /// <summary>log2 of the granule: 12 (4 KiB), 14 (16 KiB) or 16 (64 KiB).</summary>
    public int GranuleBits { get; init; }

    /// <summary>The initial lookup level: 4 − ⌈(InputAddressBits − GranuleBits) / (GranuleBits − 3)⌉ (ARM ARM <c>AArch64.TranslationTableWalk</c>).</summary>
    public int StartLevel { get; init; }

    /// <summary>The first level's table address: TTBR.BADDR with the bits below the table's alignment cleared.</summary>
    public ulong TableBase { get; init; }

    /// <summary>TCR_EL1.EPD0/EPD1: a TLB miss in this half is a level 0 translation fault rather than a walk.</summary>
    public bool WalkDisabled { get; init; }

    /// <summary>TCR_EL1.TBI0/TBI1: VA[63:56] is ignored for this half.</summary>
    public bool TopByteIgnored { get; init; }

    /// <summary>TTBR bits [47:OA size] are not all 0: every walk is a level 0 address size fault.</summary>
    public bool TableBaseOutOfRange { get; init; }

    /// <summary>The lowest level at which a block descriptor is allowed: 1 for 4 KiB, 2 for 16 KiB and 64 KiB (48-bit PA).</summary>
    public int FirstBlockLevel => GranuleBits == 12 ? 1 : 2;
}

/// <summary>
/// The stage 1 EL1&amp;0 translation regime: SCTLR_EL1, TCR_EL1, TTBR0_EL1, TTBR1_EL1 and MAIR_EL1 decoded into
/// what <see cref="A64PageTableWalker"/> needs. Build one whenever one of those registers is written and keep it;
/// it is an immutable value, so each vCPU owns its own.
/// </summary>
public readonly record struct A64TranslationRegime
{
    /// <summary>The physical address size of a Cortex-A57: ID_AA64MMFR0_EL1.PARange = 0b0100, 44 bits.</summary>
    public const int CortexA57PhysicalAddressBits = 44;

    /// <summary>SCTLR_EL1.M: stage 1 translation is enabled.</summary>
    public bool MmuEnabled { get; init; }

    /// <summary>SCTLR_EL1.WXN: any writable region is execute-never at the EL that can write it.</summary>
    public bool WriteExecuteNever { get; init; }

    /// <summary>SCTLR_EL1.EE: translation table walks read descriptors big-endian.</summary>
    public bool BigEndianWalks { get; init; }

    /// <summary>SCTLR_EL1.I: with the MMU off, instruction fetches are Normal write-through rather than non-cacheable.</summary>
    public bool InstructionCacheEnabled { get; init; }

    /// <summary>MAIR_EL1: eight attribute bytes selected by AttrIndx.</summary>
    public ulong Mair { get; init; }

    /// <summary>The implemented physical address size (ID_AA64MMFR0_EL1.PARange), in bits.</summary>
    public int PhysicalAddressBits { get; init; }

    /// <summary>
    /// The output address size: TCR_EL1.IPS, capped at <see cref="PhysicalAddressBits"/> (ARM ARM
    /// <c>AArch64.TranslationTableWalk</c>: an IPS larger than PARange, or a reserved one, is treated as PARange).
    /// </summary>
    public int OutputAddressBits { get; init; }

    /// <summary>The ASID in use: TTBR1_EL1.ASID if TCR_EL1.A1 = 1, else TTBR0_EL1.ASID; bits [15:8] are 0 unless TCR_EL1.AS = 1.</summary>
    public ushort Asid { get; init; }

    /// <summary>The TTBR0_EL1 half (VA[55] = 0).</summary>
    public A64TranslationTable Lower { get; init; }

    /// <summary>The TTBR1_EL1 half (VA[55] = 1).</summary>
    public A64TranslationTable Upper { get; init; }

    /// <summary>Decodes the registers.</summary>
    /// <param name="sctlr">SCTLR_EL1 (M bit 0, I bit 12, WXN bit 19, EE bit 25).</param>
    /// <param name="tcr">TCR_EL1.</param>
    /// <param name="ttbr0">TTBR0_EL1 (ASID in bits [63:48], BADDR in [47:1]).</param>
    /// <param name="ttbr1">TTBR1_EL1.</param>
    /// <param name="mair">MAIR_EL1.</param>
    /// <param name="physicalAddressBits">ID_AA64MMFR0_EL1.PARange in bits: 32, 36, 40, 42, 44 or 48.</param>
    /// <returns>The regime.</returns>
    public static A64TranslationRegime Decode(ulong sctlr, ulong tcr, ulong ttbr0, ulong ttbr1, ulong mair,
        int physicalAddressBits = CortexA57PhysicalAddressBits)
    {
        if (physicalAddressBits is not (32 or 36 or 40 or 42 or 44 or 48))
            throw new ArgumentOutOfRangeException(nameof(physicalAddressBits), physicalAddressBits, "Not a PARange size.");

        // TCR_EL1.IPS: 0b110/0b111 are reserved in ARMv8.0 (52 bits arrives with v8.2); treating them as the
        // largest size is one of the permitted behaviours, and the cap to PARange then applies.
        int ips = (int)((tcr >> 32) & 7) switch { 0 => 32, 1 => 36, 2 => 40, 3 => 42, 4 => 44, _ => 48 };
        int outputBits = Math.Min(ips, physicalAddressBits);

        bool wideAsid = ((tcr >> 36) & 1) != 0;
        ulong asidTtbr = ((tcr >> 22) & 1) != 0 ? ttbr1 : ttbr0;
        ushort asid = (ushort)(wideAsid ? asidTtbr >> 48 : (asidTtbr >> 48) & 0xFF);

        // TG0 and TG1 encode the granules differently (ARM ARM TCR_EL1 register description). A reserved value is treated as
        // an IMPLEMENTATION DEFINED implemented size; this implementation picks 4 KiB for both.
        int tg0 = (int)((tcr >> 14) & 3) switch { 1 => 16, 2 => 14, _ => 12 };
        int tg1 = (int)((tcr >> 30) & 3) switch { 1 => 14, 3 => 16, _ => 12 };

        return new A64TranslationRegime
        {
            MmuEnabled = (sctlr & 1) != 0,
            InstructionCacheEnabled = ((sctlr >> 12) & 1) != 0,
            WriteExecuteNever = ((sctlr >> 19) & 1) != 0,
            BigEndianWalks = ((sctlr >> 25) & 1) != 0,
            Mair = mair,
            PhysicalAddressBits = physicalAddressBits,
            OutputAddressBits = outputBits,
            Asid = asid,
            Lower = Half(ttbr0, (int)(tcr & 0x3F), tg0, epd: ((tcr >> 7) & 1) != 0, tbi: ((tcr >> 37) & 1) != 0, outputBits),
            Upper = Half(ttbr1, (int)((tcr >> 16) & 0x3F), tg1, epd: ((tcr >> 23) & 1) != 0, tbi: ((tcr >> 38) & 1) != 0, outputBits),
        };
    }

    private static A64TranslationTable Half(ulong ttbr, int txsz, int granuleBits, bool epd, bool tbi, int outputBits)
    {
        int inputBits = Math.Clamp(64 - txsz, 25, 48);
        int stride = granuleBits - 3;
        // Each level resolves `stride` VA bits above the page offset; the first level takes what is left.
        int levels = (inputBits - granuleBits + stride - 1) / stride;
        int startLevel = 4 - levels;
        // The first table holds 2^(inputBits - bitsResolvedBelowIt) descriptors of 8 bytes and is aligned to its size
        // (ARM ARM <c>AArch64.TranslationTableWalk</c>, <c>baselowerbound</c>: the bits below are not used).
        int baseLowerBound = 3 + inputBits - ((3 - startLevel) * stride + granuleBits);
        ulong baddr = ttbr & Bits(47, baseLowerBound);
        return new A64TranslationTable
        {
            InputAddressBits = inputBits,
            GranuleBits = granuleBits,
            StartLevel = startLevel,
            TableBase = baddr,
            WalkDisabled = epd,
            TopByteIgnored = tbi,
            TableBaseOutOfRange = (ttbr & Bits(47, outputBits)) != 0,
        };
    }

    /// <summary>A mask of bits <paramref name="high"/> down to <paramref name="low"/> inclusive (empty when low &gt; high).</summary>
    internal static ulong Bits(int high, int low) =>
        low > high ? 0 : (high == 63 ? ulong.MaxValue : (1UL << (high + 1)) - 1) & ~((1UL << low) - 1);
}

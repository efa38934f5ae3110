using System.Buffers.Binary;
using Captive.Guest.Arm.Memory;

namespace Captive.Guest.Arm.Tests.Memory;

/// <summary>
/// Guest RAM as a byte array with a bump allocator for translation tables, plus descriptor builders that spell out
/// the VMSAv8-64 descriptor format bit by bit, so that each test states its tables the way the ARM ARM does.
/// </summary>
public abstract class PageTableFixture
{
    protected const ulong RamBase = 0x4000_0000;
    private readonly byte[] _ram = new byte[4 << 20];
    private ulong _next = RamBase;

    // Descriptor bits (ARM ARM "VMSAv8-64 translation table format descriptors").
    protected const ulong Af = 1UL << 10;
    protected const ulong NotGlobal = 1UL << 11;
    protected const ulong Pxn = 1UL << 53;
    protected const ulong Uxn = 1UL << 54;
    protected const ulong PxnTable = 1UL << 59;
    protected const ulong UxnTable = 1UL << 60;
    protected const ulong ApTableNoEl0 = 1UL << 61;
    protected const ulong ApTableReadOnly = 1UL << 62;
    protected static ulong Ap(int ap21) => (ulong)ap21 << 6;
    protected static ulong AttrIndx(int index) => (ulong)index << 2;
    protected static ulong Sh(int sh) => (ulong)sh << 8;

    protected static ulong Table(ulong address) => address | 0b11;
    protected static ulong Page(ulong address) => address | 0b11 | Af;
    protected static ulong Block(ulong address) => address | 0b01 | Af;

    // SCTLR_EL1 and TCR_EL1 fields.
    protected const ulong MmuOn = 1;
    protected const ulong SctlrI = 1UL << 12;
    protected const ulong SctlrWxn = 1UL << 19;
    protected const ulong SctlrEe = 1UL << 25;
    protected static ulong T0sz(int n) => (ulong)n;
    protected static ulong T1sz(int n) => (ulong)n << 16;
    protected const ulong Epd0 = 1UL << 7;
    protected const ulong Epd1 = 1UL << 23;
    protected const ulong Tg0_4K = 0UL << 14, Tg0_64K = 1UL << 14, Tg0_16K = 2UL << 14;
    protected const ulong Tg1_16K = 1UL << 30, Tg1_4K = 2UL << 30, Tg1_64K = 3UL << 30;
    protected static ulong Ips(int encoding) => (ulong)encoding << 32;
    protected const ulong A1 = 1UL << 22;
    protected const ulong As16 = 1UL << 36;
    protected const ulong Tbi0 = 1UL << 37;
    protected const ulong Tbi1 = 1UL << 38;

    /// <summary>48-bit VAs in both halves, 4 KiB granules, IPS = 0b101 (48 bits, capped at the A57's 44).</summary>
    protected const ulong Tcr4K = 16 | 16UL << 16 | Tg1_4K | 5UL << 32;

    /// <summary>MAIR_EL1: Attr0 Device-nGnRnE, Attr1 Normal write-back, Attr2 Normal non-cacheable, Attr3 Device-nGnRE.</summary>
    protected const ulong Mair = 0x04_44_FF_00;

    protected byte[] Ram => _ram;

    /// <summary>A zeroed (all-invalid) table of one granule, aligned to its size.</summary>
    protected ulong NewTable(int granuleBits = 12)
    {
        ulong size = 1UL << granuleBits;
        _next = (_next + size - 1) & ~(size - 1);
        ulong table = _next;
        _next += size;
        return table;
    }

    protected void Set(ulong table, ulong index, ulong descriptor) =>
        BinaryPrimitives.WriteUInt64LittleEndian(_ram.AsSpan((int)(table - RamBase + index * 8), 8), descriptor);

    /// <summary>
    /// One table per lookup level, linked by table descriptors at <paramref name="indices"/>[0..^1] and ending
    /// with <paramref name="leaf"/> at <paramref name="indices"/>[^1]; <paramref name="tableBits"/>[i] is ORed into
    /// the i-th table descriptor. Returns the first table (the TTBR value).
    /// </summary>
    protected ulong Chain(int granuleBits, ulong[] indices, ulong leaf, ulong[]? tableBits = null)
    {
        ulong root = NewTable(granuleBits);
        ulong table = root;
        for (int i = 0; i < indices.Length - 1; i++)
        {
            ulong next = NewTable(granuleBits);
            Set(table, indices[i], Table(next) | (tableBits is null ? 0 : tableBits[i]));
            table = next;
        }
        Set(table, indices[^1], leaf);
        return root;
    }

    protected static A64TranslationRegime Regime(ulong ttbr0, ulong ttbr1 = 0, ulong tcr = Tcr4K, ulong sctlr = MmuOn, ulong mair = Mair) =>
        A64TranslationRegime.Decode(sctlr, tcr, ttbr0, ttbr1, mair);

    protected A64TranslationResult Walk(in A64TranslationRegime regime, ulong va, A64Access access)
    {
        var reader = new A64RamDescriptorReader(_ram, RamBase);
        return A64PageTableWalker.Translate(regime, va, access, ref reader);
    }

    protected A64TranslationResult Walk(in A64TranslationRegime regime, ulong va) => Walk(regime, va, A64Access.Read(1));

    protected static void AssertFault(A64TranslationResult result, A64FaultKind kind, int level)
    {
        Xunit.Assert.True(result.IsFault, $"expected a {kind} fault at level {level}, got PA 0x{result.PhysicalAddress:x}");
        Xunit.Assert.Equal((kind, level), (result.Fault.Kind, result.Fault.Level));
    }

    protected static void AssertMapped(A64TranslationResult result, ulong physicalAddress, ulong blockSize)
    {
        Xunit.Assert.False(result.IsFault, $"unexpected {result.Fault.Kind} fault at level {result.Fault.Level}");
        Xunit.Assert.Equal(physicalAddress, result.PhysicalAddress);
        Xunit.Assert.Equal(blockSize, result.BlockSize);
    }
}

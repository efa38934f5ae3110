namespace Captive.Core.Memory;

/// <summary>What a guest memory access does, as the guest MMU checks it.</summary>
public enum GuestAccessKind : byte
{
    /// <summary>A data read.</summary>
    Read,
    /// <summary>A data write.</summary>
    Write,
    /// <summary>An instruction fetch.</summary>
    Fetch,
}

/// <summary>What the mode that asked may do with a translated page.</summary>
[Flags]
public enum GuestPagePermissions : byte
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Data reads.</summary>
    Read = 1,
    /// <summary>Data writes.</summary>
    Write = 2,
    /// <summary>Instruction fetches.</summary>
    Execute = 4,
}

/// <summary>
/// The outcome of a guest virtual-to-physical translation: the physical address and what the asking mode may do in
/// the whole 4 KiB page around it (so that a TLB can cache the page), or a fault.
/// </summary>
/// <param name="PhysicalAddress">The physical address (when not a fault).</param>
/// <param name="Permissions">The page's permissions for the translation mode that asked.</param>
/// <param name="IsFault">The access faults.</param>
/// <param name="FaultInfo">
/// The fault in the guest architecture's own terms, opaque to the engines: they pass it back to the machine in an
/// <see cref="IR.IrTrapKind.MemoryAbort"/> trap (for AArch64, the ESR value of the abort).
/// </param>
public readonly record struct GuestTranslation(ulong PhysicalAddress, GuestPagePermissions Permissions, bool IsFault, ulong FaultInfo)
{
    /// <summary>
    /// The size of the whole mapping (page or block) the address was translated by, a power of two of at least 4 KiB:
    /// TLB maintenance by address anywhere in it may change this translation.
    /// </summary>
    public ulong MappingSize { get; init; } = 0x1000;

    /// <summary>A successful translation.</summary>
    public static GuestTranslation Mapped(ulong physicalAddress, GuestPagePermissions permissions, ulong mappingSize = 0x1000)
        => new(physicalAddress, permissions, false, 0) { MappingSize = mappingSize };

    /// <summary>A fault.</summary>
    public static GuestTranslation Fault(ulong faultInfo) => new(0, GuestPagePermissions.None, true, faultInfo);
}

/// <summary>
/// The guest's memory management unit as the engines use it: whether it is on for a block's translation context,
/// and the translation of one address. The guest machine owns it, keeps its decoded registers current (it sees every
/// write to them as a trap), and tells the engine to drop its TLBs (<see cref="Execution.ExecutionEngine.FlushTlb"/>)
/// whenever a cached translation may have changed. Engines cache translations per translation mode; permissions are
/// checked on every cached access. Called on the vCPU's thread only.
/// </summary>
public interface IGuestMmu
{
    /// <summary>True when blocks lowered with <paramref name="translationContext"/> (see <see cref="IR.IrBlock.Context"/>) access memory through the MMU.</summary>
    bool IsEnabled(ulong translationContext);

    /// <summary>
    /// The virtual address bit that selects the half of the address space context switches change (the table base
    /// IR.GuestStateLayout.AddressSpaceOffset holds): addresses with it clear are that half's. -1
    /// when the guest has no such half. An engine may then check, lazily, that code translated there is still what is
    /// mapped after a switch (VmLayout.CodePageTableOffset).
    /// </summary>
    int SwitchedHalfSelectBit => -1;

    /// <summary>
    /// Translates <paramref name="virtualAddress"/> for an access of <paramref name="kind"/> made in translation mode
    /// <paramref name="mode"/> (for AArch64, the exception level).
    /// </summary>
    GuestTranslation Translate(ulong virtualAddress, GuestAccessKind kind, int mode);

    /// <summary>
    /// Translates an unprivileged access made in <paramref name="mode"/>: checked with mode 0's permissions, its fault
    /// reported as one taken from <paramref name="mode"/> (for AArch64, LDTR/STTR at EL1). The permissions returned are
    /// mode 0's.
    /// </summary>
    GuestTranslation TranslateUnprivileged(ulong virtualAddress, GuestAccessKind kind, int mode) => Translate(virtualAddress, kind, 0);

    /// <summary>
    /// The current translation tables as an in-VM walker follows them, or false when only <see cref="Translate"/> can
    /// (the MMU is off, or the regime uses something the walker does not: another granule, big-endian tables...).
    /// Engines ask after every <see cref="Execution.ExecutionEngine.FlushTlb"/>.
    /// </summary>
    bool TryDescribeTables(out GuestTableWalk walk) { walk = default; return false; }
}

/// <summary>The descriptor formats an in-VM walker knows.</summary>
public enum GuestTableFormat : byte
{
    /// <summary>No walk in the VM.</summary>
    None,
    /// <summary>
    /// ARMv8-A VMSAv8-64 stage 1 with the 4 KiB granule: levels 0–3 of 512 descriptors, table descriptors 0b11 at
    /// levels 0–2 (APTable in bits 62:61), blocks 0b01 at levels 1–2, pages 0b11 at level 3, AF bit 10, AP[2:1] bits 7:6;
    /// output address bits 47:12.
    /// </summary>
    Vmsav8Granule4K,
}

/// <summary>One half of the input address space (for AArch64, TTBR0's or TTBR1's) as an in-VM walker follows it.</summary>
/// <param name="Enabled">Walks are allowed (for AArch64: EPD clear).</param>
/// <param name="TableBase">The physical address of the first table.</param>
/// <param name="StartLevel">The level of the first table.</param>
/// <param name="InputBits">The size of this half's input addresses, in bits.</param>
/// <param name="TopByteIgnored">Bits 63:56 take no part in translation.</param>
public readonly record struct GuestTableHalf(bool Enabled, ulong TableBase, int StartLevel, int InputBits, bool TopByteIgnored);

/// <summary>The translation tables in force, for an in-VM walker: the format and the two halves (selected by address bit 55).</summary>
/// <param name="Format">The descriptor format.</param>
/// <param name="Lower">Addresses with bit 55 clear.</param>
/// <param name="Upper">Addresses with bit 55 set.</param>
public readonly record struct GuestTableWalk(GuestTableFormat Format, GuestTableHalf Lower, GuestTableHalf Upper);

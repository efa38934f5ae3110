namespace Captive.Guest.Arm.Memory;

/// <summary>Why a stage 1 translation failed (ARM ARM ESR_ELx, DFSC and IFSC encodings).</summary>
public enum A64FaultKind : byte
{
    /// <summary>No fault: the translation succeeded.</summary>
    None,

    /// <summary>Address size fault: a TTBR, table or output address has bits set at or above the output size.</summary>
    AddressSize,

    /// <summary>Translation fault: VA outside both ranges, walk disabled by EPD, invalid or misplaced descriptor.</summary>
    Translation,

    /// <summary>Access flag fault: the final descriptor has AF = 0 (ARMv8.0 has no hardware AF update).</summary>
    AccessFlag,

    /// <summary>Permission fault: the mapping forbids this access at this privilege.</summary>
    Permission,

    /// <summary>Synchronous external abort on a translation table walk: a descriptor address is not RAM.</summary>
    ExternalAbortOnWalk,
}

/// <summary>
/// A stage 1 fault with everything ESR_EL1 and FAR_EL1 need. FAR_EL1 is the faulting VA as the access
/// presented it (<see cref="Address"/>).
/// </summary>
public readonly record struct A64TranslationFault
{
    /// <summary>The kind of fault.</summary>
    public A64FaultKind Kind { get; init; }

    /// <summary>The lookup level (0–3) the fault is reported at.</summary>
    public int Level { get; init; }

    /// <summary>The faulting virtual address, for FAR_EL1.</summary>
    public ulong Address { get; init; }

    /// <summary>The access that faulted.</summary>
    public A64Access Access { get; init; }

    /// <summary>
    /// ESR ISS.WnR: the fault was caused by a write. For a read-modify-write, a permission fault reports
    /// WnR = 1 only when the read was permitted and the write was not; any other fault reports 1
    /// (ARM ARM <c>AArch64.CheckPermission</c>, <c>failedread</c>). Always 0 for instruction fetches.
    /// </summary>
    public bool IsWrite { get; init; }

    /// <summary>
    /// ESR ISS.S1PTW: always <see langword="false"/>. The bit marks a stage 2 fault taken on a stage 1 walk's
    /// descriptor read, and this regime has no stage 2; an external abort on the walk is its own status code.
    /// </summary>
    public bool S1Ptw => false;

    /// <summary>
    /// The 6-bit DFSC/IFSC fault status code (ARM ARM ESR_ELx, ISS encoding for an exception from a Data/Instruction Abort):
    /// address size 0b0000LL, translation 0b0001LL, access flag 0b0010LL, permission 0b0011LL,
    /// synchronous external abort on translation table walk 0b0101LL, where LL is <see cref="Level"/>.
    /// </summary>
    public int StatusCode => Kind switch
    {
        A64FaultKind.AddressSize => 0b000000 | Level,
        A64FaultKind.Translation => 0b000100 | Level,
        A64FaultKind.AccessFlag => 0b001000 | Level,
        A64FaultKind.Permission => 0b001100 | Level,
        A64FaultKind.ExternalAbortOnWalk => 0b010100 | Level,
        _ => throw new InvalidOperationException("No fault."),
    };

    /// <summary>
    /// The ESR_EL1 value for taking this fault to EL1: EC 0x20/0x21 (Instruction Abort from a lower/the same EL)
    /// or 0x24/0x25 (Data Abort), IL = 1, and ISS = WnR, S1PTW, status code. ISV = 0: a data abort engine that
    /// has the instruction syndrome (ISS[24:14]) ORs it in itself.
    /// </summary>
    public ulong Syndrome
    {
        get
        {
            bool fetch = Access.Kind == A64AccessKind.InstructionFetch;
            bool sameEl = Access.ExceptionLevel != 0; // taken to EL1: from EL1 is "same EL", from EL0 "lower EL"
            ulong ec = fetch ? (sameEl ? 0x21UL : 0x20UL) : (sameEl ? 0x25UL : 0x24UL);
            ulong iss = (uint)StatusCode | (!fetch && IsWrite ? 1UL << 6 : 0);
            return ec << 26 | 1UL << 25 | iss;
        }
    }
}

/// <summary>
/// The outcome of one stage 1 translation: a fault, or the physical address with the whole mapping that
/// contains it (base, size, permissions for both ELs, attributes, global/ASID) so that a TLB can cache it.
/// </summary>
public readonly record struct A64TranslationResult
{
    /// <summary>The fault, or <see cref="A64FaultKind.None"/> in <see cref="A64TranslationFault.Kind"/> on success.</summary>
    public A64TranslationFault Fault { get; init; }

    /// <summary>The translation failed: see <see cref="Fault"/>; no other property is meaningful.</summary>
    public bool IsFault => Fault.Kind != A64FaultKind.None;

    /// <summary>The physical address the VA translates to.</summary>
    public ulong PhysicalAddress { get; init; }

    /// <summary>
    /// Bytes covered by the page or block: 4K/16K/64K for a page, larger for a block; for the MMU-off flat
    /// mapping the whole physical address space (2^PARange). The contiguous hint is ignored: this is always one
    /// descriptor's span, never that of a contiguous run.
    /// </summary>
    public ulong BlockSize { get; init; }

    /// <summary>The physical address of the start of the page or block.</summary>
    public ulong PhysicalBase => PhysicalAddress & ~(BlockSize - 1);

    /// <summary>The level (1–3) of the descriptor that mapped the address; -1 for the MMU-off flat mapping.</summary>
    public int Level { get; init; }

    /// <summary>What EL0 (and EL1's LDTR/STTR) may do, after APTable/UXNTable, WXN.</summary>
    public A64Permissions El0 { get; init; }

    /// <summary>
    /// What EL1 may do, after APTable/PXNTable, WXN and the implied PXN of EL0-writable memory. PAN is not
    /// folded in (it depends on PSTATE): <see cref="A64PageTableWalker.CheckAccess"/> applies it.
    /// </summary>
    public A64Permissions El1 { get; init; }

    /// <summary>The descriptor's AttrIndx (0–7); 0 for the MMU-off flat mapping.</summary>
    public int AttributeIndex { get; init; }

    /// <summary>
    /// The memory attributes in MAIR_EL1 encoding: the MAIR_EL1 byte that <see cref="AttributeIndex"/> selects,
    /// or with the MMU off 0x00 (Device-nGnRnE) for data and 0xAA/0x44 (Normal write-through/non-cacheable,
    /// by SCTLR_EL1.I) for instruction fetches (ARM ARM <c>AArch64.TranslateAddressS1Off</c>).
    /// </summary>
    public byte MemoryAttributes { get; init; }

    /// <summary>
    /// The shareability (SH encoding: 0b00 non-shareable, 0b10 outer, 0b11 inner). Device memory and Normal
    /// Inner and Outer Non-cacheable memory are always Outer Shareable whatever the descriptor says
    /// (ARM ARM "Memory types and attributes": Device and Normal Non-cacheable memory are treated as Outer Shareable).
    /// </summary>
    public int Shareability { get; init; }

    /// <summary>The mapping is global (nG = 0): it matches every ASID.</summary>
    public bool Global { get; init; }

    /// <summary>
    /// The ASID in use (TTBR0_EL1 or TTBR1_EL1 by TCR_EL1.A1; 8 bits unless TCR_EL1.AS = 1). A TLB tags
    /// non-global entries with it.
    /// </summary>
    public ushort Asid { get; init; }

    /// <summary>The address was translated with SCTLR_EL1.M = 0 (VA = PA).</summary>
    public bool MmuDisabled { get; init; }
}

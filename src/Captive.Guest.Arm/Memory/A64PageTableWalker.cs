// Design note — the one stage 1 translation for the EL1&0 regime.
//
// Every engine that runs with the guest MMU on needs the same answer to "what does this VA map to, and may this
// access use it?". This file is that answer, written once as a pure function of the decoded registers
// (A64TranslationRegime), the access (A64Access) and guest-physical memory (IA64DescriptorReader): no engine
// state, no caches, no allocation. It follows the ARMv8.0 pseudocode (AArch64.TranslateAddressS1Off,
// AArch64.TranslationTableWalk, AArch64.CheckPermission) with PAN from ARMv8.1 as an input.
//
// How the two MMU strategies will use it:
//  * Software TLB (interpreter and translator): on a miss, Translate() and cache the result keyed by VA page
//    (BlockSize gives the reach), tagged by Asid unless Global. A hit re-checks the cached permissions with
//    CheckAccess(), because PSTATE.PAN and the access kind vary per access while the mapping does not. Writes to
//    SCTLR/TCR/TTBR/MAIR rebuild the regime; TLBI drops entries.
//  * x86 paging inside a VM: the host builds shadow page tables from Translate() results at the guest's
//    granule or block size, one shadow set per (EL, PAN) permission view, and turns an x86 #PF on a not-yet-shadowed
//    page into a Translate(); a fault result becomes the guest's Data/Instruction Abort via Fault.Syndrome.
//
// Deliberately out of scope: stage 2 and EL2/EL3 regimes, AArch32, hardware AF/dirty management (v8.1 TTHM),
// HPD (v8.2), 52-bit VA/PA, the contiguous hint (a TLB may ignore it), alignment and Device-memory
// alignment faults (the access path checks those), TLB conflict aborts, and AT instructions' PAR encoding.

using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Captive.Guest.Arm.Memory;

/// <summary>
/// The VMSAv8-64 stage 1 translation table walk and permission check for the EL1&amp;0 regime (ARMv8.0-A, AArch64
/// only). Pure and allocation-free: see the design note at the top of this file.
/// </summary>
public static class A64PageTableWalker
{
    // Descriptor fields (ARM ARM "VMSAv8-64 translation table format descriptors").
    private const ulong Valid = 1UL << 0;
    private const ulong TableOrPage = 1UL << 1;
    private const int AttrIndxShift = 2;
    private const int ApEl0Bit = 6;        // AP[1]: EL0 may access
    private const int ApReadOnlyBit = 7;   // AP[2]: read-only at every EL
    private const int ShShift = 8;
    private const int AfBit = 10;
    private const int NgBit = 11;
    private const int PxnBit = 53;
    private const int UxnBit = 54;
    private const int PxnTableBit = 59;
    private const int UxnTableBit = 60;    // XNTable
    private const int ApTableNoEl0Bit = 61;     // APTable[0]
    private const int ApTableReadOnlyBit = 62;  // APTable[1]

    /// <summary>
    /// Translates <paramref name="virtualAddress"/> for <paramref name="access"/>: the physical address and the whole
    /// mapping, or the fault the access takes.
    /// </summary>
    /// <typeparam name="TReader">The descriptor reader; a struct, so the calls are direct.</typeparam>
    /// <param name="regime">The decoded registers.</param>
    /// <param name="virtualAddress">The VA, including any tag in bits [63:56].</param>
    /// <param name="access">The access and the PE state it is made in.</param>
    /// <param name="reader">Reads descriptors from guest-physical memory.</param>
    /// <returns>The translation or the fault.</returns>
    /// <remarks>
    /// Faults are checked in the order of the ARM ARM pseudocode: VA range and EPD (level 0 translation fault),
    /// TTBR address size (level 0), then per level external abort on the descriptor read, invalid descriptor
    /// (translation), next-table address size; then block at a forbidden level (translation), output address size,
    /// access flag, and last permission.
    /// </remarks>
    public static A64TranslationResult Translate<TReader>(in A64TranslationRegime regime, ulong virtualAddress, A64Access access, ref TReader reader)
        where TReader : IA64DescriptorReader, allows ref struct
    {
        if (!regime.MmuEnabled)
            return TranslateFlat(regime, virtualAddress, access);

        // AddrTop: with TBI the VA's top byte is a tag, so bit 55 is the highest address bit and chooses the
        // half; without it bit 63 does (ARM ARM AArch64.TranslationTableWalk, AddrTop).
        bool upper = (virtualAddress >> 55 & 1) != 0;
        bool tbi = upper ? regime.Upper.TopByteIgnored : regime.Lower.TopByteIgnored;
        int top = tbi ? 55 : 63;
        upper = (virtualAddress >> top & 1) != 0;
        A64TranslationTable table = upper ? regime.Upper : regime.Lower;

        // Bits [top:inputsize] must all equal the selecting bit: all 0 for TTBR0, all 1 for TTBR1. Anything else is
        // in the hole between the halves, a level 0 translation fault, as is a half whose walks EPD disables.
        ulong rangeMask = A64TranslationRegime.Bits(top, table.InputAddressBits);
        if ((virtualAddress & rangeMask) != (upper ? rangeMask : 0) || table.WalkDisabled)
            return Fault(A64FaultKind.Translation, 0, virtualAddress, access);
        if (table.TableBaseOutOfRange)
            return Fault(A64FaultKind.AddressSize, 0, virtualAddress, access);

        int granule = table.GranuleBits;
        int stride = granule - 3;
        int level = table.StartLevel;
        int indexTop = table.InputAddressBits - 1;
        ulong tableBase = table.TableBase;
        ulong outputMask = A64TranslationRegime.Bits(47, regime.OutputAddressBits);
        // Hierarchical attributes accumulate as OR of every table descriptor on the way down (APTable[0] clears
        // EL0 access, APTable[1] clears write, XNTable/PXNTable set UXN/PXN).
        ulong tableAttributes = 0;
        ulong descriptor;
        int bottom;
        while (true)
        {
            bottom = (3 - level) * stride + granule;
            ulong index = (virtualAddress & A64TranslationRegime.Bits(indexTop, bottom)) >> bottom;
            if (!reader.TryReadDescriptor(tableBase | index << 3, out descriptor))
                return Fault(A64FaultKind.ExternalAbortOnWalk, level, virtualAddress, access);
            if (regime.BigEndianWalks)
                descriptor = BinaryPrimitives.ReverseEndianness(descriptor);

            // Bit 0 clear is invalid; 0b01 is a block except at level 3, where it is reserved.
            if ((descriptor & Valid) == 0 || (level == 3 && (descriptor & TableOrPage) == 0))
                return Fault(A64FaultKind.Translation, level, virtualAddress, access);
            if (level == 3 || (descriptor & TableOrPage) == 0)
                break;

            ulong next = descriptor & A64TranslationRegime.Bits(47, granule);
            if ((descriptor & outputMask) != 0)
                return Fault(A64FaultKind.AddressSize, level, virtualAddress, access);
            tableAttributes |= descriptor;
            tableBase = next;
            indexTop = bottom - 1;
            level++;
        }

        // Blocks exist only at the levels the granule allows (4K: 1, 2; 16K and 64K with a 48-bit PA: 2); a block
        // anywhere else (level 0, or level 1 with 16K/64K) is a translation fault at that level.
        if (level < table.FirstBlockLevel)
            return Fault(A64FaultKind.Translation, level, virtualAddress, access);
        if ((descriptor & outputMask) != 0)
            return Fault(A64FaultKind.AddressSize, level, virtualAddress, access);
        // ARMv8.0 has no hardware access flag management: AF = 0 always faults.
        if ((descriptor >> AfBit & 1) == 0)
            return Fault(A64FaultKind.AccessFlag, level, virtualAddress, access);

        ulong blockSize = 1UL << bottom;
        ulong physical = (descriptor & A64TranslationRegime.Bits(47, bottom)) | (virtualAddress & (blockSize - 1));
        (A64Permissions el0, A64Permissions el1) = Permissions(descriptor, tableAttributes, regime.WriteExecuteNever);

        if (!CheckAccess(el0, el1, access, out bool faultIsWrite))
            return Fault(A64FaultKind.Permission, level, virtualAddress, access, faultIsWrite);

        int attrIndex = (int)(descriptor >> AttrIndxShift & 7);
        byte attributes = (byte)(regime.Mair >> (8 * attrIndex));
        return new A64TranslationResult
        {
            PhysicalAddress = physical,
            BlockSize = blockSize,
            Level = level,
            El0 = el0,
            El1 = el1,
            AttributeIndex = attrIndex,
            MemoryAttributes = attributes,
            Shareability = EffectiveShareability(attributes, (int)(descriptor >> ShShift & 3)),
            Global = (descriptor >> NgBit & 1) == 0,
            Asid = regime.Asid,
        };
    }

    /// <summary>
    /// Checks an access against a mapping's permissions, applying PAN and unprivileged accesses (ARM ARM
    /// <c>AArch64.CheckPermission</c>): what a TLB hit does in place of the walk's own check.
    /// </summary>
    /// <param name="el0">The mapping's EL0 permissions (<see cref="A64TranslationResult.El0"/>).</param>
    /// <param name="el1">The mapping's EL1 permissions (<see cref="A64TranslationResult.El1"/>).</param>
    /// <param name="access">The access.</param>
    /// <param name="faultIsWrite">When denied, ESR ISS.WnR for the permission fault.</param>
    /// <returns>Whether the access is permitted.</returns>
    /// <remarks>
    /// Privileged accesses use the EL1 permissions, EL0 accesses and LDTR/STTR the EL0 ones. With PSTATE.PAN = 1 a
    /// privileged data access (not an instruction fetch) to memory EL0 can read is denied (ARMv8.1-PAN; the
    /// pseudocode's test is EL0 read permission, so EL0 execute-only memory stays accessible). A read-modify-write
    /// needs both read and write and reports WnR = 0 when the read is what was refused.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CheckAccess(A64Permissions el0, A64Permissions el1, A64Access access, out bool faultIsWrite)
    {
        A64Permissions granted;
        if (access.IsPrivileged)
        {
            granted = el1;
            // PAN takes away data access only, so instruction fetches are unaffected without a test of their own.
            if (access.Pan && (el0 & A64Permissions.Read) != 0)
                granted &= ~(A64Permissions.Read | A64Permissions.Write);
        }
        else
        {
            granted = el0;
        }

        bool canRead = (granted & A64Permissions.Read) != 0;
        switch (access.Kind)
        {
            case A64AccessKind.InstructionFetch:
                faultIsWrite = false;
                return (granted & A64Permissions.Execute) != 0;
            case A64AccessKind.Write:
                faultIsWrite = true;
                return (granted & A64Permissions.Write) != 0;
            case A64AccessKind.ReadModifyWrite:
                faultIsWrite = canRead;
                return canRead && (granted & A64Permissions.Write) != 0;
            default:
                faultIsWrite = false;
                return canRead;
        }
    }

    /// <summary>
    /// The EL0 and EL1 permissions of a final descriptor under the OR of its table descriptors (ARM ARM
    /// <c>AArch64.CheckPermission</c>, stage 1 data and instruction access permissions for EL1&amp;0).
    /// </summary>
    private static (A64Permissions El0, A64Permissions El1) Permissions(ulong descriptor, ulong tables, bool wxn)
    {
        bool readOnly = (descriptor >> ApReadOnlyBit & 1) != 0 || (tables >> ApTableReadOnlyBit & 1) != 0;
        bool el0Access = (descriptor >> ApEl0Bit & 1) != 0 && (tables >> ApTableNoEl0Bit & 1) == 0;
        bool uxn = (descriptor >> UxnBit & 1) != 0 || (tables >> UxnTableBit & 1) != 0;
        bool pxn = (descriptor >> PxnBit & 1) != 0 || (tables >> PxnTableBit & 1) != 0;

        bool el0Write = el0Access && !readOnly;
        bool el1Write = !readOnly;
        // WXN makes writable memory execute-never at the EL that can write it; memory EL0 can write is never
        // executable at EL1 (privileged execute-never is implied, whatever PXN says).
        bool el0Execute = !(uxn || (el0Write && wxn));
        bool el1Execute = !(pxn || (el1Write && wxn) || el0Write);

        var el0 = (el0Access ? A64Permissions.Read : 0) | (el0Write ? A64Permissions.Write : 0) | (el0Execute ? A64Permissions.Execute : 0);
        var el1 = A64Permissions.Read | (el1Write ? A64Permissions.Write : 0) | (el1Execute ? A64Permissions.Execute : 0);
        return (el0, el1);
    }

    /// <summary>Device memory and Normal Inner and Outer Non-cacheable memory are Outer Shareable whatever SH says.</summary>
    private static int EffectiveShareability(byte attributes, int sh) =>
        (attributes & 0xF0) == 0 || attributes == 0x44 ? 0b10 : sh;

    /// <summary>
    /// SCTLR_EL1.M = 0 (ARM ARM <c>AArch64.TranslateAddressS1Off</c>): PA = VA, every access permitted, data
    /// Device-nGnRnE, instructions Normal Outer Shareable, write-through if SCTLR_EL1.I else non-cacheable. TBI
    /// still applies; an address with bits set between the top and PARange is a level 0 address size fault.
    /// </summary>
    private static A64TranslationResult TranslateFlat(in A64TranslationRegime regime, ulong virtualAddress, A64Access access)
    {
        bool tbi = (virtualAddress >> 55 & 1) != 0 ? regime.Upper.TopByteIgnored : regime.Lower.TopByteIgnored;
        int top = tbi ? 55 : 63;
        if ((virtualAddress & A64TranslationRegime.Bits(top, regime.PhysicalAddressBits)) != 0)
            return Fault(A64FaultKind.AddressSize, 0, virtualAddress, access);

        bool fetch = access.Kind == A64AccessKind.InstructionFetch;
        return new A64TranslationResult
        {
            PhysicalAddress = virtualAddress & A64TranslationRegime.Bits(regime.PhysicalAddressBits - 1, 0),
            BlockSize = 1UL << regime.PhysicalAddressBits,
            Level = -1,
            El0 = A64Permissions.All,
            El1 = A64Permissions.All,
            MemoryAttributes = fetch ? (regime.InstructionCacheEnabled ? (byte)0xAA : (byte)0x44) : (byte)0x00,
            Shareability = 0b10,
            Global = true,
            Asid = regime.Asid,
            MmuDisabled = true,
        };
    }

    // Non-permission faults on a read-modify-write report WnR = 1: its translation is made as a write.
    private static A64TranslationResult Fault(A64FaultKind kind, int level, ulong virtualAddress, A64Access access) =>
        Fault(kind, level, virtualAddress, access, access.Kind is A64AccessKind.Write or A64AccessKind.ReadModifyWrite);

    private static A64TranslationResult Fault(A64FaultKind kind, int level, ulong virtualAddress, A64Access access, bool isWrite) => new()
    {
        Fault = new A64TranslationFault
        {
            Kind = kind,
            Level = level,
            Address = virtualAddress,
            Access = access,
            IsWrite = isWrite,
        },
    };
}

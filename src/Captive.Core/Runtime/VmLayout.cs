namespace Captive.Core.Runtime;

/// <summary>
/// Where everything lives inside the x86-64 virtual machine. Two address spaces matter: the VM's
/// physical space (what the accelerator maps) and the x86 virtual space that translated code sees
/// at CPL3 (what the page tables built here map).
/// <code>
///  x86 virtual (CPL3 and CPL0 share one CR3)           VM-physical
///  ───────────────────────────────────────────          ─────────────────────────────────────
///  0x0000_0000_0000  ┐ guest physical window            identical addresses:
///                    │ GuestWindowSize = 2^40           guest RAM   → backed memory slot
///                    │ (MMU off: guest PA = x86 VA)     guest MMIO  → present in the page tables
///                    │ only RAM and the MMIO window       but unbacked: accesses become MMIO exits
///                    ┘ are mapped; the rest faults        with the guest-physical address
///  0x0100_0000_0000  ┐ RuntimeVirtualBase               RuntimeVmPhysicalBase = 0x40_0000_0000
///                    │   +0x0000_0000 system tables      (GDT, IDT, TSS)
///                    │   +0x0004_0000 per-vCPU areas     VcpuAreaSize each (aligned): registers,
///                    │                                   control block, stacks
///                    │   +0x0100_0000 runtime code       CPL0 trap stubs, CPL3 dispatcher, channel
///                    │   +0x0110_0000 block lookup table LookupEntries × 16 bytes
///                    │   +0x0200_0000 code cache         CodeCacheSize, read+execute for the VM
///                    │   +0x0600_0000 page tables        PageTableSize
///                    ┘
///  RuntimeVirtualBase + ExitPageOffset                  RuntimeVmPhysicalBase + ExitPageOffset:
///                                                         never backed; a write here is the one
///                                                         way translated code leaves the VM
/// </code>
/// Translated code checks every guest-derived address against guest RAM before using it and sends
/// anything else to the host as a device access, so no guest address can reach runtime, code-cache or
/// page-table memory.
/// </summary>
public static class VmLayout
{
    /// <summary>Size of the guest-physical window at x86 virtual address 0 (40-bit PA, as a Cortex-A57).</summary>
    public const ulong GuestWindowSize = 1UL << 40;

    /// <summary>x86 virtual base of the runtime region, just above the guest window.</summary>
    public const ulong RuntimeVirtualBase = 0x0100_0000_0000;

    /// <summary>VM-physical base of the runtime region (256 GiB: above any guest RAM we allow, below 39 physical bits).</summary>
    public const ulong RuntimeVmPhysicalBase = 0x40_0000_0000;

    /// <summary>Offset of the GDT in the runtime region.</summary>
    public const ulong GdtOffset = 0x0000;

    /// <summary>Offset of the IDT in the runtime region.</summary>
    public const ulong IdtOffset = 0x1000;

    /// <summary>Offset of the TSS in the runtime region.</summary>
    public const ulong TssOffset = 0x2000;

    /// <summary>Size of the system-tables area.</summary>
    public const ulong SystemTablesSize = 0x1_0000;

    /// <summary>Offset of the first per-vCPU area.</summary>
    public const ulong VcpuAreasOffset = 0x4_0000;

    /// <summary>Size of one per-vCPU area; areas are aligned to it so CPL0 stubs find theirs by masking RSP.</summary>
    public const ulong VcpuAreaSize = 0x4_0000;

    /// <summary>Maximum number of vCPUs the layout holds.</summary>
    public const int MaxVcpus = 8;

    /// <summary>Offset of the guest register file inside a vCPU area (translated code addresses it through R15).</summary>
    public const ulong RegisterFileOffset = 0x0000;

    /// <summary>Maximum size of the guest register file.</summary>
    public const int RegisterFileSize = 0x1000;

    /// <summary>Offset of the control block (channel, statistics) inside a vCPU area: R15 + <see cref="ControlBlock"/> fields.</summary>
    public const ulong ControlBlockOffset = 0x1000;

    /// <summary>Offset of the CPL0 (trap) stack top inside a vCPU area.</summary>
    public const ulong Cpl0StackTop = 0x1_0000;

    /// <summary>Offset of the CPL3 (runtime) stack top inside a vCPU area.</summary>
    public const ulong Cpl3StackTop = 0x4_0000;

    /// <summary>
    /// The vCPU's software TLB for the guest MMU (at the bottom of the CPL3 stack's range, which translated code
    /// uses only for a few return addresses): four tables of 256 16-byte entries (see X86BlockCompiler.Memory.cs).
    /// </summary>
    public const ulong TlbOffset = 0x1_0000;

    /// <summary>Size of the software TLB.</summary>
    public const ulong TlbSize = 0x4000;

    /// <summary>
    /// The fast device-read table (after the TLB): four 2 KiB entries, each a device page's guest-physical address (the
    /// tag; 1 when empty) and one byte per 4-byte register, non-zero when translated code may read the register from
    /// the copy at <see cref="DeviceMirrorOffset"/> + entry × 4 KiB instead of asking the host.
    /// </summary>
    public const ulong DeviceReadTableOffset = 0x1_4000;

    /// <summary>The copies of the fast device registers: one 4 KiB page per entry of the table.</summary>
    public const ulong DeviceMirrorOffset = 0x1_6000;

    /// <summary>Entries of the fast device-read table.</summary>
    public const int DeviceMirrorEntries = 4;

    /// <summary>
    /// With the guest MMU on: per translation mode (EL0, EL1) four 16-byte entries, a virtual page (the tag; 1 when empty)
    /// and the offset of the fast device-read table entry its device page has. The host fills them as it translates
    /// device reads, and empties them with the TLB.
    /// </summary>
    public const ulong DeviceVirtualTableOffset = 0x1_A000;

    /// <summary>
    /// The code page table (after the device tables, below the CPL3 stack): direct-mapped by guest virtual page,
    /// <see cref="CodePageEntries"/> entries of <see cref="CodePageEntrySize"/> bytes: +0 the page tag
    /// (<see cref="CodePageTag"/>) XOR the epoch (<see cref="ControlBlock.CodeEpoch"/>) it was checked in; +8 the tag of
    /// the page whose frame +16 holds: the physical page the host last found its translations valid for. Translated
    /// code of the part of the address space that context switches change (the lower half of an AArch64 guest) starts
    /// with a check that its page's entry is current; when it is not, it walks the guest's tables itself and, if the
    /// page still maps the recorded frame (executable at EL0, read-only), makes the entry current — otherwise it asks the
    /// host. A switch costs no work per page, only a check per page that then runs.
    /// </summary>
    public const ulong CodePageTableOffset = 0x1_B000;

    /// <summary>Entries of the code page table (a power of two).</summary>
    public const int CodePageEntries = 1024;

    /// <summary>Bytes per code page table entry.</summary>
    public const int CodePageEntrySize = 32;

    /// <summary>The bit the code page epoch starts at (below it: the page tag).</summary>
    public const int CodePageEpochShift = 40;

    /// <summary>The epoch at which the host empties the code page table and starts again (its bit 63 would be set).</summary>
    public const ulong CodePageEpochLimit = 1UL << (64 - CodePageEpochShift - 1);

    /// <summary>The tag of guest virtual page number <paramref name="page"/> (address >> 12) in translation mode <paramref name="mode"/>.</summary>
    public static ulong CodePageTag(ulong page, int mode) => (page & ((1UL << (CodePageEpochShift - 2)) - 1)) << 1 | (uint)mode & 1;

    /// <summary>The code page table entry of guest virtual page number <paramref name="page"/>, relative to the register file.</summary>
    public static int CodePageEntry(ulong page) => (int)CodePageTableOffset + (int)(page & (CodePageEntries - 1)) * CodePageEntrySize;

    /// <summary>Offset of the runtime code.</summary>
    public const ulong RuntimeCodeOffset = 0x100_0000;

    /// <summary>Size reserved for runtime code.</summary>
    public const ulong RuntimeCodeSize = 0x10_0000;

    /// <summary>Offset of the block lookup table.</summary>
    public const ulong LookupTableOffset = 0x110_0000;

    /// <summary>Entries in the direct-mapped block lookup table (a power of two).</summary>
    public const int LookupEntries = 1 << 16;

    /// <summary>
    /// Offset of the code line filter: one bit per 64-byte line of guest (virtual, or physical with the MMU off) address
    /// space, by address bits <see cref="CodeLineFilterBits"/> + 5 to 6 (lines that far apart share a bit), set for every
    /// line a translation covers and cleared only when every translation goes. A clear bit proves no translation covers
    /// the line, so translated code carries out instruction cache and TLB maintenance of such addresses without the host.
    /// Read-only to translated code.
    /// </summary>
    public const ulong CodeLineFilterOffset = 0x120_0000;

    /// <summary>log2 of the number of bits of the code line filter (256 KiB).</summary>
    public const int CodeLineFilterBits = 21;

    /// <summary>
    /// Offset of the code block filters: two bitmaps of 2^<see cref="CodeBlockFilterBits"/> bits, indexed by address bits
    /// above 21 and above 30, set for each 2 MiB and 1 GiB block mapping (with the MMU on) instructions were translated
    /// through: a TLBI by address inside such a block may move that code even when its own page holds none.
    /// </summary>
    public const ulong CodeBlockFilterOffset = 0x124_0000;

    /// <summary>log2 of the number of bits of each code block filter.</summary>
    public const int CodeBlockFilterBits = 12;

    /// <summary>Offset of the code cache.</summary>
    public const ulong CodeCacheOffset = 0x200_0000;

    /// <summary>Size of the code cache.</summary>
    public const ulong CodeCacheSize = 0x1000_0000;

    /// <summary>Offset of the x86 page tables.</summary>
    public const ulong PageTablesOffset = 0x1200_0000;

    /// <summary>Space reserved for page tables (enough for 4 GiB of 4 KiB-mapped or far more 2 MiB-mapped memory).</summary>
    public const ulong PageTablesSize = 0x80_0000;

    /// <summary>Size of the backed runtime region.</summary>
    public const ulong RuntimeRegionSize = PageTablesOffset + PageTablesSize;

    /// <summary>Offset of the unbacked exit page (after the backed region, with a guard gap).</summary>
    public const ulong ExitPageOffset = RuntimeRegionSize + 0x10_0000;

    /// <summary>x86 virtual address of the exit page.</summary>
    public const ulong ExitPageVirtual = RuntimeVirtualBase + ExitPageOffset;

    /// <summary>VM-physical address of the exit page.</summary>
    public const ulong ExitPagePhysical = RuntimeVmPhysicalBase + ExitPageOffset;

    /// <summary>x86 virtual address of the area of vCPU <paramref name="index"/>.</summary>
    public static ulong VcpuAreaVirtual(int index) => RuntimeVirtualBase + VcpuAreasOffset + (ulong)index * VcpuAreaSize;

    /// <summary>Offset in the runtime region of the area of vCPU <paramref name="index"/>.</summary>
    public static ulong VcpuAreaOffset(int index) => VcpuAreasOffset + (ulong)index * VcpuAreaSize;

    /// <summary>x86 selectors of the GDT built by <see cref="X86SystemTables"/>.</summary>
    public const ushort KernelCodeSelector = 0x08, KernelDataSelector = 0x10, UserDataSelector = 0x2b, UserCodeSelector = 0x33, TssSelector = 0x40;
}

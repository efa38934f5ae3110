namespace Captive.Differential;

/// <summary>
/// Where things are in a generated image. QEMU's <c>-kernel</c> and captive both load a raw
/// (non-ELF, no arm64 Image header) file at RAM base + 0x80000 and enter it at its first byte, at EL1
/// with the MMU off.
/// <code>
///  address       size     what
///  0x4008_0000   4        B start
///  0x4008_0800   0x800    exception vectors (VBAR_EL1): print "!", the vector, ESR, ELR, FAR; power off
///  0x4008_1000   0x1000   dump routine, hex printer, exception handler
///  0x4008_2000   0x1000   initial register table: X0..X30, SP, NZCV (8 bytes each); at +0x200 V0..V31 (16 bytes
///                         each, low half first); at +0x400 FPCR; at 0x4008_2ff8 the flush flag (1: copy the log
///                         to the UART at the end)
///  0x4008_3000   0x1000   the memory window (random bytes); loads and stores stay inside it
///  0x4008_4000   0x400    the dump routine's save area (X registers, …; at +0x200 V0..V31 for FP classes)
///  0x4008_5000   …        prologue, then the random stream with a dump call every N instructions, then finish
///  0x4100_0000   …        the dump log (text); its end pointer is at SaveArea + 272
/// </code>
/// Dumps go to a log in RAM, not straight to the UART: at the end the guest copies the log to the UART
/// when the flush flag is set (QEMU), while captive's runner clears the flag and reads the log from guest
/// RAM — a UART write is a VM exit on KVM, and one per character made the KVM runs 20 times slower.
/// </summary>
public static class ImageLayout
{
    public const ulong RamBase = 0x4000_0000;
    public const ulong LoadAddress = RamBase + 0x8_0000;
    public const ulong Vectors = LoadAddress + 0x800;
    public const ulong Routines = LoadAddress + 0x1000;
    public const ulong RegisterTable = LoadAddress + 0x2000;
    public const ulong Window = LoadAddress + 0x3000;
    public const int WindowSize = 0x1000;
    public const ulong SaveArea = LoadAddress + 0x4000;
    public const ulong Stream = LoadAddress + 0x5000;
    public const ulong Uart = 0x0900_0000;
    public const ulong FlushFlag = LoadAddress + 0x2FF8;
    public const int LogPointerOffset = 272;

    /// <summary>Offset of V0..V31 in the register table and in the save area (16-byte aligned: LDP/STP Q).</summary>
    public const int VectorOffset = 0x200;

    /// <summary>Offset of the initial FPCR in the register table.</summary>
    public const int FpcrOffset = 0x400;
    public const ulong LogPointer = SaveArea + LogPointerOffset;
    public const ulong Log = RamBase + 0x100_0000;

    /// <summary>SCTLR_EL1 the prologue writes on both sides (captive's reset value: MMU, alignment and SP alignment checks off).</summary>
    public const ulong Sctlr = 0x30D0_0800;

    /// <summary>SCTLR_EL1 bits the prologue adds with <c>--mmu</c>: M, C, I.</summary>
    public const ulong SctlrMmuOn = 1 | 1 << 2 | 1 << 12;

    /// <summary>The level 1 translation table of <c>--mmu</c> images (just below the image; level 2 and 3 below it).</summary>
    public const ulong PageTables = LoadAddress - 0x1000;

    /// <summary>Where <c>--mmu</c> images map the window's page (the prologue fills it): near the end of 128 MiB of RAM.</summary>
    public const ulong WindowPhysical = RamBase + 0x700_0000;

    /// <summary>PSCI SYSTEM_OFF function id.</summary>
    public const uint PsciSystemOff = 0x8400_0008;
}

namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// The identification registers of the CPU this front end implements: an ARMv8.0 Cortex-A57-class core with EL0 and
/// EL1 in AArch64 only, and what the front end and the machine actually implement — never more. Field layouts are
/// ARM DDI 0487's (D13.2); where the architecture leaves a choice the value is QEMU's <c>cortex-a57</c> model's (which
/// is the A57 TRM's), and every deliberate difference from QEMU is listed in docs/qemu-differences.md.
/// </summary>
internal static class A64IdRegisters
{
    /// <summary>Breakpoints implemented (DBGBVR/DBGBCR&lt;n&gt;_EL1, n &lt; this): the architecture's minimum.</summary>
    public const int Breakpoints = 2;

    /// <summary>Watchpoints implemented (DBGWVR/DBGWCR&lt;n&gt;_EL1, n &lt; this): the architecture's minimum.</summary>
    public const int Watchpoints = 2;

    /// <summary>Context-aware breakpoints (the highest-numbered ones): the architecture's minimum.</summary>
    public const int ContextBreakpoints = 1;

    /// <summary>PMU event counters (PMCR_EL0.N).</summary>
    public const int EventCounters = 2;

    /// <summary>
    /// ID_AA64DFR0_EL1: DebugVer [3:0] 6 (ARMv8.0 debug), TraceVer 0 (no system-register trace), PMUVer [11:8] 1
    /// (PMUv3), BRPs [15:12] and WRPs [23:20] = count − 1, CTX_CMPs [31:28] = count − 1.
    /// </summary>
    public const ulong IdAa64Dfr0 = 6 | 1UL << 8 | (Breakpoints - 1) << 12 | (Watchpoints - 1) << 20 | (ContextBreakpoints - 1) << 28;

    /// <summary>
    /// ID_AA64MMFR0_EL1: PARange [3:0] 4 (44 bits, <see cref="Memory.A64TranslationRegime.CortexA57PhysicalAddressBits"/>),
    /// ASIDBits [7:4] 2 (16 bits), BigEnd [11:8] 0 and BigEndEL0 [19:16] 0 (little-endian only: SCTLR_EL1.EE/E0E are
    /// not implemented), SNSMem [15:12] 0 (no Secure state), TGran16 [23:20] 0 (not supported), TGran64 [27:24] 0xF
    /// (not supported), TGran4 [31:28] 0 (supported).
    /// </summary>
    public const ulong IdAa64Mmfr0 = 4 | 2UL << 4 | 0xFUL << 24;

    /// <summary>
    /// CLIDR_EL1, a Cortex-A57's (and QEMU's): separate L1 instruction and data caches (Ctype1 3), a unified L2 (Ctype2
    /// 4), LoUIS 1, LoC 2, LoUU 1 — consistent with CTR_EL0 (IDC = DIC = 0: cleaning to the PoU is needed).
    /// </summary>
    public const ulong Clidr = 3 | 4UL << 3 | 1UL << 21 | 2UL << 24 | 1UL << 27;

    /// <summary>CCSIDR_EL1 for CSSELR_EL1 = 0 (L1 data): 32 KiB, 2-way, 256 sets of 64-byte lines, write-back, read- and write-allocate.</summary>
    public const ulong CcsidrL1Data = 0x701F_E00A;

    /// <summary>CCSIDR_EL1 for CSSELR_EL1 = 1 (L1 instruction): 48 KiB, 3-way, 256 sets of 64-byte lines, read-allocate.</summary>
    public const ulong CcsidrL1Instruction = 0x201F_E012;

    /// <summary>CCSIDR_EL1 for CSSELR_EL1 = 2 (L2 unified): 2 MiB, 16-way, 2048 sets of 64-byte lines, write-back, read- and write-allocate.</summary>
    public const ulong CcsidrL2 = 0x70FF_E07A;

    /// <summary>OSLSR_EL1 at reset: OSLM = 0b10 (the OS Lock is implemented; bit 3), OSLK = 1 (locked at cold reset).</summary>
    public const ulong OslsrReset = 0b1010;

    /// <summary>
    /// DBGAUTHSTATUS_EL1: Non-secure invasive and non-invasive debug implemented and enabled (NSID, NSNID 0b11); Secure
    /// debug not implemented (SID, SNID 0b00: no Secure state).
    /// </summary>
    public const ulong DbgAuthStatus = 0x0F;

    /// <summary>PMCR_EL0's read-only part: IMP [31:24] 0x41 (ARM), IDCODE [23:16] 0x01 (the A57's), N [15:11], LC [6] RES1 (AArch64 only).</summary>
    public const ulong PmcrFixed = 0x41UL << 24 | 0x01UL << 16 | (ulong)EventCounters << 11 | 1UL << 6;

    /// <summary>The common events counted (ARM DDI 0487 D7.10): SW_INCR (0x00) and CPU_CYCLES (0x11). PMCEID1_EL0 is 0.</summary>
    public const ulong Pmceid0 = 1UL << 0x00 | 1UL << 0x11;

    /// <summary>
    /// True for the unallocated encodings of the ID register space, op0 = 3, op1 = 0, CRn = 0, CRm = 1–7 (ARM DDI 0487
    /// D12.3.1): reserved for future ID registers, they read as zero at EL1 (MSR to them is UNDEFINED). Software probes
    /// them (Linux reads ID_AA64MMFR2_EL1, ID_AA64ZFR0_EL1 and later ones on every CPU), so they must not trap.
    /// </summary>
    public static bool IsReservedIdSpace(int encoding) => encoding >> 7 == (3 << 7 | 0 << 4 | 0) && (encoding >> 3 & 15) is >= 1 and <= 7;
}

using Captive.Core.IR;

namespace Captive.Guest.Arm;

/// <summary>
/// The AArch64 register file: byte offsets of every guest register in the state block that the IR
/// (<see cref="IrOpcode.GetReg"/>/<see cref="IrOpcode.SetReg"/>) and the engines address. All values are
/// little-endian.
/// </summary>
/// <remarks>
/// <code>
///  offset  size  register        notes
///  ------  ----  --------------  ---------------------------------------------------------------
///       0   8×31 X0 … X30        X[n] at 8·n
///     248     8  SP              the current stack pointer (SP_EL1 when SPSel = 1, SP_EL0 when SPSel = 0)
///     256     8  PC              written by the engine, never by lowered IR
///     264     8  flags           NZCV in the executing engine's encoding (interpreter: bits 31:28)
///     272     8  VBAR_EL1
///     280     8  SCTLR_EL1       IR only reads it; writes trap (SystemRegisterWrite) and the host stores it
///     288     8  CNTFRQ_EL0      initialised by the host
///     296     8  DAIF            register format: D, A, I, F in bits 9:6
///     304     8  SPSel           bit 0
///     312     8  CPACR_EL1
///     320     8  TPIDR_EL0
///     328     8  TPIDR_EL1
///     336     8  TPIDRRO_EL0
///     344     8  ELR_EL1
///     352     8  SPSR_EL1
///     360     8  ESR_EL1
///     368     8  FAR_EL1
///     376     8  SP_EL0          banked copy, valid while SPSel = 1 (else SP holds SP_EL0)
///     384     8  SP_EL1          banked copy, valid while SPSel = 0 (else SP holds SP_EL1)
///     392     8  exclusive address   the address armed by the last LDXR/LDAXR
///     400     8  exclusive armed     1 while the local exclusive monitor is armed, else 0
///     408   104  reserved        for further system registers
///     512  16×32 V0 … V31        V[n] at 512 + 16·n: low 8 bytes, then high 8 bytes
///    1024     8  FPCR
///    1032     8  FPSR
///    1040     8  fault syndrome  an abort the in-VM TLB walker found: its ESR_EL1 value (read by the fault entry)
///    1048     8  fault address   its virtual address
///    1056     8  PMUSERENR_EL0   writes trap: EN, SW, CR, ER join the translation context
///    1064     8  CSSELR_EL1      selects the cache CCSIDR_EL1 describes
///    1072     8  OSLSR_EL1       OS Lock status (OSLM = 0b10, OSLK); MSR OSLAR_EL1 sets OSLK
///    1080     8  OSDLR_EL1       DLK
///    1088     8  MDCCINT_EL1
///    1096     8  DBGPRCR_EL1     CORENPDRQ
///    1104     8  DBGCLAIM        the claim tags DBGCLAIMSET_EL1/DBGCLAIMCLR_EL1 set and clear
///    1112   8×2  DBGBVR0..1_EL1  breakpoint values (see A64DebugFeatures for the count)
///    1128   8×2  DBGBCR0..1_EL1  breakpoint controls
///    1144   8×2  DBGWVR0..1_EL1  watchpoint values
///    1160   8×2  DBGWCR0..1_EL1  watchpoint controls
///    1176     8  PSTATE.SS       software step: 1 &lt;&lt; 21 while the step is active-not-pending (SPSR bit 21's value)
///    1184    32  reserved
///    1216        size (a multiple of 64)
/// </code>
/// <para>
/// The single-vCPU exclusive monitor: LDXR/LDAXR arm it for their address; STXR/STLXR succeed only when
/// it is armed for exactly their address, and disarm it either way; CLREX disarms it. The host disarms it
/// (writes 0 to <see cref="ExclusiveArmed"/>) on exception entry and exception return, as the architecture
/// clears the local monitor there.
/// </para>
/// <para>
/// Stack-pointer banking: the host keeps the invariant above when it changes SPSel itself (exception entry
/// sets SPSel = 1: save SP to <see cref="SpEl0"/> if SPSel was 0, load SP from <see cref="SpEl1"/>).
/// </para>
/// </remarks>
public static class ArmState
{
    /// <summary>Offset of general-purpose register X0; X[n] is at <c>8·n</c>.</summary>
    public const int X0 = 0;

    /// <summary>Offset of X30 (the link register).</summary>
    public const int X30 = 240;

    /// <summary>Offset of the current stack pointer.</summary>
    public const int Sp = 248;

    /// <summary>Offset of the program counter.</summary>
    public const int Pc = 256;

    /// <summary>Offset of the condition-flags slot (engine encoding; the interpreter keeps NZCV in bits 31:28).</summary>
    public const int Flags = 264;

    /// <summary>Offset of VBAR_EL1.</summary>
    public const int VbarEl1 = 272;

    /// <summary>Offset of SCTLR_EL1.</summary>
    public const int SctlrEl1 = 280;

    /// <summary>Offset of CNTFRQ_EL0.</summary>
    public const int CntfrqEl0 = 288;

    /// <summary>Offset of DAIF (bits 9:6).</summary>
    public const int Daif = 296;

    /// <summary>Offset of SPSel (bit 0).</summary>
    public const int SpSel = 304;

    /// <summary>Offset of CPACR_EL1.</summary>
    public const int CpacrEl1 = 312;

    /// <summary>Offset of TPIDR_EL0.</summary>
    public const int TpidrEl0 = 320;

    /// <summary>Offset of TPIDR_EL1.</summary>
    public const int TpidrEl1 = 328;

    /// <summary>Offset of TPIDRRO_EL0.</summary>
    public const int TpidrroEl0 = 336;

    /// <summary>Offset of ELR_EL1.</summary>
    public const int ElrEl1 = 344;

    /// <summary>Offset of SPSR_EL1.</summary>
    public const int SpsrEl1 = 352;

    /// <summary>Offset of ESR_EL1.</summary>
    public const int EsrEl1 = 360;

    /// <summary>Offset of FAR_EL1.</summary>
    public const int FarEl1 = 368;

    /// <summary>Offset of the banked SP_EL0 (valid while SP_EL0 is not the stack pointer in use).</summary>
    public const int SpEl0 = 376;

    /// <summary>Offset of the banked SP_EL1 (valid while SP_EL1 is not the stack pointer in use: at EL0, or SPSel = 0).</summary>
    public const int SpEl1 = 384;

    /// <summary>Offset of the address the exclusive monitor is armed for.</summary>
    public const int ExclusiveAddress = 392;

    /// <summary>Offset of the exclusive monitor's armed flag (1 armed, 0 open).</summary>
    public const int ExclusiveArmed = 400;

    /// <summary>
    /// PSTATE.EL, the exception level (0 or 1; this machine implements neither EL2 nor EL3). MRS CurrentEL reads it
    /// shifted left by 2. Exception entry and return change it; SP follows it (see <see cref="SpSel"/>).
    /// </summary>
    public const int CurrentEl = 408;

    /// <summary>Offset of TTBR0_EL1 (a plain register until the MMU is wired: SCTLR_EL1.M cannot be set yet).</summary>
    public const int Ttbr0El1 = 416;

    /// <summary>Offset of TTBR1_EL1.</summary>
    public const int Ttbr1El1 = 424;

    /// <summary>Offset of TCR_EL1.</summary>
    public const int TcrEl1 = 432;

    /// <summary>Offset of MAIR_EL1.</summary>
    public const int MairEl1 = 440;

    /// <summary>Offset of AMAIR_EL1 (no effect on this implementation).</summary>
    public const int AmairEl1 = 448;

    /// <summary>Offset of CONTEXTIDR_EL1.</summary>
    public const int ContextidrEl1 = 456;

    /// <summary>Offset of PAR_EL1.</summary>
    public const int ParEl1 = 464;

    /// <summary>Offset of AFSR0_EL1 (IMPLEMENTATION DEFINED; kept, never set by this implementation).</summary>
    public const int Afsr0El1 = 472;

    /// <summary>Offset of AFSR1_EL1.</summary>
    public const int Afsr1El1 = 480;

    /// <summary>Offset of CNTKCTL_EL1 (EL0 access to the timer; no effect until EL0 exists).</summary>
    public const int CntkctlEl1 = 488;

    /// <summary>Offset of MDSCR_EL1 (SS, KDE, MDE: writes trap, the translation context follows them; see <c>VirtMachine.Debug.cs</c>).</summary>
    public const int MdscrEl1 = 496;

    /// <summary>
    /// The translation context (<see cref="Captive.Core.IR.IrBlock.Context"/>): SCTLR_EL1 in bits 31:0, CNTKCTL_EL1's
    /// EL0PCTEN/EL0VCTEN in bits 33:32, CPACR_EL1.FPEN inverted in bits 35:34 (0: SIMD&amp;FP enabled at EL0 and
    /// EL1), CNTKCTL_EL1's EL0VTEN/EL0PTEN in bits 37:36, PMUSERENR_EL0's EN, SW, CR, ER in bits 41:38 (the controls that decide which instructions trap) and the self-hosted debug state in bits 46:42 (software step possible at EL0, at EL1; breakpoints armed at EL0, at EL1; watchpoints armed). The machine keeps it in step with those registers and
    /// drops every translation when it changes.
    /// </summary>
    public const int TranslationContext = 504;

    /// <summary>Offset of SIMD&amp;FP register V0; V[n] is at <c>V0 + 16·n</c> (low 8 bytes, then high 8 bytes).</summary>
    public const int V0 = 512;

    /// <summary>Offset of FPCR.</summary>
    public const int Fpcr = 1024;

    /// <summary>Offset of FPSR.</summary>
    public const int Fpsr = 1032;

    /// <summary>An abort found by the in-VM TLB walker: the ESR_EL1 value the fault entry takes it with.</summary>
    public const int FaultSyndrome = 1040;

    /// <summary>An abort found by the in-VM TLB walker: the faulting virtual address (FAR_EL1).</summary>
    public const int FaultAddress = 1048;

    /// <summary>Offset of PMUSERENR_EL0 (EN, SW, CR, ER: what EL0 may do with the PMU; writes trap, the context follows them).</summary>
    public const int PmuserenrEl0 = 1056;

    /// <summary>Offset of CSSELR_EL1 (Level [3:1], InD [0]).</summary>
    public const int CsselrEl1 = 1064;

    /// <summary>Offset of OSLSR_EL1 (OSLM = 0b10 in bits 3 and 0, OSLK in bit 1; set at reset, as the OS Lock is at cold reset).</summary>
    public const int OslsrEl1 = 1072;

    /// <summary>Offset of OSDLR_EL1 (DLK).</summary>
    public const int OsdlrEl1 = 1080;

    /// <summary>Offset of MDCCINT_EL1 (RX, TX: the debug communication channel's interrupt enables; no interrupt is raised).</summary>
    public const int MdccintEl1 = 1088;

    /// <summary>Offset of DBGPRCR_EL1 (CORENPDRQ).</summary>
    public const int DbgprcrEl1 = 1096;

    /// <summary>Offset of the claim tags (DBGCLAIMSET_EL1 sets them, DBGCLAIMCLR_EL1 reads and clears them).</summary>
    public const int DbgclaimEl1 = 1104;

    /// <summary>Offset of DBGBVR0_EL1; DBGBVR&lt;n&gt;_EL1 is at <c>DbgbvrEl1 + 8·n</c>.</summary>
    public const int DbgbvrEl1 = 1112;

    /// <summary>Offset of DBGBCR0_EL1; DBGBCR&lt;n&gt;_EL1 is at <c>DbgbcrEl1 + 8·n</c>.</summary>
    public const int DbgbcrEl1 = 1128;

    /// <summary>Offset of DBGWVR0_EL1; DBGWVR&lt;n&gt;_EL1 is at <c>DbgwvrEl1 + 8·n</c>.</summary>
    public const int DbgwvrEl1 = 1144;

    /// <summary>Offset of DBGWCR0_EL1; DBGWCR&lt;n&gt;_EL1 is at <c>DbgwcrEl1 + 8·n</c>.</summary>
    public const int DbgwcrEl1 = 1160;

    /// <summary>
    /// Offset of PSTATE.SS, kept as the value of SPSR bit 21 (0 or 1 &lt;&lt; 21): ERET loads it from SPSR_EL1.SS when the
    /// software step becomes active (ARM DDI 0487 D2.12), exception entry saves it in SPSR_EL1 and clears it. Read only by
    /// blocks lowered while MDSCR_EL1.SS is set (translation context bit 42) and by the host's exception entry.
    /// </summary>
    public const int PstateSs = 1176;

    /// <summary>Size of the register file in bytes.</summary>
    public const int Size = 1216;

    /// <summary>The layout as the engines see it.</summary>
    public static GuestStateLayout Layout { get; } = new(Size, Pc, Flags, Fpcr, Fpsr, CurrentEl, TranslationContext, FaultSyndrome, FaultAddress, Daif, 0x80, Ttbr0El1);

    /// <summary>Offset of X[<paramref name="n"/>] (0–30).</summary>
    public static int X(int n) => (uint)n <= 30 ? X0 + 8 * n : throw new ArgumentOutOfRangeException(nameof(n));

    /// <summary>Offset of V[<paramref name="n"/>] (0–31); its high half is 8 bytes further.</summary>
    public static int V(int n) => (uint)n <= 31 ? V0 + 16 * n : throw new ArgumentOutOfRangeException(nameof(n));
}

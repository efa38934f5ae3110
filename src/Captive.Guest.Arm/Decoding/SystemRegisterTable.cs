using System.Collections.Frozen;
using Captive.Guest.Arm.Lowering;

namespace Captive.Guest.Arm.Decoding;

/// <summary>How MRS/MSR reach a system register.</summary>
internal enum SysRegAccess : byte
{
    /// <summary>
    /// Known by name only (for the disassembler): MRS and MSR are UNDEFINED. The registers of EL2 and EL3, which this
    /// machine does not have, and of features it does not implement.
    /// </summary>
    NameOnly,
    /// <summary>Read and written as an 8-byte slot of <see cref="ArmState"/>; MSR stores the bits of <see cref="SysRegInfo.WriteMask"/>.</summary>
    Slot,
    /// <summary>Read from its slot; MSR is UNDEFINED (the slot is written by other instructions or the host).</summary>
    ReadOnlySlot,
    /// <summary>Reads as zero, writes are ignored (RAZ/WI).</summary>
    Zero,
    /// <summary>CCSIDR_EL1: the description of the cache CSSELR_EL1 selects (<see cref="A64IdRegisters"/>); MSR is UNDEFINED.</summary>
    Ccsidr,
    /// <summary>OSLAR_EL1: MSR traps to the host, which sets OSLSR_EL1.OSLK to Xt[0]; MRS is UNDEFINED (write-only).</summary>
    OsLock,
    /// <summary>DBGCLAIMSET_EL1: MRS reads which claim tags exist (all 8), MSR sets the tags written as 1.</summary>
    ClaimSet,
    /// <summary>DBGCLAIMCLR_EL1: MRS reads the claim tags, MSR clears the tags written as 1.</summary>
    ClaimClear,
    /// <summary>Read from its slot; a write ends the block with a SystemRegisterWrite trap for the host to check and apply.</summary>
    SlotWriteTraps,
    /// <summary>Read-only constant; MSR is UNDEFINED.</summary>
    Constant,
    /// <summary>The condition flags (GetNzcv/SetNzcv).</summary>
    Nzcv,
    /// <summary>DAIF: a slot, and a write ends the block so the host sees newly unmasked interrupts.</summary>
    Daif,
    /// <summary>SPSel: a write switches the stack pointer between the banked copies.</summary>
    SpSel,
    /// <summary>CNTVCT_EL0: read through <c>ReadCounter</c>; MSR is UNDEFINED.</summary>
    Counter,
    /// <summary>CurrentEL: PSTATE.EL (<see cref="ArmState.CurrentEl"/>) in bits 3:2; MSR is UNDEFINED.</summary>
    CurrentEl,
    /// <summary>
    /// A device's register the host implements (the generic timer, the GICv3 CPU interface): MRS ends the block with a
    /// SystemRegisterRead trap, MSR with a SystemRegisterWrite trap.
    /// </summary>
    Host,
    /// <summary>A write-only <see cref="Host"/> register (PMSWINC_EL0): MRS is UNDEFINED.</summary>
    HostWriteOnly,
}

/// <summary>One system register: its GNU name, how MRS/MSR lower, and where it lives.</summary>
internal readonly record struct SysRegInfo(string Name, SysRegAccess Access, int Offset = 0, ulong Value = 0, ulong WriteMask = ulong.MaxValue);

/// <summary>
/// System registers by their 16-bit encoding <c>op0:op1:CRn:CRm:op2</c> (bits 20:5 of MRS/MSR). MRS and MSR of a
/// register outside this table, or of a <see cref="SysRegAccess.NameOnly"/> one, are UNDEFINED (EC 0), at EL0 and EL1
/// alike — except MRS in the reserved ID space (<see cref="A64IdRegisters.IsReservedIdSpace"/>), which reads 0.
/// </summary>
internal static class SystemRegisterTable
{
    private static readonly FrozenDictionary<int, SysRegInfo> Table = new Dictionary<int, SysRegInfo>
    {
        // Identification (A64IdRegisters; ID_AA64PFR0_EL1.GIC is the front end's, see A64Lowerer.Mrs)
        [A64SystemRegisters.Encode(3, 0, 0, 0, 0)] = new("midr_el1", SysRegAccess.Constant, Value: A64SystemRegisters.MidrValue),
        [A64SystemRegisters.Encode(3, 0, 0, 0, 5)] = new("mpidr_el1", SysRegAccess.Constant, Value: A64SystemRegisters.MpidrValue),
        [A64SystemRegisters.Encode(3, 0, 0, 0, 6)] = new("revidr_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 4, 0)] = new("id_aa64pfr0_el1", SysRegAccess.Constant, Value: A64Features.IdAa64Pfr0(A64Features.Implemented)),
        [A64SystemRegisters.Encode(3, 0, 0, 4, 1)] = new("id_aa64pfr1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 5, 0)] = new("id_aa64dfr0_el1", SysRegAccess.Constant, Value: A64IdRegisters.IdAa64Dfr0),
        [A64SystemRegisters.Encode(3, 0, 0, 5, 1)] = new("id_aa64dfr1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 5, 4)] = new("id_aa64afr0_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 5, 5)] = new("id_aa64afr1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 6, 0)] = new("id_aa64isar0_el1", SysRegAccess.Constant, Value: A64Features.IdAa64Isar0(A64Features.Implemented)),
        [A64SystemRegisters.Encode(3, 0, 0, 6, 1)] = new("id_aa64isar1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 7, 0)] = new("id_aa64mmfr0_el1", SysRegAccess.Constant, Value: A64IdRegisters.IdAa64Mmfr0),
        [A64SystemRegisters.Encode(3, 0, 0, 7, 1)] = new("id_aa64mmfr1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 7, 2)] = new("id_aa64mmfr2_el1", SysRegAccess.Constant, Value: 0),
        // The AArch32 ID registers: no Exception level supports AArch32, so the ARM ARM makes them UNKNOWN; they read 0.
        [A64SystemRegisters.Encode(3, 0, 0, 1, 0)] = new("id_pfr0_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 1, 1)] = new("id_pfr1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 1, 2)] = new("id_dfr0_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 1, 3)] = new("id_afr0_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 1, 4)] = new("id_mmfr0_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 1, 5)] = new("id_mmfr1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 1, 6)] = new("id_mmfr2_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 1, 7)] = new("id_mmfr3_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 2, 0)] = new("id_isar0_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 2, 1)] = new("id_isar1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 2, 2)] = new("id_isar2_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 2, 3)] = new("id_isar3_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 2, 4)] = new("id_isar4_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 2, 5)] = new("id_isar5_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 2, 6)] = new("id_mmfr4_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 3, 0)] = new("mvfr0_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 3, 1)] = new("mvfr1_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 0, 3, 2)] = new("mvfr2_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 1, 0, 0, 0)] = new("ccsidr_el1", SysRegAccess.Ccsidr),
        [A64SystemRegisters.Encode(3, 1, 0, 0, 1)] = new("clidr_el1", SysRegAccess.Constant, Value: A64IdRegisters.Clidr),
        [A64SystemRegisters.Encode(3, 1, 0, 0, 7)] = new("aidr_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 2, 0, 0, 0)] = new("csselr_el1", SysRegAccess.Slot, ArmState.CsselrEl1, WriteMask: 0xF),
        [A64SystemRegisters.Encode(3, 3, 0, 0, 1)] = new("ctr_el0", SysRegAccess.Constant, Value: A64SystemRegisters.CtrValue),
        [A64SystemRegisters.Encode(3, 3, 0, 0, 7)] = new("dczid_el0", SysRegAccess.Constant, Value: A64SystemRegisters.DczidValue),

        // System control and memory management
        [A64SystemRegisters.Encode(3, 0, 1, 0, 0)] = new("sctlr_el1", SysRegAccess.SlotWriteTraps, ArmState.SctlrEl1),
        [A64SystemRegisters.Encode(3, 0, 1, 0, 1)] = new("actlr_el1", SysRegAccess.Zero),
        [A64SystemRegisters.Encode(3, 0, 1, 0, 2)] = new("cpacr_el1", SysRegAccess.SlotWriteTraps, ArmState.CpacrEl1),
        [A64SystemRegisters.Encode(3, 0, 2, 0, 0)] = new("ttbr0_el1", SysRegAccess.SlotWriteTraps, ArmState.Ttbr0El1),
        [A64SystemRegisters.Encode(3, 0, 2, 0, 1)] = new("ttbr1_el1", SysRegAccess.SlotWriteTraps, ArmState.Ttbr1El1),
        [A64SystemRegisters.Encode(3, 0, 2, 0, 2)] = new("tcr_el1", SysRegAccess.SlotWriteTraps, ArmState.TcrEl1),
        [A64SystemRegisters.Encode(3, 0, 5, 1, 0)] = new("afsr0_el1", SysRegAccess.Slot, ArmState.Afsr0El1),
        [A64SystemRegisters.Encode(3, 0, 5, 1, 1)] = new("afsr1_el1", SysRegAccess.Slot, ArmState.Afsr1El1),
        [A64SystemRegisters.Encode(3, 0, 7, 4, 0)] = new("par_el1", SysRegAccess.Slot, ArmState.ParEl1),
        [A64SystemRegisters.Encode(3, 0, 10, 2, 0)] = new("mair_el1", SysRegAccess.Slot, ArmState.MairEl1),
        [A64SystemRegisters.Encode(3, 0, 10, 3, 0)] = new("amair_el1", SysRegAccess.Slot, ArmState.AmairEl1),
        [A64SystemRegisters.Encode(3, 0, 13, 0, 1)] = new("contextidr_el1", SysRegAccess.Slot, ArmState.ContextidrEl1),

        // Exceptions
        [A64SystemRegisters.Encode(3, 0, 4, 0, 0)] = new("spsr_el1", SysRegAccess.Slot, ArmState.SpsrEl1),
        [A64SystemRegisters.Encode(3, 0, 4, 0, 1)] = new("elr_el1", SysRegAccess.Slot, ArmState.ElrEl1),
        [A64SystemRegisters.Encode(3, 0, 5, 2, 0)] = new("esr_el1", SysRegAccess.Slot, ArmState.EsrEl1),
        [A64SystemRegisters.Encode(3, 0, 6, 0, 0)] = new("far_el1", SysRegAccess.Slot, ArmState.FarEl1),
        [A64SystemRegisters.Encode(3, 0, 12, 0, 0)] = new("vbar_el1", SysRegAccess.Slot, ArmState.VbarEl1),
        [A64SystemRegisters.Encode(3, 0, 12, 1, 0)] = new("isr_el1", SysRegAccess.Host),

        // Processor state
        [A64SystemRegisters.Encode(3, 0, 4, 1, 0)] = new("sp_el0", SysRegAccess.Slot, ArmState.SpEl0),
        [A64SystemRegisters.Encode(3, 0, 4, 2, 0)] = new("spsel", SysRegAccess.SpSel, ArmState.SpSel),
        [A64SystemRegisters.Encode(3, 0, 4, 2, 2)] = new("currentel", SysRegAccess.CurrentEl),
        [A64SystemRegisters.Encode(3, 3, 4, 2, 0)] = new("nzcv", SysRegAccess.Nzcv),
        [A64SystemRegisters.Encode(3, 3, 4, 2, 1)] = new("daif", SysRegAccess.Daif, ArmState.Daif),
        [A64SystemRegisters.Encode(3, 3, 4, 4, 0)] = new("fpcr", SysRegAccess.Slot, ArmState.Fpcr),
        [A64SystemRegisters.Encode(3, 3, 4, 4, 1)] = new("fpsr", SysRegAccess.Slot, ArmState.Fpsr),

        // Thread IDs
        [A64SystemRegisters.Encode(3, 0, 13, 0, 4)] = new("tpidr_el1", SysRegAccess.Slot, ArmState.TpidrEl1),
        [A64SystemRegisters.Encode(3, 3, 13, 0, 2)] = new("tpidr_el0", SysRegAccess.Slot, ArmState.TpidrEl0),
        [A64SystemRegisters.Encode(3, 3, 13, 0, 3)] = new("tpidrro_el0", SysRegAccess.Slot, ArmState.TpidrroEl0),

        // Generic timer
        [A64SystemRegisters.Encode(3, 3, 14, 0, 0)] = new("cntfrq_el0", SysRegAccess.Slot, ArmState.CntfrqEl0),
        [A64SystemRegisters.Encode(3, 3, 14, 0, 1)] = new("cntpct_el0", SysRegAccess.Counter),
        [A64SystemRegisters.Encode(3, 3, 14, 0, 2)] = new("cntvct_el0", SysRegAccess.Counter),
        [A64SystemRegisters.Encode(3, 3, 14, 2, 0)] = new("cntp_tval_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 2, 1)] = new("cntp_ctl_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 2, 2)] = new("cntp_cval_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 3, 0)] = new("cntv_tval_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 3, 1)] = new("cntv_ctl_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 3, 2)] = new("cntv_cval_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 14, 1, 0)] = new("cntkctl_el1", SysRegAccess.SlotWriteTraps, ArmState.CntkctlEl1),

        // Self-hosted debug (stored; breakpoints, watchpoints and software step do not fire yet)
        [A64SystemRegisters.Encode(2, 0, 0, 2, 2)] = new("mdscr_el1", SysRegAccess.SlotWriteTraps, ArmState.MdscrEl1),
        [A64SystemRegisters.Encode(2, 0, 1, 0, 4)] = new("oslar_el1", SysRegAccess.OsLock, ArmState.OslsrEl1),
        [A64SystemRegisters.Encode(2, 0, 1, 1, 4)] = new("oslsr_el1", SysRegAccess.ReadOnlySlot, ArmState.OslsrEl1),
        [A64SystemRegisters.Encode(2, 0, 1, 3, 4)] = new("osdlr_el1", SysRegAccess.SlotWriteTraps, ArmState.OsdlrEl1, WriteMask: 1),
        [A64SystemRegisters.Encode(2, 0, 1, 4, 4)] = new("dbgprcr_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgprcrEl1, WriteMask: 1),
        [A64SystemRegisters.Encode(2, 0, 0, 2, 0)] = new("mdccint_el1", SysRegAccess.Slot, ArmState.MdccintEl1, WriteMask: 3UL << 29),
        [A64SystemRegisters.Encode(2, 0, 1, 0, 0)] = new("mdrar_el1", SysRegAccess.Constant, Value: 0),   // no memory-mapped debug ROM
        [A64SystemRegisters.Encode(2, 3, 0, 1, 0)] = new("mdccsr_el0", SysRegAccess.Constant, Value: 0),  // DCC: TXfull = RXfull = 0
        [A64SystemRegisters.Encode(2, 0, 7, 8, 6)] = new("dbgclaimset_el1", SysRegAccess.ClaimSet, ArmState.DbgclaimEl1),
        [A64SystemRegisters.Encode(2, 0, 7, 9, 6)] = new("dbgclaimclr_el1", SysRegAccess.ClaimClear, ArmState.DbgclaimEl1),
        [A64SystemRegisters.Encode(2, 0, 7, 14, 6)] = new("dbgauthstatus_el1", SysRegAccess.Constant, Value: A64IdRegisters.DbgAuthStatus),
        // DBGBVR: VA[48:2], sign-extended above; DBGBCR: BT, LBN, SSC, HMC, BAS, PMC, E; DBGWCR: MASK, WT, LBN, SSC, HMC, BAS, LSC, PAC, E.
        [A64SystemRegisters.Encode(2, 0, 0, 0, 4)] = new("dbgbvr0_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgbvrEl1, WriteMask: ~3UL),
        [A64SystemRegisters.Encode(2, 0, 0, 0, 5)] = new("dbgbcr0_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgbcrEl1, WriteMask: 0xFF_E1E7),
        [A64SystemRegisters.Encode(2, 0, 0, 0, 6)] = new("dbgwvr0_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgwvrEl1, WriteMask: ~3UL),
        [A64SystemRegisters.Encode(2, 0, 0, 0, 7)] = new("dbgwcr0_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgwcrEl1, WriteMask: 0x1F1F_FFFF),
        [A64SystemRegisters.Encode(2, 0, 0, 1, 4)] = new("dbgbvr1_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgbvrEl1 + 8, WriteMask: ~3UL),
        [A64SystemRegisters.Encode(2, 0, 0, 1, 5)] = new("dbgbcr1_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgbcrEl1 + 8, WriteMask: 0xFF_E1E7),
        [A64SystemRegisters.Encode(2, 0, 0, 1, 6)] = new("dbgwvr1_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgwvrEl1 + 8, WriteMask: ~3UL),
        [A64SystemRegisters.Encode(2, 0, 0, 1, 7)] = new("dbgwcr1_el1", SysRegAccess.SlotWriteTraps, ArmState.DbgwcrEl1 + 8, WriteMask: 0x1F1F_FFFF),

        // EL2 (by name only)
        [A64SystemRegisters.Encode(3, 4, 0, 0, 0)] = new("vpidr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 0, 0, 5)] = new("vmpidr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 1, 0, 0)] = new("sctlr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 1, 0, 1)] = new("actlr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 1, 1, 0)] = new("hcr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 1, 1, 1)] = new("mdcr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 1, 1, 2)] = new("cptr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 1, 1, 3)] = new("hstr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 1, 1, 7)] = new("hacr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 2, 0, 0)] = new("ttbr0_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 2, 0, 2)] = new("tcr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 2, 1, 0)] = new("vttbr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 2, 1, 2)] = new("vtcr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 4, 0, 0)] = new("spsr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 4, 0, 1)] = new("elr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 4, 1, 0)] = new("sp_el1", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 5, 2, 0)] = new("esr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 6, 0, 0)] = new("far_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 6, 0, 4)] = new("hpfar_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 10, 2, 0)] = new("mair_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 12, 0, 0)] = new("vbar_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 13, 0, 2)] = new("tpidr_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 14, 1, 0)] = new("cnthctl_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 14, 0, 3)] = new("cntvoff_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 14, 2, 0)] = new("cnthp_tval_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 14, 2, 1)] = new("cnthp_ctl_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 14, 2, 2)] = new("cnthp_cval_el2", SysRegAccess.NameOnly),

        // EL3 (by name only)
        [A64SystemRegisters.Encode(3, 6, 1, 0, 0)] = new("sctlr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 1, 0, 1)] = new("actlr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 1, 1, 0)] = new("scr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 1, 1, 2)] = new("cptr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 1, 3, 1)] = new("mdcr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 2, 0, 0)] = new("ttbr0_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 2, 0, 2)] = new("tcr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 4, 0, 0)] = new("spsr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 4, 0, 1)] = new("elr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 4, 1, 0)] = new("sp_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 5, 2, 0)] = new("esr_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 6, 0, 0)] = new("far_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 10, 2, 0)] = new("mair_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 12, 0, 0)] = new("vbar_el3", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 6, 13, 0, 2)] = new("tpidr_el3", SysRegAccess.NameOnly),

        // GICv3 CPU interface (the host's GicV3CpuInterface; UNDEFINED on a machine with GICv2)
        [A64SystemRegisters.Encode(3, 0, 4, 6, 0)] = new("icc_pmr_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 8, 0)] = new("icc_iar0_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 8, 1)] = new("icc_eoir0_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 8, 2)] = new("icc_hppir0_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 8, 3)] = new("icc_bpr0_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 11, 1)] = new("icc_dir_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 11, 3)] = new("icc_rpr_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 11, 5)] = new("icc_sgi1r_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 12, 0)] = new("icc_iar1_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 12, 1)] = new("icc_eoir1_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 12, 2)] = new("icc_hppir1_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 12, 3)] = new("icc_bpr1_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 12, 4)] = new("icc_ctlr_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 12, 5)] = new("icc_sre_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 12, 6)] = new("icc_igrpen0_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 12, 7)] = new("icc_igrpen1_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 8, 4)] = new("icc_ap0r0_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 9, 0)] = new("icc_ap1r0_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 11, 6)] = new("icc_asgi1r_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 12, 11, 7)] = new("icc_sgi0r_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 4, 12, 9, 5)] = new("icc_sre_el2", SysRegAccess.NameOnly),

        // Performance monitors (PMUv3; the host's PerformanceMonitors. PMUSERENR_EL0 is a slot the translation context follows)
        [A64SystemRegisters.Encode(3, 3, 9, 12, 0)] = new("pmcr_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 12, 1)] = new("pmcntenset_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 12, 2)] = new("pmcntenclr_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 12, 3)] = new("pmovsclr_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 12, 4)] = new("pmswinc_el0", SysRegAccess.HostWriteOnly),
        [A64SystemRegisters.Encode(3, 3, 9, 12, 5)] = new("pmselr_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 12, 6)] = new("pmceid0_el0", SysRegAccess.Constant, Value: A64IdRegisters.Pmceid0),
        [A64SystemRegisters.Encode(3, 3, 9, 12, 7)] = new("pmceid1_el0", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 3, 9, 13, 0)] = new("pmccntr_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 13, 1)] = new("pmxevtyper_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 13, 2)] = new("pmxevcntr_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 14, 0)] = new("pmuserenr_el0", SysRegAccess.SlotWriteTraps, ArmState.PmuserenrEl0),
        [A64SystemRegisters.Encode(3, 0, 9, 14, 1)] = new("pmintenset_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 0, 9, 14, 2)] = new("pmintenclr_el1", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 9, 14, 3)] = new("pmovsset_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 8, 0)] = new("pmevcntr0_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 8, 1)] = new("pmevcntr1_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 12, 0)] = new("pmevtyper0_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 12, 1)] = new("pmevtyper1_el0", SysRegAccess.Host),
        [A64SystemRegisters.Encode(3, 3, 14, 15, 7)] = new("pmccfiltr_el0", SysRegAccess.Host),

        // RVBAR_EL1 exists because EL1 is the highest level (the reset vector is not meaningful here: 0, QEMU's too).
        // Known by name only (UNDEFINED): reset management, the debug communication channel's data, AArch32 state, Debug state
        [A64SystemRegisters.Encode(3, 0, 12, 0, 1)] = new("rvbar_el1", SysRegAccess.Constant, Value: 0),
        [A64SystemRegisters.Encode(3, 0, 12, 0, 2)] = new("rmr_el1", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(2, 3, 0, 4, 0)] = new("dbgdtr_el0", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 3, 0, 0)] = new("dacr32_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 5, 0, 1)] = new("ifsr32_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 4, 5, 3, 0)] = new("fpexc32_el2", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 3, 4, 5, 0)] = new("dspsr_el0", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 3, 4, 5, 1)] = new("dlr_el0", SysRegAccess.NameOnly),
        [A64SystemRegisters.Encode(3, 7, 14, 2, 1)] = new("cntps_ctl_el1", SysRegAccess.NameOnly),
    }.ToFrozenDictionary();

    /// <summary>Looks a register up by its 16-bit encoding.</summary>
    public static bool TryGet(int encoding, out SysRegInfo info) => Table.TryGetValue(encoding, out info);
}

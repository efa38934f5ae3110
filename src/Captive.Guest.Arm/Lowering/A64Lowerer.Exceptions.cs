using Captive.Core.IR;

namespace Captive.Guest.Arm.Lowering;

// Synchronous exceptions taken to EL1 and exception return, written as IR (ARM DDI 0487 D1.10 "Exception entry",
// D1.11 "Exception return", pseudocode AArch64.TakeException and AArch64.ExceptionReturn): the translated code saves
// PSTATE and the return address, writes the syndrome, switches the stack pointer, masks DAIF and jumps to the
// vector itself — and ERET undoes it — with no request to the host. This machine implements EL0 and EL1 only (no
// EL2, no EL3), so every exception here is taken to EL1, and SMC and HLT are UNDEFINED.
internal sealed partial class A64Lowerer
{
    /// <summary>ESR_ELx.EC values (ARM DDI 0487 D17.2.37).</summary>
    private const ulong EcUnknown = 0x00, EcSvc = 0x15, EcPcAlignment = 0x22, EcBrk = 0x3C;

    /// <summary>ESR_ELx.IL: the trapped instruction was 32 bits long (always, in A64).</summary>
    private const ulong EsrIl = 1ul << 25;

    /// <summary>An UNDEFINED instruction: exception class 0 (unknown reason), returning to the instruction itself.</summary>
    private void Undefined() => TakeException(EcUnknown, 0, _pc);

    /// <summary>
    /// Takes a synchronous exception to EL1 with syndrome <paramref name="ec"/>:<paramref name="iss"/> and preferred
    /// return address <paramref name="preferredReturn"/>; ends the block.
    /// </summary>
    private void TakeException(ulong ec, ulong iss, ulong preferredReturn) => TakeException(K(ec << 26 | EsrIl | iss), K(preferredReturn));

    /// <summary>
    /// SVC: the exception-generating instruction completes before its exception, so a software step in progress advances
    /// first (PSTATE.SS = 0, saved as SPSR.SS = 0), as QEMU does.
    /// </summary>
    private void SupervisorCall(ulong imm16)
    {
        if (StepPossible) _b.SetReg(ArmState.PstateSs, K(0));
        TakeException(EcSvc, imm16, _pc + 4);
    }

    /// <summary>Takes a synchronous exception to EL1 with ESR_EL1 = <paramref name="esr"/> and ELR_EL1 = <paramref name="preferredReturn"/>; ends the block.</summary>
    private void TakeException(IrValue esr, IrValue preferredReturn)
    {
        var el = _b.GetReg(ArmState.CurrentEl);
        var onEl1 = OnEl1Stack();
        // SPSR_EL1: NZCV, DAIF and M[3:0] = EL:SP (EL0t 0b0000, EL1t 0b0100, EL1h 0b0101).
        var spsr = _b.Or(_b.Or(_b.GetNzcv(), _b.GetReg(ArmState.Daif)), _b.Or(_b.Shl(el, K(2)), onEl1));
        if (StepPossible) // PSTATE.SS to SPSR.SS, and cleared
        {
            spsr = _b.Or(spsr, _b.GetReg(ArmState.PstateSs));
            _b.SetReg(ArmState.PstateSs, K(0));
        }
        // Vector offset: current EL with SP_EL0 0x000, current EL with SP_ELx 0x200, lower EL (AArch64) 0x400.
        var offset = _b.Select(el, _b.Select(onEl1, K(0x200), K(0)), K(0x400));
        var vector = _b.Add(_b.GetReg(ArmState.VbarEl1), offset);
        SwitchStack(onEl1, K(1));
        _b.SetReg(ArmState.SpsrEl1, spsr);
        _b.SetReg(ArmState.ElrEl1, preferredReturn);
        _b.SetReg(ArmState.EsrEl1, esr);
        _b.SetReg(ArmState.Daif, K(0x3C0));
        _b.SetReg(ArmState.SpSel, K(1));
        _b.SetReg(ArmState.CurrentEl, K(1));
        _b.JumpIndirectChangingMode(vector);
    }

    /// <summary>
    /// The fault entry (<see cref="A64FrontEnd.LowerFaultEntry"/>): the data abort the in-VM TLB walker found, with its
    /// ESR from <see cref="ArmState.FaultSyndrome"/>, FAR = <see cref="ArmState.FaultAddress"/> and ELR = the PC slot (the
    /// accessing instruction), taken exactly as the IR takes every synchronous exception.
    /// </summary>
    internal void LowerFaultEntry(IrBlock block)
    {
        if (_b is null || _b.Block != block)
            _b = new IrBuilder(block);
        _el = block.Mode;
        _context = block.Context;
        _pc = block.GuestAddress;
        _b.SetReg(ArmState.FarEl1, _b.GetReg(ArmState.FaultAddress));
        TakeException(_b.GetReg(ArmState.FaultSyndrome), _b.GetReg(ArmState.Pc));
    }

    /// <summary>ESR_ELx.EC of the Illegal Execution state exception.</summary>
    private const ulong EcIllegalState = 0x0E;

    /// <summary>PSTATE.IL in SPSR.</summary>
    private const ulong SpsrIl = 1ul << 20;

    /// <summary>
    /// ERET at EL1: NZCV and DAIF from SPSR_EL1, EL and SPSel from SPSR_EL1.M (EL0t, EL1t or EL1h), SP switched to the
    /// new stack, the local exclusive monitor cleared, PC from ELR_EL1. Any other SPSR.M (AArch32, EL2, EL3, reserved)
    /// makes an illegal exception return: EL and SP stay, PSTATE.IL is set. SPSR.IL set with a legal M returns with
    /// PSTATE.IL set. Either way the instruction at ELR then takes the Illegal Execution state exception at once (EC
    /// 0x0E), from the EL it would have run at. Selects, no branch: the block ends with a jump through the dispatcher,
    /// which reads the new EL.
    /// </summary>
    private void ExceptionReturn()
    {
        var spsr = _b.GetReg(ArmState.SpsrEl1);
        var elr = _b.GetReg(ArmState.ElrEl1);
        var oldSel = _b.GetReg(ArmState.SpSel); // at EL1: 1 when SP_EL1 is in use
        var m = _b.And(spsr, K(0x1F));
        var legalMode = _b.Or(_b.Or(_b.CmpEq(m, K(0b00000)), _b.CmpEq(m, K(0b00100))), _b.CmpEq(m, K(0b00101)));
        var ok = _b.And(legalMode, _b.CmpEq(_b.And(spsr, K(SpsrIl)), K(0)));

        var newEl = _b.Select(ok, _b.Lsr(m, K(2)), K(1));
        var newSel = _b.Select(ok, _b.And(m, K(1)), oldSel);
        var onEl1 = _b.Select(ok, _b.And(newSel, newEl), K(1)); // the illegal path enters an EL1 vector: SP_EL1
        // The Illegal Execution state exception's own state (ignored on a legal return): PSTATE as the return left it
        // (the SPSR itself when M was legal; EL1 with the old SP and IL set when it was not) and its vector.
        var badModeSpsr = _b.Or(_b.And(spsr, K(0xF000_03C0)), _b.Or(K(SpsrIl | 0b0100), oldSel));
        var illegalSpsr = _b.Select(legalMode, spsr, badModeSpsr);
        var returnedOffset = _b.Select(_b.CmpEq(m, K(0)), K(0x400), _b.Select(_b.And(m, K(1)), K(0x200), K(0)));
        var illegalVector = _b.Add(_b.GetReg(ArmState.VbarEl1), _b.Select(legalMode, returnedOffset, _b.Select(oldSel, K(0x200), K(0))));

        var daif = _b.Select(ok, _b.And(spsr, K(0x3C0)), K(0x3C0));
        var sel = _b.Select(ok, newSel, K(1));
        var newSpsr = _b.Select(ok, spsr, illegalSpsr);
        var esr = _b.Select(ok, _b.GetReg(ArmState.EsrEl1), K(EcIllegalState << 26 | EsrIl));
        var target = _b.Select(ok, elr, illegalVector);
        if (StepPossible)
        {
            // DebugExceptionReturnSS: PSTATE.SS = SPSR.SS when debug exceptions are disabled here (EL1: KDE clear or D set)
            // and enabled at the target (EL0 always; EL1 with KDE and SPSR.D clear); with the step active there and
            // PSTATE.SS 0 it is active-pending: the Software Step exception at once (ISV 0), before any instruction.
            var kde = Allows(ContextStepEl1) ? K(1) : K(0);
            var enabledHere = _b.And(kde, DebugUnmasked());
            var enabledThere = _b.Select(newEl, _b.And(kde, _b.CmpEq(_b.And(spsr, K(0x200)), K(0))), K(1));
            var ss = _b.Select(_b.And(ok, _b.And(enabledThere, _b.CmpEq(enabledHere, K(0)))), _b.And(spsr, K(SpsrSs)), K(0));
            var pending = _b.And(_b.And(ok, enabledThere), _b.CmpEq(ss, K(0)));
            _b.SetReg(ArmState.PstateSs, ss);
            var stepEsr = _b.Or(K(EsrIl | IssDebugEvent), _b.Select(newEl, K((EcStepLower + 1) << 26), K(EcStepLower << 26)));
            var stepVector = _b.Add(_b.GetReg(ArmState.VbarEl1), _b.Select(newEl, _b.Select(newSel, K(0x200), K(0)), K(0x400)));
            onEl1 = _b.Select(pending, K(1), onEl1);
            daif = _b.Select(pending, K(0x3C0), daif);
            sel = _b.Select(pending, K(1), sel);
            newEl = _b.Select(pending, K(1), newEl);
            newSpsr = _b.Select(pending, _b.And(spsr, K(~SpsrSs)), newSpsr);
            esr = _b.Select(pending, stepEsr, esr);
            target = _b.Select(pending, stepVector, target);
        }
        _b.SetNzcv(spsr);
        SwitchStack(oldSel, onEl1);
        _b.SetReg(ArmState.Daif, daif);
        _b.SetReg(ArmState.SpSel, sel);
        _b.SetReg(ArmState.CurrentEl, newEl);
        _b.SetReg(ArmState.SpsrEl1, newSpsr);
        _b.SetReg(ArmState.EsrEl1, esr);
        _b.SetReg(ArmState.ExclusiveArmed, K(0));
        _b.JumpIndirectChangingMode(target);
    }
}

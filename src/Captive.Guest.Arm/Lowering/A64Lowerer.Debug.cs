using Captive.Core.IR;

namespace Captive.Guest.Arm.Lowering;

// Self-hosted debug exceptions in the lowered IR (ARM DDI 0487 D2): hardware breakpoints and software step. Whether a
// debug exception can be generated is decided at lowering time where the translation context decides it — MDSCR_EL1.SS,
// KDE and MDE and the OS Lock and OS Double Lock are context bits 46:42, kept by the machine — and in the IR where
// PSTATE.D decides it (only at EL1: from EL0 the debug exceptions taken to EL1 are enabled whatever D says). With no
// debug state armed (every bit 0) nothing here changes what is lowered.
//  - Breakpoints: a block ends before a breakpointed instruction; the block at it takes the Breakpoint exception
//    (EC 0x30 from EL0, 0x31 from EL1; FAR 0, as QEMU writes it) instead of executing it. At EL1 the exception is
//    taken only while PSTATE.D is clear; otherwise the block continues at the PC's alias PC | 1, whose block (never
//    cached: unaligned PCs have no key) executes the instruction without the check.
//  - Software step: while MDSCR_EL1.SS is set and stepping is possible at the block's EL, blocks are one instruction
//    long and end with D2.12's state machine (StepAfter): the Software Step exception (EC 0x32/0x33) after a stepped
//    instruction (ISV 1, EX for load-exclusives), or with ISV 0 after one that made a pending step active (MSR DAIFClr).
//    ERET computes PSTATE.SS as DebugExceptionReturnSS does and takes the exception at once (ISV 0) when the step is
//    active-pending at its target. Exception entry saves PSTATE.SS in SPSR_EL1.SS and clears it; SVC completes its
//    instruction first (SPSR.SS = 0), as QEMU does.
internal sealed partial class A64Lowerer
{
    /// <summary>Context bits: step possible at EL0 (MDSCR.SS, not locked), at EL1 (also KDE); breakpoints armed at EL0, at EL1; watchpoints armed.</summary>
    internal const int ContextStepEl0 = 42, ContextStepEl1 = 43, ContextBreakEl0 = 44, ContextBreakEl1 = 45, ContextWatch = 46;

    /// <summary>ESR_ELx.EC of the debug exceptions taken from a lower EL (add 1 for the same EL).</summary>
    private const ulong EcBreakpointLower = 0x30, EcStepLower = 0x32;

    /// <summary>ISS of a debug exception: IFSC/DFSC 0b100010 (debug event).</summary>
    private const ulong IssDebugEvent = 0x22;

    /// <summary>PSTATE.SS in SPSR.</summary>
    private const ulong SpsrSs = 1UL << 21;

    /// <summary>The breakpoints in force (the front end's).</summary>
    internal A64Breakpoints Breakpoints { get; set; } = A64Breakpoints.None;

    /// <summary>True when MDSCR_EL1.SS may make PSTATE.SS 1 (the lowering must save and clear it at exception entry).</summary>
    private bool StepPossible => Allows(ContextStepEl0);

    /// <summary>True when blocks at the block's EL are lowered for software step: one instruction, then the step exception.</summary>
    private bool SteppedBlock => Allows(_el == 0 ? ContextStepEl0 : ContextStepEl1);

    /// <summary>True when a breakpoint may fire at the instruction at <paramref name="pc"/> in a block of this EL.</summary>
    private bool BreakpointAt(ulong pc) => Allows(_el == 0 ? ContextBreakEl0 : ContextBreakEl1) && Breakpoints.Matches(pc, _el);

    /// <summary>1 when PSTATE.D is clear (debug exceptions from EL1 enabled, given KDE and no lock), else 0.</summary>
    private IrValue DebugUnmasked() => _b.CmpEq(_b.And(_b.GetReg(ArmState.Daif), K(0x200)), K(0));

    /// <summary>The block at a breakpointed instruction: the Breakpoint exception before it executes.</summary>
    private void LowerBreakpoint(ulong pc)
    {
        if (_el == 0)
        {
            _b.SetReg(ArmState.FarEl1, K(0));
            TakeException(EcBreakpointLower, IssDebugEvent, pc);
            return;
        }
        // At EL1, PSTATE.D decides at run time; masked, the instruction runs from its alias (see the file's comment).
        TakeExceptionIf(DebugUnmasked(), K((EcBreakpointLower + 1) << 26 | EsrIl | IssDebugEvent), K(pc), K(0), K(pc | 1), saveSs: true);
    }

    /// <summary>
    /// True when <paramref name="address"/> (unaligned) is the alias of a breakpointed EL1 instruction whose breakpoint
    /// did not fire: the block is that instruction alone, unchecked.
    /// </summary>
    private bool IsBreakpointAlias(ulong address) => (address & 3) == 1 && _el == 1 && BreakpointAt(address & ~3UL);

    /// <summary>
    /// The step state at the start of a stepped block, before its instruction: PSTATE.SS and whether the step is active
    /// (at EL1, PSTATE.D clear; the context already said MDSCR_EL1.SS, KDE and no lock).
    /// </summary>
    private (IrValue Ss, IrValue Active) StepStateAtStart() => (_b.GetReg(ArmState.PstateSs), _el == 0 ? K(1) : DebugUnmasked());

    /// <summary>
    /// Ends a stepped block after its instruction, with the state machine of ARM DDI 0487 D2.12: an instruction that began
    /// active-not-pending (active, PSTATE.SS 1) was stepped and leaves PSTATE.SS 0; if the step is active now (the
    /// instruction may have set or cleared PSTATE.D) with PSTATE.SS 0 — active-pending — or an instruction was stepped,
    /// the Software Step exception is taken with ELR = <paramref name="next"/>: ISV 1 (and EX for a load-exclusive) when an
    /// instruction was stepped, ISV 0 when none was (MSR DAIFClr unmasking a pending step). Else on to <paramref name="next"/>.
    /// </summary>
    private void StepAfter(IrValue next, (IrValue Ss, IrValue Active) start, bool loadExclusive)
    {
        var stepped = _b.And(start.Active, _b.CmpNe(start.Ss, K(0)));
        var ss = _b.Select(stepped, K(0), start.Ss);
        var activeNow = _el == 0 ? K(1) : DebugUnmasked();
        // A stepped instruction that masks debug exceptions (MSR DAIFSet) is still followed by its step exception: QEMU's
        // choice (gen_step_complete_exception after every stepped instruction), which the guest test records.
        var fire = _b.Or(stepped, _b.And(activeNow, _b.CmpEq(ss, K(0))));
        _b.SetReg(ArmState.PstateSs, ss);
        ulong ec = (EcStepLower + (ulong)_el) << 26 | EsrIl | IssDebugEvent;
        var esr = _b.Select(stepped, K(ec | 1UL << 24 | (loadExclusive ? 1UL << 6 : 0)), K(ec));
        TakeExceptionIf(fire, esr, next, null, next, saveSs: false);
    }

    /// <summary>
    /// After a stepped block's instruction: reopens a terminal that continues in the same mode (a jump, branch or indirect
    /// jump) and ends the block with the step check instead. Exceptions (mode changes) and host traps stay as they are:
    /// the exception entry saves PSTATE.SS, and the host steps after the instructions it completes.
    /// </summary>
    private void FinishSteppedInstruction(IrBlock block, ulong nextPc, (IrValue Ss, IrValue Active) start, bool loadExclusive)
    {
        IrValue next;
        if (!block.IsTerminated) next = K(nextPc);
        else
        {
            var t = block.Terminal;
            switch (t.Kind)
            {
                case IrTerminalKind.Jump: next = K(t.Target); break;
                case IrTerminalKind.Branch: next = _b.Select(new IrValue(t.Condition), K(t.Target), K(t.FallThrough)); break;
                case IrTerminalKind.JumpIndirect when !t.ModeChange: next = new IrValue(t.Value); break;
                default: return;
            }
            block.IsTerminated = false;
        }
        StepAfter(next, start, loadExclusive);
    }

    /// <summary>
    /// Takes a synchronous exception to EL1 when <paramref name="fire"/> is 1 (ESR, ELR and, when given, FAR; PSTATE.SS into
    /// SPSR.SS when <paramref name="saveSs"/>), else leaves every register as it was; then jumps to the vector or to
    /// <paramref name="otherwise"/>. Selects only: the decision is made at run time, after the block's instructions.
    /// </summary>
    private void TakeExceptionIf(IrValue fire, IrValue esr, IrValue preferredReturn, IrValue? far, IrValue otherwise, bool saveSs)
    {
        var el = _b.GetReg(ArmState.CurrentEl);
        var onEl1 = OnEl1Stack();
        var daif = _b.GetReg(ArmState.Daif);
        var spsr = _b.Or(_b.Or(_b.GetNzcv(), daif), _b.Or(_b.Shl(el, K(2)), onEl1));
        if (saveSs && StepPossible)
        {
            var ss = _b.GetReg(ArmState.PstateSs);
            spsr = _b.Or(spsr, ss);
            _b.SetReg(ArmState.PstateSs, _b.Select(fire, K(0), ss));
        }
        var offset = _b.Select(el, _b.Select(onEl1, K(0x200), K(0)), K(0x400));
        var vector = _b.Add(_b.GetReg(ArmState.VbarEl1), offset);
        var sp = _b.GetReg(ArmState.Sp);
        var sp0 = _b.GetReg(ArmState.SpEl0);
        var sp1 = _b.GetReg(ArmState.SpEl1);
        var newSp0 = _b.Select(fire, _b.Select(onEl1, sp0, sp), sp0);
        var newSp1 = _b.Select(fire, _b.Select(onEl1, sp, sp1), sp1);
        _b.SetReg(ArmState.SpEl0, newSp0);
        _b.SetReg(ArmState.SpEl1, newSp1);
        _b.SetReg(ArmState.Sp, _b.Select(fire, newSp1, sp));
        _b.SetReg(ArmState.SpsrEl1, _b.Select(fire, spsr, _b.GetReg(ArmState.SpsrEl1)));
        _b.SetReg(ArmState.ElrEl1, _b.Select(fire, preferredReturn, _b.GetReg(ArmState.ElrEl1)));
        _b.SetReg(ArmState.EsrEl1, _b.Select(fire, esr, _b.GetReg(ArmState.EsrEl1)));
        if (far is { } f) _b.SetReg(ArmState.FarEl1, _b.Select(fire, f, _b.GetReg(ArmState.FarEl1)));
        _b.SetReg(ArmState.Daif, _b.Select(fire, K(0x3C0), daif));
        _b.SetReg(ArmState.SpSel, _b.Select(fire, K(1), _b.GetReg(ArmState.SpSel)));
        _b.SetReg(ArmState.CurrentEl, _b.Select(fire, K(1), el));
        _b.JumpIndirectChangingMode(_b.Select(fire, vector, otherwise));
    }
}

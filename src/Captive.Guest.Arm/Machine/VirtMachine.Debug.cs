using Captive.Core.Execution;
using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;
using Captive.Guest.Arm.Lowering;

namespace Captive.Guest.Arm.Machine;

// Self-hosted debug (ARM DDI 0487 D2), the host's half. Writes to MDSCR_EL1, OSLAR_EL1, OSDLR_EL1, DBGPRCR_EL1 and the
// breakpoint and watchpoint registers trap here; the host stores them and derives (1) translation context bits 46:42
// (software step possible at EL0 / EL1, breakpoints armed at EL0 / EL1, watchpoints armed), which the lowering reads and
// whose change drops every translation, (2) the front end's breakpoint list (a change drops every translation too), and
// (3) the watchpoints the engines check accesses against while bit 46 is set (IGuestDebug: the interpreter checks every
// access, translated code keeps the watched pages out of its TLB, which is emptied whenever the watched ranges change). Matching follows the architecture and, where it leaves a choice, QEMU (hw_breakpoint_update,
// hw_watchpoint_update, bp_wp_matches): address-match breakpoints only (BT 0b000x; context and mismatch types never
// fire), BAS 0 disables, SSC 0b10 (Secure only) never matches, a watchpoint covers the bytes from BAS's lowest set bit
// to its highest, MASK 1 and 2 disable, FAR = the higher of the access's address and the watchpoint's first byte. The
// OS Lock and OS Double Lock disable every debug exception but BRK, as the architecture says (QEMU 7.2 ignores the OS
// Lock; docs/qemu-differences.md).
public sealed partial class VirtMachine : IGuestDebug
{
    private const ulong MdscrSs = 1, MdscrKde = 1UL << 13, MdscrMde = 1UL << 15;

    /// <summary>The armed watchpoints: first byte, length, LSC (bit 0 load, bit 1 store), EL mask (bit 0 EL0, bit 1 EL1).</summary>
    private (ulong Start, ulong Length, int Lsc, int Els)[] _watchpoints = [];
    private bool _debugKde;
    private bool _watchpointsChanged; // the engine's TLB may hold a page a watchpoint now covers, or lack one it no longer does

    /// <inheritdoc/>
    IGuestDebug? IGuestSystem.Debug => this;

    /// <summary>The self-hosted debug registers whose writes the host takes (false: not one of them).</summary>
    private bool TryWriteDebugRegister(ulong encoding, ulong value, GuestRegisters registers)
    {
        if (encoding >> 14 != 2 || !SystemRegisterTable.TryGet((int)encoding, out var reg)) return false;
        if (reg.Access == SysRegAccess.OsLock)
            registers.Write(ArmState.OslsrEl1, (A64IdRegisters.OslsrReset & ~2UL) | (value & 1) << 1); // OSLK := Xt[0]
        else if (reg.Access == SysRegAccess.SlotWriteTraps)
            registers.Write(reg.Offset, value & reg.WriteMask);
        else return false;
        Engine.Statistics.CountRequest("debug-register");
        UpdateTranslationContext(registers);
        return true;
    }

    /// <summary>
    /// The debug state's translation context bits (46:42), after bringing the front end's breakpoints and the watchpoint
    /// list up to date from the registers (a new breakpoint list drops every translation).
    /// </summary>
    private ulong DebugContext(GuestRegisters registers)
    {
        ulong mdscr = registers.Read(ArmState.MdscrEl1);
        bool locked = (registers.Read(ArmState.OslsrEl1) & 2) != 0
            || ((registers.Read(ArmState.OsdlrEl1) & 1) != 0 && (registers.Read(ArmState.DbgprcrEl1) & 1) == 0);
        bool ss = (mdscr & MdscrSs) != 0 && !locked, kde = (mdscr & MdscrKde) != 0, mde = (mdscr & MdscrMde) != 0 && !locked;
        _debugKde = kde;

        var breakpoints = new List<ulong>();
        for (int n = 0; n < A64IdRegisters.Breakpoints; n++)
        {
            ulong bcr = registers.Read(ArmState.DbgbcrEl1 + 8 * n);
            ulong address = (ulong)((long)(registers.Read(ArmState.DbgbvrEl1 + 8 * n) << 15) >> 15) & ~3UL; // VA[48:2], sign-extended
            int els = Els(bcr);
            int bas = (int)(bcr >> 5 & 0xF);
            // E; BT 0b000x (linking ignored, as QEMU); BAS 0 disables, 0b1100 names a halfword no A64 instruction starts at.
            if ((bcr & 1) == 0 || (bcr >> 21 & 7) != 0 || bas is 0 or 0xC || els == 0) continue;
            breakpoints.Add(address | (uint)els);
        }
        var list = breakpoints.Count == 0 ? A64Breakpoints.None : new A64Breakpoints([.. breakpoints]);
        if (!list.Equals(_frontEnd.Breakpoints))
        {
            _frontEnd.Breakpoints = list;
            Engine.InvalidateTranslations();
        }

        var watchpoints = new List<(ulong, ulong, int, int)>();
        for (int n = 0; n < A64IdRegisters.Watchpoints; n++)
        {
            ulong wcr = registers.Read(ArmState.DbgwcrEl1 + 8 * n), wvr = registers.Read(ArmState.DbgwvrEl1 + 8 * n);
            int lsc = (int)(wcr >> 3 & 3), els = Els(wcr), mask = (int)(wcr >> 24 & 31);
            if ((wcr & 1) == 0 || lsc == 0 || els == 0 || mask is 1 or 2) continue;
            ulong start = (ulong)((long)(wvr << 15) >> 15), length;
            if (mask != 0)
            {
                length = 1UL << mask; // MASK wins over BAS (CONSTRAINED UNPREDICTABLE; QEMU's choice)
                start &= ~(length - 1);
            }
            else
            {
                int bas = (int)(wcr >> 5 & 0xFF);
                if ((start & 4) != 0) bas &= 0xF; // a 4-byte aligned WVR: BAS[7:4] ignored
                if (bas == 0) continue;
                int first = System.Numerics.BitOperations.TrailingZeroCount(bas);
                length = (ulong)System.Numerics.BitOperations.TrailingZeroCount(~(bas >> first));
                start += (ulong)first;
            }
            watchpoints.Add((start, length, lsc, els));
        }
        if (!watchpoints.SequenceEqual(_watchpoints)) _watchpointsChanged = true;
        _watchpoints = [.. watchpoints];

        bool watch = mde && _watchpoints.Any(w => (w.Els & 1) != 0 || ((w.Els & 2) != 0 && kde));
        if (watch != ((registers.Read(ArmState.TranslationContext) >> A64Lowerer.ContextWatch & 1) != 0)) _watchpointsChanged = true;
        return (ss ? 1UL : 0) << A64Lowerer.ContextStepEl0
            | (ss && kde ? 1UL : 0) << A64Lowerer.ContextStepEl1
            | (mde && list.AnyFor(0) ? 1UL : 0) << A64Lowerer.ContextBreakEl0
            | (mde && kde && list.AnyFor(1) ? 1UL : 0) << A64Lowerer.ContextBreakEl1
            | (watch ? 1UL : 0) << A64Lowerer.ContextWatch;
    }

    /// <summary>DBGBCR/DBGWCR's PMC/PAC [2:1] and SSC [15:14] as an EL mask (bit 0 EL0, bit 1 EL1); SSC 0b10 matches only in Secure state, which this CPU lacks.</summary>
    private static int Els(ulong control) => (control >> 14 & 3) == 2 ? 0 : (int)(control >> 2 & 1) | (int)(control & 2);

    /// <inheritdoc/>
    bool IGuestDebug.WatchesAccesses(ulong context) => (context >> A64Lowerer.ContextWatch & 1) != 0;

    /// <inheritdoc/>
    bool IGuestDebug.Watches(ulong first, ulong last)
    {
        foreach (var w in _watchpoints)
            if (first <= w.Start + w.Length - 1 && last >= w.Start) return true;
        return false;
    }

    /// <summary>After the translation context was brought up to date: a change of the watched ranges empties the engine's TLB.</summary>
    private void FlushTlbIfWatchpointsChanged()
    {
        if (!_watchpointsChanged) return;
        _watchpointsChanged = false;
        Engine.FlushTlb();
    }

    /// <inheritdoc/>
    bool IGuestDebug.TryHitWatchpoint(ulong address, int size, bool write, int mode, bool unprivileged, out ulong faultInfo, out ulong faultAddress)
    {
        faultInfo = faultAddress = 0;
        if (mode == 1 && (!_debugKde || (new GuestRegisters(Engine.RegisterFile).Read(ArmState.Daif) & 0x200) != 0)) return false;
        int accessEl = unprivileged ? 0 : mode; // LDTR/STTR match as EL0 accesses (QEMU's reading of PAC)
        foreach (var w in _watchpoints)
        {
            if ((w.Lsc & (write ? 2 : 1)) == 0 || (w.Els >> accessEl & 1) == 0) continue;
            if (address + (ulong)size - 1 < w.Start || address > w.Start + w.Length - 1) continue;
            faultAddress = Math.Max(address, w.Start);
            faultInfo = (0x34UL + (ulong)mode) << 26 | 1UL << 25 | (write ? 1UL << 6 : 0) | 0x22; // EC, IL, WnR, DFSC debug
            return true;
        }
        return false;
    }

    /// <summary>True when the software step is active: MDSCR_EL1.SS with debug exceptions enabled at the current EL.</summary>
    private static bool StepActive(GuestRegisters registers)
    {
        ulong context = registers.Read(ArmState.TranslationContext);
        return registers.Read(ArmState.CurrentEl) == 0
            ? (context >> A64Lowerer.ContextStepEl0 & 1) != 0
            : (context >> A64Lowerer.ContextStepEl1 & 1) != 0 && (registers.Read(ArmState.Daif) & 0x200) == 0;
    }

    /// <summary>
    /// After the host completed a stepped instruction (a trap that continues after it, or WFI): the Software Step exception
    /// (ISV 1), as the lowering ends the stepped instructions it completes itself.
    /// </summary>
    private TrapResult StepAfterHostInstruction(in GuestTrap trap, TrapResult result, GuestRegisters registers)
    {
        if (result.Stop || result.NextPc != trap.NextPc || registers.Read(ArmState.PstateSs) == 0 || !StepActive(registers))
            return result;
        // A stepped WFI does not wait: it completes and takes the step exception (QEMU's choice, allowed: WFI may wake at any time).
        if (trap.Kind is not (IrTrapKind.SystemRegisterRead or IrTrapKind.SystemRegisterWrite or IrTrapKind.SystemInstruction or IrTrapKind.Hvc
            or IrTrapKind.Wfi))
            return result;
        Engine.Statistics.CountRequest("software-step");
        registers.Write(ArmState.PstateSs, 0);
        ulong el = registers.Read(ArmState.CurrentEl) & 1;
        return TrapResult.Continue(TakeException(registers, (0x32UL + el) << 26 | 1UL << 25 | 1UL << 24 | 0x22, trap.NextPc, VectorSynchronous));
    }
}

using Captive.Core.Execution;
using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Captive.Guest.Arm.Devices;
using Captive.Guest.Arm.Devices.Gic;
using Captive.Guest.Arm.Lowering;

namespace Captive.Guest.Arm.Machine;

// The interrupt controller, the generic timer and IRQ delivery. The GIC's IRQ output for CPU 0 drives the engine's
// interrupt line (ExecutionEngine.SetInterruptLine): translated code sees it at the next block entry and, with PSTATE.I
// clear, asks the host to take the interrupt (IrTrapKind.Interrupt, here). The generic timer's outputs are the GIC's
// PPIs 30 (physical) and 27 (virtual); its deadline is the engine's alarm on the guest counter. The timer registers and
// the GICv3 ICC registers are host registers: MRS and MSR of them end their block with a SystemRegisterRead or
// SystemRegisterWrite trap answered here.
public sealed partial class VirtMachine
{
    private GicV3CpuInterface? _icc;

    /// <summary>The interrupt controller (GICv2 or GICv3, as <see cref="VirtMachineOptions.GicVersion"/> chose).</summary>
    public IGic Gic { get; }

    /// <summary>The EL1 physical and virtual timers.</summary>
    public GenericTimer Timer { get; } = null!;

    private IGic CreateInterruptController(int version)
    {
        var signal = new IrqSignal(this);
        switch (version)
        {
            case 2:
            {
                // QEMU's virt gives its GICv2 256 SPIs (GICD_TYPER.ITLinesNumber 8) and its GICv3 224 (7).
                var gic = new GicV2(1, GicIntIds.VirtBoardSpiCount + 32, [signal]);
                _bus.Map(new GuestPhysicalAddress(VirtBoard.GicDistributorBase), GicV2.DistributorSize, gic.DistributorView(0));
                _bus.Map(new GuestPhysicalAddress(VirtBoard.GicCpuInterfaceBase), GicV2.CpuInterfaceSize, gic.CpuInterfaceView(0));
                return gic;
            }
            case 3:
            {
                var gic = new GicV3(1, GicIntIds.VirtBoardSpiCount, [signal]);
                _bus.Map(new GuestPhysicalAddress(VirtBoard.GicDistributorBase), GicV3.DistributorSize, gic.Distributor);
                _bus.Map(new GuestPhysicalAddress(VirtBoard.GicRedistributorBase), gic.RedistributorsSize, gic.Redistributors);
                _icc = gic.CpuInterface(0);
                return gic;
            }
            default:
                throw new ArgumentException($"GIC version {version} is not supported (2 or 3).", nameof(version));
        }
    }

    private GenericTimer CreateTimer()
    {
        var engine = Engine;
        var timer = new GenericTimer(engine.ReadCounter, Gic.PpiLine(0, GicIntIds.PhysicalTimerPpi),
            Gic.PpiLine(0, GicIntIds.VirtualTimerPpi), deadline => SetAlarm(ref _timerDeadline, deadline));
        engine.Alarm.Expired = () =>
        {
            timer.Update();
            _pmu?.Update();
        };
        return timer;
    }

    // The engine has one alarm; the timer and the PMU's overflow share it (each recomputes its own deadline when it fires).
    private readonly object _alarmGate = new();
    private ulong _timerDeadline = ulong.MaxValue, _pmuDeadline = ulong.MaxValue;

    private void SetAlarm(ref ulong own, ulong deadline)
    {
        lock (_alarmGate)
        {
            own = deadline;
            Engine.Alarm.Set(Math.Min(_timerDeadline, _pmuDeadline));
        }
    }

    /// <summary>The GIC's IRQ output for CPU 0: the engine's interrupt line.</summary>
    private sealed class IrqSignal(VirtMachine machine) : IGicCpuSignal
    {
        public void SetIrq(bool asserted) => machine.Engine?.SetInterruptLine(asserted);
    }

    /// <summary>
    /// The engine saw the interrupt line up at a block boundary with PSTATE.I clear: the IRQ exception, taken before the
    /// block at the trap's PC (ELR_EL1 = that PC). The line may have dropped since, which leaves nothing to take.
    /// </summary>
    private TrapResult TakeInterrupt(in GuestTrap trap, GuestRegisters registers)
    {
        if ((registers.Read(ArmState.Daif) & 0x80) != 0 || !Gic.IsIrqAsserted(0))
        {
            Engine.Statistics.CountRequest("interrupt:gone");
            return TrapResult.Continue(trap.Pc);
        }
        registers.Write(ArmState.ExclusiveArmed, 0); // exception entry clears the local monitor
        // Before a breakpointed instruction's alias (its breakpoint did not fire): the interrupt returns to the
        // instruction itself, whose breakpoint is checked again.
        ulong at = (trap.Pc & 3) == 1 && _frontEnd.Breakpoints.Matches(trap.Pc & ~3UL, 1) ? trap.Pc & ~3UL : trap.Pc;
        return TrapResult.Continue(TakeException(registers, 0, at, VectorIrq));
    }

    private static GenericTimerKind TimerOf(int encoding) => (encoding >> 3 & 15) == 2 ? GenericTimerKind.Physical : GenericTimerKind.Virtual;

    private static bool IsTimerRegister(int encoding) => encoding >> 4 == A64SystemRegisters.Encode(3, 3, 14, 2, 0) >> 4; // CRm 2 or 3

    /// <summary>MRS of a host register: the value goes to Xt (not for XZR).</summary>
    private TrapResult ReadSystemRegister(in GuestTrap trap, GuestRegisters registers)
    {
        int encoding = (int)(trap.Info & 0xFFFF), rt = (int)(trap.Info >> 16 & 31);
        ulong value;
        if (IsTimerRegister(encoding))
        {
            var timer = TimerOf(encoding);
            switch (encoding & 7)
            {
                case 0: value = Timer.ReadTimerValue(timer); break;
                case 1: value = Timer.ReadControl(timer); break;
                case 2: value = Timer.ReadCompare(timer); break;
                default: return Unsupported(trap);
            }
        }
        else if (encoding == A64SystemRegisters.Encode(3, 0, 12, 1, 0)) // ISR_EL1: I (bit 7) while an IRQ is pending
            value = Gic.IsIrqAsserted(0) ? 0x80UL : 0;
        else if (IsIccRegister(encoding))
        {
            if (_icc is null) return UndefinedInstruction(trap, registers); // no system-register interface with GICv2
            if (!_icc.TryRead((IccRegister)encoding, out value)) return UndefinedInstruction(trap, registers); // write-only
        }
        else if (PerformanceMonitors.IsPmuRegister(encoding))
        {
            if (!_pmu.TryRead(encoding, out value)) return UndefinedInstruction(trap, registers);
        }
        else return Unsupported(trap);
        if (rt != 31) registers.Write(ArmState.X(rt), value);
        return TrapResult.Continue(trap.NextPc);
    }

    /// <summary>MSR of a timer or ICC register (false: not one of them).</summary>
    private bool TryWriteInterruptRegister(in GuestTrap trap, GuestRegisters registers, out TrapResult result)
    {
        int encoding = (int)(trap.Info & 0xFFFF);
        result = TrapResult.Continue(trap.NextPc);
        if (IsTimerRegister(encoding))
        {
            var timer = TimerOf(encoding);
            switch (encoding & 7)
            {
                case 0: Timer.WriteTimerValue(timer, trap.Value); return true;
                case 1: Timer.WriteControl(timer, trap.Value); return true;
                case 2: Timer.WriteCompare(timer, trap.Value); return true;
                default: return false;
            }
        }
        if (encoding == A64SystemRegisters.Encode(3, 0, 12, 1, 0)) // ISR_EL1 is read-only
        {
            result = UndefinedInstruction(trap, registers);
            return true;
        }
        if (!IsIccRegister(encoding)) return false;
        if (_icc is null || !_icc.TryWrite((IccRegister)encoding, trap.Value)) result = UndefinedInstruction(trap, registers);
        return true;
    }

    /// <summary>The ICC_*_EL1 registers: op0 3, op1 0, CRn 4 CRm 6 (PMR) or CRn 12 CRm 8–12.</summary>
    private static bool IsIccRegister(int encoding) =>
        encoding == A64SystemRegisters.Encode(3, 0, 4, 6, 0)
        || (encoding >> 7 == A64SystemRegisters.Encode(3, 0, 12, 0, 0) >> 7 && (encoding >> 3 & 15) is >= 8 and <= 12);

    /// <summary>The instruction is UNDEFINED here: the exception (EC 0, IL 1) at it.</summary>
    private TrapResult UndefinedInstruction(in GuestTrap trap, GuestRegisters registers)
        => TrapResult.Continue(TakeException(registers, 1UL << 25, trap.Pc, VectorSynchronous));

    private TrapResult Unsupported(in GuestTrap trap)
        => TrapResult.Halt(StopReason.Error, $"system register access {Describe(trap)} is not implemented");
}

using System.Diagnostics;
using Captive.Core.IR;
using Captive.Core.Runtime;

namespace Captive.Core.Execution;

/// <summary>
/// An optional capability of a vCPU: reading, on the host, the time-stamp counter the VM reads with <c>rdtsc</c> (the
/// same counter, at the same moment). With it the host computes the guest's CNTVCT exactly, so a timer deadline turned
/// into a host wait fires neither early nor late by the clocks' disagreement.
/// </summary>
public interface ITimestampCounterReader
{
    /// <summary>The VM's TSC now.</summary>
    ulong ReadTimestampCounter();
}

// Interrupts on the accelerated engine (ARCHITECTURE §6). The interrupt line is a word in the control block
// (ControlBlock.InterruptPending) that translated code tests at every block entry; set and unmasked, it leaves through
// ChannelRequest.Interrupt and the host takes the exception — no VM exit. Raising the line also wakes the service
// thread, so the request that follows is answered by polling, not by the doorbell. WFI with nothing pending waits on
// the service thread when the alarm is due soon (the vCPU spins on the channel; no exit), otherwise the vCPU leaves
// the VM (ExitReason.Wait) and its own thread blocks.
public sealed unsafe partial class AcceleratedEngine
{
    /// <summary>WFI waits no longer than this are waited out on the service thread while the vCPU polls the channel.</summary>
    public static readonly TimeSpan ShortWait = TimeSpan.FromMilliseconds(1);

    private int _vcpuThreadId;
    private readonly long _hostCounterStart = Stopwatch.GetTimestamp();

    /// <inheritdoc/>
    public override ulong ReadCounter()
    {
        if (_vcpu is ITimestampCounterReader tsc)
        {
            // The runtime entry stored the TSC at which the guest counter is 0 (RuntimeCode, CPL3 entry).
            ulong origin = Volatile.Read(ref Control<ulong>(ControlBlock.CounterOffset));
            if (origin != 0) return (tsc.ReadTimestampCounter() - origin) >> _counterShift;
        }
        // No TSC reader (or the VM has not started): approximate from the host clock.
        return (ulong)((Stopwatch.GetTimestamp() - _hostCounterStart) * ((double)_counterFrequency / Stopwatch.Frequency));
    }

    /// <inheritdoc/>
    protected override void PublishInterruptLine(bool asserted)
    {
        Volatile.Write(ref Control<uint>(ControlBlock.InterruptPending), asserted ? 1u : 0u);
        // The vCPU will post an Interrupt request at its next block entry: have the service thread polling for it.
        if (asserted) _wake.Set();
    }

    /// <summary>Translated code saw the interrupt flag at a block entry: the machine takes the interrupt (or not, if it went away).</summary>
    private ChannelAction TakeInterrupt()
    {
        Statistics.CountRequest("interrupt");
        ulong pc = new GuestRegisters(RegisterFile).Read(Layout.PcOffset);
        return Dispatch(new GuestTrap(IrTrapKind.Interrupt, pc, pc, 0, 0));
    }

    /// <summary>The machine answered a trap with Wait (WFI).</summary>
    private ChannelAction Wait()
    {
        if (InterruptLine) return ChannelAction.Continue;
        var due = Alarm.TimeUntilDue();
        if (Environment.CurrentManagedThreadId == _vcpuThreadId || (due != Timeout.InfiniteTimeSpan && due <= ShortWait))
        {
            // The vCPU's own thread (it is out of the VM already: the doorbell), or a short wait: wait here.
            Statistics.CountRequest("wfi:host-wait");
            WaitForInterrupt();
            return ChannelAction.Continue;
        }
        return ChannelAction.Wait; // the vCPU leaves the VM and its thread blocks (ExitReason.Wait)
    }
}

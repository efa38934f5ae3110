namespace Captive.Core.Execution;

// Asynchronous interrupts and time (ARCHITECTURE §6): the machine's interrupt controller drives one interrupt line per
// vCPU through SetInterruptLine; the engine takes a pending interrupt at the next block boundary where the guest's
// interrupt mask (GuestStateLayout.InterruptMaskOffset) is clear, by handing the machine an IrTrapKind.Interrupt trap.
// A WFI trap answered with TrapResult.Wait blocks the vCPU's host thread until the line rises or the alarm is due.
public abstract partial class ExecutionEngine
{
    private volatile bool _interruptLine;
    private volatile bool _waitCancelled;
    private readonly ManualResetEventSlim _interruptEvent = new(false);
    private CounterAlarm? _alarm;
    private readonly object _alarmGate = new();

    /// <summary>The guest's counter now (what CNTVCT_EL0 reads in the guest), read on the host.</summary>
    public abstract ulong ReadCounter();

    /// <summary>The level of vCPU 0's interrupt line.</summary>
    public bool InterruptLine => _interruptLine;

    /// <summary>
    /// Sets the level of vCPU 0's interrupt line (an interrupt controller's output). Safe from any thread and quick: it
    /// publishes the level where the running guest code sees it at its next block boundary, and wakes a vCPU waiting in
    /// WFI.
    /// </summary>
    public void SetInterruptLine(bool asserted)
    {
        _interruptLine = asserted;
        PublishInterruptLine(asserted);
        if (asserted) _interruptEvent.Set();
    }

    /// <summary>Makes the line's level visible to running guest code (the translated code's flag); called on every change.</summary>
    protected virtual void PublishInterruptLine(bool asserted) { }

    /// <summary>The engine's alarm on the guest counter, for the machine's timers (created on first use).</summary>
    public CounterAlarm Alarm
    {
        get
        {
            if (_alarm is { } a) return a;
            lock (_alarmGate) return _alarm ??= new CounterAlarm(ReadCounter, CounterFrequency);
        }
    }

    /// <summary>Whether the interrupt the line signals may be taken now: the line is up and the guest does not mask it.</summary>
    protected bool InterruptTakeable(ReadOnlySpan<byte> registerFile)
        => _interruptLine && Layout.InterruptMaskOffset >= 0 && (registerFile[Layout.InterruptMaskOffset] & Layout.InterruptMaskBit) == 0;

    /// <summary>
    /// WFI: blocks the calling thread until the interrupt line is up (masked or not, as WFI wakes), the alarm fires, or
    /// <see cref="WakeWaiters"/> is called. Returns at once when the line is already up.
    /// </summary>
    protected void WaitForInterrupt()
    {
        _interruptEvent.Reset();
        if (_interruptLine || _waitCancelled) return;
        Alarm.WaitFor(_interruptEvent, () => _interruptLine || _waitCancelled);
    }

    /// <summary>Ends a <see cref="WaitForInterrupt"/> in progress and any later one (cancellation).</summary>
    protected void WakeWaiters()
    {
        _waitCancelled = true;
        _interruptEvent.Set();
    }

    /// <summary>Lets <see cref="WaitForInterrupt"/> block again (a new run).</summary>
    protected void ResetWaiters() => _waitCancelled = false;
}

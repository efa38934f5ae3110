using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices;

/// <summary>Which EL1 timer of the generic timer.</summary>
public enum GenericTimerKind
{
    /// <summary>The EL1 physical timer (CNTP_*_EL0), on PPI 30 of the 'virt' board.</summary>
    Physical = 0,
    /// <summary>The virtual timer (CNTV_*_EL0), on PPI 27.</summary>
    Virtual = 1,
}

/// <summary>The state of a <see cref="GenericTimer"/>, for snapshots.</summary>
/// <param name="PhysicalControl">CNTP_CTL_EL0's ENABLE and IMASK bits.</param>
/// <param name="PhysicalCompare">CNTP_CVAL_EL0.</param>
/// <param name="VirtualControl">CNTV_CTL_EL0's ENABLE and IMASK bits.</param>
/// <param name="VirtualCompare">CNTV_CVAL_EL0.</param>
public readonly record struct GenericTimerState(ulong PhysicalControl, ulong PhysicalCompare, ulong VirtualControl, ulong VirtualCompare);

/// <summary>
/// The EL1 physical and virtual timers of the ARM generic timer (ARM DDI 0487 D11.2): one counter — CNTPCT_EL0 and
/// CNTVCT_EL0 read the same value, there being no EL2 to set CNTVOFF_EL2 — and per timer a 64-bit compare value
/// (CVAL), the 32-bit signed TimerValue view of it (TVAL = CVAL − counter) and a control register (ENABLE bit 0, IMASK
/// bit 1, ISTATUS bit 2, read-only). The timer condition is "counter ≥ CVAL"; while it holds with ENABLE set and IMASK
/// clear, the timer's interrupt output (a level-sensitive PPI) is high, and it goes low as soon as that stops — a new
/// CVAL or TVAL, ENABLE cleared or IMASK set. ISTATUS reads the condition while enabled and 0 while disabled, as QEMU's.
/// </summary>
/// <remarks>
/// The counter is the engine's (<c>ExecutionEngine.ReadCounter</c>, the value guest code reads). The model asks for an
/// alarm at the earliest counter value at which an unmasked, enabled timer's output must rise, and
/// <see cref="Update"/> — called by the alarm, and after every register write — recomputes both outputs from the
/// counter. Thread-safe: register accesses, the alarm and snapshots may come from different threads.
/// </remarks>
public sealed class GenericTimer
{
    /// <summary>CNTx_CTL_EL0.ENABLE.</summary>
    public const ulong Enable = 1;
    /// <summary>CNTx_CTL_EL0.IMASK.</summary>
    public const ulong InterruptMask = 2;
    /// <summary>CNTx_CTL_EL0.ISTATUS (read-only).</summary>
    public const ulong InterruptStatus = 4;

    private readonly Func<ulong> _counter;
    private readonly IInterruptLine?[] _lines;
    private readonly Action<ulong>? _setAlarm;
    private readonly object _gate = new();
    private readonly ulong[] _control = new ulong[2];
    private readonly ulong[] _compare = new ulong[2];
    private readonly bool[] _level = new bool[2];

    /// <summary>Creates the timers, both disabled.</summary>
    /// <param name="counter">Reads the system counter.</param>
    /// <param name="physicalLine">The physical timer's interrupt (PPI 30), or null.</param>
    /// <param name="virtualLine">The virtual timer's interrupt (PPI 27), or null.</param>
    /// <param name="setAlarm">Asks to be called back (<see cref="Update"/>) when the counter reaches a value (<see cref="ulong.MaxValue"/>: never), or null.</param>
    public GenericTimer(Func<ulong> counter, IInterruptLine? physicalLine, IInterruptLine? virtualLine, Action<ulong>? setAlarm)
    {
        _counter = counter ?? throw new ArgumentNullException(nameof(counter));
        _lines = [physicalLine, virtualLine];
        _setAlarm = setAlarm;
    }

    /// <summary>CNTx_CTL_EL0: ENABLE, IMASK and ISTATUS.</summary>
    public ulong ReadControl(GenericTimerKind timer)
    {
        int t = (int)timer;
        lock (_gate)
        {
            // The outputs follow the condition the guest sees here, even before the alarm gets to it.
            ulong now = _counter();
            UpdateLocked(now);
            return _control[t] | (Condition(t, now) ? InterruptStatus : 0);
        }
    }

    /// <summary>CNTx_CTL_EL0: ENABLE and IMASK are written, ISTATUS is read-only.</summary>
    public void WriteControl(GenericTimerKind timer, ulong value)
    {
        lock (_gate)
        {
            _control[(int)timer] = value & (Enable | InterruptMask);
            UpdateLocked();
        }
    }

    /// <summary>CNTx_CVAL_EL0.</summary>
    public ulong ReadCompare(GenericTimerKind timer)
    {
        lock (_gate)
            return _compare[(int)timer];
    }

    /// <summary>CNTx_CVAL_EL0.</summary>
    public void WriteCompare(GenericTimerKind timer, ulong value)
    {
        lock (_gate)
        {
            _compare[(int)timer] = value;
            UpdateLocked();
        }
    }

    /// <summary>CNTx_TVAL_EL0: (CVAL − counter)[31:0], bits [63:32] RES0.</summary>
    public ulong ReadTimerValue(GenericTimerKind timer)
    {
        lock (_gate)
            return (uint)(_compare[(int)timer] - _counter());
    }

    /// <summary>CNTx_TVAL_EL0: CVAL = counter + SignExtend(value[31:0]).</summary>
    public void WriteTimerValue(GenericTimerKind timer, ulong value)
    {
        lock (_gate)
        {
            _compare[(int)timer] = _counter() + (ulong)(long)(int)(uint)value;
            UpdateLocked();
        }
    }

    /// <summary>The level of a timer's interrupt output.</summary>
    public bool IsAsserted(GenericTimerKind timer)
    {
        lock (_gate)
            return _level[(int)timer];
    }

    /// <summary>Recomputes both outputs from the counter and asks for the next alarm (the alarm's callback).</summary>
    public void Update()
    {
        lock (_gate)
            UpdateLocked();
    }

    /// <summary>Captures the registers.</summary>
    public GenericTimerState Save()
    {
        lock (_gate)
            return new GenericTimerState(_control[0], _compare[0], _control[1], _compare[1]);
    }

    /// <summary>Restores registers captured by <see cref="Save"/> and drives the outputs to match.</summary>
    public void Restore(GenericTimerState state)
    {
        lock (_gate)
        {
            _control[0] = state.PhysicalControl & (Enable | InterruptMask);
            _compare[0] = state.PhysicalCompare;
            _control[1] = state.VirtualControl & (Enable | InterruptMask);
            _compare[1] = state.VirtualCompare;
            UpdateLocked();
        }
    }

    /// <summary>Disables both timers (reset: CNTx_CTL_EL0.ENABLE resets to 0) and lowers the outputs.</summary>
    public void Reset() => Restore(default);

    private bool Condition(int t, ulong now) => (_control[t] & Enable) != 0 && now >= _compare[t];

    private void UpdateLocked() => UpdateLocked(_counter());

    private void UpdateLocked(ulong now)
    {
        ulong alarm = ulong.MaxValue;
        for (int t = 0; t < 2; t++)
        {
            bool live = (_control[t] & (Enable | InterruptMask)) == Enable;
            bool level = live && now >= _compare[t];
            if (live && !level) alarm = Math.Min(alarm, _compare[t]);
            if (level != _level[t])
            {
                _level[t] = level;
                _lines[t]?.Set(level);
            }
        }
        _setAlarm?.Invoke(alarm); // the alarm ignores an unchanged deadline
    }
}

using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Devices;

/// <summary>
/// The Performance Monitors Extension, PMUv3 (ARM DDI 0487 D7), as far as this CPU can count: the cycle counter
/// (PMCCNTR_EL0) and <see cref="A64IdRegisters.EventCounters"/> 32-bit event counters that count SW_INCR (0x00, by
/// writes to PMSWINC_EL0) or CPU_CYCLES (0x11); an event counter set to any other event holds its value. PMCEID0_EL0
/// lists exactly those two events.
/// </summary>
/// <remarks>
/// <para>Cycles are derived from the guest's system counter (the one CNTVCT_EL0 reads) at a nominal
/// <see cref="CyclesPerSecond"/>: the counter is already read without an exit in translated code and on the host, is
/// monotonic and is the same on both engines. Counting executed instructions instead would cost translated code an
/// increment per block (the engines count instructions only when asked) and would still not be a cycle count.</para>
/// <para>State is kept lazily: a stopped counter holds its value; a running one holds an offset from the cycle clock.
/// Every register access first brings the counters up to date (<see cref="Sync"/>) and records overflows
/// (PMOVSSET_EL0) that happened since the last access: the cycle counter overflows at 64 bits (PMCR_EL0.LC is RES1 in
/// an AArch64-only implementation), event counters at 32.</para>
/// <para>Not implemented: the overflow interrupt (PMINTENSET_EL1 is stored; the virt board's PMU PPI 23 is never
/// raised), and filtering by Exception level of clocked counters — PMCCFILTR_EL0/PMEVTYPER&lt;n&gt;_EL0.P and U are
/// stored, and a counter that excludes both EL0 and EL1 stops, but one that excludes only one of them counts at both.
/// Software increments honour P and U (the EL is known at the write).</para>
/// </remarks>
internal sealed class PerformanceMonitors
{
    /// <summary>The nominal CPU frequency the cycle counter counts at: 1 GHz, one cycle per nanosecond.</summary>
    public const ulong CyclesPerSecond = 1_000_000_000;

    private const int N = A64IdRegisters.EventCounters;
    private const int Cycle = N;                       // index of the cycle counter in the arrays
    private const ulong PmcrE = 1, PmcrP = 2, PmcrC = 4, PmcrD = 8, PmcrLc = 1UL << 6, PmcrWritable = PmcrE | PmcrD | 1UL << 5; // E, D, DP
    private const ulong CounterBits = (1UL << N) - 1 | 1UL << 31;
    private const ulong FilterP = 1UL << 31, FilterU = 1UL << 30;
    private const ulong EventTypeMask = FilterP | FilterU | 0x3FF, CycleFilterMask = FilterP | FilterU;
    private const ulong EventSwIncrement = 0x00, EventCpuCycles = 0x11;

    private readonly Func<ulong> _counter;
    private readonly ulong _counterFrequency;
    private readonly Captive.Core.Devices.IInterruptLine? _interrupt;
    private readonly Action<ulong>? _setAlarm;
    private bool _level;
    private readonly object _gate = new();
    private readonly ulong[] _value = new ulong[N + 1];   // a stopped counter's value; a running one's value at _since
    private readonly bool[] _running = new bool[N + 1];
    private readonly ulong[] _eventType = new ulong[N];
    private ulong _since;                                 // the cycle clock when the running counters were last brought up to date
    private ulong _control, _enabled, _overflow, _interruptEnable, _cycleFilter;
    private int _select;

    /// <summary>Creates the PMU in its reset state (everything disabled and zero).</summary>
    /// <param name="counter">Reads the system counter.</param>
    /// <param name="counterFrequency">The system counter's frequency in Hz.</param>
    /// <param name="interrupt">The overflow interrupt (the virt board's PPI 23), or null.</param>
    /// <param name="setAlarm">
    /// Asks to be called back (<see cref="Update"/>) when the system counter reaches a value (<see cref="ulong.MaxValue"/>:
    /// never): the next overflow of a clocked counter whose interrupt is enabled. Null: overflows are found at accesses only.
    /// </param>
    public PerformanceMonitors(Func<ulong> counter, ulong counterFrequency, Captive.Core.Devices.IInterruptLine? interrupt = null,
        Action<ulong>? setAlarm = null)
    {
        _counter = counter ?? throw new ArgumentNullException(nameof(counter));
        ArgumentOutOfRangeException.ThrowIfZero(counterFrequency);
        _counterFrequency = counterFrequency;
        _interrupt = interrupt;
        _setAlarm = setAlarm;
    }

    /// <summary>The alarm set by <c>setAlarm</c> is due: records the overflows since, sets the interrupt and the next alarm.</summary>
    public void Update()
    {
        lock (_gate)
        {
            Sync();
            Signal();
        }
    }

    /// <summary>
    /// The overflow interrupt's level — PMCR_EL0.E and an overflow flag whose interrupt is enabled (QEMU's pmu_update_irq)
    /// — and the alarm for the next overflow of a running clocked counter whose interrupt is enabled.
    /// </summary>
    private void Signal()
    {
        bool level = (_control & PmcrE) != 0 && (_overflow & _interruptEnable) != 0;
        if (level != _level)
        {
            _level = level;
            _interrupt?.Set(level);
        }
        if (_setAlarm is null) return;
        ulong now = Clock(), first = ulong.MaxValue;
        for (int k = 0; k <= N; k++)
        {
            int bit = k == Cycle ? 31 : k;
            if (!_running[k] || (_interruptEnable >> bit & 1) == 0) continue;
            bool wide = k == Cycle && ((A64IdRegisters.PmcrFixed | _control) & PmcrLc) != 0;
            ulong value = wide ? _value[k] : _value[k] & 0xFFFF_FFFF;
            ulong left = wide ? 0 - value : (1UL << 32) - value; // ticks to the overflow
            if (left == 0) continue;
            ulong at = k == Cycle && (_control & PmcrD) != 0 ? ((_since >> 6) + left) << 6 : _since + left; // cycle clock
            if (at < now) at = now;
            first = Math.Min(first, at);
        }
        // The system counter value at which the cycle clock reaches it (rounded up: never early).
        UInt128 deadline = first == ulong.MaxValue ? ulong.MaxValue : ((UInt128)first * _counterFrequency + CyclesPerSecond - 1) / CyclesPerSecond;
        _setAlarm(deadline >= ulong.MaxValue ? ulong.MaxValue : (ulong)deadline);
    }

    private ulong Clock() => (ulong)((UInt128)_counter() * CyclesPerSecond / _counterFrequency);

    /// <summary>
    /// Brings the running counters up to date at the current cycle clock, recording overflows. Called under the lock
    /// before every access, and again (<see cref="Restart"/>) after a write that may start or stop counters.
    /// </summary>
    private void Sync()
    {
        ulong now = Clock(), elapsed = now - _since;
        _since = now;
        for (int k = 0; k <= N; k++)
        {
            if (!_running[k]) continue;
            ulong ticks = k == Cycle && (_control & PmcrD) != 0 ? (now >> 6) - ((now - elapsed) >> 6) : elapsed;
            Advance(k, ticks);
        }
    }

    private void Advance(int k, ulong ticks)
    {
        ulong before = _value[k], after = before + ticks;
        if (k == Cycle)
        {
            // PMCR_EL0.LC: overflow out of bit 63, else out of bit 31 (the counter itself keeps 64 bits, as QEMU's).
            bool wide = ((A64IdRegisters.PmcrFixed | _control) & PmcrLc) != 0;
            if (wide ? after < before : (before & 0xFFFF_FFFF) + ticks > 0xFFFF_FFFF) _overflow |= 1UL << 31;
            _value[k] = after;
        }
        else
        {
            if (after >> 32 != 0) _overflow |= 1UL << k;
            _value[k] = after & 0xFFFF_FFFF;
        }
    }

    /// <summary>Recomputes which counters the cycle clock drives after a change of PMCR_EL0, PMCNTENSET/CLR or an event type.</summary>
    private void Restart()
    {
        bool on = (_control & PmcrE) != 0;
        _running[Cycle] = on && (_enabled >> 31 & 1) != 0 && (_cycleFilter & (FilterP | FilterU)) != (FilterP | FilterU);
        for (int k = 0; k < N; k++)
            _running[k] = on && (_enabled >> k & 1) != 0 && (_eventType[k] & 0x3FF) == EventCpuCycles
                && (_eventType[k] & (FilterP | FilterU)) != (FilterP | FilterU);
    }

    /// <summary>MRS of a PMU register the host implements; false when <paramref name="encoding"/> is not one (or does not exist).</summary>
    public bool TryRead(int encoding, out ulong value)
    {
        lock (_gate)
        {
            Sync();
            int crn = encoding >> 7 & 15, crm = encoding >> 3 & 15, op2 = encoding & 7;
            value = (crn, crm, op2) switch
            {
                (9, 12, 0) => A64IdRegisters.PmcrFixed | _control,
                (9, 12, 1) or (9, 12, 2) => _enabled,
                (9, 12, 3) or (9, 14, 3) => _overflow,
                (9, 14, 1) or (9, 14, 2) => _interruptEnable,
                (9, 12, 5) => (ulong)_select,
                (9, 13, 0) => _value[Cycle],
                (9, 13, 1) => _select == 31 ? _cycleFilter : _select < N ? _eventType[_select] : 0, // others: RAZ/WI
                (9, 13, 2) => _select < N ? _value[_select] : 0,
                (14, 15, 7) => _cycleFilter,
                (14, >= 8 and <= 11, _) when EventIndex(encoding) < N => _value[EventIndex(encoding)],
                (14, >= 12 and <= 15, _) when EventIndex(encoding) < N => _eventType[EventIndex(encoding)],
                _ => ulong.MaxValue,
            };
            Signal();
            if (value != ulong.MaxValue) return true;
            value = 0;
            return false;
        }
    }

    /// <summary>
    /// MSR of a PMU register the host implements, made at Exception level <paramref name="el"/> (software increments are
    /// filtered by it); false when <paramref name="encoding"/> is not one.
    /// </summary>
    public bool TryWrite(int encoding, ulong value, int el)
    {
        lock (_gate)
        {
            Sync();
            int crn = encoding >> 7 & 15, crm = encoding >> 3 & 15, op2 = encoding & 7;
            switch (crn, crm, op2)
            {
                case (9, 12, 0):
                    if ((value & PmcrP) != 0) Array.Clear(_value, 0, N);
                    if ((value & PmcrC) != 0) _value[Cycle] = 0;
                    _control = value & PmcrWritable;
                    break;
                case (9, 12, 1): _enabled |= value & CounterBits; break;
                case (9, 12, 2): _enabled &= ~value; break;
                case (9, 14, 3): _overflow |= value & CounterBits; break;
                case (9, 12, 3): _overflow &= ~value; break;
                case (9, 14, 1): _interruptEnable |= value & CounterBits; break;
                case (9, 14, 2): _interruptEnable &= ~value; break;
                case (9, 12, 4): SoftwareIncrement(value, el); break;
                case (9, 12, 5): _select = (int)(value & 31); break;
                case (9, 13, 0): _value[Cycle] = value; break;
                case (9, 13, 1):
                    if (_select == 31) _cycleFilter = value & CycleFilterMask;
                    else if (_select < N) _eventType[_select] = value & EventTypeMask;
                    break;
                case (9, 13, 2):
                    if (_select < N) _value[_select] = value & 0xFFFF_FFFF;
                    break;
                case (14, 15, 7): _cycleFilter = value & CycleFilterMask; break;
                case (14, >= 8 and <= 11, _) when EventIndex(encoding) < N: _value[EventIndex(encoding)] = value & 0xFFFF_FFFF; break;
                case (14, >= 12 and <= 15, _) when EventIndex(encoding) < N: _eventType[EventIndex(encoding)] = value & EventTypeMask; break;
                default: return false;
            }
            Restart();
            Signal();
            return true;
        }
    }

    /// <summary>n of PMEVCNTR&lt;n&gt;_EL0 / PMEVTYPER&lt;n&gt;_EL0: CRm[1:0]:op2.</summary>
    private static int EventIndex(int encoding) => (encoding >> 3 & 3) << 3 | encoding & 7;

    /// <summary>PMSWINC_EL0: each enabled event counter set to SW_INCR whose bit is written as 1 counts one.</summary>
    private void SoftwareIncrement(ulong value, int el)
    {
        if ((_control & PmcrE) == 0) return;
        for (int k = 0; k < N; k++)
        {
            ulong type = _eventType[k];
            if ((value >> k & 1) == 0 || (_enabled >> k & 1) == 0 || (type & 0x3FF) != EventSwIncrement) continue;
            if ((type & (el == 0 ? FilterU : FilterP)) != 0) continue;
            Advance(k, 1);
        }
    }

    /// <summary>True for the encodings <see cref="TryRead"/> and <see cref="TryWrite"/> answer (the PMU registers the lowering sends to the host).</summary>
    public static bool IsPmuRegister(int encoding)
    {
        int crn = encoding >> 7 & 15, crm = encoding >> 3 & 15;
        return encoding >> 14 == 3 && ((encoding >> 11 & 7) is 0 or 3) && ((crn == 9 && crm is >= 12 and <= 14) || (crn == 14 && crm >= 8));
    }

}

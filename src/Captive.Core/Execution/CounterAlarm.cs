using System.Diagnostics;

namespace Captive.Core.Execution;

/// <summary>
/// One deadline on the guest's counter (CNTVCT): when the counter reaches it, <see cref="Expired"/> runs — on the alarm's
/// own thread, or on a vCPU thread that waits in WFI and gets there first (<see cref="FireIfDue"/>). The machine's
/// generic timer sets it to its earliest armed comparator; the expiry callback recomputes the timer outputs and sets
/// the next deadline.
/// </summary>
/// <remarks>
/// Accuracy: the host's timed waits have millisecond resolution and wake up to a few hundred microseconds late, so the
/// thread sleeps until <see cref="SpinWindow"/> before the deadline and spins (yielding) for the rest: an event fires a
/// few microseconds after its deadline, never before, at the cost of up to <see cref="SpinWindow"/> of one host core
/// per event. The thread starts with the first deadline and ends with <see cref="Dispose"/>; no state is shared between
/// instances.
/// </remarks>
public sealed class CounterAlarm : IDisposable
{
    /// <summary>How long before a deadline the thread stops sleeping and spins.</summary>
    public static readonly TimeSpan SpinWindow = TimeSpan.FromMicroseconds(1500);

    private readonly Func<ulong> _readCounter;
    private readonly double _ticksPerSecond;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _changed = new(false);
    private ulong _deadline = ulong.MaxValue;
    private Thread? _thread;
    private volatile bool _disposed;
    private long _fired;
    private int _waiters; // threads in WaitFor: they fire the alarm themselves, so the alarm's thread need not spin

    /// <summary>Creates an alarm on the counter <paramref name="readCounter"/> reads, which runs at <paramref name="frequency"/> Hz.</summary>
    public CounterAlarm(Func<ulong> readCounter, ulong frequency)
    {
        ArgumentNullException.ThrowIfNull(readCounter);
        ArgumentOutOfRangeException.ThrowIfZero(frequency);
        _readCounter = readCounter;
        _ticksPerSecond = frequency;
    }

    /// <summary>Runs when the counter reaches the deadline (which is cleared first). Must be quick; it may call <see cref="Set"/>.</summary>
    public Action? Expired { get; set; }

    /// <summary>The counter value the alarm waits for, or <see cref="ulong.MaxValue"/> for none.</summary>
    public ulong Deadline { get { lock (_gate) return _deadline; } }

    /// <summary>How many times the alarm has fired.</summary>
    public long FiredCount => Interlocked.Read(ref _fired);

    /// <summary>Sets the deadline (<see cref="ulong.MaxValue"/>: none). Safe from any thread.</summary>
    public void Set(ulong deadline)
    {
        lock (_gate)
        {
            if (_deadline == deadline) return;
            _deadline = deadline;
            if (deadline != ulong.MaxValue && _thread is null && !_disposed)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = "captive-alarm" };
                _thread.Start();
            }
        }
        _changed.Set();
    }

    /// <summary>Runs <see cref="Expired"/> when the deadline has passed; true when it did.</summary>
    public bool FireIfDue()
    {
        lock (_gate)
        {
            if (_deadline == ulong.MaxValue || _readCounter() < _deadline) return false;
            _deadline = ulong.MaxValue;
        }
        Interlocked.Increment(ref _fired);
        Expired?.Invoke();
        return true;
    }

    /// <summary>Time until the deadline (zero when due, <see cref="Timeout.InfiniteTimeSpan"/> when none).</summary>
    public TimeSpan TimeUntilDue()
    {
        ulong deadline = Deadline;
        if (deadline == ulong.MaxValue) return Timeout.InfiniteTimeSpan;
        ulong now = _readCounter();
        return now >= deadline ? TimeSpan.Zero : TimeSpan.FromSeconds((deadline - now) / _ticksPerSecond);
    }

    /// <summary>
    /// Blocks until <paramref name="done"/> is true (checked whenever <paramref name="wake"/> is set and after the alarm
    /// fires), the deadline passes (then fires it here, on the caller's thread: one thread hop fewer than waiting for the
    /// alarm's thread), or <paramref name="wake"/> is set. Sleeps until <see cref="SpinWindow"/> before the deadline,
    /// then spins.
    /// </summary>
    public void WaitFor(ManualResetEventSlim wake, Func<bool> done)
    {
        ArgumentNullException.ThrowIfNull(wake);
        ArgumentNullException.ThrowIfNull(done);
        Interlocked.Increment(ref _waiters);
        try
        {
            while (!done())
            {
                if (FireIfDue()) continue;
                var left = TimeUntilDue();
                if (left == Timeout.InfiniteTimeSpan || left > SpinWindow)
                {
                    var sleep = left == Timeout.InfiniteTimeSpan ? TimeSpan.FromMilliseconds(50) : left - SpinWindow;
                    if (wake.Wait(sleep)) return;
                    continue;
                }
                // The last stretch: a pure spin. Yielding would let the host scheduler give the core away for a
                // whole time slice (milliseconds on a loaded host), which is what the spin is there to avoid.
                while (!wake.IsSet && !done() && TimeUntilDue() > TimeSpan.Zero) Thread.SpinWait(50);
                if (wake.IsSet) return;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    private void Loop()
    {
        while (!_disposed)
        {
            _changed.Reset();
            ulong deadline = Deadline;
            if (deadline == ulong.MaxValue)
            {
                _changed.Wait();
                continue;
            }
            if (FireIfDue()) continue;
            var left = TimeUntilDue();
            if (left > SpinWindow)
            {
                _changed.Wait(left - SpinWindow);
                continue;
            }
            if (Volatile.Read(ref _waiters) > 0)
            {
                _changed.Wait(left); // a WFI waiter spins for this deadline and fires it; be the backstop only
                continue;
            }
            while (!_changed.IsSet && !_disposed && _readCounter() < deadline) Thread.SpinWait(50);
        }
    }

    /// <summary>Stops the alarm's thread.</summary>
    public void Dispose()
    {
        _disposed = true;
        _changed.Set();
        _thread?.Join();
        _changed.Dispose();
    }

    /// <summary>A counter for tests and engines without one of their own: <see cref="Stopwatch"/> ticks since <paramref name="start"/>.</summary>
    public static ulong StopwatchCounter(long start) => (ulong)(Stopwatch.GetTimestamp() - start);
}

using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices;

/// <summary>The saved state of a <see cref="Pl031"/> (plain values; the clock itself is the host's).</summary>
/// <param name="Offset">Seconds added to the host's UTC clock to make RTCDR.</param>
/// <param name="Match">RTCMR.</param>
/// <param name="Load">RTCLR (the value last loaded).</param>
/// <param name="InterruptMask">RTCIMSC.</param>
/// <param name="RawInterrupt">RTCRIS.</param>
public sealed record Pl031State(long Offset, uint Match, uint Load, uint InterruptMask, uint RawInterrupt);

/// <summary>
/// ARM PrimeCell PL031 real-time clock (ARM DDI 0224), as the 'virt' board has it at 0x0901_0000 on SPI 2: a 32-bit
/// count of seconds that runs from the host's UTC clock plus an offset the guest sets by writing RTCLR, and a match
/// register that raises the interrupt when the count reaches it. Always enabled (RTCCR reads 1), as in QEMU. Thread-safe:
/// the match fires on a timer thread.
/// </summary>
public sealed class Pl031 : IMmioDevice, IDisposable
{
    /// <summary>Size of the register window.</summary>
    public const ulong WindowSize = 0x1000;

    private const ulong Data = 0x00, Match = 0x04, Load = 0x08, Control = 0x0C, InterruptMask = 0x10, RawInterrupt = 0x14,
        MaskedInterrupt = 0x18, InterruptClear = 0x1C, PeripheralId0 = 0xFE0;

    /// <summary>UARTPeriphID0–3 and PCellID0–3 (PL031 r1p0, QEMU's values).</summary>
    private static ReadOnlySpan<byte> Identification => [0x31, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1];

    private readonly object _gate = new();
    private readonly Func<long> _utcSeconds;
    private readonly IInterruptLine? _interrupt;
    private readonly Timer _alarm;
    private long _offset;
    private uint _match, _load, _mask, _raw;

    /// <summary>Creates the clock. <paramref name="utcSeconds"/> replaces the host's clock (seconds since 1970; tests).</summary>
    public Pl031(IInterruptLine? interrupt = null, Func<long>? utcSeconds = null)
    {
        _interrupt = interrupt;
        _utcSeconds = utcSeconds ?? (() => DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        _alarm = new Timer(_ => Matched(), null, Timeout.Infinite, Timeout.Infinite);
    }

    /// <inheritdoc/>
    public string Name => "pl031";

    private uint Count => (uint)(_utcSeconds() + _offset);

    /// <inheritdoc/>
    public void Read(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (offset >= WindowSize) return;
        ulong register = offset & ~3UL;
        uint value;
        lock (_gate)
        {
            value = register switch
            {
                Data => Count,
                Match => _match,
                Load => _load,
                Control => 1,
                InterruptMask => _mask,
                RawInterrupt => _raw,
                MaskedInterrupt => _raw & _mask,
                >= PeripheralId0 and < WindowSize => Identification[(int)(register - PeripheralId0) / 4],
                _ => 0, // RTCICR is write-only; reserved and test registers read as zero
            };
        }
        value >>= (int)(offset & 3) * 8;
        for (int i = 0; i < data.Length && i < 4 - (int)(offset & 3); i++) data[i] = (byte)(value >> (8 * i));
    }

    /// <inheritdoc/>
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset >= WindowSize || (offset & 3) != 0 || data.Length < 4) return; // 32-bit registers
        uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data);
        lock (_gate)
        {
            switch (offset)
            {
                case Load:
                    _offset += (long)value - Count; // RTCDR reads the loaded value from now on
                    _load = value;
                    ArmAlarm();
                    break;
                case Match:
                    _match = value;
                    ArmAlarm();
                    break;
                case InterruptMask:
                    _mask = value & 1;
                    break;
                case InterruptClear:
                    _raw &= ~(value & 1);
                    break;
                default:
                    return; // RTCDR and the ID registers are read-only; RTCCR cannot stop the clock
            }
            UpdateInterrupt();
        }
    }

    /// <summary>
    /// Arms the match (under the lock): at once when the count equals RTCMR, else when the count gets there — in
    /// RTCMR − count seconds, unsigned, as QEMU does (a match in the past comes round after 2³² seconds).
    /// </summary>
    private void ArmAlarm()
    {
        uint ticks = _match - Count;
        if (ticks == 0)
        {
            _alarm.Change(Timeout.Infinite, Timeout.Infinite);
            _raw = 1;
            return;
        }
        long ms = (long)ticks * 1000;
        _alarm.Change(ms > 0xFFFF_FFFEL ? 0xFFFF_FFFEL : ms, Timeout.Infinite);
    }

    private void Matched()
    {
        lock (_gate)
        {
            if (Count != _match) { ArmAlarm(); return; } // the host clock moved: try again
            _raw = 1;
            UpdateInterrupt();
        }
    }

    private void UpdateInterrupt() => _interrupt?.Set((_raw & _mask) != 0);

    /// <summary>The device's state.</summary>
    public Pl031State Save()
    {
        lock (_gate) return new Pl031State(_offset, _match, _load, _mask, _raw);
    }

    /// <summary>Restores a saved state (the count goes on from the host's clock).</summary>
    public void Restore(Pl031State state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate)
        {
            _offset = state.Offset;
            _match = state.Match;
            _load = state.Load;
            _mask = state.InterruptMask & 1;
            _raw = state.RawInterrupt & 1;
            ArmAlarm();
            UpdateInterrupt();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _alarm.Dispose();
}

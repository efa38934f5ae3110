using System.Collections.Immutable;

namespace Captive.Guest.Arm.Devices;

/// <summary>
/// The guest-visible state of a <see cref="Pl011"/>, for snapshots: every register and the
/// input the guest has not read yet. Host-side plumbing (the output pipe, its backlog and the
/// counters) is not part of it. Produced by <see cref="Pl011.Save"/>, consumed by
/// <see cref="Pl011.Restore"/>.
/// </summary>
/// <param name="Version">Layout version; <see cref="CurrentVersion"/> for this release.</param>
/// <param name="Control">UARTCR.</param>
/// <param name="LineControl">UARTLCR_H.</param>
/// <param name="IntegerBaudRate">UARTIBRD.</param>
/// <param name="FractionalBaudRate">UARTFBRD.</param>
/// <param name="FifoLevelSelect">UARTIFLS.</param>
/// <param name="InterruptMask">UARTIMSC.</param>
/// <param name="RawInterruptStatus">UARTRIS.</param>
/// <param name="DmaControl">UARTDMACR.</param>
/// <param name="IrdaLowPowerCounter">UARTILPR.</param>
/// <param name="ReceiveStatus">UARTRSR.</param>
/// <param name="ReceiveQueue">Unread input, oldest first.</param>
public sealed record Pl011State(
    int Version,
    ushort Control,
    byte LineControl,
    ushort IntegerBaudRate,
    byte FractionalBaudRate,
    byte FifoLevelSelect,
    ushort InterruptMask,
    ushort RawInterruptStatus,
    byte DmaControl,
    byte IrdaLowPowerCounter,
    byte ReceiveStatus,
    ImmutableArray<byte> ReceiveQueue)
{
    /// <summary>The layout version this release writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <inheritdoc/>
    public bool Equals(Pl011State? other) =>
        other is not null
        && Version == other.Version && Control == other.Control && LineControl == other.LineControl
        && IntegerBaudRate == other.IntegerBaudRate && FractionalBaudRate == other.FractionalBaudRate
        && FifoLevelSelect == other.FifoLevelSelect && InterruptMask == other.InterruptMask
        && RawInterruptStatus == other.RawInterruptStatus && DmaControl == other.DmaControl
        && IrdaLowPowerCounter == other.IrdaLowPowerCounter && ReceiveStatus == other.ReceiveStatus
        && ReceiveQueue.AsSpan().SequenceEqual(other.ReceiveQueue.AsSpan());

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Version);
        hash.Add(Control);
        hash.Add(LineControl);
        hash.Add(InterruptMask);
        hash.Add(RawInterruptStatus);
        hash.AddBytes(ReceiveQueue.AsSpan());
        return hash.ToHashCode();
    }
}

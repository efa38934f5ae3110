namespace Captive.Core.Devices;

/// <summary>
/// A memory-mapped device. Offsets are relative to where the device is mapped on the bus.
/// Accesses are 1, 2, 4 or 8 bytes, little-endian, at the size the guest used.
/// Implementations must be safe against any offset and size: a bad access is answered
/// (reads as zero, writes ignored, or as the device's own rules say), never thrown on.
/// </summary>
public interface IMmioDevice
{
    /// <summary>Name for diagnostics and statistics (for example <c>pl011</c>).</summary>
    string Name { get; }

    /// <summary>Handles a guest read; fill <paramref name="data"/>.</summary>
    void Read(ulong offset, Span<byte> data);

    /// <summary>Handles a guest write of <paramref name="data"/>.</summary>
    void Write(ulong offset, ReadOnlySpan<byte> data);
}

/// <summary>An interrupt output of a device: a level the device raises and lowers.</summary>
public interface IInterruptLine
{
    /// <summary>Sets the level of the line.</summary>
    void Set(bool asserted);
}

/// <summary>Routes guest-physical MMIO accesses to devices.</summary>
public interface IDeviceBus
{
    /// <summary>Maps a device at [<paramref name="baseAddress"/>, +<paramref name="size"/>). Overlaps throw.</summary>
    void Map(Memory.GuestPhysicalAddress baseAddress, ulong size, IMmioDevice device);

    /// <summary>Reads from the device mapped at <paramref name="address"/>; false when nothing is mapped there.</summary>
    bool TryRead(Memory.GuestPhysicalAddress address, Span<byte> data);

    /// <summary>Writes to the device mapped at <paramref name="address"/>; false when nothing is mapped there.</summary>
    bool TryWrite(Memory.GuestPhysicalAddress address, ReadOnlySpan<byte> data);
}

/// <summary>
/// A device some of whose registers translated code may read without asking the host (ARCHITECTURE §6, fast device
/// paths): reading them has no side effect, and the device announces every change of their values that does not come
/// from an access through the bus (input arriving, a timer). The engine keeps a copy of them in VM memory and
/// refreshes it after each access the host makes to the device and on <see cref="MirroredRegistersChanged"/>.
/// </summary>
public interface IMmioReadMirror
{
    /// <summary>The 4-byte aligned offsets (within the device's first 4 KiB) of registers whose 32-bit reads have no side effect.</summary>
    IReadOnlyList<int> MirroredRegisters { get; }

    /// <summary>Raised, on any thread, when a mirrored register may have changed other than through an access on the bus.</summary>
    event Action? MirroredRegistersChanged;
}

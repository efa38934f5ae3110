using Captive.Core.Memory;

namespace Captive.Core.Devices;

/// <summary>
/// The default <see cref="IDeviceBus"/>: a sorted array searched by binary search. Mapping is
/// rare and takes a lock; lookups read an immutable snapshot and take none.
/// </summary>
public sealed class DeviceBus : IDeviceBus
{
    private readonly object _gate = new();
    private Mapping[] _mappings = [];

    /// <summary>A device and where it is mapped.</summary>
    /// <param name="Base">First address.</param>
    /// <param name="Size">Size in bytes.</param>
    /// <param name="Device">The device.</param>
    public readonly record struct Mapping(GuestPhysicalAddress Base, ulong Size, IMmioDevice Device)
    {
        /// <summary>One past the last address.</summary>
        public ulong End => Base.Value + Size;
    }

    /// <summary>The current mappings, sorted by address.</summary>
    public IReadOnlyList<Mapping> Mappings => Volatile.Read(ref _mappings);

    /// <inheritdoc/>
    public void Map(GuestPhysicalAddress baseAddress, ulong size, IMmioDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (size == 0)
            throw new ArgumentOutOfRangeException(nameof(size), "A device mapping needs a non-zero size.");
        if (baseAddress.Value + size < baseAddress.Value)
            throw new ArgumentOutOfRangeException(nameof(size), "The mapping wraps around the address space.");
        lock (_gate)
        {
            var fresh = new Mapping(baseAddress, size, device);
            foreach (var m in _mappings)
            {
                if (fresh.Base.Value < m.End && m.Base.Value < fresh.End)
                    throw new InvalidOperationException(
                        $"Device '{device.Name}' at 0x{baseAddress.Value:x}+0x{size:x} overlaps '{m.Device.Name}' at 0x{m.Base.Value:x}+0x{m.Size:x}.");
            }
            var next = new Mapping[_mappings.Length + 1];
            _mappings.CopyTo(next, 0);
            next[^1] = fresh;
            Array.Sort(next, (a, b) => a.Base.Value.CompareTo(b.Base.Value));
            Volatile.Write(ref _mappings, next);
        }
    }

    /// <summary>Finds the mapping that holds <paramref name="address"/>.</summary>
    public bool TryFind(GuestPhysicalAddress address, out Mapping mapping)
    {
        var maps = Volatile.Read(ref _mappings);
        int lo = 0, hi = maps.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var m = maps[mid];
            if (address.Value < m.Base.Value) hi = mid - 1;
            else if (address.Value >= m.End) lo = mid + 1;
            else { mapping = m; return true; }
        }
        mapping = default;
        return false;
    }

    /// <inheritdoc/>
    public bool TryRead(GuestPhysicalAddress address, Span<byte> data)
    {
        if (!TryFind(address, out var m) || address.Value + (ulong)data.Length > m.End)
            return false;
        m.Device.Read(address.Value - m.Base.Value, data);
        return true;
    }

    /// <inheritdoc/>
    public bool TryWrite(GuestPhysicalAddress address, ReadOnlySpan<byte> data)
    {
        if (!TryFind(address, out var m) || address.Value + (ulong)data.Length > m.End)
            return false;
        m.Device.Write(address.Value - m.Base.Value, data);
        return true;
    }
}

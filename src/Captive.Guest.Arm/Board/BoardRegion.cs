using Captive.Core.Memory;

namespace Captive.Guest.Arm.Board;

/// <summary>
/// One row of a board's memory map: a named block of guest-physical space, optionally repeated
/// (<paramref name="Count"/> instances every <paramref name="Stride"/> bytes, as the virtio-mmio
/// transports are) and optionally wired to consecutive shared peripheral interrupts.
/// </summary>
/// <param name="Name">Stable name used to look the region up and to name device-tree nodes.</param>
/// <param name="Base">Address of the first instance.</param>
/// <param name="Size">Size of one instance in bytes.</param>
/// <param name="Spi">GIC shared peripheral interrupt number (SPI n is GIC INTID 32 + n) of the first
/// instance, or null when the region raises no interrupt.</param>
/// <param name="Count">Number of instances.</param>
/// <param name="Stride">Distance between instances; ignored when <paramref name="Count"/> is 1.</param>
public sealed record BoardRegion(string Name, GuestPhysicalAddress Base, ulong Size, int? Spi = null, int Count = 1, ulong Stride = 0)
{
    /// <summary>One past the last byte of the last instance.</summary>
    public ulong End => Base.Value + (Count <= 1 ? Size : (ulong)(Count - 1) * Stride + Size);

    /// <summary>Address of instance <paramref name="index"/>.</summary>
    public GuestPhysicalAddress InstanceBase(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Base + (ulong)index * Stride;
    }

    /// <summary>SPI of instance <paramref name="index"/>, or null when the region has no interrupt.</summary>
    public int? InstanceSpi(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Spi + index;
    }

    /// <summary>Whether <paramref name="address"/> falls inside any instance.</summary>
    public bool Contains(GuestPhysicalAddress address)
    {
        if (address.Value < Base.Value || address.Value >= End)
            return false;
        if (Count <= 1)
            return true;
        return (address.Value - Base.Value) % Stride < Size;
    }
}

/// <summary>
/// A board's memory map: regions sorted by address and checked not to overlap. A board is data
/// plus device objects — an embedder can build its own map from <see cref="BoardRegion"/> rows.
/// </summary>
public sealed class BoardMemoryMap
{
    private readonly BoardRegion[] _regions;

    /// <summary>Builds a map; regions must have unique names and must not overlap.</summary>
    /// <exception cref="ArgumentException">Duplicate names, overlaps, or a malformed row.</exception>
    public BoardMemoryMap(IEnumerable<BoardRegion> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        _regions = [.. regions.OrderBy(r => r.Base.Value)];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < _regions.Length; i++)
        {
            var r = _regions[i];
            if (string.IsNullOrEmpty(r.Name) || !names.Add(r.Name))
                throw new ArgumentException($"Region name '{r.Name}' is empty or used twice.", nameof(regions));
            if (r.Size == 0 || r.Count < 1 || (r.Count > 1 && r.Stride < r.Size))
                throw new ArgumentException($"Region '{r.Name}' has a zero size, no instances, or instances that overlap each other.", nameof(regions));
            if (r.End <= r.Base.Value)
                throw new ArgumentException($"Region '{r.Name}' wraps around the address space.", nameof(regions));
            if (i > 0 && _regions[i - 1].End > r.Base.Value)
                throw new ArgumentException($"Region '{r.Name}' at 0x{r.Base.Value:x} overlaps '{_regions[i - 1].Name}' ending at 0x{_regions[i - 1].End:x}.", nameof(regions));
        }
    }

    /// <summary>The regions, sorted by address.</summary>
    public IReadOnlyList<BoardRegion> Regions => _regions;

    /// <summary>The region called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such region.</exception>
    public BoardRegion this[string name] =>
        Array.Find(_regions, r => r.Name == name) ?? throw new KeyNotFoundException($"The board has no region named '{name}'.");

    /// <summary>Finds the region holding <paramref name="address"/>.</summary>
    public BoardRegion? Find(GuestPhysicalAddress address) => Array.Find(_regions, r => r.Contains(address));
}

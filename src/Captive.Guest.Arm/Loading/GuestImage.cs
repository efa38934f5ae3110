using Captive.Core.Memory;

namespace Captive.Guest.Arm.Loading;

/// <summary>How a kernel file was recognised.</summary>
public enum GuestImageKind
{
    /// <summary>ELF64, little-endian, AArch64: PT_LOAD segments at their physical addresses.</summary>
    Elf,

    /// <summary>Linux arm64 Image ("ARM\x64" at 0x38), possibly gzip-compressed: at a 2 MiB-aligned RAM base + text_offset.</summary>
    LinuxImage,

    /// <summary>Anything else: raw bytes at RAM base + 0x80000, entered at their first byte.</summary>
    Raw,
}

/// <summary>A range of guest-physical addresses.</summary>
/// <param name="Start">First address.</param>
/// <param name="Size">Length in bytes.</param>
public readonly record struct GuestPhysicalRange(GuestPhysicalAddress Start, ulong Size)
{
    /// <summary>One past the last address.</summary>
    public GuestPhysicalAddress End => Start + Size;

    /// <summary>Whether the two ranges share at least one byte.</summary>
    public bool Overlaps(GuestPhysicalRange other) =>
        Size != 0 && other.Size != 0 && Start.Value < other.End.Value && other.Start.Value < End.Value;

    /// <inheritdoc/>
    public override string ToString() => $"[0x{Start.Value:x}, 0x{End.Value:x})";
}

/// <summary>One block of guest memory written by the loader.</summary>
/// <param name="Address">Where it starts.</param>
/// <param name="FileSize">Bytes copied from the file.</param>
/// <param name="MemorySize">Bytes occupied; those past <paramref name="FileSize"/> are zeroed.</param>
public readonly record struct LoadedSegment(GuestPhysicalAddress Address, ulong FileSize, ulong MemorySize)
{
    /// <summary>The range the segment occupies.</summary>
    public GuestPhysicalRange Range => new(Address, MemorySize);
}

/// <summary>The result of loading a kernel.</summary>
/// <param name="Kind">What the file was.</param>
/// <param name="Entry">Where the CPU starts.</param>
/// <param name="LowestAddress">Lowest address written.</param>
/// <param name="EndAddress">One past the highest address written.</param>
/// <param name="Segments">Everything written, in address order.</param>
public sealed record GuestImage(
    GuestImageKind Kind,
    GuestPhysicalAddress Entry,
    GuestPhysicalAddress LowestAddress,
    GuestPhysicalAddress EndAddress,
    IReadOnlyList<LoadedSegment> Segments)
{
    /// <summary>The span from the lowest to the highest address used (gaps between segments included).</summary>
    public GuestPhysicalRange Extent => new(LowestAddress, EndAddress.Value - LowestAddress.Value);
}

/// <summary>Writes bytes into guest RAM at a guest-physical address, for loaders that do not hold RAM as a span.</summary>
public delegate void GuestRamWriter(GuestPhysicalAddress address, ReadOnlySpan<byte> data);

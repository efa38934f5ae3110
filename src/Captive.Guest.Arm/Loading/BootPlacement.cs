using Captive.Core.Memory;

namespace Captive.Guest.Arm.Loading;

/// <summary>
/// Where the initrd and the device tree go once the kernel is loaded. The rules, kept simple:
/// <list type="bullet">
/// <item>initrd: right after the kernel, page (4 KiB) aligned.</item>
/// <item>device tree, bare-metal kernels (ELF, raw): at the RAM base, as QEMU does — the guest
/// finds it there (and in X0). If the kernel or initrd occupies the RAM base, after them instead.</item>
/// <item>device tree, Linux Image: after the kernel and initrd, 2 MiB aligned. Linux requires
/// the blob 8-byte aligned, at most 2 MiB and not sharing a 2 MiB block with memory it maps
/// differently; a 2 MiB-aligned block of its own satisfies all three.</item>
/// </list>
/// Everything must fit in RAM and must not overlap; violations throw
/// <see cref="GuestImageException"/> naming the parts involved.
/// </summary>
public static class BootPlacement
{
    /// <summary>Alignment of the initrd.</summary>
    public const ulong PageSize = 4096;

    /// <summary>Alignment of the device tree after a Linux Image.</summary>
    public const ulong DeviceTreeAlignment = 2UL << 20;

    /// <summary>Largest device tree Linux accepts.</summary>
    public const ulong MaxDeviceTreeSize = 2UL << 20;

    /// <summary>Places an initrd of <paramref name="initrdSize"/> bytes after <paramref name="kernel"/>.</summary>
    /// <exception cref="GuestImageException">It does not fit in RAM.</exception>
    public static GuestPhysicalRange PlaceInitrd(GuestImage kernel, GuestPhysicalAddress ramBase, ulong ramSize, ulong initrdSize)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (initrdSize == 0)
            throw new GuestImageException("The initrd is empty.");
        ulong start = AlignUp(kernel.EndAddress.Value, PageSize);
        var range = new GuestPhysicalRange(new GuestPhysicalAddress(start), initrdSize);
        CheckInRam("initrd", range, ramBase, ramSize);
        return range;
    }

    /// <summary>
    /// Places a device tree of <paramref name="deviceTreeSize"/> bytes for <paramref name="kernel"/>,
    /// clear of the kernel and of <paramref name="initrd"/> when given.
    /// </summary>
    /// <exception cref="GuestImageException">The blob is too large, or does not fit in RAM.</exception>
    public static GuestPhysicalAddress PlaceDeviceTree(GuestImage kernel, GuestPhysicalAddress ramBase, ulong ramSize,
        ulong deviceTreeSize, GuestPhysicalRange? initrd = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (deviceTreeSize == 0 || deviceTreeSize > MaxDeviceTreeSize)
            throw new GuestImageException($"A device tree of {deviceTreeSize} bytes is not allowed: it must be 1 byte to {MaxDeviceTreeSize} bytes.");

        if (kernel.Kind != GuestImageKind.LinuxImage)
        {
            var atBase = new GuestPhysicalRange(ramBase, deviceTreeSize);
            if (ramSize >= deviceTreeSize && !Collides(atBase, kernel, initrd))
                return ramBase;
        }

        ulong after = kernel.EndAddress.Value;
        if (initrd is { } rd && rd.End.Value > after)
            after = rd.End.Value;
        ulong start = AlignUp(after, DeviceTreeAlignment);
        var range = new GuestPhysicalRange(new GuestPhysicalAddress(start), deviceTreeSize);
        CheckInRam("device tree", range, ramBase, ramSize);
        return range.Start;
    }

    /// <summary>Throws when two of the named ranges overlap.</summary>
    /// <exception cref="GuestImageException">Two ranges overlap; the message names both.</exception>
    public static void CheckNoOverlap(params ReadOnlySpan<(string Name, GuestPhysicalRange Range)> parts)
    {
        for (int i = 0; i < parts.Length; i++)
            for (int j = i + 1; j < parts.Length; j++)
                if (parts[i].Range.Overlaps(parts[j].Range))
                    throw new GuestImageException($"The {parts[i].Name} {parts[i].Range} overlaps the {parts[j].Name} {parts[j].Range}.");
    }

    private static bool Collides(GuestPhysicalRange range, GuestImage kernel, GuestPhysicalRange? initrd)
    {
        foreach (var segment in kernel.Segments)
            if (segment.Range.Overlaps(range))
                return true;
        return initrd is { } rd && rd.Overlaps(range);
    }

    private static void CheckInRam(string what, GuestPhysicalRange range, GuestPhysicalAddress ramBase, ulong ramSize)
    {
        ulong ramEnd = ramBase.Value + ramSize;
        if (range.Start.Value < ramBase.Value || range.End.Value < range.Start.Value || range.End.Value > ramEnd)
            throw new GuestImageException($"The {what} {range} does not fit in RAM [0x{ramBase.Value:x}, 0x{ramEnd:x}).");
    }

    private static ulong AlignUp(ulong value, ulong alignment)
    {
        ulong aligned = (value + alignment - 1) & ~(alignment - 1);
        if (aligned < value)
            throw new GuestImageException($"Aligning 0x{value:x} to 0x{alignment:x} overflows the address space.");
        return aligned;
    }
}

using System.Security.Cryptography;
using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Captive.Guest.Arm.Loading;

namespace Captive.Guest.Arm.Machine;

/// <summary>Where a boot put things in guest RAM.</summary>
/// <param name="Kernel">The loaded kernel image.</param>
/// <param name="Entry">First instruction executed.</param>
/// <param name="DeviceTreeAddress">Guest-physical address of the device tree (passed in X0).</param>
/// <param name="DeviceTreeSize">Its size in bytes.</param>
/// <param name="Initrd">Where the initrd is, or null.</param>
public sealed record BootInfo(GuestImage Kernel, ulong Entry, ulong DeviceTreeAddress, int DeviceTreeSize, GuestPhysicalRange? Initrd);

/// <summary>Loads kernel, initrd and device tree into RAM the way QEMU's virt board does.</summary>
internal static class BootLoader
{
    public static BootInfo Load(Span<byte> ram, ulong ramBase, VirtMachineOptions options)
    {
        var baseAddress = new GuestPhysicalAddress(ramBase);
        ulong ramSize = (ulong)ram.Length;
        var kernel = GuestImageLoader.Load(options.Kernel, baseAddress, ram);

        GuestPhysicalRange? initrd = null;
        if (options.Initrd is { Length: > 0 } rd)
        {
            var range = BootPlacement.PlaceInitrd(kernel, baseAddress, ramSize, (ulong)rd.Length);
            rd.CopyTo(ram[(int)(range.Start.Value - ramBase)..]);
            initrd = range;
        }

        if (options.DeviceTree is { } given) CheckDeviceTree(given);
        byte[] dtb = options.DeviceTree ?? VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(
            ramSize, options.BootArgs, initrd?.Start, initrd?.End, GicVersion: options.GicVersion,
            KaslrSeed: options.DeviceTreeRandomness ? RandomSeed() : null,
            RngSeed: options.DeviceTreeRandomness ? RandomNumberGenerator.GetBytes(VirtBoardDeviceTree.RngSeedSize) : null));
        var dtbAddress = BootPlacement.PlaceDeviceTree(kernel, baseAddress, ramSize, (ulong)dtb.Length, initrd);
        var dtbRange = new GuestPhysicalRange(dtbAddress, (ulong)dtb.Length);
        if (initrd is { } i) BootPlacement.CheckNoOverlap(("kernel", kernel.Extent), ("initrd", i), ("device tree", dtbRange));
        else BootPlacement.CheckNoOverlap(("kernel", kernel.Extent), ("device tree", dtbRange));
        dtb.CopyTo(ram[(int)(dtbAddress.Value - ramBase)..]);
        return new BootInfo(kernel, kernel.Entry.Value, dtbAddress.Value, dtb.Length, initrd);
    }

    /// <summary>A kaslr-seed from the host's cryptographic generator; never 0, which Linux reads as "no seed".</summary>
    private static ulong RandomSeed()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong seed;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            seed = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }
        while (seed == 0);
        return seed;
    }

    /// <summary>
    /// Checks the header of a user-supplied flattened device tree (devicetree specification 5.2): magic,
    /// sizes and block offsets inside the blob, a version the kernel understands. The contents are the
    /// user's business, as with QEMU's -dtb; a blob that is not a device tree at all is a clear error.
    /// </summary>
    internal static void CheckDeviceTree(ReadOnlySpan<byte> blob)
    {
        static uint U32(ReadOnlySpan<byte> b, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b[at..]);
        if (blob.Length < 40)
            throw new GuestImageException($"The device tree is {blob.Length} bytes: too short for a header (40 bytes).");
        if (U32(blob, 0) != 0xD00D_FEED)
            throw new GuestImageException($"The device tree does not start with the FDT magic 0xd00dfeed (found 0x{U32(blob, 0):x8}).");
        uint total = U32(blob, 4), structOff = U32(blob, 8), stringsOff = U32(blob, 12), rsvOff = U32(blob, 16);
        uint version = U32(blob, 20), lastCompatible = U32(blob, 24), stringsSize = U32(blob, 32), structSize = U32(blob, 36);
        if (total > blob.Length)
            throw new GuestImageException($"The device tree header says {total} bytes but the file has {blob.Length}.");
        if (lastCompatible > 17 || version < 16)
            throw new GuestImageException($"Device tree version {version} (compatible with {lastCompatible}) is not supported; version 17 is.");
        if ((ulong)structOff + structSize > total || (ulong)stringsOff + stringsSize > total || rsvOff >= total || rsvOff % 8 != 0)
            throw new GuestImageException("The device tree header's block offsets or sizes point outside the blob.");
        if (total > BootPlacement.MaxDeviceTreeSize)
            throw new GuestImageException($"The device tree is {total} bytes; at most {BootPlacement.MaxDeviceTreeSize} are allowed.");
    }
}

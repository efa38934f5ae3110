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

        byte[] dtb = options.DeviceTree ?? VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(
            ramSize, options.BootArgs, initrd?.Start, initrd?.End));
        var dtbAddress = BootPlacement.PlaceDeviceTree(kernel, baseAddress, ramSize, (ulong)dtb.Length, initrd);
        var dtbRange = new GuestPhysicalRange(dtbAddress, (ulong)dtb.Length);
        if (initrd is { } i) BootPlacement.CheckNoOverlap(("kernel", kernel.Extent), ("initrd", i), ("device tree", dtbRange));
        else BootPlacement.CheckNoOverlap(("kernel", kernel.Extent), ("device tree", dtbRange));
        dtb.CopyTo(ram[(int)(dtbAddress.Value - ramBase)..]);
        return new BootInfo(kernel, kernel.Entry.Value, dtbAddress.Value, dtb.Length, initrd);
    }
}

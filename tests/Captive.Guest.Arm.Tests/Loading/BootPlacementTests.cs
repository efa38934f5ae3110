using Captive.Core.Memory;
using Captive.Guest.Arm.Loading;
using Xunit;

namespace Captive.Guest.Arm.Tests.Loading;

public sealed class BootPlacementTests
{
    private const ulong RamBase = 0x4000_0000;
    private const ulong RamSize = 128UL << 20;
    private static readonly GuestPhysicalAddress Base = new(RamBase);

    private static GuestImage Kernel(GuestImageKind kind, ulong start, ulong size)
    {
        var segment = new LoadedSegment(new GuestPhysicalAddress(start), size, size);
        return new GuestImage(kind, segment.Address, segment.Address, segment.Range.End, [segment]);
    }

    [Fact]
    public void Bare_metal_kernels_get_the_device_tree_at_the_RAM_base()
    {
        var elf = Kernel(GuestImageKind.Elf, RamBase + 0x8_0000, 0x4000);
        Assert.Equal(RamBase, BootPlacement.PlaceDeviceTree(elf, Base, RamSize, 0x2000).Value);
        var raw = Kernel(GuestImageKind.Raw, RamBase + 0x8_0000, 0x4000);
        Assert.Equal(RamBase, BootPlacement.PlaceDeviceTree(raw, Base, RamSize, 0x2000).Value);
    }

    [Fact]
    public void Bare_metal_kernel_at_the_RAM_base_pushes_the_device_tree_after_it()
    {
        var elf = Kernel(GuestImageKind.Elf, RamBase, 0x30_0000);
        Assert.Equal(RamBase + 0x40_0000, BootPlacement.PlaceDeviceTree(elf, Base, RamSize, 0x2000).Value);
    }

    [Fact]
    public void Device_tree_that_would_reach_the_kernel_moves_after_it()
    {
        var elf = Kernel(GuestImageKind.Elf, RamBase + 0x8_0000, 0x4000);
        Assert.Equal(RamBase + 0x20_0000, BootPlacement.PlaceDeviceTree(elf, Base, RamSize, 0x9_0000).Value);
    }

    [Fact]
    public void Linux_gets_the_initrd_page_aligned_after_the_kernel_and_the_device_tree_2MiB_aligned_after_both()
    {
        var linux = Kernel(GuestImageKind.LinuxImage, RamBase, 0x123_4567);
        var initrd = BootPlacement.PlaceInitrd(linux, Base, RamSize, 0x50_0000);
        Assert.Equal(RamBase + 0x123_5000, initrd.Start.Value);
        var dtb = BootPlacement.PlaceDeviceTree(linux, Base, RamSize, 0x1_0000, initrd);
        Assert.Equal(RamBase + 0x180_0000, dtb.Value);
        Assert.Equal(0UL, dtb.Value % (2 << 20));
        BootPlacement.CheckNoOverlap(("kernel", linux.Extent), ("initrd", initrd), ("device tree", new GuestPhysicalRange(dtb, 0x1_0000)));
    }

    [Fact]
    public void Initrd_that_does_not_fit_is_rejected()
    {
        var linux = Kernel(GuestImageKind.LinuxImage, RamBase, 0x100_0000);
        var ex = Assert.Throws<GuestImageException>(() => BootPlacement.PlaceInitrd(linux, Base, RamSize, RamSize));
        Assert.Contains("initrd", ex.Message);
    }

    [Fact]
    public void Device_tree_that_does_not_fit_is_rejected()
    {
        var linux = Kernel(GuestImageKind.LinuxImage, RamBase, RamSize - 0x1000);
        Assert.Throws<GuestImageException>(() => BootPlacement.PlaceDeviceTree(linux, Base, RamSize, 0x1000));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData((2UL << 20) + 1)]
    public void Device_tree_size_must_be_1_byte_to_2MiB(ulong size)
    {
        var elf = Kernel(GuestImageKind.Elf, RamBase + 0x8_0000, 0x4000);
        Assert.Throws<GuestImageException>(() => BootPlacement.PlaceDeviceTree(elf, Base, RamSize, size));
    }

    [Fact]
    public void Overlap_check_names_both_parts()
    {
        var ex = Assert.Throws<GuestImageException>(() => BootPlacement.CheckNoOverlap(
            ("kernel", new GuestPhysicalRange(Base, 0x1000)),
            ("initrd", new GuestPhysicalRange(Base + 0x2000, 0x1000)),
            ("device tree", new GuestPhysicalRange(Base + 0x800, 0x100))));
        Assert.Contains("kernel", ex.Message);
        Assert.Contains("device tree", ex.Message);
    }
}

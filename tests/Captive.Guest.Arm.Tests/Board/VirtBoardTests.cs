using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Xunit;

namespace Captive.Guest.Arm.Tests.Board;

public sealed class VirtBoardTests
{
    // Expected addresses: QEMU hw/arm/virt.c (base_memmap, a15irqmap).
    [Theory]
    [InlineData("flash", 0x0000_0000UL, 0x0800_0000UL, null)]
    [InlineData("gic-dist", 0x0800_0000UL, 0x0001_0000UL, null)]
    [InlineData("gic-cpu", 0x0801_0000UL, 0x0001_0000UL, null)]
    [InlineData("gic-redist", 0x080A_0000UL, 0x00F6_0000UL, null)]
    [InlineData("uart", 0x0900_0000UL, 0x1000UL, 1)]
    [InlineData("rtc", 0x0901_0000UL, 0x1000UL, 2)]
    [InlineData("virtio-mmio", 0x0A00_0000UL, 0x200UL, 16)]
    [InlineData("ram", 0x4000_0000UL, 255UL << 30, null)]
    public void Table_matches_QEMU_virt(string name, ulong baseAddress, ulong size, int? spi)
    {
        var region = VirtBoard.MemoryMap[name];
        Assert.Equal(baseAddress, region.Base.Value);
        Assert.Equal(size, region.Size);
        Assert.Equal(spi, region.Spi);
    }

    [Fact]
    public void Virtio_transports_are_32_consecutive_windows_with_consecutive_interrupts()
    {
        var virtio = VirtBoard.MemoryMap[VirtBoard.Names.VirtioMmio];
        Assert.Equal(32, virtio.Count);
        Assert.Equal(0x0A00_3E00UL, virtio.InstanceBase(31).Value);
        Assert.Equal(47, virtio.InstanceSpi(31));
        Assert.Equal(0x0A00_4000UL, virtio.End);
        Assert.Throws<ArgumentOutOfRangeException>(() => virtio.InstanceBase(32));
    }

    [Fact]
    public void Find_locates_regions_by_address()
    {
        var map = VirtBoard.MemoryMap;
        Assert.Equal("uart", map.Find(new GuestPhysicalAddress(0x0900_0FFF))?.Name);
        Assert.Null(map.Find(new GuestPhysicalAddress(0x0900_1000)));
        Assert.Equal("virtio-mmio", map.Find(new GuestPhysicalAddress(0x0A00_0204))?.Name);
        Assert.Equal("ram", map.Find(new GuestPhysicalAddress(0x4008_0000))?.Name);
        Assert.Throws<KeyNotFoundException>(() => map["nope"]);
    }

    [Fact]
    public void Overlapping_regions_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new BoardMemoryMap(
        [
            new BoardRegion("a", new GuestPhysicalAddress(0x1000), 0x1000),
            new BoardRegion("b", new GuestPhysicalAddress(0x1800), 0x1000),
        ]));
        Assert.Throws<ArgumentException>(() => new BoardMemoryMap(
        [
            new BoardRegion("a", new GuestPhysicalAddress(0x1000), 0x100),
            new BoardRegion("a", new GuestPhysicalAddress(0x2000), 0x100),
        ]));
        Assert.Throws<ArgumentException>(() => new BoardMemoryMap(
            [new BoardRegion("r", new GuestPhysicalAddress(0x1000), 0x200, Count: 2, Stride: 0x100)]));
    }

    /// <summary>The oracle: the reg and interrupts properties QEMU itself publishes for these devices.</summary>
    [Fact]
    public void Table_agrees_with_QEMU_device_tree()
    {
        var qemu = FdtReader.Parse(QemuVirtDtb.Get());
        var map = VirtBoard.MemoryMap;

        static uint[] Reg(ulong a, ulong s) => [(uint)(a >> 32), (uint)a, (uint)(s >> 32), (uint)s];

        var uart = map["uart"];
        Assert.Equal(Reg(uart.Base.Value, uart.Size), qemu.Find("/pl011@9000000").Cells("reg"));
        Assert.Equal([0u, (uint)uart.Spi!.Value, 4u], qemu.Find("/pl011@9000000").Cells("interrupts"));

        var rtc = map["rtc"];
        Assert.Equal(Reg(rtc.Base.Value, rtc.Size), qemu.Find("/pl031@9010000").Cells("reg"));
        Assert.Equal([0u, (uint)rtc.Spi!.Value, 4u], qemu.Find("/pl031@9010000").Cells("interrupts"));

        var dist = map["gic-dist"];
        var cpu = map["gic-cpu"];
        Assert.Equal([.. Reg(dist.Base.Value, dist.Size), .. Reg(cpu.Base.Value, cpu.Size)], qemu.Find("/intc@8000000").Cells("reg"));

        var virtio = map["virtio-mmio"];
        for (int i = 0; i < virtio.Count; i++)
        {
            var node = qemu.Find($"/virtio_mmio@{virtio.InstanceBase(i).Value:x}");
            Assert.Equal(Reg(virtio.InstanceBase(i).Value, virtio.Size), node.Cells("reg"));
            Assert.Equal((uint)virtio.InstanceSpi(i)!.Value, node.Cells("interrupts")[1]);
        }

        Assert.Equal(map["ram"].Base.Value, (ulong)qemu.Find("/memory@40000000").Cells("reg")[1]);
    }
}

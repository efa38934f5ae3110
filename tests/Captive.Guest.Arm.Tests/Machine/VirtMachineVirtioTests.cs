using System.Buffers.Binary;
using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Captive.Guest.Arm.Devices.Virtio;
using Captive.Guest.Arm.Machine;
using Xunit;

namespace Captive.Guest.Arm.Tests.Machine;

/// <summary>The board's virtio wiring, as QEMU's hw/arm/virt.c has it: 32 transports, devices from the highest down, SPI 16 + n.</summary>
public sealed class VirtMachineVirtioTests : IDisposable
{
    private static readonly byte[] Halt = [0x00, 0x00, 0x00, 0x14]; // b . (never run here)
    private readonly string _image = Path.GetTempFileName();

    public VirtMachineVirtioTests() => File.WriteAllBytes(_image, new byte[64 * 512]);

    public void Dispose() => File.Delete(_image);

    private static uint Read32(VirtMachine m, ulong address)
    {
        Span<byte> b = stackalloc byte[4];
        Assert.True(m.Bus.TryRead(new GuestPhysicalAddress(address), b), $"nothing at 0x{address:x}");
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    private static void Write32(VirtMachine m, ulong address, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        Assert.True(m.Bus.TryWrite(new GuestPhysicalAddress(address), b), $"nothing at 0x{address:x}");
    }

    private static ulong Transport(int n) => VirtBoard.VirtioMmioBase + (ulong)n * VirtBoard.VirtioMmioSize;

    [Fact]
    public void Devices_take_transports_from_the_highest_down_and_the_rest_read_device_id_0()
    {
        using var m = VirtMachine.Create(new VirtMachineOptions { Kernel = Halt, RamSize = 16UL << 20, Drives = [new VirtioDrive(_image)], VirtioRng = true });
        Assert.Equal(32, m.VirtioTransports.Count);
        Assert.Equal(VirtioDeviceId.Block, Read32(m, Transport(31) + 0x08));
        Assert.Equal(VirtioDeviceId.Entropy, Read32(m, Transport(30) + 0x08));
        for (int n = 0; n < 30; n++)
        {
            Assert.Equal(VirtioMmio.Magic, Read32(m, Transport(n)));
            Assert.Equal(0u, Read32(m, Transport(n) + 0x08));
        }
        Assert.Equal(64u, Read32(m, Transport(31) + 0x100)); // capacity in sectors
    }

    [Fact]
    public void A_device_interrupt_reaches_the_GIC_on_SPI_16_plus_its_transport_number()
    {
        using var m = VirtMachine.Create(new VirtMachineOptions { Kernel = Halt, RamSize = 16UL << 20, VirtioRng = true });
        ulong t = Transport(31);
        const ulong ram = VirtBoard.RamBase + 0x10_0000;
        Write32(m, t + 0x70, 1 | 2);
        Write32(m, t + 0x24, 1); Write32(m, t + 0x20, 1); // VIRTIO_F_VERSION_1
        Write32(m, t + 0x70, 1 | 2 | 8);
        Write32(m, t + 0x38, 4);
        Write32(m, t + 0x80, (uint)ram); Write32(m, t + 0x90, (uint)(ram + 0x1000)); Write32(m, t + 0xA0, (uint)(ram + 0x2000));
        Write32(m, t + 0x44, 1);
        Write32(m, t + 0x70, 1 | 2 | 8 | 4);
        var desc = m.Engine.Ram[0x10_0000..];
        BinaryPrimitives.WriteUInt64LittleEndian(desc, ram + 0x3000);
        BinaryPrimitives.WriteUInt32LittleEndian(desc[8..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(desc[12..], 2); // device-writable
        BinaryPrimitives.WriteUInt16LittleEndian(m.Engine.Ram[0x10_1002..], 1); // avail idx 1, ring[0] = 0
        int intId = 32 + VirtBoard.VirtioMmioFirstSpi + 31;
        ulong pending = VirtBoard.GicDistributorBase + 0x200 + (ulong)(intId / 32) * 4;
        Assert.Equal(0u, Read32(m, pending) >> (intId % 32) & 1);
        Write32(m, t + 0x50, 0);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(m.Engine.Ram[0x10_2002..])); // used idx
        Assert.Equal(1u, Read32(m, pending) >> (intId % 32) & 1);
        Write32(m, t + 0x64, 1);
        Assert.Equal(0u, Read32(m, pending) >> (intId % 32) & 1);
    }

    [Fact]
    public void A_missing_image_is_a_clear_error_naming_it()
    {
        var e = Assert.ThrowsAny<IOException>(() => VirtMachine.Create(new VirtMachineOptions { Kernel = Halt, Drives = [new VirtioDrive("/nonexistent/x.img")] }));
        Assert.Contains("x.img", e.Message);
    }
}

using System.Buffers.Binary;
using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Captive.Guest.Arm.Devices;
using Captive.Guest.Arm.Devices.Gic;
using Captive.Guest.Arm.Machine;
using Xunit;

namespace Captive.Guest.Arm.Tests.Machine;

// The 'virt' board's interrupt wiring, as QEMU's hw/arm/virt.c has it: the GIC's distributor at 0x0800_0000 and
// its CPU interface (v2) at 0x0801_0000 or redistributors (v3) at 0x080A_0000; the generic timer's outputs on PPI 30
// (physical) and PPI 27 (virtual); the GIC's IRQ output on the CPU's interrupt line.
public sealed class VirtMachineInterruptTests
{
    private static readonly byte[] Halt = [0x00, 0x00, 0x00, 0x14]; // b . (never run here)

    private static VirtMachine Create(int gicVersion) =>
        VirtMachine.Create(new VirtMachineOptions { Kernel = Halt, GicVersion = gicVersion, RamSize = 16UL << 20 });

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

    [Theory]
    [InlineData(2, 0x0800_0FE8UL, 0x2)]   // GICD_PIDR2.ArchRev
    [InlineData(3, 0x0800_FFE8UL, 0x3)]
    [InlineData(3, 0x080A_FFE8UL, 0x3)]   // GICR_PIDR2 of CPU 0's redistributor
    public void The_GIC_of_the_chosen_version_is_on_the_bus(int version, ulong pidr2, uint archRev)
    {
        using var m = Create(version);
        Assert.Equal(version, m.Gic.ArchitectureVersion);
        Assert.Equal(archRev, Read32(m, pidr2) >> 4 & 0xF);
    }

    [Fact]
    public void GICv2_has_QEMUs_256_SPIs_and_its_CPU_interface_at_0x08010000()
    {
        using var m = Create(2);
        Assert.Equal(8u, Read32(m, VirtBoard.GicDistributorBase + GicDistributorRegisters.Typer) & 0x1F);
        Assert.Equal(GicV2.CpuInterfaceIidr, Read32(m, VirtBoard.GicCpuInterfaceBase + GicCpuInterfaceRegisters.Iidr));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void The_virtual_timer_raises_PPI_27_and_the_GIC_the_CPUs_interrupt_line(int version)
    {
        using var m = Create(version);
        if (version == 2)
        {
            Write32(m, VirtBoard.GicDistributorBase + GicDistributorRegisters.Ctlr, 1);
            Write32(m, VirtBoard.GicDistributorBase + GicDistributorRegisters.ISEnableR, 1u << 27);
            Write32(m, VirtBoard.GicCpuInterfaceBase + GicCpuInterfaceRegisters.Pmr, 0xF0);
            Write32(m, VirtBoard.GicCpuInterfaceBase + GicCpuInterfaceRegisters.Ctlr, 1);
        }
        else
        {
            Write32(m, VirtBoard.GicDistributorBase + GicDistributorRegisters.Ctlr, 2);
            Write32(m, VirtBoard.GicRedistributorBase + GicRedistributorRegisters.Waker, 0);
            Write32(m, VirtBoard.GicRedistributorBase + GicRedistributorRegisters.SgiBase + GicDistributorRegisters.ISEnableR, 1u << 27);
            var icc = ((GicV3)m.Gic).CpuInterface(0);
            icc.WritePmr(0xF0);
            icc.WriteIgrpen1(1);
        }
        Assert.False(m.Engine.InterruptLine);
        m.Timer.WriteCompare(GenericTimerKind.Virtual, 0);              // the counter is past 0 already
        m.Timer.WriteControl(GenericTimerKind.Virtual, GenericTimer.Enable);
        Assert.True(m.Gic.IsIrqAsserted(0));
        Assert.True(m.Engine.InterruptLine);
        m.Timer.WriteControl(GenericTimerKind.Virtual, GenericTimer.Enable | GenericTimer.InterruptMask);
        Assert.False(m.Engine.InterruptLine);
    }

    [Fact]
    public void The_physical_timer_is_PPI_30()
    {
        using var m = Create(2);
        m.Timer.WriteCompare(GenericTimerKind.Physical, 0);
        m.Timer.WriteControl(GenericTimerKind.Physical, GenericTimer.Enable);
        Assert.Equal(1u << 30, Read32(m, VirtBoard.GicDistributorBase + GicDistributorRegisters.ISPendR) & (1u << 30 | 1u << 27));
    }

    [Fact]
    public void A_timer_deadline_fires_through_the_engines_alarm()
    {
        using var m = Create(2);
        ulong deadline = m.Engine.ReadCounter() + m.Engine.CounterFrequency / 5; // 200 ms: the writes below take far less
        m.Timer.WriteCompare(GenericTimerKind.Virtual, deadline);
        m.Timer.WriteControl(GenericTimerKind.Virtual, GenericTimer.Enable);
        Assert.Equal(deadline, m.Engine.Alarm.Deadline);
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!m.Timer.IsAsserted(GenericTimerKind.Virtual) && DateTime.UtcNow < limit) Thread.Sleep(1);
        Assert.True(m.Timer.IsAsserted(GenericTimerKind.Virtual));
        Assert.True(m.Engine.ReadCounter() >= deadline);              // never early
    }
}

using System.Buffers.Binary;
using Captive.Core.Devices;
using Captive.Guest.Arm.Devices.Gic;
using Xunit;
using D = Captive.Guest.Arm.Devices.Gic.GicDistributorRegisters;
using C = Captive.Guest.Arm.Devices.Gic.GicCpuInterfaceRegisters;

namespace Captive.Guest.Arm.Tests.Devices;

// Expected behaviour is the GICv2 architecture specification's (ARM IHI 0048B.b); section
// numbers are cited where a rule is less than obvious.
public sealed class GicV2Tests
{
    internal sealed class Recorder : IGicCpuSignal
    {
        public List<bool> Levels { get; } = [];
        public bool Level => Levels.Count > 0 && Levels[^1];
        public void SetIrq(bool asserted) => Levels.Add(asserted);
    }

    private sealed class Machine
    {
        public Machine(int cpus = 1)
        {
            Signals = [.. Enumerable.Range(0, cpus).Select(_ => new Recorder())];
            Gic = new GicV2(cpus, GicIntIds.VirtBoardSpiCount, Signals);
        }

        public GicV2 Gic { get; }
        public Recorder[] Signals { get; }
        public IMmioDevice Dist(int cpu = 0) => Gic.DistributorView(cpu);
        public IMmioDevice Cpu(int cpu = 0) => Gic.CpuInterfaceView(cpu);

        /// <summary>Distributor and CPU interfaces on for both groups, PMR open.</summary>
        public Machine Enabled()
        {
            Write32(Dist(), D.Ctlr, 3);
            for (int c = 0; c < Signals.Length; c++)
            {
                Write32(Cpu(c), C.Ctlr, 3);
                Write32(Cpu(c), C.Pmr, 0xFF);
            }
            return this;
        }

        public void EnableInterrupt(int intId, byte priority, int cpu = 0)
        {
            Dist(cpu).Write(D.IPriorityR + (ulong)intId, [priority]);
            Write32(Dist(cpu), D.ISEnableR + (ulong)(intId / 32 * 4), 1u << (intId % 32));
        }

        public uint Iar(int cpu = 0) => Read32(Cpu(cpu), C.Iar);
        public void Eoi(uint value, int cpu = 0) => Write32(Cpu(cpu), C.Eoir, value);
    }

    internal static uint Read32(IMmioDevice d, ulong offset)
    {
        Span<byte> b = stackalloc byte[4];
        d.Read(offset, b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    internal static void Write32(IMmioDevice d, ulong offset, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        d.Write(offset, b);
    }

    internal static byte Read8(IMmioDevice d, ulong offset)
    {
        Span<byte> b = stackalloc byte[1];
        d.Read(offset, b);
        return b[0];
    }

    private static bool Bit(IMmioDevice d, ulong arrayBase, int intId) =>
        (Read32(d, arrayBase + (ulong)(intId / 32 * 4)) & (1u << (intId % 32))) != 0;

    private const int Spi1 = 33;   // the virt board's UART
    private const int Spi2 = 34;

    [Fact]
    public void GICD_TYPER_describes_256_interrupts_and_the_CPU_count()
    {
        Assert.Equal(7u, Read32(new GicV2(1).DistributorView(0), D.Typer));                 // ITLinesNumber 7: 32 × 8 INTIDs
        Assert.Equal(7u | 1u << 5, Read32(new GicV2(2).DistributorView(0), D.Typer));       // CPUNumber [7:5] = 1
        Assert.Equal(0u, Read32(new GicV2(1).DistributorView(0), D.Typer) & (1u << 10));    // no Security Extensions
    }

    [Fact]
    public void Identification_registers_say_GIC_architecture_version_2()
    {
        var m = new Machine();
        Assert.Equal(2u, Read32(m.Dist(), D.V2Pidr2) >> 4 & 0xF);                  // §4.3.17 PIDR2.ArchRev
        Assert.Equal(2u, Read32(m.Cpu(), C.Iidr) >> 16 & 0xF);                      // §4.4.16 GICC_IIDR.ArchitectureVersion
        Assert.Equal(0x43Bu, Read32(m.Dist(), D.Iidr) & 0xFFF);                     // implementer ARM
        Assert.Equal(new uint[] { 0x0D, 0xF0, 0x05, 0xB1 }, Enumerable.Range(0, 4).Select(i => Read32(m.Dist(), 0xFF0 + (ulong)i * 4)).ToArray());
    }

    [Fact]
    public void Unimplemented_offsets_read_zero_ignore_writes_and_never_throw()
    {
        var m = new Machine(2).Enabled();
        foreach (ulong reserved in new ulong[] { 0x00C, 0x01C, 0x040, 0x07C, 0xD00, 0xE00, 0xF04, 0xF30, 0xFC0 })
        {
            Write32(m.Dist(), reserved, 0xFFFF_FFFF);
            Assert.Equal(0u, Read32(m.Dist(), reserved));
        }
        foreach (ulong reserved in new ulong[] { 0x2C, 0x40, 0xCC, 0xE0, 0xF8, 0x1004, 0x1FFC })
        {
            Write32(m.Cpu(), reserved, 0xFFFF_FFFF);
            Assert.Equal(0u, Read32(m.Cpu(), reserved));
        }
        // INTIDs beyond the 256 implemented ones.
        m.Dist().Write(D.IPriorityR + 300, [0x80]);
        Assert.Equal(0, Read8(m.Dist(), D.IPriorityR + 300));
        Write32(m.Dist(), D.ISEnableR + 12 * 4, 0xFFFF_FFFF);
        Assert.Equal(0u, Read32(m.Dist(), D.ISEnableR + 12 * 4));

        // Every offset, size and alignment, and offsets far outside the window.
        var buffer = new byte[8];
        foreach (var device in new[] { m.Dist(), m.Cpu(), m.Dist(1), m.Cpu(1) })
        {
            for (ulong offset = 0; offset < 0x2100; offset += 3)
                foreach (int size in new[] { 1, 2, 4, 8 })
                {
                    device.Read(offset, buffer.AsSpan(0, size));
                    if (offset is not (C.Eoir or C.Aeoir or C.Dir or D.SgiR) && (offset < 0x100 || offset > 0x400))
                        device.Write(offset, buffer.AsSpan(0, size));
                }
            device.Read(ulong.MaxValue - 3, buffer.AsSpan(0, 4));
            device.Write(ulong.MaxValue, buffer.AsSpan(0, 1));
            device.Read(0x1_0000, buffer);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new GicV2(9));
    }

    [Fact]
    public void Level_SPI_flows_through_ack_and_EOI_and_repends_while_the_line_stays_high()
    {
        var m = new Machine().Enabled();
        m.EnableInterrupt(Spi1, 0xA0);
        var line = m.Gic.SpiLine(1);

        line.Set(true);
        Assert.True(m.Signals[0].Level);
        Assert.Equal((uint)Spi1, Read32(m.Cpu(), C.Hppir));
        Assert.Equal((uint)Spi1, m.Iar());
        Assert.False(m.Signals[0].Level);                    // active and pending: not signalled again
        Assert.True(Bit(m.Dist(), D.ISActiveR, Spi1));
        Assert.True(Bit(m.Dist(), D.ISPendR, Spi1));          // §3.2.4: the line is still high
        Assert.Equal(0xA0u, Read32(m.Cpu(), C.Rpr));
        Assert.Equal(1023u, m.Iar());

        m.Eoi(Spi1);                                         // priority drop and deactivate (EOImode 0)
        Assert.Equal(0xFFu, Read32(m.Cpu(), C.Rpr));
        Assert.False(Bit(m.Dist(), D.ISActiveR, Spi1));
        Assert.True(m.Signals[0].Level);                     // still high: pending again

        line.Set(false);
        Assert.False(m.Signals[0].Level);
        Assert.False(Bit(m.Dist(), D.ISPendR, Spi1));
        Assert.Equal([true, false, true, false], m.Signals[0].Levels);
        Assert.Equal(1023u, m.Iar());
    }

    [Fact]
    public void Edge_SPI_latches_a_pulse_and_does_not_repend_after_EOI()
    {
        var m = new Machine().Enabled();
        Write32(m.Dist(), D.ICfgR + 8, 0b10u << 2);          // INTID 33: bits [3:2] of GICD_ICFGR2, edge
        Assert.Equal(0b10u << 2, Read32(m.Dist(), D.ICfgR + 8));
        m.EnableInterrupt(Spi1, 0x80);
        m.Gic.SpiLine(1).Set(true);
        m.Gic.SpiLine(1).Set(false);
        Assert.True(Bit(m.Dist(), D.ISPendR, Spi1));

        Assert.Equal((uint)Spi1, m.Iar());
        Assert.False(Bit(m.Dist(), D.ISPendR, Spi1));
        m.Eoi(Spi1);
        Assert.Equal([true, false], m.Signals[0].Levels);
        Assert.Equal(1023u, m.Iar());
    }

    [Fact]
    public void Software_pending_of_a_level_interrupt_holds_until_acknowledged_or_cleared()
    {
        var m = new Machine().Enabled();
        m.EnableInterrupt(Spi2, 0x40);
        Write32(m.Dist(), D.ISPendR + 4, 1u << (Spi2 - 32));
        Assert.True(m.Signals[0].Level);
        Write32(m.Dist(), D.ICPendR + 4, 1u << (Spi2 - 32));
        Assert.False(m.Signals[0].Level);
        Write32(m.Dist(), D.ISPendR + 4, 1u << (Spi2 - 32));
        Assert.Equal((uint)Spi2, m.Iar());
        m.Eoi(Spi2);
        Assert.Equal(1023u, m.Iar());                          // the line is low: not pending any more
        Assert.Equal([true, false, true, false], m.Signals[0].Levels);
    }

    [Fact]
    public void SGI_acknowledge_reports_the_source_CPU_and_each_source_is_acknowledged_separately()
    {
        var m = new Machine(2).Enabled();
        m.EnableInterrupt(3, 0x80, cpu: 0);
        m.EnableInterrupt(5, 0x80, cpu: 0);

        Write32(m.Dist(1), D.SgiR, 0x0001_0003);               // CPU 1 → target list {CPU 0}, SGI 3
        Assert.True(m.Signals[0].Level);
        Assert.False(m.Signals[1].Level);
        Assert.Equal(3u | 1u << 10, Read32(m.Cpu(0), C.Hppir));
        Assert.Equal(3u | 1u << 10, m.Iar(0));                // §4.4.4: CPUID [12:10] = source
        m.Eoi(3u | 1u << 10, 0);

        // SGI 5 from both CPUs: acknowledged once per source, lowest source first (§3.2.4).
        Write32(m.Dist(0), D.SgiR, 0x0200_0005);               // filter 0b10: to the requesting CPU only
        Write32(m.Dist(1), D.SgiR, 0x0001_0005);
        Assert.Equal(0x03, Read8(m.Dist(0), D.SPendSgiR + 5));  // GICD_SPENDSGIR byte: sources {0, 1}
        Assert.Equal(5u, m.Iar(0));
        Assert.True(Bit(m.Dist(0), D.ISPendR, 5));             // still pending from CPU 1
        Assert.True(Bit(m.Dist(0), D.ISActiveR, 5));
        m.Eoi(5, 0);
        Assert.Equal(5u | 1u << 10, m.Iar(0));
        m.Eoi(5u | 1u << 10, 0);
        Assert.Equal(1023u, m.Iar(0));
        Assert.Equal(1023u, m.Iar(1));
    }

    [Fact]
    public void SGIR_target_list_filter_selects_all_but_self_and_self()
    {
        var m = new Machine(2).Enabled();
        for (int c = 0; c < 2; c++)
            m.EnableInterrupt(1, 0x80, cpu: c);
        Write32(m.Dist(0), D.SgiR, 0x0100_0001);               // all but the requester
        Assert.Equal(1023u, m.Iar(0));
        Assert.Equal(1u, m.Iar(1));                            // from CPU 0
        m.Eoi(1, 1);
        Write32(m.Dist(1), D.SgiR, 0x0200_0001);               // the requester only
        Assert.Equal(1023u, m.Iar(0));
        Assert.Equal(1u | 1u << 10, m.Iar(1));
    }

    [Fact]
    public void CPENDSGIR_and_SPENDSGIR_clear_and_set_SGI_sources_by_byte()
    {
        var m = new Machine(2).Enabled();
        m.EnableInterrupt(2, 0x80, cpu: 1);
        m.Dist(1).Write(D.SPendSgiR + 2, [0x01]);              // SGI 2 pending on CPU 1 from CPU 0
        Assert.True(m.Signals[1].Level);
        Assert.Equal(0x0001_0000u, Read32(m.Dist(1), D.CPendSgiR));
        Assert.Equal(0u, Read32(m.Dist(0), D.CPendSgiR));     // banked: CPU 0 has nothing pending
        m.Dist(1).Write(D.CPendSgiR + 2, [0x01]);
        Assert.False(m.Signals[1].Level);
        Assert.False(Bit(m.Dist(1), D.ISPendR, 2));
        Write32(m.Dist(1), D.ISPendR, 1u << 2);                // SGI bits of GICD_ISPENDR0 are WI (§4.3.7)
        Assert.False(Bit(m.Dist(1), D.ISPendR, 2));
    }

    [Fact]
    public void Nothing_pending_acknowledges_spurious_1023()
    {
        var m = new Machine().Enabled();
        Assert.Equal(1023u, m.Iar());
        Assert.Equal(1023u, Read32(m.Cpu(), C.Hppir));
        m.Eoi(1023);                                           // ignored
        Assert.Equal(0xFFu, Read32(m.Cpu(), C.Rpr));

        // Pending but disabled, or with the distributor off: still spurious.
        Write32(m.Dist(), D.ISPendR + 4, 1u << 1);
        Assert.Equal(1023u, m.Iar());
        Write32(m.Dist(), D.Ctlr, 0);
        m.EnableInterrupt(Spi1, 0x80);
        Assert.Equal(1023u, m.Iar());
        Assert.Empty(m.Signals[0].Levels);
    }

    [Fact]
    public void Higher_priority_is_acknowledged_first_and_ties_go_to_the_lower_INTID()
    {
        var m = new Machine().Enabled();
        m.EnableInterrupt(40, 0x80);
        m.EnableInterrupt(41, 0x40);
        m.EnableInterrupt(42, 0x40);
        Write32(m.Dist(), D.ISPendR + 4, 0b111u << 8);
        Write32(m.Cpu(), C.Bpr, 7);                            // no preemption: acknowledge in order
        Assert.Equal(41u, m.Iar());
        m.Eoi(41);
        Assert.Equal(42u, m.Iar());
        m.Eoi(42);
        Assert.Equal(40u, m.Iar());
        m.Eoi(40);
        Assert.Equal(1023u, m.Iar());
    }

    [Fact]
    public void Priority_mask_admits_only_strictly_higher_priorities()
    {
        var m = new Machine().Enabled();
        Write32(m.Cpu(), C.Pmr, 0xFF);
        Assert.Equal(0xF8u, Read32(m.Cpu(), C.Pmr));           // 5 priority bits: [2:0] RAZ
        m.EnableInterrupt(Spi1, 0x80);
        Write32(m.Cpu(), C.Pmr, 0x80);
        m.Gic.SpiLine(1).Set(true);
        Assert.False(m.Signals[0].Level);                      // §3.3.2: priority must be higher than the mask
        Assert.Equal(1023u, m.Iar());
        Assert.Equal((uint)Spi1, Read32(m.Cpu(), C.Hppir));   // HPPIR ignores the mask
        Write32(m.Cpu(), C.Pmr, 0x88);
        Assert.True(m.Signals[0].Level);
        Write32(m.Cpu(), C.Pmr, 0);
        Assert.Equal([true, false], m.Signals[0].Levels);
    }

    [Fact]
    public void IPRIORITYR_keeps_five_bits_and_is_byte_and_word_accessible()
    {
        var m = new Machine(2);
        Write32(m.Dist(), D.IPriorityR + 32, 0x4030_2010);
        Assert.Equal(new byte[] { 0x10, 0x20, 0x30, 0x40 }, Enumerable.Range(0, 4).Select(i => Read8(m.Dist(), D.IPriorityR + 32 + (ulong)i)).ToArray());
        m.Dist().Write(D.IPriorityR + 33, [0xFF]);
        Assert.Equal(0x4030_F810u, Read32(m.Dist(), D.IPriorityR + 32));
        m.Dist().Write(D.IPriorityR + 34, [0x07, 0x09]);        // halfword: INTIDs 34 and 35
        Assert.Equal(0x0800_F810u, Read32(m.Dist(), D.IPriorityR + 32));

        // SGI/PPI priorities are banked per CPU.
        m.Dist(1).Write(D.IPriorityR + 27, [0xA0]);
        Assert.Equal(0xA0, Read8(m.Dist(1), D.IPriorityR + 27));
        Assert.Equal(0, Read8(m.Dist(0), D.IPriorityR + 27));
    }

    [Fact]
    public void ITARGETSR_is_byte_and_word_accessible_and_read_only_for_private_interrupts()
    {
        var m = new Machine(2);
        Assert.Equal(0x0101_0101u, Read32(m.Dist(0), D.ITargetsR));         // §4.3.12: the reading CPU's own bit
        Assert.Equal(0x0202_0202u, Read32(m.Dist(1), D.ITargetsR + 28));
        Write32(m.Dist(0), D.ITargetsR, 0x0202_0202);
        Assert.Equal(0x0101_0101u, Read32(m.Dist(0), D.ITargetsR));

        Write32(m.Dist(), D.ITargetsR + 32, 0xFF02_0103);                   // CPUs beyond the second are not implemented
        Assert.Equal(0x0302_0103u, Read32(m.Dist(), D.ITargetsR + 32));
        m.Dist().Write(D.ITargetsR + 34, [0x01]);
        Assert.Equal(0x01, Read8(m.Dist(1), D.ITargetsR + 34));

        var uni = new Machine(1);                                           // uniprocessor: RAZ/WI
        Write32(uni.Dist(), D.ITargetsR + 32, 0x0101_0101);
        Assert.Equal(0u, Read32(uni.Dist(), D.ITargetsR + 32));
        Assert.Equal(0u, Read32(uni.Dist(), D.ITargetsR));
    }

    [Fact]
    public void SPI_targeted_at_the_second_CPU_is_signalled_there_only()
    {
        var m = new Machine(2).Enabled();
        m.EnableInterrupt(Spi1, 0x80);
        m.Dist().Write(D.ITargetsR + Spi1, [0x02]);
        m.Gic.SpiLine(1).Set(true);
        Assert.False(m.Signals[0].Level);
        Assert.True(m.Signals[1].Level);
        Assert.Equal(1023u, m.Iar(0));
        Assert.Equal((uint)Spi1, m.Iar(1));
        m.Eoi(Spi1, 1);
        m.Gic.SpiLine(1).Set(false);
        Assert.Empty(m.Signals[0].Levels);
        Assert.Equal([true, false, true, false], m.Signals[1].Levels);

        // Targeted at both: whichever acknowledges first takes it, and the other stops seeing it.
        m.Dist().Write(D.ITargetsR + Spi1, [0x03]);
        m.Gic.SpiLine(1).Set(true);
        Assert.True(m.Signals[0].Level);
        Assert.True(m.Signals[1].Level);
        Assert.Equal((uint)Spi1, m.Iar(0));
        Assert.False(m.Signals[1].Level);
        Assert.Equal(1023u, m.Iar(1));
    }

    [Fact]
    public void PPIs_are_per_CPU()
    {
        var m = new Machine(2).Enabled();
        m.EnableInterrupt(GicIntIds.PhysicalTimerPpi, 0x80, cpu: 1);
        Assert.False(Bit(m.Dist(0), D.ISEnableR, GicIntIds.PhysicalTimerPpi));   // banked enable
        m.Gic.PpiLine(0, GicIntIds.PhysicalTimerPpi).Set(true);                  // disabled on CPU 0
        m.Gic.PpiLine(1, GicIntIds.PhysicalTimerPpi).Set(true);
        Assert.False(m.Signals[0].Level);
        Assert.True(m.Signals[1].Level);
        Assert.Equal((uint)GicIntIds.PhysicalTimerPpi, m.Iar(1));
        Assert.Equal(1023u, m.Iar(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Gic.PpiLine(0, 32));
    }

    [Fact]
    public void ICFGR_has_SGIs_edge_triggered_and_read_only_and_PPIs_programmable()
    {
        var m = new Machine();
        Assert.Equal(0xAAAA_AAAAu, Read32(m.Dist(), D.ICfgR));
        Write32(m.Dist(), D.ICfgR, 0);
        Assert.Equal(0xAAAA_AAAAu, Read32(m.Dist(), D.ICfgR));
        Write32(m.Dist(), D.ICfgR + 4, 0x8000_0000);                          // PPI 31 edge
        Assert.Equal(0x8000_0000u, Read32(m.Dist(), D.ICfgR + 4));
    }

    [Fact]
    public void Higher_group_priority_preempts_and_the_binary_point_decides_what_is_higher()
    {
        var m = new Machine().Enabled();
        m.EnableInterrupt(40, 0xC0);
        m.EnableInterrupt(41, 0xA0);
        Write32(m.Dist(), D.ISPendR + 4, 1u << 8);
        Write32(m.Cpu(), C.Bpr, 6);                            // §3.3.3: group priority = bit [7]
        Assert.Equal((uint)40, m.Iar());
        Assert.Equal(0x80u, Read32(m.Cpu(), C.Rpr));           // running priority is the group priority
        Write32(m.Dist(), D.ISPendR + 4, 1u << 9);
        Assert.False(m.Signals[0].Level);                      // 0xA0's group priority 0x80 is not higher
        Assert.Equal(1023u, m.Iar());

        Write32(m.Cpu(), C.Bpr, 0);                            // minimum is 2: group priority [7:3]
        Assert.Equal(2u, Read32(m.Cpu(), C.Bpr));
        m.Eoi(40);
        Write32(m.Dist(), D.ICPendR + 4, 1u << 9);
        Write32(m.Dist(), D.ISPendR + 4, 1u << 8);
        Assert.Equal((uint)40, m.Iar());                       // now running 0xC0
        Write32(m.Dist(), D.ISPendR + 4, 1u << 9);
        Assert.True(m.Signals[0].Level);                       // 0xA0 preempts 0xC0
        Assert.Equal((uint)41, m.Iar());
        Assert.Equal(0xA0u, Read32(m.Cpu(), C.Rpr));
        Assert.Equal((1u << (0xA0 >> 3)) | (1u << (0xC0 >> 3)), Read32(m.Cpu(), C.Apr0));   // one bit per active group priority
        m.Eoi(41);
        Assert.Equal(0xC0u, Read32(m.Cpu(), C.Rpr));           // nested: back to the preempted one
        m.Eoi(40);
        Assert.Equal(0xFFu, Read32(m.Cpu(), C.Rpr));
    }

    [Fact]
    public void EOImode_1_drops_priority_only_and_GICC_DIR_deactivates()
    {
        var m = new Machine().Enabled();
        Write32(m.Cpu(), C.Ctlr, 3 | 1u << 9);                 // EOImode
        m.EnableInterrupt(Spi1, 0x80);
        m.Gic.SpiLine(1).Set(true);
        Assert.Equal((uint)Spi1, m.Iar());
        m.Eoi(Spi1);
        Assert.Equal(0xFFu, Read32(m.Cpu(), C.Rpr));
        Assert.True(Bit(m.Dist(), D.ISActiveR, Spi1));
        Assert.False(m.Signals[0].Level);                      // still active: not signalled though the line is high
        Write32(m.Cpu(), C.Dir, Spi1);
        Assert.False(Bit(m.Dist(), D.ISActiveR, Spi1));
        Assert.True(m.Signals[0].Level);
        Assert.Equal([true, false, true], m.Signals[0].Levels);
    }

    [Fact]
    public void ISACTIVER_and_ICACTIVER_set_and_clear_the_active_state()
    {
        var m = new Machine().Enabled();
        m.EnableInterrupt(Spi1, 0x80);
        Write32(m.Dist(), D.ISActiveR + 4, 1u << 1);
        m.Gic.SpiLine(1).Set(true);
        Assert.False(m.Signals[0].Level);
        Write32(m.Dist(), D.ICActiveR + 4, 1u << 1);
        Assert.True(m.Signals[0].Level);
    }

    [Fact]
    public void Group_1_needs_AckCtl_for_GICC_IAR_and_is_acknowledged_through_GICC_AIAR()
    {
        var m = new Machine().Enabled();
        Write32(m.Dist(), D.IGroupR + 4, 1u << 1);             // INTID 33 Group 1
        Assert.Equal(1u << 1, Read32(m.Dist(), D.IGroupR + 4));
        m.EnableInterrupt(Spi1, 0x80);
        m.Gic.SpiLine(1).Set(true);
        Assert.Equal(1022u, Read32(m.Cpu(), C.Hppir));         // §4.4.4 without Security Extensions
        Assert.Equal(1022u, m.Iar());
        Assert.Equal((uint)Spi1, Read32(m.Cpu(), C.Ahppir));
        Assert.Equal((uint)Spi1, Read32(m.Cpu(), C.Aiar));
        Write32(m.Cpu(), C.Aeoir, Spi1);
        Assert.True(m.Signals[0].Level);

        Write32(m.Cpu(), C.Ctlr, 3 | 1u << 2);                 // AckCtl
        Assert.Equal((uint)Spi1, m.Iar());
        m.Eoi(Spi1);

        Write32(m.Cpu(), C.Ctlr, 1 | 1u << 2);                 // Group 1 disabled at the CPU interface
        Assert.False(m.Signals[0].Level);
        Assert.Equal(1023u, m.Iar());
    }

    [Fact]
    public void The_signal_follows_the_distributor_and_CPU_interface_enables_exactly()
    {
        var m = new Machine().Enabled();
        m.EnableInterrupt(Spi1, 0x80);
        m.Gic.SpiLine(1).Set(true);
        Write32(m.Dist(), D.Ctlr, 0);
        Write32(m.Dist(), D.Ctlr, 1);
        Write32(m.Cpu(), C.Ctlr, 0);
        Write32(m.Cpu(), C.Ctlr, 1);
        Write32(m.Dist(), D.ICEnableR + 4, 1u << 1);
        Write32(m.Dist(), D.ISEnableR + 4, 1u << 1);
        Write32(m.Cpu(), C.Pmr, 0xFF);                         // no change: no call
        Assert.Equal([true, false, true, false, true, false, true], m.Signals[0].Levels);
        Assert.True(m.Gic.IsIrqAsserted(0));
    }

    [Fact]
    public void Snapshot_round_trip_restores_every_register_and_the_IRQ_level()
    {
        var m = new Machine(2).Enabled();
        m.EnableInterrupt(Spi1, 0x80);
        m.EnableInterrupt(Spi2, 0x40);
        m.EnableInterrupt(4, 0x60, cpu: 0);
        m.Dist().Write(D.ITargetsR + Spi1, [0x02]);
        m.Dist().Write(D.ITargetsR + Spi2, [0x01]);
        Write32(m.Dist(), D.ICfgR + 8, 0b10u << 4);
        Write32(m.Dist(1), D.SgiR, 0x0001_0004);
        m.Gic.SpiLine(1).Set(true);
        Write32(m.Dist(), D.ISPendR + 4, 1u << 2);
        Assert.Equal((uint)Spi2, m.Iar(0));                    // active on CPU 0, running priority 0x40
        Write32(m.Cpu(1), C.Bpr, 5);
        var saved = m.Gic.Save();

        var copy = new Machine(2);
        copy.Gic.Restore(saved);
        Assert.Equal(saved, copy.Gic.Save());
        Assert.Equal(m.Signals.Select(s => s.Level), copy.Signals.Select(s => s.Level));
        Assert.Equal(0x40u, Read32(copy.Cpu(0), C.Rpr));
        Assert.Equal(5u, Read32(copy.Cpu(1), C.Bpr));
        Assert.Equal(Read32(m.Cpu(1), C.Iar), Read32(copy.Cpu(1), C.Iar));   // SPI 33 on CPU 1
        copy.Eoi(Spi2, 0);
        Assert.Equal(4u | 1u << 10, copy.Iar(0));                             // SGI 4 from CPU 1 survived

        Assert.Throws<ArgumentException>(() => new GicV2(1).Restore(saved));
        Assert.Throws<ArgumentException>(() => new GicV3(2).Restore(saved));
    }

    [Fact]
    public void Reset_returns_registers_to_their_reset_values_and_keeps_line_levels()
    {
        var m = new Machine().Enabled();
        m.EnableInterrupt(Spi1, 0x80);
        m.Gic.SpiLine(1).Set(true);
        m.Gic.Reset();
        Assert.False(m.Signals[0].Level);
        Assert.Equal(0u, Read32(m.Dist(), D.Ctlr));
        Assert.Equal(2u, Read32(m.Cpu(), C.Bpr));
        Assert.True(Bit(m.Dist(), D.ISPendR, Spi1));
        m.Enabled().EnableInterrupt(Spi1, 0x80);
        Assert.True(m.Signals[0].Level);
    }

    [Fact]
    public void Instances_do_not_interfere_even_when_driven_from_many_threads()
    {
        var machines = Enumerable.Range(0, 8).Select(_ => new Machine().Enabled()).ToArray();
        machines[0].EnableInterrupt(Spi1, 0x80);
        machines[0].Gic.SpiLine(1).Set(true);
        Assert.True(machines[0].Signals[0].Level);
        Assert.All(machines.Skip(1), m => Assert.Empty(m.Signals[0].Levels));
        Assert.Equal(1023u, machines[1].Iar());

        Parallel.For(1, machines.Length, i =>
        {
            var m = machines[i];
            m.EnableInterrupt(Spi1 + i, (byte)(i * 8));
            for (int n = 0; n < 200; n++)
            {
                m.Gic.SpiLine(1 + i).Set(true);
                if (m.Iar() != (uint)(Spi1 + i))
                    throw new InvalidOperationException($"GIC {i}: wrong acknowledge");
                m.Gic.SpiLine(1 + i).Set(false);
                m.Eoi((uint)(Spi1 + i));
            }
        });
        for (int i = 1; i < machines.Length; i++)
        {
            Assert.Equal(400, machines[i].Signals[0].Levels.Count);
            Assert.Equal((byte)(i * 8), Read8(machines[i].Dist(), D.IPriorityR + (ulong)(Spi1 + i)));
        }
        Assert.Equal((uint)Spi1, machines[0].Iar());
    }

    [Fact]
    public async Task A_device_thread_and_a_CPU_thread_on_one_GIC_keep_the_signal_consistent()
    {
        var m = new Machine().Enabled();
        Write32(m.Dist(), D.ICfgR + 8, 0b10u << 2);                      // INTID 33 edge-triggered
        m.EnableInterrupt(Spi1, 0x80);
        var line = m.Gic.SpiLine(1);
        int acknowledged = 0;
        var device = Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                line.Set(true);
                line.Set(false);
            }
        }, TestContext.Current.CancellationToken);
        while (!device.IsCompleted || m.Gic.IsIrqAsserted(0))
        {
            uint iar = m.Iar();
            if (iar == Spi1)
            {
                acknowledged++;
                m.Eoi(iar);
            }
            else
            {
                Assert.Equal(1023u, iar);
            }
        }
        await device;
        Assert.InRange(acknowledged, 1, 2000);                            // edges coalesce while pending
        var levels = m.Signals[0].Levels;
        Assert.True(levels[0]);
        Assert.False(levels[^1]);
        for (int i = 1; i < levels.Count; i++)
            Assert.NotEqual(levels[i - 1], levels[i]);                    // only changes are signalled
        Assert.Equal(0xFFu, Read32(m.Cpu(), C.Rpr));
    }
}

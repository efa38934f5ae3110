using Captive.Core.Devices;
using Captive.Guest.Arm.Devices.Gic;
using Xunit;
using static Captive.Guest.Arm.Tests.Devices.GicV2Tests;
using D = Captive.Guest.Arm.Devices.Gic.GicDistributorRegisters;
using R = Captive.Guest.Arm.Devices.Gic.GicRedistributorRegisters;

namespace Captive.Guest.Arm.Tests.Devices;

// Expected behaviour is the GICv3 architecture specification's (ARM IHI 0069); register names
// are cited where a rule is less than obvious.
public sealed class GicV3Tests
{
    private sealed class Machine
    {
        public Machine(int cpus = 1)
        {
            Signals = [.. Enumerable.Range(0, cpus).Select(_ => new Recorder())];
            Gic = new GicV3(cpus, GicIntIds.VirtBoardSpiCount, Signals);
        }

        public GicV3 Gic { get; }
        public Recorder[] Signals { get; }
        public IMmioDevice Dist => Gic.Distributor;
        public IMmioDevice Redist => Gic.Redistributors;
        public GicV3CpuInterface Icc(int cpu = 0) => Gic.CpuInterface(cpu);

        public static ulong Rd(int cpu, ulong register) => (ulong)cpu * R.FrameSize + register;

        /// <summary>What Linux's GICv3 driver does: Group 1 on, redistributors awake, ICC enabled with PMR open.</summary>
        public Machine Enabled()
        {
            Write32(Dist, D.Ctlr, 1u << 1 | 1u << 4);
            for (int c = 0; c < Signals.Length; c++)
            {
                Write32(Redist, Rd(c, R.Waker), 0);
                Icc(c).WritePmr(0xFF);
                Icc(c).WriteIgrpen1(1);
            }
            return this;
        }

        public void EnablePrivate(int cpu, int intId, byte priority)
        {
            Redist.Write(Rd(cpu, R.IPriorityR) + (ulong)intId, [priority]);
            Write32(Redist, Rd(cpu, R.ISEnableR0), 1u << intId);
        }

        public void EnableSpi(int intId, byte priority, ulong route = 0)
        {
            Dist.Write(D.IPriorityR + (ulong)intId, [priority]);
            Write64(Dist, D.IRouterR + 8 * (ulong)intId, route);
            Write32(Dist, D.ISEnableR + (ulong)(intId / 32 * 4), 1u << (intId % 32));
        }
    }

    private static void Write64(IMmioDevice d, ulong offset, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        d.Write(offset, b);
    }

    private static ulong Read64(IMmioDevice d, ulong offset)
    {
        Span<byte> b = stackalloc byte[8];
        d.Read(offset, b);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    private const int Spi1 = 33;

    [Fact]
    public void Distributor_reports_affinity_routing_one_security_state_and_256_interrupts()
    {
        var m = new Machine(2);
        Assert.Equal(1u << 4 | 1u << 6, Read32(m.Dist, D.Ctlr));      // ARE and DS RAO, groups off
        Write32(m.Dist, D.Ctlr, 0xFFFF_FFFF);
        Assert.Equal(1u << 1 | 1u << 4 | 1u << 6, Read32(m.Dist, D.Ctlr));   // EnableGrp0 RAZ/WI: no Group 0
        Assert.Equal(7u, Read32(m.Dist, D.Typer) & 0x1F);              // ITLinesNumber
        Assert.Equal(15u, Read32(m.Dist, D.Typer) >> 19 & 0x1F);       // IDbits: 16, as ICC_CTLR_EL1.IDbits
        Assert.Equal(0u, Read32(m.Dist, D.Typer) & (1u << 17 | 1u << 25));   // no LPIs; 1-of-N supported
        Assert.Equal(3u, Read32(m.Dist, D.V3Pidr2) >> 4 & 0xF);        // GICD_PIDR2.ArchRev
        Assert.Equal(3u, Read32(m.Redist, R.FrameSize + D.V3Pidr2) >> 4 & 0xF);
    }

    [Fact]
    public void Redistributors_report_processor_number_affinity_and_Last_and_wake_up()
    {
        var m = new Machine(2);
        ulong t0 = Read64(m.Redist, Machine.Rd(0, R.Typer));
        ulong t1 = Read64(m.Redist, Machine.Rd(1, R.Typer));
        Assert.Equal(0UL, t0 & (1 << 4));                              // GICR_TYPER.Last only on the final frame
        Assert.Equal(1UL << 4, t1 & (1 << 4));
        Assert.Equal(1UL, t1 >> 8 & 0xFFFF);                           // Processor_Number
        Assert.Equal(1UL, t1 >> 32);                                   // Affinity_Value 0.0.0.1
        Assert.Equal((uint)(t1 >> 32), Read32(m.Redist, Machine.Rd(1, R.Typer + 4)));

        Assert.Equal(0b110u, Read32(m.Redist, Machine.Rd(1, R.Waker)));   // ProcessorSleep, ChildrenAsleep
        Write32(m.Redist, Machine.Rd(1, R.Waker), 0);
        Assert.Equal(0u, Read32(m.Redist, Machine.Rd(1, R.Waker)));
        Assert.Equal(0b110u, Read32(m.Redist, Machine.Rd(0, R.Waker)));
        Assert.Equal(2UL * R.FrameSize, m.Gic.RedistributorsSize);
    }

    [Fact]
    public void Unimplemented_offsets_read_zero_ignore_writes_and_never_throw()
    {
        var m = new Machine(2).Enabled();
        foreach (ulong reserved in new ulong[] { 0x0C, 0x40, 0x800, 0x820, 0xD00, 0xE00, 0xF00, 0x6000, 0x60F8, 0x7FF8, 0xC000 })
        {
            Write32(m.Dist, reserved, 0xFFFF_FFFF);
            Assert.Equal(0u, Read32(m.Dist, reserved));
        }
        foreach (ulong reserved in new ulong[] { R.Ctlr, R.StatusR, 0x70, 0x1000, R.SgiBase + 0x84, R.IGrpModR0, R.NsacR, R.SgiBase + 0xC08 })
        {
            Write32(m.Redist, reserved, 0xFFFF_FFFF);
            Assert.Equal(0u, Read32(m.Redist, reserved));
        }
        var buffer = new byte[8];
        for (ulong offset = 0; offset < 0x10100; offset += 5)
            foreach (int size in new[] { 1, 2, 4, 8 })
            {
                m.Dist.Read(offset, buffer.AsSpan(0, size));
                m.Redist.Read(offset, buffer.AsSpan(0, size));
                m.Redist.Read(offset + R.FrameSize, buffer.AsSpan(0, size));
            }
        m.Redist.Read(2 * R.FrameSize, buffer);                       // past the last redistributor
        Assert.Equal(0UL, BitConverter.ToUInt64(buffer));
        m.Redist.Write(ulong.MaxValue - 1, buffer.AsSpan(0, 2));
        m.Dist.Read(ulong.MaxValue, buffer.AsSpan(0, 1));
        Assert.False(m.Icc().TryRead((IccRegister)0xC000, out _));
        Assert.False(m.Icc().TryWrite((IccRegister)0xC000, 0));
    }

    [Fact]
    public void Distributor_registers_for_private_interrupts_are_RAZ_WI_and_everything_is_Group_1()
    {
        var m = new Machine().Enabled();
        Write32(m.Dist, D.ISEnableR, 0xFFFF_FFFF);
        Assert.Equal(0u, Read32(m.Dist, D.ISEnableR));
        m.Dist.Write(D.IPriorityR + 27, [0x80]);
        Assert.Equal(0, Read8(m.Dist, D.IPriorityR + 27));
        Assert.Equal(0u, Read32(m.Dist, D.ICfgR + 4));
        Assert.Equal(0u, Read32(m.Dist, D.IGroupR));
        Write32(m.Dist, D.IGroupR + 4, 0);
        Assert.Equal(0xFFFF_FFFFu, Read32(m.Dist, D.IGroupR + 4));    // RAO/WI
        Assert.Equal(0xFFFF_FFFFu, Read32(m.Redist, R.IGroupR0));
        Assert.Equal(0xAAAA_AAAAu, Read32(m.Redist, R.ICfgR0));        // SGIs edge-triggered
    }

    [Fact]
    public void SGI1R_target_list_delivers_to_the_second_CPU_only()
    {
        var m = new Machine(2).Enabled();
        m.EnablePrivate(1, 7, 0x80);
        m.EnablePrivate(0, 7, 0x80);
        m.Icc(0).WriteSgi1r(7UL << 24 | 0b10);                        // Aff3.Aff2.Aff1 = 0, TargetList {Aff0 = 1}
        Assert.Empty(m.Signals[0].Levels);
        Assert.True(m.Signals[1].Level);
        Assert.Equal(7UL, m.Icc(1).ReadIar1());                        // no source CPU field in GICv3
        m.Icc(1).WriteEoir1(7);
        Assert.Equal(1023UL, m.Icc(1).ReadIar1());

        m.Icc(0).WriteSgi1r(7UL << 24 | 1UL << 16 | 0b11);             // Aff1 = 1: no such CPU
        m.Icc(0).WriteSgi1r(7UL << 24 | 1UL << 44 | 0b11);             // RS = 1: Aff0 16 and 17, no such CPUs
        Assert.Equal(1023UL, m.Icc(0).ReadIar1());
        Assert.Equal(1023UL, m.Icc(1).ReadIar1());

        m.Icc(1).WriteSgi1r(7UL << 24 | 1UL << 40);                    // IRM: every PE but the sender
        Assert.Equal(7UL, m.Icc(0).ReadIar1());
        Assert.Equal(1023UL, m.Icc(1).ReadIar1());
        Assert.Equal([true, false], m.Signals[1].Levels);
        Assert.Equal([true, false], m.Signals[0].Levels);
    }

    [Fact]
    public void Level_PPI_through_the_redistributor_repends_after_EOI_while_the_line_is_high()
    {
        var m = new Machine(2).Enabled();
        m.EnablePrivate(1, GicIntIds.VirtualTimerPpi, 0x40);
        Assert.Equal(0x40, Read8(m.Redist, Machine.Rd(1, R.IPriorityR) + GicIntIds.VirtualTimerPpi));
        Assert.Equal(0, Read8(m.Redist, Machine.Rd(0, R.IPriorityR) + GicIntIds.VirtualTimerPpi));
        var timer = m.Gic.PpiLine(1, GicIntIds.VirtualTimerPpi);
        timer.Set(true);
        Assert.True(m.Signals[1].Level);
        Assert.Equal((ulong)GicIntIds.VirtualTimerPpi, m.Icc(1).ReadHppir1());
        Assert.Equal((ulong)GicIntIds.VirtualTimerPpi, m.Icc(1).ReadIar1());
        Assert.Equal(0x40UL, m.Icc(1).ReadRpr());
        Assert.Equal(1u << GicIntIds.VirtualTimerPpi, Read32(m.Redist, Machine.Rd(1, R.ISActiveR0)));
        m.Icc(1).WriteEoir1((ulong)GicIntIds.VirtualTimerPpi);
        Assert.True(m.Signals[1].Level);
        timer.Set(false);
        Assert.Equal([true, false, true, false], m.Signals[1].Levels);
        Assert.Empty(m.Signals[0].Levels);
    }

    [Fact]
    public void Edge_SPI_routed_by_IROUTER_to_the_second_CPU()
    {
        var m = new Machine(2).Enabled();
        m.EnableSpi(Spi1, 0x80, route: 1);                             // Aff0 = 1
        Write32(m.Dist, D.ICfgR + 8, 0b10u << 2);
        Assert.Equal(1UL, Read64(m.Dist, D.IRouterR + 8 * Spi1));
        m.Gic.SpiLine(1).Set(true);
        m.Gic.SpiLine(1).Set(false);
        Assert.Empty(m.Signals[0].Levels);
        Assert.Equal((ulong)Spi1, m.Icc(1).ReadIar1());
        m.Icc(1).WriteEoir1(Spi1);
        Assert.Equal(1023UL, m.Icc(1).ReadIar1());

        // 32-bit halves; unimplemented bits (Aff3's neighbours, [30:24]) are RES0.
        Write32(m.Dist, D.IRouterR + 8 * Spi1, 0xFF00_0000);
        Write32(m.Dist, D.IRouterR + 8 * Spi1 + 4, 0xFFFF_FF05);
        Assert.Equal(0x05_8000_0000UL, Read64(m.Dist, D.IRouterR + 8 * Spi1));

        // IRM = 1: 1-of-N — delivered to one participating CPU, here the first awake one.
        m.Icc(0).WriteIgrpen1(0);
        Write32(m.Dist, D.ISPendR + 4, 1u << 1);
        Assert.True(m.Signals[1].Level);
        Assert.Equal((ulong)Spi1, m.Icc(1).ReadIar1());

        // A route to an affinity no CPU has goes nowhere.
        m.Icc(1).WriteEoir1(Spi1);
        Write64(m.Dist, D.IRouterR + 8 * Spi1, 5);
        Write32(m.Dist, D.ISPendR + 4, 1u << 1);
        Assert.Equal(1023UL, m.Icc(0).ReadIar1());
        Assert.Equal(1023UL, m.Icc(1).ReadIar1());
    }

    [Fact]
    public void A_sleeping_redistributor_or_disabled_group_signals_nothing()
    {
        var m = new Machine();
        Write32(m.Dist, D.Ctlr, 1u << 1);
        m.Icc().WritePmr(0xFF);
        m.Icc().WriteIgrpen1(1);
        m.EnablePrivate(0, 20, 0x80);
        Write32(m.Redist, R.ISPendR0, 1u << 20);
        Assert.Empty(m.Signals[0].Levels);                             // GICR_WAKER.ProcessorSleep = 1
        Assert.Equal(1023UL, m.Icc().ReadIar1());
        Write32(m.Redist, R.Waker, 0);
        Assert.True(m.Signals[0].Level);
        m.Icc().WriteIgrpen1(0);
        Assert.False(m.Signals[0].Level);
        Assert.Equal(0UL, m.Icc().ReadIgrpen1());
        m.Icc().WriteIgrpen1(1);
        Write32(m.Dist, D.Ctlr, 0);
        Assert.Equal([true, false, true, false], m.Signals[0].Levels);
        Write32(m.Redist, R.ICPendR0, 1u << 20);
        Assert.Equal(0u, Read32(m.Redist, R.ISPendR0));
    }

    [Fact]
    public void Priority_order_and_the_priority_mask_with_five_priority_bits()
    {
        var m = new Machine().Enabled();
        m.Icc().WriteBpr1(7);                                          // no preemption
        m.EnableSpi(40, 0x90);
        m.EnableSpi(41, 0x50);
        m.EnableSpi(42, 0x50);
        Write32(m.Dist, D.ISPendR + 4, 0b111u << 8);
        m.Icc().WritePmr(0x50);
        Assert.False(m.Signals[0].Level);
        Assert.Equal(1023UL, m.Icc().ReadIar1());
        Assert.Equal(41UL, m.Icc().ReadHppir1());                     // HPPIR ignores the mask
        m.Icc().WritePmr(0xFF);
        Assert.Equal(0xF8UL, m.Icc().ReadPmr());
        Assert.Equal(41UL, m.Icc().ReadIar1());
        m.Icc().WriteEoir1(41);
        Assert.Equal(42UL, m.Icc().ReadIar1());
        m.Icc().WriteEoir1(42);
        Assert.Equal(40UL, m.Icc().ReadIar1());
        m.Icc().WriteEoir1(40);
        Assert.Equal(1023UL, m.Icc().ReadIar1());
    }

    [Fact]
    public void Binary_point_decides_preemption()
    {
        var m = new Machine().Enabled();
        m.EnableSpi(40, 0xC0);
        m.EnableSpi(41, 0xA0);
        m.Icc().WriteBpr1(0);
        Assert.Equal(3UL, m.Icc().ReadBpr1());                         // minimum for Group 1 with 5 bits
        m.Icc().WriteBpr1(7);                                          // group priority = bit [7]
        Write32(m.Dist, D.ISPendR + 4, 1u << 8);
        Assert.Equal(40UL, m.Icc().ReadIar1());
        Assert.Equal(0x80UL, m.Icc().ReadRpr());
        Write32(m.Dist, D.ISPendR + 4, 1u << 9);
        Assert.False(m.Signals[0].Level);
        m.Icc().WriteEoir1(40);
        Assert.True(m.Signals[0].Level);                              // 41 is now the one to take
        Write32(m.Dist, D.ICPendR + 4, 1u << 9);

        m.Icc().WriteBpr1(3);                                          // group priority = [7:3]
        Write32(m.Dist, D.ISPendR + 4, 1u << 8);
        Assert.Equal(40UL, m.Icc().ReadIar1());
        Write32(m.Dist, D.ISPendR + 4, 1u << 9);
        Assert.True(m.Signals[0].Level);
        Assert.Equal(41UL, m.Icc().ReadIar1());
        Assert.Equal((1UL << (0xA0 >> 3)) | (1UL << (0xC0 >> 3)), m.Icc().ReadAp1r0());
        m.Icc().WriteEoir1(41);
        Assert.Equal(0xC0UL, m.Icc().ReadRpr());
        m.Icc().WriteEoir1(40);
        Assert.Equal(0xFFUL, m.Icc().ReadRpr());
    }

    [Fact]
    public void EOImode_1_separates_priority_drop_from_deactivation_by_ICC_DIR()
    {
        var m = new Machine().Enabled();
        m.Icc().WriteCtlr(1 << 1);
        Assert.Equal(1UL << 1, m.Icc().ReadCtlr() & 3);
        m.EnableSpi(Spi1, 0x80);
        m.Gic.SpiLine(1).Set(true);
        Assert.Equal((ulong)Spi1, m.Icc().ReadIar1());
        m.Icc().WriteEoir1(Spi1);
        Assert.Equal(0xFFUL, m.Icc().ReadRpr());
        Assert.Equal(1u << 1, Read32(m.Dist, D.ISActiveR + 4));
        Assert.False(m.Signals[0].Level);
        m.Icc().WriteDir(Spi1);
        Assert.Equal(0u, Read32(m.Dist, D.ISActiveR + 4));
        Assert.True(m.Signals[0].Level);
        Assert.Equal([true, false, true], m.Signals[0].Levels);
    }

    [Fact]
    public void ICC_registers_by_encoding()
    {
        var m = new Machine().Enabled();
        var icc = m.Icc();
        Assert.True(icc.TryRead(IccRegister.Sre, out ulong sre));
        Assert.Equal(7UL, sre);                                        // SRE, DFB, DIB
        Assert.True(icc.TryRead(IccRegister.Ctlr, out ulong ctlr));
        Assert.Equal(4UL, ctlr >> 8 & 7);                              // PRIbits: 5 bits
        Assert.Equal(0UL, ctlr >> 11 & 7);                             // IDbits: 16
        Assert.True(icc.TryWrite(IccRegister.Pmr, 0x60));
        Assert.True(icc.TryRead(IccRegister.Pmr, out ulong pmr));
        Assert.Equal(0x60UL, pmr);
        Assert.True(icc.TryRead(IccRegister.Iar0, out ulong iar0));
        Assert.Equal(1023UL, iar0);
        Assert.True(icc.TryWrite(IccRegister.Igrpen0, 1));
        Assert.True(icc.TryRead(IccRegister.Igrpen0, out ulong igrpen0));
        Assert.Equal(0UL, igrpen0);

        m.EnablePrivate(0, 9, 0x20);
        Assert.True(icc.TryWrite(IccRegister.Sgi1r, 9UL << 24 | 1));
        Assert.True(icc.TryRead(IccRegister.Iar1, out ulong iar1));
        Assert.Equal(9UL, iar1);
        Assert.True(icc.TryWrite(IccRegister.Eoir1, 9));
        Assert.True(icc.TryRead(IccRegister.Rpr, out ulong rpr));
        Assert.Equal(0xFFUL, rpr);
        Assert.False(icc.TryWrite(IccRegister.Iar1, 0));               // read-only
        Assert.False(icc.TryRead(IccRegister.Eoir1, out _));           // write-only
    }

    [Fact]
    public void Snapshot_round_trip_restores_every_register_and_the_IRQ_level()
    {
        var m = new Machine(2).Enabled();
        m.EnableSpi(Spi1, 0x80, route: 1);
        m.EnableSpi(34, 0x40, route: 1UL << 31);
        m.EnablePrivate(0, 3, 0x60);
        m.Icc(1).WriteSgi1r(3UL << 24 | 1);
        m.Gic.SpiLine(1).Set(true);
        Write32(m.Dist, D.ISPendR + 4, 1u << 2);
        Assert.Equal(34UL, m.Icc(0).ReadIar1());
        m.Icc(1).WriteBpr1(5);
        m.Icc(1).WriteCtlr(2);
        var saved = m.Gic.Save();

        var copy = new Machine(2);
        copy.Gic.Restore(saved);
        Assert.Equal(saved, copy.Gic.Save());
        Assert.Equal(m.Signals.Select(s => s.Level), copy.Signals.Select(s => s.Level));
        Assert.True(copy.Signals[1].Level);
        Assert.Equal(0x40UL, copy.Icc(0).ReadRpr());
        Assert.Equal(5UL, copy.Icc(1).ReadBpr1());
        Assert.Equal(1UL, Read64(copy.Dist, D.IRouterR + 8 * Spi1));
        Assert.Equal((ulong)Spi1, copy.Icc(1).ReadIar1());
        copy.Icc(0).WriteEoir1(34);
        Assert.Equal(3UL, copy.Icc(0).ReadIar1());
        Assert.Equal(0u, Read32(copy.Redist, Machine.Rd(0, R.Waker)));

        Assert.Throws<ArgumentException>(() => new GicV3(1).Restore(saved));
        Assert.Throws<ArgumentException>(() => new GicV3(2).Restore(saved with { Version = 99 }));
        Assert.Throws<ArgumentException>(() => new GicV2(2).Restore(saved));
    }

    [Fact]
    public void Instances_do_not_interfere()
    {
        var a = new Machine(2).Enabled();
        var b = new Machine(2).Enabled();
        a.EnablePrivate(1, 2, 0x10);
        b.EnablePrivate(1, 2, 0x10);
        a.Icc(0).WriteSgi1r(2UL << 24 | 0b10);
        Assert.True(a.Signals[1].Level);
        Assert.Empty(b.Signals[1].Levels);
        Assert.Equal(1023UL, b.Icc(1).ReadIar1());
        Assert.Equal(2UL, a.Icc(1).ReadIar1());

        Parallel.For(0, 8, i =>
        {
            var m = new Machine(2).Enabled();
            m.EnablePrivate(i % 2, GicIntIds.PhysicalTimerPpi, (byte)(i * 8));
            var line = m.Gic.PpiLine(i % 2, GicIntIds.PhysicalTimerPpi);
            for (int n = 0; n < 200; n++)
            {
                line.Set(true);
                if (m.Icc(i % 2).ReadIar1() != GicIntIds.PhysicalTimerPpi)
                    throw new InvalidOperationException($"GIC {i}: wrong acknowledge");
                line.Set(false);
                m.Icc(i % 2).WriteEoir1(GicIntIds.PhysicalTimerPpi);
            }
            if (m.Signals[i % 2].Levels.Count != 400 || m.Signals[1 - i % 2].Levels.Count != 0)
                throw new InvalidOperationException($"GIC {i}: unexpected signal transitions");
        });
    }

    [Fact]
    public void GicFactory_Create_selects_the_version_and_a_device_line_reaches_the_CPU_either_way()
    {
        foreach (int version in new[] { 2, 3 })
        {
            var signal = new Recorder();
            IGic gic = GicFactory.Create(version, 1, GicIntIds.VirtBoardSpiCount, [signal]);
            Assert.Equal(version, gic.ArchitectureVersion);
            Assert.Equal(224, gic.SpiCount);
            if (gic is GicV2 v2)
            {
                Write32(v2.DistributorView(0), D.Ctlr, 1);
                Write32(v2.CpuInterfaceView(0), GicCpuInterfaceRegisters.Ctlr, 1);
                Write32(v2.CpuInterfaceView(0), GicCpuInterfaceRegisters.Pmr, 0xFF);
                Write32(v2.DistributorView(0), D.ISEnableR + 4, 1u << 1);
            }
            else if (gic is GicV3 v3)
            {
                Write32(v3.Distributor, D.Ctlr, 1u << 1);
                Write32(v3.Redistributors, R.Waker, 0);
                v3.CpuInterface(0).WritePmr(0xFF);
                v3.CpuInterface(0).WriteIgrpen1(1);
                Write32(v3.Distributor, D.ISEnableR + 4, 1u << 1);
            }
            gic.SpiLine(1).Set(true);                                  // the UART's SPI 1
            Assert.True(gic.IsIrqAsserted(0));
            Assert.Equal([true], signal.Levels);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => GicFactory.Create(4));
    }
}

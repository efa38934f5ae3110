using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// A GICv3 interrupt controller (ARM IHI 0069) with a single security state (GICD_CTLR.DS = 1)
/// and affinity routing always on (ARE RAO/WI), no LPIs and no ITS: a distributor, one
/// redistributor (RD_base + SGI_base frames) per CPU, and the ICC system-register CPU interface
/// (<see cref="CpuInterface"/>), as the 'virt' board maps them at 0x0800_0000 and 0x080A_0000.
/// </summary>
/// <remarks>
/// <para>
/// Groups: every interrupt is Group 1 (GICD_IGROUPR and GICR_IGROUPR0 are RAO/WI, GICD_CTLR.EnableGrp0
/// and ICC_IGRPEN0_EL1 RAZ/WI, the Group 0 ICC registers answer 1023 or ignore writes), which is
/// what Linux and bare-metal code running at non-secure EL1 use.
/// </para>
/// <para>
/// CPU n has affinity 0.0.0.n (MPIDR Aff0 = n, as the device tree says), so redistributor n is
/// at RD_base n × 128 KiB and GICR_TYPER reports Processor_Number n, affinity 0.0.0.n and Last on
/// the final one. A redistributor starts asleep (GICR_WAKER.ProcessorSleep = 1): its CPU receives
/// nothing until software wakes it (IHI 0069, GICR_WAKER).
/// SPIs with IROUTER.IRM = 1 go to the lowest-numbered CPU that is awake with Group 1 enabled.
/// </para>
/// <para>
/// Priorities have 5 bits (ICC_CTLR_EL1.PRIbits = 4); ICC_BPR1_EL1 is at least 3 and
/// ICC_CTLR_EL1.CBPR is RAZ/WI. INTIDs are 16 bits (IDbits = 0) and ICC_SGI1R_EL1 supports
/// range selectors (RSS = 0: Aff0 0–15).
/// </para>
/// <para>
/// Thread safety: one lock per instance guards all state; MMIO accesses, ICC accesses, the input
/// lines, <see cref="GicBase.Save"/> and <see cref="GicBase.Restore"/> may come from any thread. The
/// <see cref="IGicCpuSignal"/>s are called under that lock and must not call back into the GIC.
/// No state is shared between instances.
/// </para>
/// </remarks>
public sealed class GicV3 : GicBase
{
    /// <summary>Size of the distributor's register frame.</summary>
    public const ulong DistributorSize = 0x10000;

    /// <summary>GICD_IIDR / GICR_IIDR: implementer ARM (0x43B).</summary>
    public const uint Iidr = 0x0000_043B;

    /// <summary>GICD_CTLR.ARE (RAO/WI).</summary>
    public const uint DistributorAffinityRouting = 1u << 4;

    /// <summary>GICD_CTLR.DS (RAO/WI): one security state.</summary>
    public const uint DistributorDisableSecurity = 1u << 6;

    // PIDR4..7, PIDR0..3, CIDR0..3 from 0xFFD0, as QEMU's; PIDR2 = 0x3B: ArchRev 3.
    private static ReadOnlySpan<byte> DistributorIds => [0x44, 0x00, 0x00, 0x00, 0x92, 0xB4, 0x3B, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
    private static ReadOnlySpan<byte> RedistributorIds => [0x44, 0x00, 0x00, 0x00, 0x93, 0xB4, 0x3B, 0x00, 0x0D, 0xF0, 0x05, 0xB1];

    private readonly IMmioDevice _distributor;
    private readonly RedistributorDevice _redistributors;
    private readonly GicV3CpuInterface[] _cpuInterfaces;

    /// <summary>Creates a GICv3 in its reset state.</summary>
    /// <param name="cpuCount">CPUs (redistributors and CPU interfaces), 1 to 123 (the virt board's redistributor region holds 123).</param>
    /// <param name="spiCount">SPIs, a multiple of 32 up to 960; the virt board's 256 INTIDs are 224 SPIs.</param>
    /// <param name="cpuSignals">Each CPU's IRQ input, or null to leave them unconnected.</param>
    public GicV3(int cpuCount = 1, int spiCount = GicIntIds.VirtBoardSpiCount, IReadOnlyList<IGicCpuSignal?>? cpuSignals = null)
        : base(new GicCore(isV3: true, CheckedCpuCount(cpuCount), spiCount, cpuSignals))
    {
        _distributor = new DistributorWindow(Core).ViewFor(0);
        _redistributors = new RedistributorDevice(new RedistributorWindow(Core));
        _cpuInterfaces = [.. Enumerable.Range(0, cpuCount).Select(c => new GicV3CpuInterface(Core, c))];
    }

    private static int CheckedCpuCount(int cpuCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cpuCount, 123);
        return cpuCount;
    }

    /// <inheritdoc/>
    public override int ArchitectureVersion => 3;



    /// <summary>The distributor (GICD_*), the same for every CPU.</summary>
    public IMmioDevice Distributor => _distributor;

    /// <summary>All redistributors, CPU n's frames at n × <see cref="GicRedistributorRegisters.FrameSize"/>.</summary>
    public IMmioDevice Redistributors => _redistributors;

    /// <summary>Size of the redistributor region this GIC decodes: one frame pair per CPU.</summary>
    public ulong RedistributorsSize => (ulong)Core.CpuCount * GicRedistributorRegisters.FrameSize;

    /// <summary>CPU <paramref name="cpu"/>'s system-register interface.</summary>
    public GicV3CpuInterface CpuInterface(int cpu) => _cpuInterfaces[cpu];







    private sealed class DistributorWindow(GicCore core) : GicRegisterWindow(core, "gicv3-distributor", DistributorSize)
    {
        protected override bool IsByteAccessible(ulong offset) =>
            offset is >= GicDistributorRegisters.IPriorityR and < GicDistributorRegisters.ITargetsR;

        /// <summary>With affinity routing the distributor's registers for INTIDs 0–31 are RAZ/WI (the redistributors hold them).</summary>
        private static bool IsPrivateWord(ulong offset) => offset switch
        {
            >= GicDistributorRegisters.IGroupR and < GicDistributorRegisters.IPriorityR => (offset & 0x7F) == 0,
            >= GicDistributorRegisters.ICfgR and < GicDistributorRegisters.IGrpModR => offset < GicDistributorRegisters.ICfgR + 8,
            _ => false,
        };

        protected override uint ReadWord(int cpu, ulong offset)
        {
            if (IsPrivateWord(offset))
                return 0;
            if (TryReadInterruptArrays(0, offset, 0, out uint value))
                return value;
            switch (offset)
            {
                case GicDistributorRegisters.Ctlr:
                    return Core.DistributorControl | DistributorAffinityRouting | DistributorDisableSecurity;
                case GicDistributorRegisters.Typer:
                    // ITLinesNumber [4:0], CPUNumber [7:5], IDbits [23:19] = 15 (16-bit INTIDs, as ICC_CTLR_EL1.IDbits
                    // says), A3V [24] (Aff3 supported, as ICC_CTLR_EL1.A3V); LPIS, MBIS, No1N (1-of-N supported) clear.
                    return (uint)(Core.IntIdCount / 32 - 1) | (uint)(Math.Min(Core.CpuCount, 8) - 1) << 5 | 15u << 19 | 1u << 24;
                case GicDistributorRegisters.Iidr:
                    return Iidr;
                case >= GicDistributorRegisters.IRouterR + 8 * GicIntIds.FirstSpi and < GicDistributorRegisters.IRouterR + 8 * 1020:
                {
                    int intId = (int)((offset - GicDistributorRegisters.IRouterR) / 8);
                    if (!Core.IsImplemented(intId))
                        return 0;
                    ulong route = Core.GetRoute(intId - GicIntIds.FirstSpi);
                    return (offset & 4) == 0 ? (uint)route : (uint)(route >> 32);
                }
                case >= GicDistributorRegisters.V3IdBase and < DistributorSize:
                    return ReadId(DistributorIds, offset, GicDistributorRegisters.V3IdBase);
                default:
                    return 0;   // ITARGETSR, SGIR, IGRPMODR, NSACR (RAZ/WI with ARE and DS), reserved
            }
        }

        protected override void WriteWord(int cpu, ulong offset, uint value)
        {
            if (IsPrivateWord(offset))
                return;
            if (TryWriteInterruptArrays(0, offset, 0, value))
                return;
            switch (offset)
            {
                case GicDistributorRegisters.Ctlr:
                    Core.DistributorControl = value & GicCore.DistributorEnableGroup1;
                    break;
                case >= GicDistributorRegisters.IRouterR + 8 * GicIntIds.FirstSpi and < GicDistributorRegisters.IRouterR + 8 * 1020:
                {
                    int intId = (int)((offset - GicDistributorRegisters.IRouterR) / 8);
                    if (!Core.IsImplemented(intId))
                        return;
                    int spi = intId - GicIntIds.FirstSpi;
                    ulong route = Core.GetRoute(spi);
                    route = (offset & 4) == 0 ? (route & ~0xFFFF_FFFFUL) | value : (route & 0xFFFF_FFFFUL) | (ulong)value << 32;
                    Core.SetRoute(spi, route);
                    break;
                }
            }
        }

        protected override byte ReadByte(int cpu, ulong offset)
        {
            int intId = (int)(offset - GicDistributorRegisters.IPriorityR);
            return intId >= GicIntIds.FirstSpi && Core.IsImplemented(intId) ? Core.GetPriority(0, intId) : (byte)0;
        }

        protected override void WriteByte(int cpu, ulong offset, byte value)
        {
            int intId = (int)(offset - GicDistributorRegisters.IPriorityR);
            if (intId >= GicIntIds.FirstSpi && Core.IsImplemented(intId))
                Core.SetPriority(0, intId, value);
        }
    }

    /// <summary>One redistributor's RD_base and SGI_base frames; the CPU is the frame's owner, not the accessor.</summary>
    private sealed class RedistributorWindow(GicCore core) : GicRegisterWindow(core, "gicv3-redistributor", GicRedistributorRegisters.FrameSize)
    {
        private const uint ProcessorSleep = 1u << 1;
        private const uint ChildrenAsleep = 1u << 2;
        private const uint TyperLast = 1u << 4;

        protected override bool IsByteAccessible(ulong offset) =>
            offset is >= GicRedistributorRegisters.IPriorityR and < GicRedistributorRegisters.IPriorityR + 32;

        protected override uint ReadWord(int cpu, ulong offset)
        {
            if (offset >= GicRedistributorRegisters.SgiBase)
            {
                ulong sgi = offset - GicRedistributorRegisters.SgiBase;
                if (IsBankedWord(sgi) && TryReadInterruptArrays(cpu, sgi, 0, out uint value))
                    return value;
                return 0;   // IGRPMODR0, NSACR (RAZ/WI with DS = 1), extended PPI ranges, reserved
            }
            return offset switch
            {
                GicRedistributorRegisters.Iidr => Iidr,
                // Processor_Number [23:8], Last [4]; no physical LPIs, no DirectLPI.
                GicRedistributorRegisters.Typer => (uint)cpu << 8 | (cpu == Core.CpuCount - 1 ? TyperLast : 0),
                GicRedistributorRegisters.Typer + 4 => (uint)cpu,   // Affinity_Value: Aff3.Aff2.Aff1.Aff0 = 0.0.0.cpu
                GicRedistributorRegisters.Waker => Core.CpuAt(cpu).ProcessorSleep ? ProcessorSleep | ChildrenAsleep : 0,
                >= GicDistributorRegisters.V3IdBase and < GicRedistributorRegisters.SgiBase => ReadId(RedistributorIds, offset, GicDistributorRegisters.V3IdBase),
                _ => 0,   // GICR_CTLR (no LPIs: EnableLPIs RAZ/WI), STATUSR, LPI registers
            };
        }

        protected override void WriteWord(int cpu, ulong offset, uint value)
        {
            if (offset >= GicRedistributorRegisters.SgiBase)
            {
                ulong sgi = offset - GicRedistributorRegisters.SgiBase;
                if (IsBankedWord(sgi))
                    TryWriteInterruptArrays(cpu, sgi, 0, value);
                return;
            }
            if (offset == GicRedistributorRegisters.Waker)
                Core.CpuAt(cpu).ProcessorSleep = (value & ProcessorSleep) != 0;   // ChildrenAsleep follows at once
        }

        /// <summary>GICR_IGROUPR0, I[SC]ENABLER0, I[SC]PENDR0, I[SC]ACTIVER0, ICFGR0 and ICFGR1: the first word of each array.</summary>
        private static bool IsBankedWord(ulong sgiOffset) => sgiOffset switch
        {
            >= GicDistributorRegisters.IGroupR and < GicDistributorRegisters.IPriorityR => (sgiOffset & 0x7F) == 0,
            GicDistributorRegisters.ICfgR or GicDistributorRegisters.ICfgR + 4 => true,
            _ => false,
        };

        protected override byte ReadByte(int cpu, ulong offset) =>
            Core.GetPriority(cpu, (int)(offset - GicRedistributorRegisters.IPriorityR));

        protected override void WriteByte(int cpu, ulong offset, byte value) =>
            Core.SetPriority(cpu, (int)(offset - GicRedistributorRegisters.IPriorityR), value);
    }

    /// <summary>The redistributor region as one bus device: the frame an offset falls in says which CPU's redistributor it is.</summary>
    private sealed class RedistributorDevice(RedistributorWindow window) : IMmioDevice
    {
        public string Name => window.Name;

        public void Read(ulong offset, Span<byte> data) =>
            window.Read(Frame(offset), offset % GicRedistributorRegisters.FrameSize, data);

        public void Write(ulong offset, ReadOnlySpan<byte> data) =>
            window.Write(Frame(offset), offset % GicRedistributorRegisters.FrameSize, data);

        // Offsets past the last frame map to an out-of-range CPU, which the window answers with zero.
        private static int Frame(ulong offset) => (int)Math.Min(offset / GicRedistributorRegisters.FrameSize, int.MaxValue);
    }
}

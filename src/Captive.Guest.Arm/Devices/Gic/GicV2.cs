using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// A GICv2 interrupt controller (ARM IHI 0048B) without the Security Extensions, for up to 8 CPUs:
/// a distributor and one CPU interface per CPU, as the 'virt' board maps them at
/// 0x0800_0000 and 0x0801_0000.
/// </summary>
/// <remarks>
/// <para>
/// Which CPU accesses: the distributor's SGI/PPI registers are banked per CPU and each CPU has its
/// own CPU interface at the same address, so the windows are <see cref="ICpuBankedMmioDevice"/>s
/// taking the accessing CPU, and <see cref="DistributorView"/> / <see cref="CpuInterfaceView"/>
/// give the plain <see cref="IMmioDevice"/> one CPU sees (a machine maps CPU n's views on CPU n's
/// bus, or routes by the vCPU that exited).
/// </para>
/// <para>
/// Groups: GICD_IGROUPR is implemented and both groups are signalled on the IRQ output (GICC_CTLR.FIQEn
/// and the bypass bits are RAZ/WI: there is no FIQ output). With no Security Extensions a GICC_IAR
/// read acknowledges Group 1 interrupts only when GICC_CTLR.AckCtl is set (otherwise it returns
/// 1022); GICC_AIAR/AEOIR/AHPPIR/ABPR are the Group 1 aliases. GICC_CTLR.EOImode is bit 9.
/// </para>
/// <para>
/// Priorities have 5 bits (GICD_IPRIORITYR fields and GICC_PMR read back with bits [2:0] zero);
/// GICC_BPR is at least 2 and GICC_ABPR at least 3. PPI trigger modes are programmable; SGIs are
/// edge-triggered. With one CPU the GICD_ITARGETSR are RAZ/WI and every SPI targets it (§4.3.12).
/// </para>
/// <para>
/// Thread safety: one lock per instance guards all state; MMIO accesses, the input lines,
/// <see cref="GicBase.Save"/> and <see cref="GicBase.Restore"/> may come from any thread. The
/// <see cref="IGicCpuSignal"/>s are called under that lock and must not call back into the GIC.
/// No state is shared between instances.
/// </para>
/// </remarks>
public sealed class GicV2 : GicBase
{
    /// <summary>Size of the distributor's register frame.</summary>
    public const ulong DistributorSize = 0x1000;

    /// <summary>Size of the CPU interface's register frame (GICC_DIR is at 0x1000).</summary>
    public const ulong CpuInterfaceSize = 0x2000;

    /// <summary>GICD_IIDR: implementer ARM (0x43B).</summary>
    public const uint DistributorIidr = 0x0000_043B;

    /// <summary>GICC_IIDR: architecture version 2 in bits [19:16], implementer ARM.</summary>
    public const uint CpuInterfaceIidr = 0x0002_043B;

    // GICD_PIDR4..7, PIDR0..3, CIDR0..3 from 0xFD0 (ARM's GIC-400 values; PIDR2 = 0x2B: ArchRev 2).
    private static ReadOnlySpan<byte> IdRegisters => [0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1];

    private const uint CpuControlWritable = GicCore.CpuEnableGroup0 | GicCore.CpuEnableGroup1 | GicCore.CpuAckCtl | GicCore.CpuCbpr | GicCore.CpuEoiModeV2;

    private readonly DistributorWindow _distributor;
    private readonly CpuInterfaceWindow _cpuInterface;
    private readonly IMmioDevice[] _distributorViews;
    private readonly IMmioDevice[] _cpuInterfaceViews;

    /// <summary>Creates a GICv2 in its reset state.</summary>
    /// <param name="cpuCount">CPU interfaces, 1 to 8.</param>
    /// <param name="spiCount">SPIs, a multiple of 32 up to 960; the virt board's 256 INTIDs are 224 SPIs.</param>
    /// <param name="cpuSignals">Each CPU's IRQ input, or null to leave them unconnected.</param>
    public GicV2(int cpuCount = 1, int spiCount = GicIntIds.VirtBoardSpiCount, IReadOnlyList<IGicCpuSignal?>? cpuSignals = null)
        : base(new GicCore(isV3: false, cpuCount, spiCount, cpuSignals))
    {
        _distributor = new DistributorWindow(Core);
        _cpuInterface = new CpuInterfaceWindow(Core);
        _distributorViews = [.. Enumerable.Range(0, cpuCount).Select(_distributor.ViewFor)];
        _cpuInterfaceViews = [.. Enumerable.Range(0, cpuCount).Select(_cpuInterface.ViewFor)];
    }

    /// <inheritdoc/>
    public override int ArchitectureVersion => 2;



    /// <summary>The distributor, banked by accessing CPU.</summary>
    public ICpuBankedMmioDevice Distributor => _distributor;

    /// <summary>The CPU interfaces, by accessing CPU.</summary>
    public ICpuBankedMmioDevice CpuInterface => _cpuInterface;

    /// <summary>The distributor as CPU <paramref name="cpu"/> sees it.</summary>
    public IMmioDevice DistributorView(int cpu) => _distributorViews[cpu];

    /// <summary>CPU <paramref name="cpu"/>'s CPU interface.</summary>
    public IMmioDevice CpuInterfaceView(int cpu) => _cpuInterfaceViews[cpu];







    private sealed class DistributorWindow(GicCore core) : GicRegisterWindow(core, "gicv2-distributor", DistributorSize)
    {
        protected override bool IsByteAccessible(ulong offset) => offset is
            >= GicDistributorRegisters.IPriorityR and < GicDistributorRegisters.ICfgR
            or >= GicDistributorRegisters.CPendSgiR and < GicDistributorRegisters.SPendSgiR + 0x10;

        protected override uint ReadWord(int cpu, ulong offset)
        {
            if (TryReadInterruptArrays(cpu, offset, 0, out uint value))
                return value;
            return offset switch
            {
                GicDistributorRegisters.Ctlr => Core.DistributorControl,
                GicDistributorRegisters.Typer => (uint)(Core.IntIdCount / 32 - 1) | (uint)(Core.CpuCount - 1) << 5,
                GicDistributorRegisters.Iidr => DistributorIidr,
                >= GicDistributorRegisters.V2IdBase and < DistributorSize => ReadId(IdRegisters, offset, GicDistributorRegisters.V2IdBase),
                _ => 0,   // reserved, GICD_SGIR (write-only), GICD_NSACR (no Security Extensions)
            };
        }

        protected override void WriteWord(int cpu, ulong offset, uint value)
        {
            if (TryWriteInterruptArrays(cpu, offset, 0, value))
                return;
            switch (offset)
            {
                case GicDistributorRegisters.Ctlr:
                    Core.DistributorControl = value & (GicCore.DistributorEnableGroup0 | GicCore.DistributorEnableGroup1);
                    break;
                case GicDistributorRegisters.SgiR:
                    SendSgi(cpu, value);
                    break;
            }
        }

        /// <summary>GICD_SGIR (IHI 0048B §4.3.15): TargetListFilter [25:24], CPUTargetList [23:16], SGIINTID [3:0].</summary>
        private void SendSgi(int source, uint value)
        {
            int sgi = (int)(value & 0xF);
            int targets = (value >> 24 & 3) switch
            {
                0 => (int)(value >> 16 & 0xFF),
                1 => ((1 << Core.CpuCount) - 1) & ~(1 << source),
                2 => 1 << source,
                _ => 0,   // reserved
            };
            for (int cpu = 0; cpu < Core.CpuCount; cpu++)
                if ((targets & (1 << cpu)) != 0)
                    Core.SendSgi(source, cpu, sgi);
        }

        protected override byte ReadByte(int cpu, ulong offset)
        {
            switch (offset)
            {
                case >= GicDistributorRegisters.IPriorityR and < GicDistributorRegisters.ITargetsR:
                {
                    int intId = (int)(offset - GicDistributorRegisters.IPriorityR);
                    return Core.IsImplemented(intId) ? Core.GetPriority(cpu, intId) : (byte)0;
                }
                case >= GicDistributorRegisters.ITargetsR and < GicDistributorRegisters.ICfgR:
                {
                    int intId = (int)(offset - GicDistributorRegisters.ITargetsR);
                    if (Core.CpuCount == 1 || !Core.IsImplemented(intId))
                        return 0;
                    return intId < GicIntIds.FirstSpi ? (byte)(1 << cpu) : Core.GetTarget(intId - GicIntIds.FirstSpi);
                }
                case >= GicDistributorRegisters.CPendSgiR and < GicDistributorRegisters.SPendSgiR + 0x10:
                    return Core.GetSgiSources(cpu, (int)(offset & 0xF));
                default:
                    return 0;
            }
        }

        protected override void WriteByte(int cpu, ulong offset, byte value)
        {
            switch (offset)
            {
                case >= GicDistributorRegisters.IPriorityR and < GicDistributorRegisters.ITargetsR:
                {
                    int intId = (int)(offset - GicDistributorRegisters.IPriorityR);
                    if (Core.IsImplemented(intId))
                        Core.SetPriority(cpu, intId, value);
                    break;
                }
                case >= GicDistributorRegisters.ITargetsR and < GicDistributorRegisters.ICfgR:
                {
                    int intId = (int)(offset - GicDistributorRegisters.ITargetsR);
                    if (Core.CpuCount > 1 && intId >= GicIntIds.FirstSpi && Core.IsImplemented(intId))
                        Core.SetTarget(intId - GicIntIds.FirstSpi, value);
                    break;
                }
                case >= GicDistributorRegisters.CPendSgiR and < GicDistributorRegisters.SPendSgiR:
                {
                    int sgi = (int)(offset & 0xF);
                    Core.SetSgiSources(cpu, sgi, (byte)(Core.GetSgiSources(cpu, sgi) & ~value));
                    break;
                }
                case >= GicDistributorRegisters.SPendSgiR and < GicDistributorRegisters.SPendSgiR + 0x10:
                {
                    int sgi = (int)(offset & 0xF);
                    Core.SetSgiSources(cpu, sgi, (byte)(Core.GetSgiSources(cpu, sgi) | value));
                    break;
                }
            }
        }
    }

    private sealed class CpuInterfaceWindow(GicCore core) : GicRegisterWindow(core, "gicv2-cpu-interface", CpuInterfaceSize)
    {
        // All CPU interface registers are 32-bit; refusing other reads keeps a stray byte or
        // 64-bit load from acknowledging an interrupt.
        protected override bool AcceptsRead(ulong offset, int size) => (offset & 3) == 0 && size == 4;

        protected override uint ReadWord(int cpu, ulong offset)
        {
            var c = Core.CpuAt(cpu);
            switch (offset)
            {
                case GicCpuInterfaceRegisters.Ctlr: return c.Control;
                case GicCpuInterfaceRegisters.Pmr: return c.PriorityMask;
                case GicCpuInterfaceRegisters.Bpr: return c.BinaryPoint0;
                case GicCpuInterfaceRegisters.Abpr: return c.BinaryPoint1;
                case GicCpuInterfaceRegisters.Rpr: return (uint)Core.RunningPriority(cpu);
                case GicCpuInterfaceRegisters.Iar:
                    // IHI 0048B §4.4.4: without Security Extensions, AckCtl = 0 keeps Group 1 interrupts from GICC_IAR.
                    return (uint)Core.Acknowledge(cpu, group1 => group1 && (c.Control & GicCore.CpuAckCtl) == 0 ? GicIntIds.SpuriousGroup1 : -1);
                case GicCpuInterfaceRegisters.Aiar:
                    return (uint)Core.Acknowledge(cpu, group1 => group1 ? -1 : GicIntIds.Spurious);
                case GicCpuInterfaceRegisters.Hppir:
                {
                    int id = Core.HighestPending(cpu);
                    if (id < 0)
                        return GicIntIds.Spurious;
                    if (Core.IsGroup1(cpu, id) && (c.Control & GicCore.CpuAckCtl) == 0)
                        return GicIntIds.SpuriousGroup1;
                    return WithSource(cpu, id);
                }
                case GicCpuInterfaceRegisters.Ahppir:
                {
                    int id = Core.HighestPending(cpu);
                    return id >= 0 && Core.IsGroup1(cpu, id) ? WithSource(cpu, id) : GicIntIds.Spurious;
                }
                case GicCpuInterfaceRegisters.Apr0: return c.ActivePriorities;
                case GicCpuInterfaceRegisters.Iidr: return CpuInterfaceIidr;
                default: return 0;   // APR1-3, NSAPRn, reserved, and the write-only EOIR/AEOIR/DIR
            }
        }

        /// <summary>An SGI's HPPIR value carries the CPU that would be acknowledged first.</summary>
        private uint WithSource(int cpu, int intId)
        {
            if (intId >= GicIntIds.SgiCount)
                return (uint)intId;
            int sources = Core.GetSgiSources(cpu, intId);
            return (uint)(intId | (sources == 0 ? 0 : System.Numerics.BitOperations.TrailingZeroCount(sources)) << 10);
        }

        protected override void WriteWord(int cpu, ulong offset, uint value)
        {
            var c = Core.CpuAt(cpu);
            switch (offset)
            {
                case GicCpuInterfaceRegisters.Ctlr:
                    c.Control = value & CpuControlWritable;
                    break;
                case GicCpuInterfaceRegisters.Pmr:
                    c.PriorityMask = (byte)(value & GicCore.PriorityFieldMask);
                    break;
                case GicCpuInterfaceRegisters.Bpr:
                    c.BinaryPoint0 = (byte)Math.Max(value & 7, GicCore.MinBinaryPoint0);
                    break;
                case GicCpuInterfaceRegisters.Abpr:
                    c.BinaryPoint1 = (byte)Math.Max(value & 7, GicCore.MinBinaryPoint1);
                    break;
                case GicCpuInterfaceRegisters.Eoir:
                case GicCpuInterfaceRegisters.Aeoir:
                    Core.EndOfInterrupt(cpu, (int)(value & 0x3FF), split: (c.Control & GicCore.CpuEoiModeV2) != 0);
                    break;
                case GicCpuInterfaceRegisters.Dir:
                    Core.Deactivate(cpu, (int)(value & 0x3FF));
                    break;
                case GicCpuInterfaceRegisters.Apr0:
                    c.ActivePriorities = value;
                    break;
            }
        }
    }
}

using Captive.Core.Memory;
using Captive.Guest.Arm.Board.Fdt;
using Captive.Guest.Arm.Devices;

namespace Captive.Guest.Arm.Board;

/// <summary>Options for <see cref="VirtBoardDeviceTree.Build(VirtDeviceTreeOptions)"/>.</summary>
/// <param name="RamSize">Bytes of RAM at <see cref="VirtBoard.RamBase"/>.</param>
/// <param name="BootArgs">Kernel command line for /chosen/bootargs, or null.</param>
/// <param name="InitrdStart">Guest-physical start of the initrd, or null for none.</param>
/// <param name="InitrdEnd">One past the last initrd byte; required with <paramref name="InitrdStart"/>.</param>
/// <param name="CpuCount">Number of CPU nodes (cpu@0 … cpu@N-1, MPIDR Aff0 = N).</param>
/// <param name="GicVersion">The interrupt controller the node describes: 2 (arm,cortex-a15-gic) or 3 (arm,gic-v3).</param>
/// <param name="KaslrSeed">/chosen/kaslr-seed (a u64), or null for none: the seed Linux randomises its own address with.</param>
/// <param name="RngSeed">/chosen/rng-seed (bytes Linux mixes into its random pool before anything else), or null for none.</param>
/// <remarks>The builder does not draw random numbers itself: the same options give the same blob.</remarks>
public sealed record VirtDeviceTreeOptions(
    ulong RamSize,
    string? BootArgs = null,
    GuestPhysicalAddress? InitrdStart = null,
    GuestPhysicalAddress? InitrdEnd = null,
    int CpuCount = 1,
    int GicVersion = 2,
    ulong? KaslrSeed = null,
    byte[]? RngSeed = null);

/// <summary>
/// Generates the device tree of the 'virt' board from its table (<see cref="VirtBoard.MemoryMap"/>)
/// plus per-boot options, laid out like QEMU's: root (with its interrupt-parent), /memory, /cpus, /psci,
/// /intc@8000000 (GICv2 or GICv3), /timer (the architected timer's PPIs 13, 14, 11 and 10), /apb-pclk,
/// every virtio-mmio transport (/virtio_mmio@a000000 … @a003e00), /pl031@9010000, /pl011@9000000 and /chosen (with the
/// seeds QEMU puts there when the caller gives them).
/// </summary>
/// <remarks>
/// As QEMU does, all 32 virtio-mmio transports are described whether or not a device sits behind them: an empty one
/// answers device ID 0 and Linux skips it, so the tree does not depend on the devices configured.
/// </remarks>
public static class VirtBoardDeviceTree
{
    /// <summary>Root <c>compatible</c> and <c>model</c>, as QEMU writes them.</summary>
    public const string Compatible = "linux,dummy-virt";

    /// <summary>The CPU model advertised in the cpu nodes.</summary>
    public const string CpuCompatible = "arm,cortex-a57";

    /// <summary>Frequency of the fixed APB clock feeding the UART.</summary>
    public const uint ApbClockHz = 24_000_000;

    /// <summary>GIC interrupt specifier: type SPI.</summary>
    public const uint GicSpi = 0;

    /// <summary>GIC interrupt specifier: type PPI.</summary>
    public const uint GicPpi = 1;

    /// <summary>GIC interrupt specifier flags: level-sensitive, active high.</summary>
    public const uint GicLevelHigh = 4;

    /// <summary>GIC interrupt specifier flags: rising edge.</summary>
    public const uint GicEdgeRising = 1;

    /// <summary>Bytes of /chosen/rng-seed QEMU's 'virt' writes (hw/arm/virt.c, create_fdt).</summary>
    public const int RngSeedSize = 32;

    /// <summary>Node name of the UART, also /chosen/stdout-path without the slash.</summary>
    public static string UartNodeName => $"pl011@{VirtBoard.UartBase:x}";

    /// <summary>Builds the DTB for the standard 'virt' memory map.</summary>
    public static byte[] Build(VirtDeviceTreeOptions options) => Build(VirtBoard.MemoryMap, options);

    /// <summary>Builds the DTB from <paramref name="map"/> (which must hold "ram" and "uart" regions).</summary>
    /// <exception cref="ArgumentException">Options that do not fit the map.</exception>
    public static byte[] Build(BoardMemoryMap map, VirtDeviceTreeOptions options)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(options);
        var ram = map[VirtBoard.Names.Ram];
        var uart = map[VirtBoard.Names.Uart];
        Validate(ram, options);

        if (options.GicVersion is not (2 or 3))
            throw new ArgumentException($"GIC version {options.GicVersion} must be 2 or 3.", nameof(options));
        var fdt = new FdtBuilder();
        uint gicPhandle = fdt.AllocatePhandle();
        uint clockPhandle = fdt.AllocatePhandle();
        string uartNode = $"pl011@{uart.Base.Value:x}";

        fdt.BeginNode("")
            .Property("#address-cells", 2u)
            .Property("#size-cells", 2u)
            .Property("compatible", Compatible)
            .Property("model", Compatible)
            .Property("interrupt-parent", gicPhandle);

        fdt.BeginNode($"memory@{ram.Base.Value:x}")
            .Property("device_type", "memory")
            .Property("reg", Reg(ram.Base.Value, options.RamSize))
            .EndNode();

        fdt.BeginNode("cpus")
            .Property("#address-cells", 1u)
            .Property("#size-cells", 0u);
        for (int cpu = 0; cpu < options.CpuCount; cpu++)
        {
            fdt.BeginNode($"cpu@{cpu:x}")
                .Property("device_type", "cpu")
                .Property("compatible", CpuCompatible)
                .Property("reg", (uint)cpu)
                .Property("enable-method", "psci")
                .EndNode();
        }
        fdt.EndNode();

        // PSCI 0.1 clients read the function IDs from the node; newer ones use the fixed IDs.
        fdt.BeginNode("psci")
            .Property("compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci")
            .Property("method", "hvc")
            .Property("cpu_suspend", PsciFunction.CpuSuspend64)
            .Property("cpu_off", PsciFunction.CpuOff)
            .Property("cpu_on", PsciFunction.CpuOn64)
            .Property("migrate", PsciFunction.Migrate64)
            .EndNode();

        WriteInterruptController(fdt, map, options, gicPhandle);

        // The PL011 binding wants its clocks; Linux will not probe the UART without them.
        fdt.BeginNode("apb-pclk")
            .Property("compatible", "fixed-clock")
            .Property("#clock-cells", 0u)
            .Property("clock-frequency", ApbClockHz)
            .Property("clock-output-names", "clk24mhz")
            .Property("phandle", clockPhandle)
            .EndNode();

        // QEMU writes the transports edge-triggered (IRQ_TYPE_EDGE_RISING): the driver acknowledges through InterruptACK.
        if (map.Regions.FirstOrDefault(r => r.Name == VirtBoard.Names.VirtioMmio) is { } virtio)
        {
            for (int i = 0; i < virtio.Count; i++)
            {
                ulong address = virtio.InstanceBase(i).Value;
                fdt.BeginNode($"virtio_mmio@{address:x}")
                    .Property("dma-coherent");
                if (virtio.InstanceSpi(i) is int virtioSpi)
                    fdt.Property("interrupts", GicSpi, (uint)virtioSpi, GicEdgeRising);
                fdt.Property("reg", Reg(address, virtio.Size))
                    .Property("compatible", "virtio,mmio")
                    .EndNode();
            }
        }

        if (map.Regions.FirstOrDefault(r => r.Name == VirtBoard.Names.Rtc) is { } rtc)
        {
            fdt.BeginNode($"pl031@{rtc.Base.Value:x}")
                .Property("compatible", "arm,pl031", "arm,primecell")
                .Property("reg", Reg(rtc.Base.Value, rtc.Size));
            if (rtc.Spi is int rtcSpi)
                fdt.Property("interrupts", GicSpi, (uint)rtcSpi, GicLevelHigh);
            fdt.Property("clocks", clockPhandle)
                .Property("clock-names", "apb_pclk")
                .EndNode();
        }

        fdt.BeginNode(uartNode)
            .Property("compatible", "arm,pl011", "arm,primecell")
            .Property("reg", Reg(uart.Base.Value, uart.Size));
        if (uart.Spi is int spi)
            fdt.Property("interrupts", GicSpi, (uint)spi, GicLevelHigh);
        fdt.Property("clocks", clockPhandle, clockPhandle)
            .Property("clock-names", "uartclk", "apb_pclk")
            .EndNode();

        fdt.BeginNode("chosen");
        if (options.BootArgs is not null)
            fdt.Property("bootargs", options.BootArgs);
        fdt.Property("stdout-path", "/" + uartNode);
        if (options.InitrdStart is { } start && options.InitrdEnd is { } end)
        {
            fdt.Property("linux,initrd-start", start.Value)
                .Property("linux,initrd-end", end.Value);
        }
        if (options.RngSeed is { } rngSeed)
            fdt.Property("rng-seed", (ReadOnlySpan<byte>)rngSeed);
        if (options.KaslrSeed is { } kaslrSeed)
            fdt.Property("kaslr-seed", kaslrSeed);
        fdt.EndNode();

        fdt.EndNode();
        return fdt.Build();
    }

    /// <summary>
    /// /intc@8000000 and /timer as QEMU writes them (hw/arm/virt.c, create_gic and fdt_add_timer_nodes): GICv2's
    /// distributor and CPU interface, or GICv3's distributor and redistributor region; the timer's secure, non-secure
    /// physical, virtual and hypervisor PPIs (INTIDs 29, 30, 27, 26), level-high, GICv2's with the CPU mask in bits 15:8.
    /// </summary>
    private static void WriteInterruptController(FdtBuilder fdt, BoardMemoryMap map, VirtDeviceTreeOptions options, uint phandle)
    {
        var dist = map[VirtBoard.Names.GicDistributor];
        bool v3 = options.GicVersion == 3;
        var second = map[v3 ? VirtBoard.Names.GicRedistributor : VirtBoard.Names.GicCpuInterface];
        fdt.BeginNode($"intc@{dist.Base.Value:x}")
            .Property("phandle", phandle)
            .Property("reg", [.. Reg(dist.Base.Value, dist.Size), .. Reg(second.Base.Value, second.Size)]);
        if (v3)
            fdt.Property("#redistributor-regions", 1u).Property("compatible", "arm,gic-v3");
        else
            fdt.Property("compatible", "arm,cortex-a15-gic");
        fdt.Property("ranges")
            .Property("#size-cells", 2u)
            .Property("#address-cells", 2u)
            .Property("interrupt-controller")
            .Property("#interrupt-cells", 3u)
            .EndNode();

        uint flags = GicLevelHigh | (v3 ? 0 : ((1u << Math.Min(options.CpuCount, 8)) - 1) << 8);
        fdt.BeginNode("timer")
            .Property("interrupts", GicPpi, 13u, flags, GicPpi, 14u, flags, GicPpi, 11u, flags, GicPpi, 10u, flags)
            .Property("always-on")
            .Property("compatible", "arm,armv8-timer", "arm,armv7-timer")
            .EndNode();
    }

    private static uint[] Reg(ulong address, ulong size) =>
        [(uint)(address >> 32), (uint)address, (uint)(size >> 32), (uint)size];

    private static void Validate(BoardRegion ram, VirtDeviceTreeOptions options)
    {
        if (options.RamSize == 0 || options.RamSize > ram.Size)
            throw new ArgumentException($"RAM size 0x{options.RamSize:x} must be non-zero and at most 0x{ram.Size:x}.", nameof(options));
        if (options.CpuCount is < 1 or > 256)
            throw new ArgumentException($"CPU count {options.CpuCount} must be between 1 and 256 (Aff0 only).", nameof(options));
        if (options.InitrdStart.HasValue != options.InitrdEnd.HasValue)
            throw new ArgumentException("Give both the initrd start and end, or neither.", nameof(options));
        if (options.InitrdStart is { } start && options.InitrdEnd is { } end)
        {
            ulong ramEnd = ram.Base.Value + options.RamSize;
            if (end.Value <= start.Value || start.Value < ram.Base.Value || end.Value > ramEnd)
                throw new ArgumentException($"The initrd [0x{start.Value:x}, 0x{end.Value:x}) must be a non-empty range inside RAM [0x{ram.Base.Value:x}, 0x{ramEnd:x}).", nameof(options));
        }
        if (options.RngSeed is { Length: 0 })
            throw new ArgumentException("An rng-seed must have at least one byte (or be null for none).", nameof(options));
        if (options.BootArgs is not null && options.BootArgs.Contains('\0'))
            throw new ArgumentException("Boot arguments cannot contain NUL.", nameof(options));
    }
}

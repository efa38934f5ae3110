using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Xunit;

namespace Captive.Guest.Arm.Tests.Board;

public sealed class VirtBoardDeviceTreeTests
{
    private const ulong RamSize = 128UL << 20;

    private static byte[] Build(string? bootArgs = null, ulong? initrdStart = null, ulong? initrdEnd = null) =>
        VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(
            RamSize, bootArgs,
            initrdStart is { } s ? new GuestPhysicalAddress(s) : null,
            initrdEnd is { } e ? new GuestPhysicalAddress(e) : null));

    [Fact]
    public void Dtc_sees_the_virt_nodes()
    {
        var dts = ExternalTools.Decompile(Build("console=ttyAMA0 earlycon"));

        Assert.Contains("compatible = \"linux,dummy-virt\";", dts);
        Assert.Contains("model = \"linux,dummy-virt\";", dts);
        Assert.Contains("#address-cells = <0x02>;", dts);
        Assert.Contains("#size-cells = <0x02>;", dts);
        Assert.Contains("memory@40000000 {", dts);
        Assert.Contains("device_type = \"memory\";", dts);
        Assert.Contains("reg = <0x00 0x40000000 0x00 0x8000000>;", dts);
        Assert.Contains("cpu@0 {", dts);
        Assert.Contains("compatible = \"arm,cortex-a57\";", dts);
        Assert.Contains("enable-method = \"psci\";", dts);
        Assert.Contains("compatible = \"arm,psci-1.0\\0arm,psci-0.2\\0arm,psci\";", dts);
        Assert.Contains("method = \"hvc\";", dts);
        Assert.Contains("pl011@9000000 {", dts);
        Assert.Contains("compatible = \"arm,pl011\\0arm,primecell\";", dts);
        Assert.Contains("reg = <0x00 0x9000000 0x00 0x1000>;", dts);
        Assert.Contains("interrupts = <0x00 0x01 0x04>;", dts);
        Assert.Contains("clock-names = \"uartclk\\0apb_pclk\";", dts);
        Assert.Contains("clock-frequency = <0x16e3600>;", dts);   // 24 MHz
        Assert.Contains("stdout-path = \"/pl011@9000000\";", dts);
        Assert.Contains("bootargs = \"console=ttyAMA0 earlycon\";", dts);
        Assert.DoesNotContain("initrd", dts);
    }

    [Fact]
    public void Uart_clocks_reference_the_fixed_clock_by_phandle()
    {
        var fdt = FdtReader.Parse(Build());
        uint phandle = fdt.Find("/apb-pclk").Cells("phandle")[0];
        Assert.Equal([phandle, phandle], fdt.Find("/pl011@9000000").Cells("clocks"));
        Assert.Equal(["fixed-clock"], fdt.Find("/apb-pclk").Strings("compatible"));
        Assert.Equal([0u], fdt.Find("/apb-pclk").Cells("#clock-cells"));
    }

    [Fact]
    public void Initrd_and_bootargs_go_to_chosen()
    {
        var fdt = FdtReader.Parse(Build("root=/dev/ram0", 0x4400_0000, 0x4410_0000));
        var chosen = fdt.Find("/chosen");
        Assert.Equal("root=/dev/ram0", chosen.String("bootargs"));
        Assert.Equal(0x4400_0000UL, chosen.U64("linux,initrd-start"));
        Assert.Equal(0x4410_0000UL, chosen.U64("linux,initrd-end"));
    }

    [Fact]
    public void Without_options_chosen_has_only_stdout_path()
    {
        var chosen = FdtReader.Parse(Build()).Find("/chosen");
        Assert.Equal(["stdout-path"], chosen.Properties.Select(p => p.Name));
    }

    [Fact]
    public void Seeds_go_to_chosen_as_a_u64_and_as_bytes()
    {
        byte[] rng = [.. Enumerable.Range(1, VirtBoardDeviceTree.RngSeedSize).Select(i => (byte)i)];
        var chosen = FdtReader.Parse(VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(RamSize, KaslrSeed: 0x0123_4567_89AB_CDEF, RngSeed: rng))).Find("/chosen");
        Assert.Equal(0x0123_4567_89AB_CDEFUL, chosen.U64("kaslr-seed"));
        Assert.Equal([0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF], chosen["kaslr-seed"]);   // big-endian, two cells
        Assert.Equal(rng, chosen["rng-seed"]);
    }

    [Fact]
    public void Dtc_reads_the_seeds_as_cells()
    {
        var dts = ExternalTools.Decompile(VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(RamSize, KaslrSeed: 0x1122_3344_5566_7788, RngSeed: new byte[32])));
        Assert.Contains("kaslr-seed = <0x11223344 0x55667788>;", dts);
        Assert.Contains("rng-seed = <0x00 0x00 0x00 0x00 0x00 0x00 0x00 0x00>;", dts);
    }

    [Fact]
    public void An_empty_rng_seed_is_refused()
    {
        Assert.Throws<ArgumentException>(() => VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(RamSize, RngSeed: [])));
    }

    /// <summary>
    /// QEMU's /chosen has the two seeds by default and neither with <c>dtb-kaslr-seed=off</c>; ours, given seeds, has
    /// them at QEMU's sizes (the values are random on both sides, so only the sizes compare).
    /// </summary>
    [Fact]
    public void Chosen_seeds_have_the_sizes_QEMU_gives_them_and_go_with_dtb_kaslr_seed_off()
    {
        var qemu = FdtReader.Parse(QemuVirtDtb.Get()).Find("/chosen");
        var qemuOff = FdtReader.Parse(QemuVirtDtb.Get("dtb-kaslr-seed=off")).Find("/chosen");
        var ours = FdtReader.Parse(VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(RamSize, KaslrSeed: 1, RngSeed: new byte[VirtBoardDeviceTree.RngSeedSize]))).Find("/chosen");

        Assert.Equal(qemu["kaslr-seed"].Length, ours["kaslr-seed"].Length);
        Assert.Equal(qemu["rng-seed"].Length, ours["rng-seed"].Length);
        Assert.False(qemuOff.Has("kaslr-seed"));
        Assert.False(qemuOff.Has("rng-seed"));
        Assert.Equal(qemuOff.Properties.Select(p => p.Name), FdtReader.Parse(Build()).Find("/chosen").Properties.Select(p => p.Name));
    }

    [Fact]
    public void Every_cpu_gets_a_node()
    {
        var blob = VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(RamSize, CpuCount: 2));
        var cpus = FdtReader.Parse(blob).Find("/cpus");
        Assert.Equal(["cpu@0", "cpu@1"], cpus.Children.Select(c => c.Name));
        Assert.Equal([1u], cpus.Child("cpu@1").Cells("reg"));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(256UL << 30)]
    public void Ram_size_must_fit_the_board(ulong ramSize)
    {
        Assert.Throws<ArgumentException>(() => VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(ramSize)));
    }

    [Fact]
    public void Initrd_must_lie_in_RAM_and_come_with_both_ends()
    {
        Assert.Throws<ArgumentException>(() => Build(null, 0x4800_0000, null));
        Assert.Throws<ArgumentException>(() => Build(null, 0x4810_0000, 0x4800_0000));
        Assert.Throws<ArgumentException>(() => Build(null, 0x4800_0000, 0x5000_0000));   // past 128 MiB of RAM
        Assert.Throws<ArgumentException>(() => Build(null, 0x1000, 0x2000));
    }

    /// <summary>
    /// The oracle: QEMU's own device tree for <c>-M virt -cpu cortex-a57 -m 128M</c>. Every
    /// property we write on the shared nodes must have QEMU's value (phandles compared by what
    /// they point at).
    /// </summary>
    [Fact]
    public void Shared_nodes_match_the_device_tree_QEMU_generates()
    {
        var qemu = FdtReader.Parse(QemuVirtDtb.Get());
        var ours = FdtReader.Parse(Build());

        string[] paths = ["/", "/memory@40000000", "/psci", "/intc@8000000", "/timer", "/apb-pclk", "/pl011@9000000", "/cpus", "/cpus/cpu@0", "/chosen",
            .. Enumerable.Range(0, 32).Select(i => $"/virtio_mmio@{0x0A00_0000 + i * 0x200:x}")];
        string[] skip = ["phandle", "clocks", "enable-method", "interrupt-parent"];   // QEMU writes enable-method only for SMP
        foreach (var path in paths)
        {
            var mine = ours.Find(path);
            var theirs = qemu.Find(path);
            foreach (var (name, value) in mine.Properties)
            {
                if (skip.Contains(name))
                    continue;
                Assert.True(theirs.Has(name), $"QEMU's {path} has no property {name}");
                Assert.True(value.AsSpan().SequenceEqual(theirs[name]), $"{path}:{name} differs from QEMU's");
            }
        }
        uint qemuClock = qemu.Find("/apb-pclk").Cells("phandle")[0];
        Assert.All(qemu.Find("/pl011@9000000").Cells("clocks"), c => Assert.Equal(qemuClock, c));
        // The root's interrupt-parent is the GIC, in both trees.
        Assert.Equal(qemu.Find("/intc@8000000").Cells("phandle"), qemu.Find("/").Cells("interrupt-parent"));
        Assert.Equal(ours.Find("/intc@8000000").Cells("phandle"), ours.Find("/").Cells("interrupt-parent"));
    }

    [Fact]
    public void Every_virtio_mmio_transport_has_a_node_in_address_order_with_its_own_spi()
    {
        var fdt = FdtReader.Parse(Build());
        var nodes = fdt.Root.Children.Where(n => n.Name.StartsWith("virtio_mmio@", StringComparison.Ordinal)).ToList();
        Assert.Equal(32, nodes.Count);
        for (int i = 0; i < 32; i++)
        {
            ulong address = 0x0A00_0000UL + (ulong)i * 0x200;
            Assert.Equal($"virtio_mmio@{address:x}", nodes[i].Name);
            Assert.Equal(["virtio,mmio"], nodes[i].Strings("compatible"));
            Assert.Equal([0u, (uint)address, 0u, 0x200u], nodes[i].Cells("reg"));
            Assert.Equal([0u, 16u + (uint)i, 1u], nodes[i].Cells("interrupts")); // SPI 16 + n, rising edge as QEMU
            Assert.True(nodes[i].Has("dma-coherent"));
        }
    }

    [Fact]
    public void GICv3_node_names_the_distributor_and_the_redistributor_region()
    {
        var fdt = FdtReader.Parse(VirtBoardDeviceTree.Build(new VirtDeviceTreeOptions(RamSize, GicVersion: 3)));
        var intc = fdt.Find("/intc@8000000");
        Assert.Equal(["arm,gic-v3"], intc.Strings("compatible"));
        Assert.Equal([0u, 0x0800_0000u, 0u, 0x1_0000u, 0u, 0x080A_0000u, 0u, 0xF6_0000u], intc.Cells("reg"));
        Assert.Equal([1u], intc.Cells("#redistributor-regions"));
        // GICv3 PPI specifiers carry no CPU mask: secure, non-secure, virtual and hypervisor timers, level-high.
        Assert.Equal([1u, 13u, 4u, 1u, 14u, 4u, 1u, 11u, 4u, 1u, 10u, 4u], fdt.Find("/timer").Cells("interrupts"));
    }
}

/// <summary>Dumps QEMU's 'virt' device tree once per test run and machine property (skips when QEMU is absent).</summary>
internal static class QemuVirtDtb
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<byte[]>> Blobs = new();

    /// <summary>The tree of <c>-M virt[,PROPERTY]</c>, e.g. <c>dtb-kaslr-seed=off</c>.</summary>
    public static byte[] Get(string? property = null)
    {
        ExternalTools.Require("qemu-system-aarch64", "qemu-system-arm");
        return Blobs.GetOrAdd(property ?? "", p => new Lazy<byte[]>(() => Dump(p))).Value;
    }

    private static byte[] Dump(string property)
    {
        var qemu = ExternalTools.Find("qemu-system-aarch64")!;
        var file = Path.Combine(Path.GetTempPath(), $"captive-qemu-virt-{Guid.NewGuid():N}.dtb");
        try
        {
            var (code, _, stderr) = ExternalTools.Run(qemu,
                ["-M", $"virt,{(property.Length > 0 ? property + "," : "")}dumpdtb={file}", "-cpu", "cortex-a57", "-m", "128M", "-nographic", "-monitor", "none"],
                TimeSpan.FromSeconds(60));
            Assert.True(code == 0 && File.Exists(file), $"QEMU could not dump its device tree ({code}): {stderr}");
            return File.ReadAllBytes(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}

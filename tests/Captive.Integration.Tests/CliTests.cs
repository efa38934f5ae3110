using Captive.Cli;

namespace Captive.Integration.Tests;

/// <summary>The captive command: QEMU's option spelling, exit statuses, the bundled demo.</summary>
public sealed class CliTests
{
    private static (int Status, string Console, string Diagnostics) Run(params string[] args)
    {
        var console = new MemoryStream();
        var diagnostics = new StringWriter();
        int status = Program.Run(args, console, diagnostics);
        return (status, System.Text.Encoding.ASCII.GetString(console.ToArray()), diagnostics.ToString());
    }

    [Fact]
    public void Without_a_kernel_it_runs_the_bundled_demo()
    {
        var (status, console, diagnostics) = Run("--engine", "interpreter");
        Assert.True(status == 0, diagnostics);
        Assert.Equal(TestEnvironment.Expected("hello"), console);
    }

    [Fact]
    public void QEMU_command_line_runs_an_ELF_on_KVM_and_exits_0()
    {
        TestEnvironment.RequireKvm();
        var (status, console, diagnostics) = Run("-M", "virt", "-cpu", "cortex-a57", "-nographic", "-m", "256M",
            "-kernel", TestEnvironment.Prebuilt("crc32-O2.elf"), "--engine", "kvm", "--stats");
        Assert.True(status == 0, diagnostics);
        Assert.Equal(TestEnvironment.Expected("crc32"), console);
        Assert.Contains("vm exits:", diagnostics);
        Assert.Contains("channel requests:", diagnostics);
        Assert.Contains("blocks translated:", diagnostics);
    }

    [Theory]
    [InlineData("-smp 2", "only one CPU")]
    [InlineData("-frobnicate", "unknown option '-frobnicate'")]
    [InlineData("-M sabrelite", "unsupported machine 'sabrelite'")]
    [InlineData("-m 1X", "invalid size '1X'")]
    [InlineData("--engine bochs", "unknown engine 'bochs'")]
    [InlineData("-kernel", "needs an argument")]
    [InlineData("-cpu cortex-a53", "unsupported -cpu")]
    [InlineData("-drive file=d.img,if=ide", "-drive if=ide is not supported")]
    [InlineData("-drive file=d.img,format=qcow2", "-drive format=qcow2 is not supported")]
    [InlineData("-drive if=virtio", "needs file=IMAGE")]
    [InlineData("-drive file=d.img,if=none,id=d0", "is not used by any -device virtio-blk-device,drive=d0")]
    [InlineData("-device virtio-blk-device,drive=d9", "no -drive if=none,id=d9")]
    [InlineData("-device virtio-blk-pci,drive=d0", "use virtio-blk-device")]
    [InlineData("-device e1000", "-device e1000 is not supported")]
    [InlineData("-drive file=d.img,readonly=maybe", "readonly=maybe must be on or off")]
    [InlineData("-netdev user,id=n0", "-netdev user is not supported")]
    [InlineData("-netdev tap,id=n0", "needs ifname=TAP")]
    [InlineData("-netdev tap,id=n0,ifname=t0", "-netdev id=n0 is not used")]
    [InlineData("-device virtio-net-device,netdev=n5", "no -netdev ...,id=n5")]
    [InlineData("-netdev tap,id=n0,ifname=t0 -device virtio-net-device,netdev=n0,mac=01:00:00:00:00:01", "multicast")]
    public void Bad_options_are_clear_errors_with_status_2(string args, string message)
    {
        var (status, _, diagnostics) = Run(args.Split(' '));
        Assert.Equal(2, status);
        Assert.Contains(message, diagnostics);
    }

    [Fact]
    public void Harmless_QEMU_options_are_accepted()
    {
        var (status, console, diagnostics) = Run("-nographic", "-nodefaults", "-display", "none", "-serial", "stdio",
            "-monitor", "none", "-cpu", "max", "-accel", "tcg", "-machine", "virt,gic-version=2", "--engine", "interpreter");
        Assert.True(status == 0, diagnostics);
        Assert.Equal(TestEnvironment.Expected("hello"), console);
    }

    [Theory]
    [InlineData("virt", true)]
    [InlineData("virt,dtb-kaslr-seed=off", false)]
    [InlineData("virt,dtb-randomness=off", false)]
    [InlineData("virt,dtb-kaslr-seed=n", false)]
    [InlineData("virt,dtb-randomness=no", false)]
    [InlineData("virt,dtb-kaslr-seed=false", false)]
    [InlineData("virt,dtb-kaslr-seed=on", true)]
    [InlineData("virt,gic-version=3,dtb-randomness=y", true)]
    public void Device_tree_randomness_takes_QEMU_names_and_booleans(string machine, bool expected)
    {
        Assert.Equal(expected, CliOptions.Parse(["-M", machine]).DeviceTreeRandomness);
    }

    [Theory]
    [InlineData("virt,dtb-kaslr-seed=OFF")]   // QEMU: "Parameter 'dtb-kaslr-seed' expects 'on' or 'off'"
    [InlineData("virt,dtb-kaslr-seed=0")]
    public void Device_tree_randomness_refuses_what_QEMU_refuses(string machine)
    {
        Assert.Throws<UsageException>(() => CliOptions.Parse(["-M", machine]));
    }

    [Fact]
    public void Drives_and_devices_parse_in_command_line_order_with_QEMU_spelling()
    {
        var o = CliOptions.Parse(["-drive", "file=a,,b.img,readonly=on,format=raw", "-drive", "if=none,id=d1,file=c.img",
            "-device", "virtio-rng-device", "-device", "virtio-blk-device,drive=d1,serial=xyz", "-device", "virtio-serial-device"]);
        Assert.True(o.VirtioConsole);
        Assert.Equal([new("a,b.img", true, null), new("c.img", false, "xyz")], o.Drives.ToArray());
        Assert.True(o.VirtioRng);
    }

    [Fact]
    public void A_missing_disk_image_is_status_1_naming_it()
    {
        var (status, _, diagnostics) = Run("-drive", "file=/nonexistent/disk.img,if=virtio", "--engine", "interpreter");
        Assert.Equal(1, status);
        Assert.Contains("disk.img", diagnostics);
    }

    [Fact]
    public void A_missing_kernel_file_is_status_1()
    {
        var (status, _, diagnostics) = Run("-kernel", "/nonexistent/kernel.elf", "--engine", "interpreter");
        Assert.Equal(1, status);
        Assert.Contains("kernel.elf", diagnostics);
    }

    [Theory]
    [InlineData("interpreter")]
    [InlineData("kvm")]
    public void A_raw_image_of_an_undefined_instruction_stops_with_its_PC_and_word(string engine)
    {
        if (engine == "kvm") TestEnvironment.RequireKvm();
        var path = Path.Combine(Path.GetTempPath(), $"captive-udf-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, [0x00, 0x00, 0x00, 0x00]); // UDF #0
        try
        {
            var (status, _, diagnostics) = Run("-kernel", path, "--engine", engine);
            Assert.Equal(1, status);
            Assert.Contains("0x00000000", diagnostics);
            Assert.Contains("PC 0x40080000", diagnostics);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("interpreter")]
    [InlineData("kvm")]
    public void A_guest_touching_unmapped_physical_memory_stops_cleanly(string engine)
    {
        if (engine == "kvm") TestEnvironment.RequireKvm();
        // movz x0, #0x1000, lsl #16 (PA 0x1000_0000: no device there); ldr x1, [x0]
        var path = Path.Combine(Path.GetTempPath(), $"captive-unmapped-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, [0x00, 0x00, 0xA2, 0xD2, 0x01, 0x00, 0x40, 0xF9]);
        try
        {
            var (status, _, diagnostics) = Run("-kernel", path, "--engine", engine);
            Assert.Equal(1, status);
            Assert.Contains("0x10000000", diagnostics);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "too short")]
    [InlineData(new byte[] { 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "magic")]
    [InlineData(new byte[] { 0xd0, 0x0d, 0xfe, 0xed, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "file has 40")]
    public void A_malformed_dtb_is_status_1_with_the_reason(byte[] blob, string message)
    {
        var path = Path.Combine(Path.GetTempPath(), $"captive-dtb-{Guid.NewGuid():N}.dtb");
        File.WriteAllBytes(path, blob);
        try
        {
            var (status, _, diagnostics) = Run("-dtb", path, "--engine", "interpreter");
            Assert.Equal(1, status);
            Assert.Contains(message, diagnostics);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_dtb_dumped_by_QEMU_is_accepted()
    {
        var qemu = TestEnvironment.FindOnPath("qemu-system-aarch64");
        if (qemu is null) Assert.Skip("qemu-system-aarch64 is not installed");
        var path = Path.Combine(Path.GetTempPath(), $"captive-qemu-{Guid.NewGuid():N}.dtb");
        try
        {
            TestEnvironment.RunProcess(qemu, ["-M", $"virt,dumpdtb={path}", "-cpu", "cortex-a57", "-nographic"], TimeSpan.FromSeconds(30));
            var (status, console, diagnostics) = Run("-dtb", path, "--engine", "interpreter");
            Assert.True(status == 0, diagnostics);
            Assert.Equal(TestEnvironment.Expected("hello"), console);
        }
        finally { File.Delete(path); }
    }
}

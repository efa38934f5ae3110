namespace Captive.Integration.Tests;

/// <summary>
/// Re-runs every prebuilt guest on qemu-system-aarch64 (the reference) and requires the recorded
/// output, so the expectations the engine tests use are QEMU's, not ours.
/// </summary>
public sealed class QemuOracleTests
{
    public static TheoryData<string> Images() => new(
        "arith-O2.elf", "crc32-O0.elf", "divzero-O2.elf", "funcptr-O2.elf", "recursion-O0.elf",
        "sieve-O2.elf", "sort-O0.elf", "strings-O2.elf", "float-O0.elf", "float-O2.elf", "hello.elf", "exceptions-O2.elf", "mmu-O0.elf", "mmu-O2.elf",
        "smc-O2.elf", "rtc-O2.elf", "gic-O2.elf", "timer-O0.elf", "idregs-O2.elf", "tlbi-O2.elf", "debug-O0.elf");

    [Theory]
    [MemberData(nameof(Images))]
    public void QEMU_prints_the_recorded_output(string image)
    {
        var qemu = TestEnvironment.FindOnPath("qemu-system-aarch64");
        if (qemu is null) Assert.Skip("qemu-system-aarch64 is not installed");
        var (code, stdout, stderr) = TestEnvironment.RunProcess(qemu,
            ["-M", "virt", "-cpu", "cortex-a57", "-nographic", "-monitor", "none", "-kernel", TestEnvironment.Prebuilt(image)],
            TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stderr);
        string program = image.Split('-', '.')[0];
        Assert.Equal(TestEnvironment.Expected(program), stdout);
    }

    [Theory]
    [InlineData("gic-O0.elf")]
    [InlineData("timer-O2.elf")]
    [InlineData("idregs-O0.elf")]
    [InlineData("debug-O2.elf")]
    public void QEMU_with_GICv3_prints_the_recorded_output(string image)
    {
        var qemu = TestEnvironment.FindOnPath("qemu-system-aarch64");
        if (qemu is null) Assert.Skip("qemu-system-aarch64 is not installed");
        var (code, stdout, stderr) = TestEnvironment.RunProcess(qemu,
            ["-M", "virt,gic-version=3", "-cpu", "cortex-a57", "-nographic", "-monitor", "none", "-kernel", TestEnvironment.Prebuilt(image)],
            TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stderr);
        Assert.Equal(TestEnvironment.Expected(image.Split('-', '.')[0] + "-gicv3"), stdout);
    }
}

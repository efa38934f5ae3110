using System.Text;
using Captive.Core.Execution;

namespace Captive.Integration.Tests.Linux;

/// <summary>
/// Debian's stock arm64 kernel with a busybox initramfs (scripts/linux-guest.sh) boots to its
/// shell on the KVM engine, answers commands typed on the PL011 console, and powers off through
/// PSCI SYSTEM_OFF. The expected answers come from the guest's own shell and from the Debian
/// package (the kernel release), not from captive.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
public sealed class LinuxBootTests(LinuxGuest guest, ITestOutputHelper output)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Boots_to_a_shell_that_answers_on_the_console_and_powers_off(int gicVersion)
    {
        guest.Require();
        TestEnvironment.RequireKvm();
        using var backend = TestEnvironment.Backend("kvm");
        using var console = new LinuxConsole(guest, backend, gicVersion);

        string boot = console.WaitFor(LinuxGuest.ReadyMarker, BootTimeout);
        output.WriteLine($"GICv{gicVersion}: {LinuxGuest.ReadyMarker} after {console.Elapsed.TotalSeconds:0.0} s (script: {guest.FetchTime.TotalSeconds:0.0} s)");
        string modules = boot.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("captive-init: modules", StringComparison.Ordinal)) ?? "(no module line)";
        Assert.True(modules == $"captive-init: modules loaded: {guest.ModuleCount}", $"{modules}\n{console.Output}");   // none failed
        console.WaitFor("# ", BootTimeout);   // the shell's prompt

        Assert.Equal("R=42", console.Run("echo R=$((6*7))", CommandTimeout));
        Assert.Equal(guest.Release, console.Run("uname -r", CommandTimeout));
        Assert.Contains(guest.PackageVersion, console.Run("cat /proc/version", CommandTimeout));

        string cpuinfo = console.Run("cat /proc/cpuinfo", CommandTimeout);
        output.WriteLine(cpuinfo);
        Assert.Contains("processor\t: 0", cpuinfo);
        Assert.Matches(@"Features\t: fp asimd", cpuinfo);
        Assert.Equal("1", console.Run("grep -c ^processor /proc/cpuinfo", CommandTimeout));

        // The GIC the kernel found is the one asked for.
        string interrupts = console.Run("cat /proc/interrupts", CommandTimeout);
        Assert.Contains(gicVersion == 3 ? "GICv3" : "GIC-0", interrupts);

        // The console UART has its interrupt: Linux's pl011 driver reads input only by interrupt.
        Assert.Contains("uart-pl011", interrupts);

        string warnings = console.Run("dmesg | grep -i -E 'error|warn'", CommandTimeout);
        output.WriteLine($"dmesg lines with error/warn:\n{warnings}");

        console.Type("poweroff -f\n");
        var result = console.WaitForStop(CommandTimeout);
        Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason}: {result.Message}\n{console.Output}");
        LinuxGuestCollection.AssertNoKernelTrouble(console.Output);
        output.WriteLine($"total {console.Elapsed.TotalSeconds:0.0} s\n{console.Statistics.Format("kvm")}");
    }

    [Fact]
    public void Runs_the_command_from_the_kernel_command_line_and_powers_off()
    {
        guest.Require();
        TestEnvironment.RequireKvm();
        using var backend = TestEnvironment.Backend("kvm");
        // base64 carries any text through the kernel command line; this command has quotes, $ and ;.
        string command = "uname -r; echo \"R=$((6*7))\"; exit 7";
        string encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes(command));
        using var console = new LinuxConsole(guest, backend, extraBootArgs: "captive.cmd64=" + encoded);

        console.WaitFor(LinuxGuest.ReadyMarker, BootTimeout);
        string ran = console.WaitFor("CAPTIVE-CMD-EXIT 7", CommandTimeout);
        // The command's lines, without kernel messages (which start with a timestamp) that may come between.
        var lines = ran.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('[')).ToArray();
        Assert.Equal([guest.Release, "R=42", "CAPTIVE-CMD-EXIT 7"], lines);
        var result = console.WaitForStop(CommandTimeout);
        Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason}: {result.Message}\n{console.Output}");
        LinuxGuestCollection.AssertNoKernelTrouble(console.Output);
        output.WriteLine($"boot, command and power-off: {console.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Set to 1 to run the interpreter boot, which takes minutes.</summary>
    public const string LongTestsVariable = "CAPTIVE_LONG_TESTS";

    [Fact]
    public void Long_boot_on_the_interpreter_runs_a_command_and_powers_off()
    {
        // The IR interpreter runs the same lowering with no accelerator; the whole boot executes
        // every kernel and busybox instruction through it, which takes minutes.
        if (Environment.GetEnvironmentVariable(LongTestsVariable) != "1")
            Assert.Skip($"the Linux boot on the interpreter takes minutes; set {LongTestsVariable}=1 to run it");
        guest.Require();
        string encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes("uname -r; echo \"R=$((6*7))\""));
        using var console = new LinuxConsole(guest, backend: null, extraBootArgs: "captive.cmd64=" + encoded);

        console.WaitFor(LinuxGuest.ReadyMarker, TimeSpan.FromMinutes(30));
        output.WriteLine($"interpreter: {LinuxGuest.ReadyMarker} after {console.Elapsed.TotalSeconds:0} s");
        string ran = console.WaitFor("CAPTIVE-CMD-EXIT 0", TimeSpan.FromMinutes(10));
        var lines = ran.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('[')).ToArray();
        Assert.Equal([guest.Release, "R=42", "CAPTIVE-CMD-EXIT 0"], lines);
        var result = console.WaitForStop(TimeSpan.FromMinutes(5));
        Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason}: {result.Message}\n{console.Output}");
        LinuxGuestCollection.AssertNoKernelTrouble(console.Output);
        output.WriteLine($"interpreter: boot, command and power-off: {console.Elapsed.TotalSeconds:0} s");
    }
}

using System.Text;
using Captive.Core.Devices.Network;
using Captive.Core.Execution;
using Captive.Guest.Arm.Machine;

namespace Captive.Integration.Tests.Linux;

/// <summary>
/// The virtio devices under Debian's own drivers, on the KVM engine: a disk that keeps what the guest wrote across a
/// power cycle (checked on the host by e2fsprogs, which shares no code with captive or the guest kernel), and two
/// machines in one process that reach each other over a <see cref="NetworkCable"/>.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
public sealed class LinuxDeviceTests(LinuxGuest guest, ITestOutputHelper output)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_file_written_to_the_virtio_disk_is_there_after_the_machine_powers_off_and_boots_again()
    {
        guest.Require();
        TestEnvironment.RequireKvm();
        // A copy: the cached image is every test's, and must stay as scripts/linux-guest.sh built it.
        string image = Path.Combine(Path.GetTempPath(), $"captive-disk-{Guid.NewGuid():N}.img");
        File.Copy(guest.DiskPath, image);
        try
        {
            string content = $"captive survives a reboot {Guid.NewGuid():N}";
            // /init mounts /dev/vda read-only on /mnt; the file goes in read-write and the file system is unmounted
            // cleanly before /init powers off.
            string write = $"set -e; mount -o remount,rw /mnt; echo '{content}' >/mnt/reboot.txt; sync; umount /mnt; echo UNMOUNTED";
            var first = Boot(image, write);
            Assert.Equal(["UNMOUNTED", "CAPTIVE-CMD-EXIT 0"], first);

            // The independent oracle, between the boots: e2fsprogs reads the file through the file system.
            if (SystemTool("debugfs") is { } debugfs)
            {
                var (status, stdout, stderr) = TestEnvironment.RunProcess(debugfs, ["-R", "cat /reboot.txt", image], ToolTimeout);
                Assert.True(status == 0, $"debugfs: {status} {stderr}");
                Assert.Equal(content + "\n", stdout);
                var (fsck, fsckOut, _) = TestEnvironment.RunProcess(SystemTool("e2fsck") ?? "e2fsck", ["-f", "-n", image], ToolTimeout);
                Assert.True(fsck == 0, $"e2fsck -fn says the file system is not clean ({fsck}):\n{fsckOut}");
            }
            else
            {
                output.WriteLine("debugfs (e2fsprogs) is not installed: only the image's bytes are checked on the host");
            }
            Assert.True(Contains(File.ReadAllBytes(image), Encoding.ASCII.GetBytes(content)), "the image file does not hold the written text");

            // A new machine on the same file: the text comes from the disk (this boot's command line does not have it).
            var second = Boot(image, "cat /mnt/reboot.txt");
            Assert.Equal([content, "CAPTIVE-CMD-EXIT 0"], second);
        }
        finally
        {
            File.Delete(image);
        }
    }

    /// <summary>Boots a machine with <paramref name="image"/> as its read-write /dev/vda, runs <paramref name="command"/>, and returns its lines.</summary>
    private string[] Boot(string image, string command)
    {
        using var backend = TestEnvironment.Backend("kvm");
        string encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes(command));
        using var console = new LinuxConsole(guest, backend, extraBootArgs: "captive.cmd64=" + encoded,
            configure: o => o with { Drives = [new VirtioDrive(image)] });
        string boot = console.WaitFor(LinuxGuest.ReadyMarker, BootTimeout);
        Assert.True(boot.Contains("captive-init: /dev/vda mounted on /mnt", StringComparison.Ordinal), $"/dev/vda was not mounted:\n{console.Output}");
        string ran = console.WaitFor("CAPTIVE-CMD-EXIT", CommandTimeout) + console.WaitFor("\n", CommandTimeout);
        var result = console.WaitForStop(CommandTimeout);
        Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason}: {result.Message}\n{console.Output}");
        LinuxGuestCollection.AssertNoKernelTrouble(console.Output);
        Assert.DoesNotContain("EXT4-fs error", console.Output);
        output.WriteLine($"boot, command and power-off: {console.Elapsed.TotalSeconds:0.0} s");
        // The command's lines, without kernel messages (which start with a timestamp) that may come between.
        return ran.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('[')).ToArray();
    }

    [Fact]
    public void Two_machines_on_a_network_cable_ping_each_other()
    {
        guest.Require();
        TestEnvironment.RequireKvm();
        var cable = new NetworkCable();
        // Each machine has its own vCPU, service and timer threads; the second boots once the first is at its shell,
        // so that the two boots do not share the cores.
        using var backendA = TestEnvironment.Backend("kvm");
        using var backendB = TestEnvironment.Backend("kvm");
        using var a = new LinuxConsole(guest, backendA,
            configure: o => o with { NetworkCards = [new VirtioNetworkCard(cable.A, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56])] });
        a.WaitFor(LinuxGuest.ReadyMarker, BootTimeout);
        a.WaitFor("# ", BootTimeout);
        using var b = new LinuxConsole(guest, backendB,
            configure: o => o with { NetworkCards = [new VirtioNetworkCard(cable.B, [0x52, 0x54, 0x00, 0x12, 0x34, 0x57])] });
        b.WaitFor(LinuxGuest.ReadyMarker, BootTimeout);
        b.WaitFor("# ", BootTimeout);

        // Contains: the kernel's "eth0: link becomes ready" may come in between.
        Assert.Contains("A-UP", a.Run("ip addr add 10.0.2.1/24 dev eth0 && ip link set eth0 up && echo A-UP", CommandTimeout));
        Assert.Contains("B-UP", b.Run("ip addr add 10.0.2.2/24 dev eth0 && ip link set eth0 up && echo B-UP", CommandTimeout));

        string there = a.Run("ping -c 3 10.0.2.2", CommandTimeout);
        output.WriteLine(there);
        Assert.Contains("3 packets transmitted, 3 packets received, 0% packet loss", there);
        string back = b.Run("ping -c 3 10.0.2.1", CommandTimeout);
        output.WriteLine(back);
        Assert.Contains("3 packets transmitted, 3 packets received, 0% packet loss", back);
        // Each learnt the other's MAC from its ARP reply: the frames really crossed the cable.
        Assert.Matches(@"10\.0\.2\.2 .* 52:54:00:12:34:57 .* eth0", a.Run("cat /proc/net/arp", CommandTimeout));

        foreach (var console in new[] { a, b })
        {
            // For docs/linux.md's list: what the kernel said at warning level or above (busybox dmesg -r keeps the <level>).
            output.WriteLine("dmesg, warnings and worse:\n" + console.Run("dmesg -r | grep -E '^<[0-4]>'", CommandTimeout));
            console.Type("poweroff -f\n");
            var result = console.WaitForStop(CommandTimeout);
            Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason}: {result.Message}\n{console.Output}");
            LinuxGuestCollection.AssertNoKernelTrouble(console.Output);
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>An e2fsprogs tool: on PATH, or in /sbin or /usr/sbin, which a user's PATH may lack.</summary>
    private static string? SystemTool(string name) =>
        TestEnvironment.FindOnPath(name) ?? new[] { "/usr/sbin", "/sbin" }.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}

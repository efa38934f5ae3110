using System.Text.RegularExpressions;
using Captive.Core.Execution;

namespace Captive.Integration.Tests;

/// <summary>
/// The guest benchmark suite's programs (guests/bench, run for timing by benchmarks/suite.sh) must compute
/// what they compute under qemu-system-aarch64. Their <c>-small</c> images (built with -DBENCH_SMALL) run here;
/// the output is compared with QEMU's recorded output (guests/prebuilt/bench/NAME-small.expected) without the
/// timing fields of the BENCH line, which differ from run to run.
/// </summary>
public sealed partial class BenchmarkGuestTests
{
    /// <summary>Every program of guests/bench (the file names are GROUP-NAME.c).</summary>
    public static readonly string[] Benchmarks =
    [
        "int-hash", "int-interp", "int-list", "int-lz", "int-sort",
        "mem-copy", "mem-sum",
        "fp-fft", "fp-matmul", "fp-nbody",
        "simd-blend", "simd-sad", "simd-saxpy",
        "sys-gic", "sys-svc", "sys-timer", "sys-pagestride", "sys-pagefault", "sys-uartfr", "sys-uartmmu", "sys-ctxswitch",
    ];

    public static TheoryData<string, string> Runs()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Benchmarks)
        {
            data.Add(name, "kvm");
            // The interpreter takes well under a second for each of these small images; the SIMD ones take longer.
            if (!name.StartsWith("simd-", StringComparison.Ordinal)) data.Add(name, "interpreter");
        }
        return data;
    }

    public static TheoryData<string> Names() => new(Benchmarks);

    [GeneratedRegex(@" ticks=[0-9]+ freq=[0-9]+")]
    private static partial Regex TimingFields();

    private static string WithoutTiming(string output) => TimingFields().Replace(output, "");

    private static string Image(string name) => TestEnvironment.Prebuilt(Path.Combine("bench", name + "-small.elf"));

    private static string Expected(string name) => File.ReadAllText(TestEnvironment.Prebuilt(Path.Combine("bench", name + "-small.expected")));

    [Theory]
    [MemberData(nameof(Runs))]
    public void Small_benchmark_computes_QEMUs_checksum(string name, string engine)
    {
        var (result, output, _) = TestEnvironment.RunGuest(File.ReadAllBytes(Image(name)), engine);
        Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason}: {result.Message}\noutput so far:\n{output}");
        Assert.Matches(@"^BENCH name=" + name + @" ticks=[0-9]+ freq=[0-9]+ check=0x[0-9a-f]{16}\nDONE\n$", output);
        Assert.Equal(Expected(name), WithoutTiming(output));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void QEMU_prints_the_recorded_checksum(string name)
    {
        var qemu = TestEnvironment.FindOnPath("qemu-system-aarch64");
        if (qemu is null) Assert.Skip("qemu-system-aarch64 is not installed");
        var (code, stdout, stderr) = TestEnvironment.RunProcess(qemu,
            ["-M", "virt", "-cpu", "cortex-a57", "-nographic", "-monitor", "none", "-kernel", Image(name)],
            TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stderr);
        Assert.Equal(Expected(name), WithoutTiming(stdout));
    }

    [Fact]
    public void Every_benchmark_program_is_listed_and_built()
    {
        var sources = Directory.GetFiles(Path.Combine(TestEnvironment.RepositoryRoot, "guests", "bench"), "*.c")
            .Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);
        Assert.Equal(sources, Benchmarks.Order(StringComparer.Ordinal));
        foreach (var name in Benchmarks)
            foreach (var file in new[] { name + ".elf", name + "-small.elf", name + ".expected", name + "-small.expected" })
                Assert.True(File.Exists(TestEnvironment.Prebuilt(Path.Combine("bench", file))), $"guests/prebuilt/bench/{file} is missing (guests/bench/build.sh)");
    }
}

/// <summary>The system microbenchmarks' hot paths stay inside the VM: what the acceptance figures rely on.</summary>
public sealed class SystemFastPathTests
{
    [Theory]
    [InlineData("sys-uartfr", 0)]  // MMU off: the physical page is in the fast device-read table from the start
    [InlineData("sys-uartmmu", 1)] // MMU on: the first read teaches the mode's virtual device table the page
    public void Polling_the_UART_flag_register_asks_the_host_almost_nothing(string image, long hostReads)
    {
        // 5,000 UARTFR reads; they come from the engine's copy of the PL011's registers.
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt($"bench/{image}-small.elf")), "kvm");
        Assert.True(result.Reason == StopReason.PowerOff, $"{result.Reason}: {result.Message}\n{output}");
        Assert.Equal(TestEnvironment.Expected($"bench/{image}-small"), output.Replace(Regex.Match(output, " ticks=[0-9]+ freq=[0-9]+").Value, ""));
        Assert.Equal(hostReads, stats.ChannelRequests.Where(kv => kv.Key.StartsWith("mmio-read", StringComparison.Ordinal)).Sum(kv => kv.Value));
    }

    [Fact]
    public void A_page_stride_loop_with_the_MMU_on_needs_no_host()
    {
        // 256 pages read 40 times over: misses are refilled by the in-VM walker, hits need nothing.
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt("bench/sys-pagestride-small.elf")), "kvm");
        Assert.True(result.Reason == StopReason.PowerOff, $"{result.Reason}: {result.Message}\n{output}");
        Assert.DoesNotContain(stats.ChannelRequests.Keys, k => k.StartsWith("tlb-miss", StringComparison.Ordinal) || k.StartsWith("mmu-abort", StringComparison.Ordinal));
    }

    [Fact]
    public void First_touch_page_faults_are_taken_without_the_host()
    {
        // 4,096 data aborts, each handled by the guest's own vector (it maps the page and returns to the load): the
        // in-VM walker finds each fault and the front end's fault entry takes it; the retried load refills in the VM.
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt("bench/sys-pagefault-small.elf")), "kvm");
        Assert.True(result.Reason == StopReason.PowerOff, $"{result.Reason}: {result.Message}\n{output}");
        Assert.Equal(TestEnvironment.Expected("bench/sys-pagefault-small"), output.Replace(Regex.Match(output, " ticks=[0-9]+ freq=[0-9]+").Value, ""));
        Assert.DoesNotContain(stats.ChannelRequests.Keys, k => k.StartsWith("tlb-miss", StringComparison.Ordinal) || k.StartsWith("mmu-abort", StringComparison.Ordinal));
        Assert.True(stats.TotalChannelRequests < 1000, $"{stats.TotalChannelRequests} channel requests for 4,096 faults");
        Assert.Equal(4096, stats.AbortsInVm);              // one per page, each found by the in-VM walker
        Assert.InRange(stats.TlbWalks, 4096, 4096 + 512); // each retried load refills in the VM (plus the program's own pages)
    }

    [Fact]
    public void A_whole_instruction_cache_invalidation_drops_only_the_code_that_changed()
    {
        // smc.c rewrites a function and invalidates with IC IALLU eleven times (the output, checked against QEMU, shows
        // each rewrite took effect): each time the rewritten function's translations go and every other block stays.
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt("smc-O2.elf")), "kvm");
        Assert.True(result.Reason == StopReason.PowerOff, $"{result.Reason}: {result.Message}\n{output}");
        Assert.Equal(TestEnvironment.Expected("smc"), output);
        Assert.Equal(1, stats.TranslationsFlushed); // start.S's CPACR_EL1 write (it changes how EL1's FP code is lowered)
        Assert.InRange(stats.BlocksDropped, 11, 200);
    }

    [Fact]
    public void Context_switches_need_no_host()
    {
        // sys-ctxswitch-small: 2,000 TTBR0 switches between two spaces whose code pages are the same, every 16th round
        // after a TLBI ASIDE1 (host work). With code page checks every switch is translated code's own — the table base,
        // an empty TLB, a new epoch — whatever space it goes to; only mmu_on's first TTBR0 write, before the walker has
        // tables, may be the host's. The checksum proves every read went through the right space.
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt("bench/sys-ctxswitch-small.elf")), "kvm");
        Assert.True(result.Reason == StopReason.PowerOff, $"{result.Reason}: {result.Message}\n{output}");
        Assert.Equal(TestEnvironment.Expected("bench/sys-ctxswitch-small"), output.Replace(Regex.Match(output, " ticks=[0-9]+ freq=[0-9]+").Value, ""));
        long rounds = 2000, hostSwitches = stats.ChannelRequests.GetValueOrDefault("trap:addressspaceswitch");
        Assert.InRange(hostSwitches, 0, 1);
        Assert.Equal(rounds + 2 - hostSwitches, stats.AddressSpaceSwitchesInVm); // (+ mmu_on's TTBR0 write and the switch back at the end)
    }

    [Theory]
    [InlineData("tlbi-O0")]
    [InlineData("tlbi-O2")]
    public void Maintenance_that_no_translation_depends_on_stays_in_the_VM(string image)
    {
        // tlbi.c: the TLBIs of data pages and of a data block, and the IC IVAUs of code that never ran (before the MMU
        // is on and the fresh function at the end), find nothing translated; the moved code page and code block and the
        // rewritten second line do. The output is QEMU's either way (GuestProgramTests); here, which of them the host saw.
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt(image + ".elf")), "kvm");
        Assert.True(result.Reason == StopReason.PowerOff, $"{result.Reason}: {result.Message}\n{output}");
        Assert.Equal(TestEnvironment.Expected("tlbi"), output);
        Assert.Equal(10, stats.TlbMaintenanceInVm);  // 8 forms on the data page, its unmapping, the data block
        Assert.Equal(2, stats.ChannelRequests.GetValueOrDefault("trap:tlbinvalidatebyaddress")); // the code page and the code block
        // Code not yet run: blocks C and D (a line each), the two-line function before its first call (two lines), the
        // fresh function (one line). The host sees only the rewrite of the function's second line.
        Assert.Equal(5, stats.CodeMaintenanceInVm);
        Assert.Equal(1, stats.ChannelRequests.GetValueOrDefault("trap:codeinvalidatebyaddress"));
    }
}

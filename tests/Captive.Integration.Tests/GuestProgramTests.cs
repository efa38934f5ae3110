using Captive.Core.Execution;

namespace Captive.Integration.Tests;

/// <summary>
/// The project's own bare-metal C programs, built by aarch64-linux-gnu-gcc at -O0 and -O2, must print
/// exactly what qemu-system-aarch64 printed for them (recorded in guests/prebuilt/NAME.expected and
/// re-checked against QEMU itself by <see cref="QemuOracleTests"/>), on both engines.
/// </summary>
public sealed class GuestProgramTests
{
    public static TheoryData<string, string, string> Programs()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var program in new[] { "arith", "crc32", "debug", "divzero", "exceptions", "funcptr", "gic", "idregs", "irqfault", "mmu", "recursion", "rtc", "sieve", "smc", "sort", "strings", "timer", "tlbi", "float" })
            foreach (var opt in new[] { "O0", "O2" })
                foreach (var engine in new[] { "kvm", "interpreter" })
                    data.Add(program, opt, engine);
        data.Add("loop", "O2", "kvm"); // 1.6 billion instructions: the interpreter would take minutes
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Prints_what_QEMU_prints(string program, string opt, string engine)
    {
        var kernel = File.ReadAllBytes(TestEnvironment.Prebuilt($"{program}-{opt}.elf"));
        var (result, output, _) = TestEnvironment.RunGuest(kernel, engine);
        Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason}: {result.Message}\noutput so far:\n{output}");
        Assert.Equal(TestEnvironment.Expected(program), output);
    }

    public static TheoryData<string, string, string> GicV3Programs()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var program in new[] { "debug", "gic", "idregs", "irqfault", "timer" })
            foreach (var opt in new[] { "O0", "O2" })
                foreach (var engine in new[] { "kvm", "interpreter" })
                    data.Add(program, opt, engine);
        return data;
    }

    [Theory]
    [MemberData(nameof(GicV3Programs))]
    public void Prints_what_QEMU_prints_with_GICv3(string program, string opt, string engine)
    {
        var kernel = File.ReadAllBytes(TestEnvironment.Prebuilt($"{program}-{opt}.elf"));
        var (result, output, _) = TestEnvironment.RunGuest(kernel, engine, gicVersion: 3);
        Assert.True(result.Reason == StopReason.PowerOff, $"stopped with {result.Reason}: {result.Message}\noutput so far:\n{output}");
        Assert.Equal(TestEnvironment.Expected(program + "-gicv3"), output);
    }

    [Fact]
    public void Timer_interrupts_arrive_without_exits_in_a_busy_loop()
    {
        // timer.c takes ten timer interrupts; each is an Interrupt channel request (translated code saw the flag at a
        // block entry), not a VM exit: the only exits are WFI waits, doorbells of a sleeping service thread and the stop.
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt("timer-O2.elf")), "kvm");
        Assert.Equal(StopReason.PowerOff, result.Reason);
        Assert.Equal(TestEnvironment.Expected("timer"), output);
        Assert.True(stats.ChannelRequests.GetValueOrDefault("interrupt") >= 10, stats.Format("kvm"));
        Assert.All(stats.Exits.Keys, k => Assert.Contains(k, new[] { "doorbell", "wfi", "stop" }));
    }

    [Fact]
    public void Translations_parked_by_an_address_space_switch_come_back_only_where_their_code_does()
    {
        // mmu.c maps other code at the same virtual address in a second address space and switches back and forth: each
        // switch parks the other space's translation of the page, and the next call must revive the one whose
        // instructions are mapped there now — never the other one (QEMU's output says which code ran).
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt("mmu-O2.elf")), "kvm");
        Assert.Equal(StopReason.PowerOff, result.Reason);
        Assert.Equal(TestEnvironment.Expected("mmu"), output);
        Assert.True(stats.BlocksParked > 0 && stats.BlocksRevived > 0, stats.Format("kvm"));
    }

    [Theory]
    [InlineData("sieve-O2.elf")]
    [InlineData("funcptr-O0.elf")]
    [InlineData("sort-O2.elf")]
    public void Translated_code_executes_the_same_blocks_as_the_interpreter(string image)
    {
        // The interpreter runs the same IR block by block; with counting on, translated code must
        // execute exactly as many guest blocks and instructions, or chaining went somewhere else.
        TestEnvironment.RequireKvm();
        var kernel = File.ReadAllBytes(TestEnvironment.Prebuilt(image));
        var interpreted = TestEnvironment.RunGuest(kernel, "interpreter");
        var translated = TestEnvironment.RunGuest(kernel, "kvm", count: true);
        Assert.Equal(interpreted.Output, translated.Output);
        Assert.Equal(interpreted.Stats.InstructionsExecuted, translated.Stats.InstructionsExecuted);
        Assert.Equal(interpreted.Stats.BlocksExecuted, translated.Stats.BlocksExecuted);
    }

    [Theory]
    [InlineData("sort-O2.elf", "sort")]
    [InlineData("funcptr-O0.elf", "funcptr")]
    [InlineData("arith-O2.elf", "arith")]
    public void KVM_engine_interpreting_blocks_through_the_channel_prints_what_QEMU_prints(string image, string program)
    {
        // The path the KVM engine takes for IR the code generator does not compile yet: the host
        // runs the block on the vCPU's register file (flags converted both ways), traps and MMIO
        // included.
        TestEnvironment.RequireKvm();
        var (result, output, stats) = TestEnvironment.RunGuest(File.ReadAllBytes(TestEnvironment.Prebuilt(image)), "kvm", count: true, interpretAll: true);
        Assert.True(result.Reason == StopReason.PowerOff, $"{result.Reason}: {result.Message}");
        Assert.Equal(TestEnvironment.Expected(program), output);
        Assert.True(stats.ChannelRequests.Where(r => r.Key.StartsWith("interpret:", StringComparison.Ordinal)).Sum(r => r.Value) > 100, stats.Format("kvm"));
    }

    [Fact]
    public void Compute_loop_runs_without_exits_or_channel_requests()
    {
        TestEnvironment.RequireKvm();
        var kernel = File.ReadAllBytes(TestEnvironment.Prebuilt("loop-O2.elf"));
        var (result, output, stats) = TestEnvironment.RunGuest(kernel, "kvm", count: true);
        Assert.Equal(StopReason.PowerOff, result.Reason);
        Assert.Equal(TestEnvironment.Expected("loop"), output);
        // 1.6e9 guest instructions ran; requests are those of start-up and printing (UART accesses are
        // channel requests, not exits), and the only exits are the doorbells of a sleeping service
        // thread and the final stop.
        Assert.True(stats.InstructionsExecuted > 1_600_000_000, $"executed {stats.InstructionsExecuted}");
        // How many doorbells there are depends on when the host scheduled the service thread (the
        // test suites run in parallel on two cores); what must hold is that nothing but doorbells
        // and the final stop left the VM, and that the loop itself ran without the host.
        Assert.True(stats.Exits.Keys.All(k => k is "doorbell" or "stop"), stats.Format("kvm"));
        Assert.True(stats.Exits.GetValueOrDefault("doorbell") <= stats.TotalChannelRequests, stats.Format("kvm")); // a doorbell only ever carries a request
        Assert.True(stats.TotalChannelRequests < 500, stats.Format("kvm"));
        Assert.True(stats.LongestQuietStretch > stats.WallTime / 2, stats.Format("kvm"));
    }

    [Fact]
    public async Task Two_machines_run_at_once_in_one_process()
    {
        TestEnvironment.RequireKvm();
        var sieve = File.ReadAllBytes(TestEnvironment.Prebuilt("sieve-O2.elf"));
        var sort = File.ReadAllBytes(TestEnvironment.Prebuilt("sort-O2.elf"));
        var a = Task.Run(() => TestEnvironment.RunGuest(sieve, "kvm"));
        var b = Task.Run(() => TestEnvironment.RunGuest(sort, "kvm"));
        var results = await Task.WhenAll(a, b);
        Assert.Equal(TestEnvironment.Expected("sieve"), results[0].Output);
        Assert.Equal(TestEnvironment.Expected("sort"), results[1].Output);
    }
}

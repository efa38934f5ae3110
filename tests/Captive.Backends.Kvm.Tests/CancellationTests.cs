using System.Diagnostics;
using Captive.Backends.Kvm.Tests.Infrastructure;
using Captive.Core.Backends;
using static Iced.Intel.AssemblerRegisters;
using static Captive.Backends.Kvm.Tests.Infrastructure.ExitRecord;

namespace Captive.Backends.Kvm.Tests;

/// <summary>The cancellation protocol of <see cref="KvmVcpu"/>: signal kick plus immediate_exit.</summary>
public sealed class CancellationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact]
    public void Cancel_interrupts_an_endless_cpl3_loop_and_the_next_run_resumes_it()
    {
        using var vm = KvmHost.OpenVm();
        LoadCountingLoop(vm);

        var (first, firstTime) = RunWhileCancelling(vm, afterCountPasses: 0, delay: TimeSpan.FromMilliseconds(50));
        long countAfterFirst = vm.ReadRamVolatile(TestVm.DataPage);
        var (second, secondTime) = RunWhileCancelling(vm, afterCountPasses: countAfterFirst, delay: TimeSpan.Zero);

        Assert.Equal(Cancelled, first);
        Assert.Equal(Cancelled, second);
        Assert.True(firstTime < Bound, $"first cancel took {firstTime}");
        Assert.True(secondTime < Bound, $"second cancel took {secondTime}");
        Assert.True(countAfterFirst > 0);
        Assert.True(vm.ReadRamVolatile(TestVm.DataPage) > countAfterFirst, "the second run did not resume the loop");
        ulong rip = vm.Vcpu.GetRegisters().Rip;
        Assert.InRange(rip, TestVm.CodeBase, TestVm.CodeBase + 64);
    }

    [Fact]
    public void Cancel_before_run_returns_Cancelled_once_then_the_guest_runs()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            a.mov(__qword_ptr[TestVm.MmioBase], 7);
            a.mov(__qword_ptr[TestVm.MmioBase], 8);
        }, Ring.User);

        vm.Vcpu.Cancel();
        vm.Vcpu.Cancel(); // cancels coalesce until a Run takes them

        Assert.Equal([Cancelled, MmioWrite(TestVm.MmioBase, 8, 7)], [vm.Step(), vm.Step()]);
        vm.Vcpu.Cancel();
        Assert.Equal([Cancelled, MmioWrite(TestVm.MmioBase, 8, 8)], [vm.Step(), vm.Step()]);
    }

    [Fact]
    public void Cancel_after_an_exit_keeps_a_pending_read_for_the_run_after()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            a.mov(rax, __qword_ptr[TestVm.MmioBase]);
            a.mov(__qword_ptr[TestVm.MmioBase + 8], rax);
        }, Ring.User);

        var read = vm.Step(readValue: 0xabcd);
        vm.Vcpu.Cancel();

        Assert.Equal(
            [MmioRead(TestVm.MmioBase, 8), Cancelled, MmioWrite(TestVm.MmioBase + 8, 8, 0xabcd)],
            [read, vm.Step(), vm.Step()]);
    }

    [Fact]
    public void Run_from_a_second_thread_while_running_throws()
    {
        using var vm = KvmHost.OpenVm();
        LoadCountingLoop(vm);
        var runner = new Worker<ExitRecord>(() => vm.Step());
        WaitForCount(vm, 0);

        var error = Record.Exception(() => vm.Vcpu.Run());
        vm.Vcpu.Cancel();

        Assert.IsType<InvalidOperationException>(error);
        Assert.Equal(Cancelled, runner.Join(Bound));
    }

    [Fact]
    public void Dispose_during_a_run_ends_the_run_and_later_calls_are_safe()
    {
        using var vm = KvmHost.OpenVm();
        LoadCountingLoop(vm);
        var runner = new Worker<ExitRecord>(() => vm.Step());
        WaitForCount(vm, 0);

        vm.Vcpu.Dispose();

        Assert.Equal(Cancelled, runner.Join(Bound));
        vm.Vcpu.Cancel();
        vm.Vcpu.Dispose();
        Assert.Throws<ObjectDisposedException>(() => vm.Vcpu.Run());
        Assert.Throws<ObjectDisposedException>(() => vm.Vcpu.GetRegisters());
    }

    [Fact]
    public void Cancel_racing_with_runs_never_loses_a_cancel()
    {
        // Many short runs against a canceller that fires at random moments: every Cancel must be
        // seen by a Run (the one in progress or the next); none may hang.
        using var vm = KvmHost.OpenVm();
        LoadCountingLoop(vm);
        var clock = Stopwatch.StartNew();
        for (int round = 0; round < 200; round++)
        {
            int spin = Random.Shared.Next(0, 20_000);
            var canceller = new Worker<bool>(() =>
            {
                Thread.SpinWait(spin);
                vm.Vcpu.Cancel();
                return true;
            });
            var exit = vm.Vcpu.Run();
            Assert.Equal(VcpuExitKind.Cancelled, exit.Kind);
            canceller.Join(Bound);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"200 cancel rounds took {clock.Elapsed}");
    }

    private static void LoadCountingLoop(TestVm vm) => vm.Load(a =>
    {
        var loop = a.CreateLabel();
        a.Label(ref loop);
        a.inc(__qword_ptr[TestVm.DataPage]);
        a.jmp(loop);
    }, Ring.User);

    /// <summary>Runs on this thread while another thread cancels once the loop counter passes a value.</summary>
    private static (ExitRecord Exit, TimeSpan Elapsed) RunWhileCancelling(TestVm vm, long afterCountPasses, TimeSpan delay)
    {
        var canceller = new Worker<long>(() =>
        {
            WaitForCount(vm, afterCountPasses);
            Thread.Sleep(delay);
            long cancelledAt = Stopwatch.GetTimestamp();
            vm.Vcpu.Cancel();
            return cancelledAt;
        });
        var exit = vm.Step();
        long returnedAt = Stopwatch.GetTimestamp();
        long cancelledAt = canceller.Join(Bound);
        return (exit, Stopwatch.GetElapsedTime(cancelledAt, returnedAt));
    }

    private static void WaitForCount(TestVm vm, long above)
    {
        var clock = Stopwatch.StartNew();
        while (vm.ReadRamVolatile(TestVm.DataPage) <= above)
        {
            Assert.True(clock.Elapsed < Bound, "the guest loop never ran");
            Thread.Yield();
        }
    }
}

using System.Diagnostics;
using Captive.Backends.Kvm.Tests.Infrastructure;
using Captive.Core.Backends;
using static Iced.Intel.AssemblerRegisters;
using static Captive.Backends.Kvm.Tests.Infrastructure.ExitRecord;

namespace Captive.Backends.Kvm.Tests;

/// <summary>
/// Guest CPL3, entered directly with KVM_SET_SREGS (CS 0x33, SS 0x2b). Translated code runs here,
/// natively even on PVM hosts; exceptions go through the guest IDT to the CPL0 stubs.
/// </summary>
public sealed class Cpl3ExitTests
{
    [Fact]
    public void Starts_at_cpl3_with_the_user_selectors()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a => a.nop(), Ring.User);

        var sregs = vm.Vcpu.GetSpecialRegisters();

        Assert.Equal((TestVm.UserCode, 3), (sregs.Cs.Selector, sregs.Cs.Dpl));
        Assert.Equal((TestVm.UserData, 3), (sregs.Ss.Selector, sregs.Ss.Dpl));
    }

    [Fact]
    public void Mmio_write_and_read_exit_at_cpl3()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            a.mov(rax, 0x0102_0304_0506_0708);
            a.mov(__qword_ptr[TestVm.MmioBase], rax);
            a.mov(ebx, __dword_ptr[TestVm.MmioBase + 0x20]);
            a.mov(__dword_ptr[TestVm.MmioBase + 0x24], ebx);
        }, Ring.User);

        Assert.Equal(
            [
                MmioWrite(TestVm.MmioBase, 8, 0x0102_0304_0506_0708),
                MmioRead(TestVm.MmioBase + 0x20, 4),
                MmioWrite(TestVm.MmioBase + 0x24, 4, 0xcafe_f00d),
            ],
            [vm.Step(), vm.Step(readValue: 0xcafe_f00d), vm.Step()]);
    }

    [Fact]
    public void Ten_million_iteration_loop_runs_to_its_mmio_write()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            var loop = a.CreateLabel();
            a.mov(ecx, 10_000_000);
            a.Label(ref loop);
            a.dec(ecx);
            a.jnz(loop);
            a.mov(rax, 0x600d);
            a.mov(__qword_ptr[TestVm.MmioBase], rax);
        }, Ring.User);

        var clock = Stopwatch.StartNew();
        var exit = vm.Step();
        clock.Stop();

        Assert.Equal(MmioWrite(TestVm.MmioBase, 8, 0x600d), exit);
        Assert.Equal(0UL, vm.Vcpu.GetRegisters().Rcx);
        // Generous bound: native execution takes milliseconds; emulated CPL0 would take over 10 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the loop took {clock.Elapsed}");
    }

    [Fact]
    public void Rdtsc_works_at_cpl3_and_counts_up()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            var loop = a.CreateLabel();
            a.rdtsc();
            a.shl(rdx, 32);
            a.or(rax, rdx);
            a.mov(rbx, rax);
            a.mov(ecx, 100_000);
            a.Label(ref loop);
            a.dec(ecx);
            a.jnz(loop);
            a.rdtsc();
            a.shl(rdx, 32);
            a.or(rax, rdx);
            a.mov(__qword_ptr[TestVm.MmioBase], rbx);
            a.mov(__qword_ptr[TestVm.MmioBase + 8], rax);
        }, Ring.User);

        var first = vm.Step();
        var second = vm.Step();

        Assert.Equal((VcpuExitKind.MmioWrite, TestVm.MmioBase), (first.Kind, first.Address));
        Assert.Equal((VcpuExitKind.MmioWrite, TestVm.MmioBase + 8), (second.Kind, second.Address));
        Assert.NotEqual(0UL, first.Value);
        Assert.True(second.Value > first.Value, $"TSC went from {first.Value} to {second.Value}");
    }

    [Fact]
    public void Out_at_cpl3_raises_general_protection_through_the_idt()
    {
        using var vm = KvmHost.OpenVm();
        var faulting = default(Iced.Intel.Label);
        var program = vm.Load(a =>
        {
            faulting = a.CreateLabel();
            a.mov(dx, 0x3f8);
            a.Label(ref faulting);
            a.@out(dx, al);
        }, Ring.User);

        var exits = Enumerable.Range(0, 5).Select(_ => vm.Step()).ToArray();

        Assert.Equal(TestVm.ExceptionExits(vector: 13, errorCode: 0, cr2: 0, rip: program.AddressOf(faulting)), exits);
    }

    [Fact]
    public void Page_fault_at_cpl3_reports_vector_14_and_cr2()
    {
        using var vm = KvmHost.OpenVm();
        var faulting = default(Iced.Intel.Label);
        var program = vm.Load(a =>
        {
            faulting = a.CreateLabel();
            a.Label(ref faulting);
            a.mov(rax, __qword_ptr[TestVm.NotPresent + 0x123]);
        }, Ring.User);

        var exits = Enumerable.Range(0, 5).Select(_ => vm.Step()).ToArray();

        const ulong userReadNotPresent = 0x4;
        Assert.Equal(
            TestVm.ExceptionExits(vector: 14, userReadNotPresent, cr2: TestVm.NotPresent + 0x123, rip: program.AddressOf(faulting)),
            exits);
        Assert.Equal(TestVm.NotPresent + 0x123, vm.Vcpu.GetSpecialRegisters().Cr2);
        Assert.Equal(0, vm.Vcpu.GetSpecialRegisters().Cs.Dpl); // halted in the CPL0 stub
    }
}

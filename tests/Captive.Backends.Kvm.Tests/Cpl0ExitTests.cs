using Captive.Backends.Kvm.Tests.Infrastructure;
using static Iced.Intel.AssemblerRegisters;
using static Captive.Backends.Kvm.Tests.Infrastructure.ExitRecord;

namespace Captive.Backends.Kvm.Tests;

/// <summary>Exits from guest CPL0 (emulated instruction by instruction on PVM hosts).</summary>
public sealed class Cpl0ExitTests
{
    [Fact]
    public void Out_dx_al_exits_with_the_port_and_the_byte()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            a.mov(dx, 0x3f8);
            a.mov(al, 0x41);
            a.@out(dx, al);
            a.hlt();
        }, Ring.Kernel);

        Assert.Equal([IoOut(0x3f8, 1, 0x41), Halt], [vm.Step(), vm.Step()]);
    }

    [Fact]
    public void In_al_dx_receives_the_supplied_byte()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            a.mov(dx, 0x60);
            a.@in(al, dx);
            a.mov(dx, 0x61);
            a.@out(dx, al);
            a.hlt();
        }, Ring.Kernel);

        Assert.Equal([IoIn(0x60, 1), IoOut(0x61, 1, 0x5a), Halt], [vm.Step(readValue: 0x5a), vm.Step(), vm.Step()]);
    }

    [Fact]
    public void Hlt_exits_with_Halt()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a => a.hlt(), Ring.Kernel);

        Assert.Equal(Halt, vm.Step());
        Assert.Equal(TestVm.CodeBase + 1, vm.Vcpu.GetRegisters().Rip);
    }

    [Fact]
    public void Mmio_write_to_unbacked_memory_exits_with_the_address_and_the_bytes()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            a.mov(__dword_ptr[TestVm.MmioBase + 0x10], unchecked((int)0xdeadbeef));
            a.hlt();
        }, Ring.Kernel);

        Assert.Equal([MmioWrite(TestVm.MmioBase + 0x10, 4, 0xdeadbeef), Halt], [vm.Step(), vm.Step()]);
    }

    [Fact]
    public void Mmio_read_receives_the_supplied_value()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a =>
        {
            a.mov(rax, __qword_ptr[TestVm.MmioBase]);
            a.mov(__qword_ptr[TestVm.MmioBase + 8], rax);
            a.hlt();
        }, Ring.Kernel);

        Assert.Equal(
            [MmioRead(TestVm.MmioBase, 8), MmioWrite(TestVm.MmioBase + 8, 8, 0x1122_3344_5566_7788), Halt],
            [vm.Step(readValue: 0x1122_3344_5566_7788), vm.Step(), vm.Step()]);
    }

    [Fact]
    public void Exception_without_an_idt_is_a_triple_fault_and_exits_with_Shutdown()
    {
        using var vm = KvmHost.OpenVm();
        vm.Load(a => a.ud2(), Ring.Kernel);
        var sregs = TestVm.SpecialRegisters(Ring.Kernel);
        sregs.Idt.Limit = 0;
        vm.Vcpu.SetSpecialRegisters(sregs);

        Assert.Equal(new ExitRecord(Captive.Core.Backends.VcpuExitKind.Shutdown), vm.Step());
    }
}

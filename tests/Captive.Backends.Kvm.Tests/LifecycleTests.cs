using Captive.Backends.Kvm.Tests.Infrastructure;
using Captive.Core.Backends;
using static Iced.Intel.AssemblerRegisters;
using static Captive.Backends.Kvm.Tests.Infrastructure.ExitRecord;

namespace Captive.Backends.Kvm.Tests;

/// <summary>VMs, vCPUs and registers: creation, independence, disposal.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public void Several_vms_run_at_once_independently()
    {
        using var backend = KvmHost.Open();
        var vms = Enumerable.Range(0, 3).Select(_ => new TestVm(backend)).ToArray();
        try
        {
            for (int i = 0; i < vms.Length; i++)
            {
                // Each VM reads its own RAM word, set by the host, after a long CPL3 loop.
                BitConverter.TryWriteBytes(vms[i].RamBytes[(int)TestVm.DataPage..], 1000L + i);
                vms[i].Load(a =>
                {
                    var loop = a.CreateLabel();
                    a.mov(ecx, 3_000_000);
                    a.Label(ref loop);
                    a.dec(ecx);
                    a.jnz(loop);
                    a.mov(rax, __qword_ptr[TestVm.DataPage]);
                    a.mov(__qword_ptr[TestVm.MmioBase], rax);
                    a.hlt(); // #GP at CPL3: the stub reports vector 13 next
                }, Ring.User);
            }

            var workers = vms.Select(vm => new Worker<ExitRecord[]>(() => [vm.Step(), vm.Step()])).ToArray();
            var results = workers.Select(w => w.Join(TimeSpan.FromSeconds(10))).ToArray();

            for (int i = 0; i < vms.Length; i++)
            {
                Assert.Equal(
                    [MmioWrite(TestVm.MmioBase, 8, 1000UL + (ulong)i), MmioWrite(TestVm.ExceptionReport, 8, 13)],
                    results[i]);
            }
        }
        finally
        {
            foreach (var vm in vms)
            {
                vm.Dispose();
            }
        }
    }

    [Fact]
    public void Vms_outlive_the_backend_that_created_them()
    {
        var backend = KvmHost.Open();
        using var vm = new TestVm(backend);
        backend.Dispose();
        backend.Dispose();
        vm.Load(a => a.hlt(), Ring.Kernel);

        Assert.Equal(Halt, vm.Step());
        Assert.Throws<ObjectDisposedException>(() => backend.CreateVirtualMachine());
    }

    [Fact]
    public void Registers_round_trip()
    {
        using var vm = KvmHost.OpenVm();
        var registers = new X86Registers
        {
            Rax = 1, Rbx = 2, Rcx = 3, Rdx = 4, Rsi = 5, Rdi = 6, Rsp = 7, Rbp = 8,
            R8 = 9, R9 = 10, R10 = 11, R11 = 12, R12 = 13, R13 = 14, R14 = 15, R15 = 16,
            Rip = 0x10_0000, Rflags = 0x202,
        };

        vm.Vcpu.SetRegisters(registers);

        Assert.Equal(registers, vm.Vcpu.GetRegisters());
    }

    [Fact]
    public void Special_registers_round_trip()
    {
        using var vm = KvmHost.OpenVm();
        var written = TestVm.SpecialRegisters(Ring.User);

        vm.Vcpu.SetSpecialRegisters(written);
        var read = vm.Vcpu.GetSpecialRegisters();

        Assert.Equal((written.Cs.Selector, written.Cs.Dpl, written.Cs.L, written.Cs.Type), (read.Cs.Selector, read.Cs.Dpl, read.Cs.L, read.Cs.Type));
        Assert.Equal((written.Ss.Selector, written.Ss.Dpl, written.Ss.Db), (read.Ss.Selector, read.Ss.Dpl, read.Ss.Db));
        Assert.Equal((written.Tr.Base, written.Tr.Limit, written.Tr.Selector), (read.Tr.Base, read.Tr.Limit, read.Tr.Selector));
        Assert.Equal(written.Gdt, read.Gdt);
        Assert.Equal(written.Idt, read.Idt);
        Assert.Equal((written.Cr0, written.Cr3, written.Cr4, written.Efer), (read.Cr0, read.Cr3, read.Cr4, read.Efer));
    }

    [Fact]
    public void Vcpu_index_is_kept_and_a_duplicate_index_fails()
    {
        using var backend = KvmHost.Open();
        using var vm = backend.CreateVirtualMachine();
        using var vcpu = vm.CreateVirtualCpu(1);

        var error = Assert.Throws<BackendException>(() => vm.CreateVirtualCpu(1));

        Assert.Equal(1, vcpu.Index);
        Assert.Equal("KVM_CREATE_VCPU", error.Operation);
    }
}

/// <summary>Counts this process's open descriptors, so it must not run beside other tests.</summary>
[CollectionDefinition(nameof(DescriptorCounting), DisableParallelization = true)]
public sealed class DescriptorCounting;

[Collection(nameof(DescriptorCounting))]
public sealed class DisposalTests
{
    [Fact]
    public void Disposal_closes_every_descriptor_and_is_idempotent()
    {
        using (KvmHost.Open())
        {
            // Warm up: the first backend installs the kick signal and loads libraries.
        }

        int before = OpenDescriptors();
        var backend = new KvmBackend();
        var vm = backend.CreateVirtualMachine();
        var block = vm.AllocateMemory(0, 0x10_0000);
        var vcpu = vm.CreateVirtualCpu(0);
        var other = vm.CreateVirtualCpu(1);
        Assert.Equal(before + 4, OpenDescriptors());

        other.Dispose();
        Assert.Equal(before + 3, OpenDescriptors());
        vm.Dispose(); // disposes vCPU 0 and the block too
        backend.Dispose();

        Assert.Equal(before, OpenDescriptors());
        Assert.True(vcpu.Handle.IsClosed);
        vcpu.Dispose();
        block.Dispose();
        vm.Dispose();
        backend.Dispose();
        vcpu.Cancel();
        Assert.Throws<ObjectDisposedException>(() => vm.CreateVirtualCpu(2));
        Assert.Throws<ObjectDisposedException>(() => vm.AllocateMemory(0, 0x1000));
    }

    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;
}

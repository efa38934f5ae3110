using System.Runtime.InteropServices;
using Captive.Backends.Kvm.Tests.Infrastructure;
using Captive.Core.Backends;
using static Iced.Intel.AssemblerRegisters;
using static Captive.Backends.Kvm.Tests.Infrastructure.ExitRecord;

namespace Captive.Backends.Kvm.Tests;

/// <summary>Memory blocks: memory slots backed by shared anonymous host memory.</summary>
public sealed class MemoryTests
{
    private const ulong Block = TestVm.UnbackedBase;

    [Fact]
    public void Guest_and_host_see_the_same_memory()
    {
        using var vm = KvmHost.OpenVm();
        using var block = vm.Vm.AllocateMemory(Block, 0x1000);
        Marshal.WriteInt64(block.HostAddress, 0x1234);
        vm.Load(a =>
        {
            a.mov(rax, __qword_ptr[Block]);
            a.mov(__qword_ptr[TestVm.MmioBase], rax);
            a.mov(__qword_ptr[Block + 8], 0x5678);
            a.mov(__qword_ptr[TestVm.MmioBase], 0);
        }, Ring.User);

        Assert.Equal([MmioWrite(TestVm.MmioBase, 8, 0x1234), MmioWrite(TestVm.MmioBase, 8, 0)], [vm.Step(), vm.Step()]);
        Assert.Equal(0x5678, Marshal.ReadInt64(block.HostAddress + 8));
        Assert.Equal((Block, 0x1000UL), (block.VmPhysicalAddress, block.Size));
    }

    [Fact]
    public void Read_only_block_is_readable_and_turns_writes_into_mmio_exits()
    {
        using var vm = KvmHost.OpenVm();
        if (!vm.Vm.SupportsReadOnlyMemory)
        {
            Assert.Throws<NotSupportedException>(() => vm.Vm.AllocateMemory(Block, 0x1000, readOnly: true));
            return;
        }

        using var block = vm.Vm.AllocateMemory(Block, 0x1000, readOnly: true);
        Marshal.WriteInt64(block.HostAddress, 0x4242);
        vm.Load(a =>
        {
            a.mov(rax, __qword_ptr[Block]);
            a.mov(__qword_ptr[TestVm.MmioBase], rax);
            a.mov(__qword_ptr[Block], 0x99);
        }, Ring.User);

        Assert.Equal([MmioWrite(TestVm.MmioBase, 8, 0x4242), MmioWrite(Block, 8, 0x99)], [vm.Step(), vm.Step()]);
        Assert.Equal(0x4242, Marshal.ReadInt64(block.HostAddress));
    }

    [Fact]
    public void Disposed_block_is_no_longer_backed()
    {
        using var vm = KvmHost.OpenVm();
        var block = vm.Vm.AllocateMemory(Block, 0x1000);
        block.Dispose();
        block.Dispose();
        vm.Load(a => a.mov(__qword_ptr[Block + 0x10], 1), Ring.Kernel);

        Assert.Equal(MmioWrite(Block + 0x10, 8, 1), vm.Step());
    }

    [Fact]
    public void Slots_are_reused_after_blocks_are_disposed()
    {
        using var backend = KvmHost.Open();
        using var vm = backend.CreateVirtualMachine();

        for (int i = 0; i < 2000; i++)
        {
            using var block = vm.AllocateMemory((ulong)(i % 7) << 12, 0x1000);
        }

        using var live = vm.AllocateMemory(0, 0x1000);
        Assert.NotEqual(0, live.HostAddress);
    }

    [Fact]
    public void Overlapping_blocks_fail_with_the_ioctl_name_and_errno()
    {
        using var backend = KvmHost.Open();
        using var vm = backend.CreateVirtualMachine();
        using var first = vm.AllocateMemory(0x10_0000, 0x2000);

        var error = Assert.Throws<BackendException>(() => vm.AllocateMemory(0x10_1000, 0x1000));

        const int EEXIST = 17;
        Assert.Equal(("KVM_SET_USER_MEMORY_REGION", EEXIST), (error.Operation, error.ErrorCode));
        Assert.Contains("KVM_SET_USER_MEMORY_REGION failed: ", error.Message);
        Assert.Contains("exists", error.Message, StringComparison.OrdinalIgnoreCase); // strerror(EEXIST)
    }

    [Theory]
    [InlineData(0x1001UL, 0x1000UL)]
    [InlineData(0x1000UL, 0x1001UL)]
    [InlineData(0x1000UL, 0UL)]
    public void Misaligned_or_empty_blocks_are_rejected(ulong address, ulong size)
    {
        using var backend = KvmHost.Open();
        using var vm = backend.CreateVirtualMachine();

        Assert.Throws<ArgumentException>(() => vm.AllocateMemory(address, size));
    }
}

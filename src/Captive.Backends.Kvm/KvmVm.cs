using System.Runtime.Versioning;
using Captive.Backends.Kvm.Interop;
using Captive.Core.Backends;

namespace Captive.Backends.Kvm;

/// <summary>
/// One KVM virtual machine (a VM descriptor): its memory slots and its vCPUs. Disposing it
/// disposes its vCPUs and memory blocks. Thread-safe.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed unsafe class KvmVm : IAcceleratedVm
{
    private const ulong PageSize = 4096;

    private readonly KvmVmHandle _fd;
    private readonly KvmVmTemplate _template;
    private readonly Lock _sync = new();
    private readonly int _slotLimit;
    private readonly SortedSet<int> _freeSlots = [];
    private readonly Dictionary<int, KvmMemoryBlock> _blocks = [];
    private readonly List<KvmVcpu> _vcpus = [];
    private int _nextSlot;
    private bool _disposed;

    internal KvmVm(KvmVmHandle fd, KvmVmTemplate template)
    {
        _fd = fd;
        _template = template;
        int slots = LibC.Ioctl(fd, KvmIoctl.CheckExtension, KvmConstants.CapNrMemslots);
        _slotLimit = slots > 0 ? slots : 32; // KVM's historical minimum when the capability is absent
        SupportsReadOnlyMemory = LibC.Ioctl(fd, KvmIoctl.CheckExtension, KvmConstants.CapReadonlyMem) > 0;
    }

    /// <summary>Whether <see cref="AllocateMemory"/> accepts <c>readOnly: true</c> (KVM_CAP_READONLY_MEM).</summary>
    public bool SupportsReadOnlyMemory { get; }

    /// <summary>
    /// Maps fresh, zeroed, shared anonymous memory (MAP_NORESERVE: pages are committed on first
    /// touch) into the VM as one memory slot.
    /// </summary>
    /// <exception cref="ArgumentException">The address or size is not page-aligned, or the size is zero.</exception>
    /// <exception cref="NotSupportedException"><paramref name="readOnly"/> is set and KVM lacks KVM_CAP_READONLY_MEM.</exception>
    /// <exception cref="InvalidOperationException">All memory slots are in use.</exception>
    /// <exception cref="BackendException">mmap or KVM_SET_USER_MEMORY_REGION failed (for example, the range overlaps another block).</exception>
    public IVmMemoryBlock AllocateMemory(ulong vmPhysicalAddress, ulong size, bool readOnly = false)
    {
        if (vmPhysicalAddress % PageSize != 0)
        {
            throw new ArgumentException($"VM-physical address 0x{vmPhysicalAddress:x} is not 4 KiB aligned.", nameof(vmPhysicalAddress));
        }

        if (size == 0 || size % PageSize != 0)
        {
            throw new ArgumentException($"Size 0x{size:x} is not a non-zero multiple of 4 KiB.", nameof(size));
        }

        if (readOnly && !SupportsReadOnlyMemory)
        {
            throw new NotSupportedException("This KVM cannot map read-only memory (no KVM_CAP_READONLY_MEM).");
        }

        var memory = MappedRegionHandle.MapAnonymous(
            (nuint)size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_NORESERVE, "mmap (VM memory)");
        try
        {
            lock (_sync)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                int slot = TakeSlot();
                var region = new KvmUserspaceMemoryRegion
                {
                    Slot = (uint)slot,
                    Flags = readOnly ? KvmConstants.MemReadonly : 0,
                    GuestPhysAddr = vmPhysicalAddress,
                    MemorySize = size,
                    UserspaceAddr = (ulong)memory.DangerousGetHandle(),
                };
                if (LibC.Ioctl(_fd, KvmIoctl.SetUserMemoryRegion, &region) < 0)
                {
                    var error = Errno.Exception("KVM_SET_USER_MEMORY_REGION");
                    _freeSlots.Add(slot);
                    throw error;
                }

                var block = new KvmMemoryBlock(this, slot, vmPhysicalAddress, size, memory);
                _blocks.Add(slot, block);
                return block;
            }
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>Creates vCPU <paramref name="index"/> (its KVM vCPU id), with the CPUID KVM supports.</summary>
    /// <exception cref="BackendException">KVM_CREATE_VCPU failed (for example, the index is taken).</exception>
    public KvmVcpu CreateVirtualCpu(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var fd = new KvmVcpuHandle(Errno.Check(LibC.Ioctl(_fd, KvmIoctl.CreateVcpu, index), "KVM_CREATE_VCPU"));
            KvmVcpu vcpu;
            try
            {
                vcpu = new KvmVcpu(this, index, fd, _template);
            }
            catch
            {
                fd.Dispose();
                throw;
            }

            _vcpus.Add(vcpu);
            return vcpu;
        }
    }

    IVirtualCpu IAcceleratedVm.CreateVirtualCpu(int index) => CreateVirtualCpu(index);

    /// <summary>Disposes the vCPUs (ending any run in progress), closes the VM and unmaps its memory.</summary>
    public void Dispose()
    {
        KvmVcpu[] vcpus;
        KvmMemoryBlock[] blocks;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            vcpus = [.. _vcpus];
            blocks = [.. _blocks.Values];
            _vcpus.Clear();
            _blocks.Clear();
        }

        foreach (var vcpu in vcpus)
        {
            vcpu.Dispose();
        }

        // Close the VM before unmapping its memory, so no slot ever points at unmapped host memory.
        _fd.Dispose();
        foreach (var block in blocks)
        {
            block.ReleaseMemory();
        }
    }

    /// <summary>
    /// Deletes the block's slot (memory_size 0) and forgets it. Returns whether the block should now
    /// unmap its memory: false when the VM is being disposed, which unmaps it after closing the VM.
    /// </summary>
    internal bool Remove(KvmMemoryBlock block)
    {
        lock (_sync)
        {
            if (_disposed || !_blocks.Remove(block.Slot))
            {
                return false;
            }

            var region = new KvmUserspaceMemoryRegion { Slot = (uint)block.Slot, GuestPhysAddr = block.VmPhysicalAddress };
            if (LibC.Ioctl(_fd, KvmIoctl.SetUserMemoryRegion, &region) < 0)
            {
                // The slot still points at the block: keep the memory mapped rather than let KVM see freed memory.
                var error = Errno.Exception("KVM_SET_USER_MEMORY_REGION (delete)");
                _blocks.Add(block.Slot, block);
                throw error;
            }

            _freeSlots.Add(block.Slot);
            return true;
        }
    }

    internal void Forget(KvmVcpu vcpu)
    {
        lock (_sync)
        {
            _vcpus.Remove(vcpu);
        }
    }

    private int TakeSlot()
    {
        if (_freeSlots.Count > 0)
        {
            int reused = _freeSlots.Min;
            _freeSlots.Remove(reused);
            return reused;
        }

        return _nextSlot < _slotLimit
            ? _nextSlot++
            : throw new InvalidOperationException($"All {_slotLimit} KVM memory slots of this VM are in use.");
    }
}

/// <summary>A memory slot of a <see cref="KvmVm"/> and the host mapping behind it.</summary>
[SupportedOSPlatform("linux")]
internal sealed class KvmMemoryBlock : IVmMemoryBlock
{
    private readonly KvmVm _vm;
    private readonly MappedRegionHandle _memory;

    internal KvmMemoryBlock(KvmVm vm, int slot, ulong vmPhysicalAddress, ulong size, MappedRegionHandle memory)
    {
        _vm = vm;
        _memory = memory;
        Slot = slot;
        VmPhysicalAddress = vmPhysicalAddress;
        Size = size;
        HostAddress = memory.DangerousGetHandle();
    }

    public ulong VmPhysicalAddress { get; }

    public ulong Size { get; }

    public nint HostAddress { get; }

    internal int Slot { get; }

    /// <summary>Removes the slot from the VM, then unmaps the memory.</summary>
    public void Dispose()
    {
        if (_memory.IsClosed)
        {
            return;
        }

        if (_vm.Remove(this))
        {
            ReleaseMemory();
        }
    }

    internal void ReleaseMemory() => _memory.Dispose();
}

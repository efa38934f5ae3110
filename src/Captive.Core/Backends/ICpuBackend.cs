namespace Captive.Core.Backends;

/// <summary>
/// A hardware accelerator (KVM, Windows Hypervisor Platform). It creates x86-64 virtual machines
/// in which the translated guest code runs. Everything above this contract is shared by all
/// accelerators.
/// </summary>
public interface ICpuBackend : IDisposable
{
    /// <summary>Short name of the accelerator, as the CLI spells it (<c>kvm</c>, <c>whp</c>).</summary>
    string Name { get; }

    /// <summary>Creates an empty virtual machine with no memory and no vCPUs.</summary>
    IAcceleratedVm CreateVirtualMachine();
}

/// <summary>Whether an accelerator can be used on this host, and why not.</summary>
/// <param name="IsUsable">True when the accelerator can create and run virtual machines.</param>
/// <param name="Reason">A human-readable explanation (always set; says why when not usable).</param>
public readonly record struct BackendAvailability(bool IsUsable, string Reason);

/// <summary>One virtual machine of an accelerator: its physical memory map and its vCPUs.</summary>
public interface IAcceleratedVm : IDisposable
{
    /// <summary>
    /// Allocates page-aligned host memory and maps it into the VM's physical address space at
    /// <paramref name="vmPhysicalAddress"/>. The returned block stays valid until the VM is disposed
    /// or the block is disposed.
    /// </summary>
    /// <param name="vmPhysicalAddress">Page-aligned VM-physical base address.</param>
    /// <param name="size">Size in bytes, a multiple of 4096.</param>
    /// <param name="readOnly">Maps the block read-only for the VM; VM writes become MMIO exits.</param>
    IVmMemoryBlock AllocateMemory(ulong vmPhysicalAddress, ulong size, bool readOnly = false);

    /// <summary>Creates a virtual CPU. Each vCPU must be run by one thread at a time.</summary>
    IVirtualCpu CreateVirtualCpu(int index);
}

/// <summary>A block of host memory that is also VM-physical memory.</summary>
public interface IVmMemoryBlock : IDisposable
{
    /// <summary>VM-physical base address.</summary>
    ulong VmPhysicalAddress { get; }

    /// <summary>Size in bytes.</summary>
    ulong Size { get; }

    /// <summary>Host virtual address of the first byte.</summary>
    nint HostAddress { get; }
}

/// <summary>One virtual CPU of an accelerated VM.</summary>
public interface IVirtualCpu : IDisposable
{
    /// <summary>Index given at creation.</summary>
    int Index { get; }

    /// <summary>Reads the general-purpose registers, RIP and RFLAGS.</summary>
    X86Registers GetRegisters();

    /// <summary>Writes the general-purpose registers, RIP and RFLAGS.</summary>
    void SetRegisters(in X86Registers registers);

    /// <summary>Reads segment, descriptor-table and control registers.</summary>
    X86SpecialRegisters GetSpecialRegisters();

    /// <summary>Writes segment, descriptor-table and control registers.</summary>
    void SetSpecialRegisters(in X86SpecialRegisters registers);

    /// <summary>
    /// Runs the vCPU until it exits. The returned exit borrows the accelerator's exit buffer: its
    /// <see cref="VcpuExit.Data"/> is valid until the next call to <see cref="Run"/>. For an MMIO
    /// or port read, write the value into <see cref="VcpuExit.Data"/> before running again: the
    /// accelerator completes the guest instruction with it.
    /// </summary>
    VcpuExit Run();

    /// <summary>
    /// Makes a current or the next <see cref="Run"/> return <see cref="VcpuExitKind.Cancelled"/>
    /// soon. Safe to call from any thread, any number of times.
    /// </summary>
    void Cancel();
}

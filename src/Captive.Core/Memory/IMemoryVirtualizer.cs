using Captive.Core.Backends;
using Captive.Core.Runtime;

namespace Captive.Core.Memory;

/// <summary>
/// Owns guest physical memory: where guest RAM lives on the host and in the VM, and how guest
/// addresses become x86 addresses inside the VM (the MMU-to-page-table mapper of ARCHITECTURE §4).
/// Today the one strategy is <see cref="IdentityMemoryVirtualizer"/> (guest MMU off: guest physical =
/// x86 virtual); the host-paging and software-TLB strategies for the guest MMU come behind this
/// interface.
/// </summary>
public interface IMemoryVirtualizer : IDisposable
{
    /// <summary>Guest-physical base of RAM.</summary>
    GuestPhysicalAddress RamBase { get; }

    /// <summary>RAM size in bytes.</summary>
    ulong RamSize { get; }

    /// <summary>Host view of guest RAM.</summary>
    Span<byte> Ram { get; }

    /// <summary>Host address of the first RAM byte (for engines that address RAM directly).</summary>
    nint RamHostAddress { get; }

    /// <summary>True when [<paramref name="address"/>, +<paramref name="size"/>) lies in RAM.</summary>
    bool IsRam(ulong address, ulong size) => address >= RamBase.Value && size <= RamSize && address - RamBase.Value <= RamSize - size;
}

/// <summary>Guest RAM in plain host memory, for engines without a VM (the interpreter).</summary>
public sealed unsafe class HostMemoryVirtualizer : IMemoryVirtualizer
{
    private byte* _ram;

    /// <summary>Allocates zeroed RAM.</summary>
    public HostMemoryVirtualizer(GuestPhysicalAddress ramBase, ulong ramSize)
    {
        RamBase = ramBase;
        RamSize = ramSize;
        _ram = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)ramSize);
    }

    /// <inheritdoc/>
    public GuestPhysicalAddress RamBase { get; }

    /// <inheritdoc/>
    public ulong RamSize { get; }

    /// <inheritdoc/>
    public Span<byte> Ram => new(_ram != null ? _ram : throw new ObjectDisposedException(nameof(HostMemoryVirtualizer)), checked((int)RamSize));

    /// <inheritdoc/>
    public nint RamHostAddress => (nint)_ram;

    /// <inheritdoc/>
    public void Dispose()
    {
        System.Runtime.InteropServices.NativeMemory.Free(_ram);
        _ram = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees RAM if not disposed.</summary>
    ~HostMemoryVirtualizer() => System.Runtime.InteropServices.NativeMemory.Free(_ram);
}

/// <summary>
/// Guest MMU off: RAM is a VM memory slot at its guest-physical address, and the x86 page tables map
/// the guest-physical window identically (RAM backed; the MMIO window below RAM present but unbacked,
/// so device accesses become MMIO exits carrying the guest address). Guest memory is never executable
/// for the VM. See <see cref="VmLayout"/>.
/// </summary>
public sealed class IdentityMemoryVirtualizer : IMemoryVirtualizer
{
    private readonly IVmMemoryBlock _block;

    /// <summary>Allocates RAM in <paramref name="vm"/> and maps the guest window into <paramref name="tables"/>.</summary>
    public IdentityMemoryVirtualizer(IAcceleratedVm vm, X86PageTables tables, GuestPhysicalAddress ramBase, ulong ramSize)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(tables);
        if (ramBase.Value + ramSize > VmLayout.RuntimeVmPhysicalBase || ramBase.Value + ramSize < ramBase.Value)
            throw new ArgumentException($"Guest RAM must end below 0x{VmLayout.RuntimeVmPhysicalBase:x}.", nameof(ramSize));
        RamBase = ramBase;
        RamSize = ramSize;
        _block = vm.AllocateMemory(ramBase.Value, ramSize);
        const PageFlags data = PageFlags.User | PageFlags.Writable | PageFlags.NoExecute;
        if (ramBase.Value > 0) tables.Map(0, 0, ramBase.Value, data);
        tables.Map(ramBase.Value, ramBase.Value, ramSize, data);
    }

    /// <inheritdoc/>
    public GuestPhysicalAddress RamBase { get; }

    /// <inheritdoc/>
    public ulong RamSize { get; }

    /// <inheritdoc/>
    public unsafe Span<byte> Ram => new((void*)_block.HostAddress, checked((int)RamSize));

    /// <inheritdoc/>
    public nint RamHostAddress => _block.HostAddress;

    /// <inheritdoc/>
    public void Dispose() => _block.Dispose();
}

namespace Captive.Core.Backends;

/// <summary>Why <see cref="IVirtualCpu.Run"/> returned.</summary>
public enum VcpuExitKind
{
    /// <summary>An <c>in</c> instruction: fill <see cref="VcpuExit.Data"/>.</summary>
    IoIn,

    /// <summary>An <c>out</c> instruction: the written bytes are in <see cref="VcpuExit.Data"/>.</summary>
    IoOut,

    /// <summary>A read of VM-physical memory that is not backed: fill <see cref="VcpuExit.Data"/>.</summary>
    MmioRead,

    /// <summary>A write to VM-physical memory that is not backed; the bytes are in <see cref="VcpuExit.Data"/>.</summary>
    MmioWrite,

    /// <summary>The vCPU executed HLT.</summary>
    Halt,

    /// <summary>The VM shut down (triple fault or equivalent).</summary>
    Shutdown,

    /// <summary>The accelerator could not enter the guest (invalid state).</summary>
    FailEntry,

    /// <summary>The accelerator failed internally (for example, it could not emulate an instruction).</summary>
    InternalError,

    /// <summary><see cref="IVirtualCpu.Cancel"/> interrupted the run.</summary>
    Cancelled,

    /// <summary>An exit this contract does not model; see <see cref="VcpuExit.HardwareReason"/>.</summary>
    Unknown,
}

/// <summary>
/// A typed exit from <see cref="IVirtualCpu.Run"/>. It borrows the accelerator's buffer, so it
/// cannot outlive the next run; <see cref="Data"/> is a view, not a copy.
/// </summary>
public readonly ref struct VcpuExit
{
    /// <summary>Creates an exit.</summary>
    public VcpuExit(VcpuExitKind kind, ulong address, Span<byte> data, ulong hardwareReason = 0, uint suberror = 0)
    {
        Kind = kind;
        Address = address;
        Data = data;
        HardwareReason = hardwareReason;
        Suberror = suberror;
    }

    /// <summary>Why the vCPU exited.</summary>
    public VcpuExitKind Kind { get; }

    /// <summary>The port (I/O exits) or VM-physical address (MMIO exits); otherwise 0.</summary>
    public ulong Address { get; }

    /// <summary>The bytes transferred by an I/O or MMIO exit; empty otherwise.</summary>
    public Span<byte> Data { get; }

    /// <summary>The accelerator's own exit code (for example <c>KVM_EXIT_*</c>), for diagnostics.</summary>
    public ulong HardwareReason { get; }

    /// <summary>The accelerator's sub-code for entry failures and internal errors.</summary>
    public uint Suberror { get; }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        VcpuExitKind.IoIn or VcpuExitKind.IoOut => $"{Kind} port 0x{Address:x} size {Data.Length}",
        VcpuExitKind.MmioRead or VcpuExitKind.MmioWrite => $"{Kind} 0x{Address:x} size {Data.Length}",
        VcpuExitKind.FailEntry or VcpuExitKind.InternalError => $"{Kind} reason 0x{HardwareReason:x} suberror {Suberror}",
        _ => Kind.ToString(),
    };
}

using Captive.Core.Backends;

namespace Captive.Backends.WindowsHypervisorPlatform;

/// <summary>
/// The Windows Hypervisor Platform accelerator. Not implemented yet (issue 7): <see cref="Probe"/>
/// always reports it unusable, and the constructor throws.
/// </summary>
public sealed class WhpBackend : ICpuBackend
{
    /// <summary>Always throws: the backend is not implemented yet.</summary>
    /// <exception cref="PlatformNotSupportedException">Always, with the reason <see cref="Probe"/> gives.</exception>
    public WhpBackend() => throw new PlatformNotSupportedException(Probe().Reason);

    /// <inheritdoc/>
    public string Name => "whp";

    /// <summary>Says why this backend cannot be used. Never throws.</summary>
    public static BackendAvailability Probe() => new(false, OperatingSystem.IsWindows()
        ? "not implemented yet: the Windows Hypervisor Platform backend is tracked as issue 7"
        : "the Windows Hypervisor Platform backend is Windows only");

    /// <summary>Always throws: no instance can exist.</summary>
    /// <exception cref="PlatformNotSupportedException">Always.</exception>
    public IAcceleratedVm CreateVirtualMachine() => throw new PlatformNotSupportedException(Probe().Reason);

    /// <summary>Does nothing: the backend holds no resources.</summary>
    public void Dispose()
    {
    }
}

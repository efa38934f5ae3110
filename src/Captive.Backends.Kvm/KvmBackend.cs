using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Captive.Backends.Kvm.Interop;
using Captive.Core.Backends;

namespace Captive.Backends.Kvm;

/// <summary>
/// The Linux KVM accelerator: an open <c>/dev/kvm</c>. It creates <see cref="KvmVm"/>s, which stay
/// usable after the backend is disposed (each VM holds its own descriptor).
/// </summary>
public sealed unsafe class KvmBackend : ICpuBackend
{
    /// <summary>The KVM device node.</summary>
    public const string DevicePath = "/dev/kvm";

    private readonly KvmSystemHandle _system;
    private readonly KvmVmTemplate _template;

    /// <summary>Opens <c>/dev/kvm</c> and checks that it offers everything this backend needs.</summary>
    /// <exception cref="PlatformNotSupportedException">The host is not x86-64 Linux.</exception>
    /// <exception cref="BackendException">KVM is missing, not accessible, or lacks a required capability.</exception>
    [SupportedOSPlatform("linux")]
    public KvmBackend()
    {
        if (HostProblem() is { } problem)
        {
            throw new PlatformNotSupportedException(problem);
        }

        KvmApiLayout.Verify();
        _system = OpenSystem();
        try
        {
            int version = Errno.Check(LibC.Ioctl(_system, KvmIoctl.GetApiVersion, 0), "KVM_GET_API_VERSION");
            if (version != KvmConstants.ApiVersion)
            {
                throw new BackendException("KVM_GET_API_VERSION", 0,
                    $"KVM API version {version}; this backend needs {KvmConstants.ApiVersion}");
            }

            RequireCapability(_system, KvmConstants.CapUserMemory, "KVM_CAP_USER_MEMORY");
            RequireCapability(_system, KvmConstants.CapImmediateExit, "KVM_CAP_IMMEDIATE_EXIT");
            int runSize = Errno.Check(LibC.Ioctl(_system, KvmIoctl.GetVcpuMmapSize, 0), "KVM_GET_VCPU_MMAP_SIZE");
            _template = new KvmVmTemplate((nuint)runSize, GetSupportedCpuid(_system));
        }
        catch
        {
            _system.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public string Name => "kvm";

    /// <summary>
    /// Says whether KVM can be used here, and why not: no <c>/dev/kvm</c>, permission denied, wrong
    /// API version, a missing capability, or VM creation failing. Never throws.
    /// </summary>
    public static BackendAvailability Probe()
    {
        try
        {
            if (!OperatingSystem.IsLinux())
            {
                return new BackendAvailability(false, "KVM is Linux only");
            }

            return HostProblem() is { } problem ? new BackendAvailability(false, problem) : ProbeLinux();
        }
        catch (Exception e)
        {
            return new BackendAvailability(false, $"KVM probe failed: {e.Message}");
        }
    }

    /// <summary>Creates an empty VM: no memory, no vCPUs.</summary>
    /// <exception cref="BackendException">KVM_CREATE_VM failed.</exception>
    [SupportedOSPlatform("linux")]
    public KvmVm CreateVirtualMachine()
    {
        ObjectDisposedException.ThrowIf(_system.IsClosed, this);
        var vm = new KvmVmHandle(Errno.Check(LibC.Ioctl(_system, KvmIoctl.CreateVm, 0), "KVM_CREATE_VM"));
        try
        {
            return new KvmVm(vm, _template);
        }
        catch
        {
            vm.Dispose();
            throw;
        }
    }

    [SupportedOSPlatform("linux")]
    IAcceleratedVm ICpuBackend.CreateVirtualMachine() => CreateVirtualMachine();

    /// <summary>Closes <c>/dev/kvm</c>. VMs already created keep working.</summary>
    [SupportedOSPlatform("linux")]
    public void Dispose() => _system.Dispose();

    private static string? HostProblem()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "KVM is Linux only";
        }

        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return $"the KVM backend runs x86-64 VMs and needs an x86-64 host process (this one is {RuntimeInformation.ProcessArchitecture})";
        }

        return null;
    }

    [SupportedOSPlatform("linux")]
    private static BackendAvailability ProbeLinux()
    {
        int fd = LibC.Open(DevicePath, LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Errno.Last;
            return new BackendAvailability(false, errno switch
            {
                LibC.ENOENT => $"{DevicePath} does not exist (KVM is not enabled in this kernel or VM)",
                LibC.EACCES => $"permission denied opening {DevicePath} (add the user to the 'kvm' group)",
                _ => $"cannot open {DevicePath}: {Marshal.GetPInvokeErrorMessage(errno)}",
            });
        }

        using var system = new KvmSystemHandle(fd);
        int version = LibC.Ioctl(system, KvmIoctl.GetApiVersion, 0);
        if (version != KvmConstants.ApiVersion)
        {
            return new BackendAvailability(false, version < 0
                ? $"KVM_GET_API_VERSION failed: {Marshal.GetPInvokeErrorMessage(Errno.Last)}"
                : $"KVM API version {version}; this backend needs {KvmConstants.ApiVersion}");
        }

        if (LibC.Ioctl(system, KvmIoctl.CheckExtension, KvmConstants.CapImmediateExit) <= 0)
        {
            return new BackendAvailability(false, "KVM lacks KVM_CAP_IMMEDIATE_EXIT, which cancellation needs");
        }

        int vm = LibC.Ioctl(system, KvmIoctl.CreateVm, 0);
        if (vm < 0)
        {
            return new BackendAvailability(false, $"KVM_CREATE_VM failed: {Marshal.GetPInvokeErrorMessage(Errno.Last)}");
        }

        LibC.Close(vm);
        return new BackendAvailability(true, $"{DevicePath} is usable (KVM API {version}, VM creation works)");
    }

    [SupportedOSPlatform("linux")]
    private static KvmSystemHandle OpenSystem()
    {
        int fd = LibC.Open(DevicePath, LibC.O_RDWR | LibC.O_CLOEXEC);
        return fd < 0 ? throw Errno.Exception($"open {DevicePath}") : new KvmSystemHandle(fd);
    }

    [SupportedOSPlatform("linux")]
    private static void RequireCapability(KvmSystemHandle system, int capability, string name)
    {
        if (LibC.Ioctl(system, KvmIoctl.CheckExtension, capability) <= 0)
        {
            throw new BackendException("KVM_CHECK_EXTENSION", 0, $"KVM lacks {name}, which this backend needs");
        }
    }

    /// <summary>KVM_GET_SUPPORTED_CPUID, growing the buffer while KVM answers E2BIG.</summary>
    [SupportedOSPlatform("linux")]
    private static KvmCpuidEntry2[] GetSupportedCpuid(KvmSystemHandle system)
    {
        for (int capacity = 64; ; capacity *= 2)
        {
            int bytes = sizeof(KvmCpuid2Header) + capacity * sizeof(KvmCpuidEntry2);
            byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)bytes);
            try
            {
                var header = (KvmCpuid2Header*)buffer;
                header->Nent = (uint)capacity;
                if (LibC.Ioctl(system, KvmIoctl.GetSupportedCpuid, buffer) < 0)
                {
                    int errno = Errno.Last;
                    if (errno == LibC.E2BIG && capacity < 4096)
                    {
                        continue;
                    }

                    throw Errno.Exception("KVM_GET_SUPPORTED_CPUID", errno);
                }

                return new ReadOnlySpan<KvmCpuidEntry2>(buffer + sizeof(KvmCpuid2Header), (int)header->Nent).ToArray();
            }
            finally
            {
                NativeMemory.Free(buffer);
            }
        }
    }
}

/// <summary>What every VM of one backend shares: the kvm_run size and the vCPU CPUID.</summary>
/// <param name="RunSize">KVM_GET_VCPU_MMAP_SIZE.</param>
/// <param name="Cpuid">KVM_GET_SUPPORTED_CPUID, handed to KVM_SET_CPUID2 for each vCPU.</param>
internal sealed record KvmVmTemplate(nuint RunSize, KvmCpuidEntry2[] Cpuid);

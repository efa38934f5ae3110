using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Captive.Backends.Kvm.Interop;

/// <summary>An owned Linux file descriptor, closed once when released.</summary>
[SupportedOSPlatform("linux")]
internal abstract class FileDescriptorHandle : SafeHandle
{
    protected FileDescriptorHandle(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}

/// <summary>The <c>/dev/kvm</c> system descriptor: system ioctls.</summary>
[SupportedOSPlatform("linux")]
internal sealed class KvmSystemHandle(int fd) : FileDescriptorHandle(fd);

/// <summary>A VM descriptor from <c>KVM_CREATE_VM</c>: VM ioctls.</summary>
[SupportedOSPlatform("linux")]
internal sealed class KvmVmHandle(int fd) : FileDescriptorHandle(fd);

/// <summary>A vCPU descriptor from <c>KVM_CREATE_VCPU</c>: vCPU ioctls and the <c>kvm_run</c> mapping.</summary>
[SupportedOSPlatform("linux")]
internal sealed class KvmVcpuHandle(int fd) : FileDescriptorHandle(fd);

/// <summary>An owned <c>mmap</c> region, unmapped once when released.</summary>
[SupportedOSPlatform("linux")]
internal sealed class MappedRegionHandle : SafeHandle
{
    internal MappedRegionHandle(nint address, nuint length)
        : base(invalidHandleValue: LibC.MAP_FAILED, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    public override bool IsInvalid => handle == LibC.MAP_FAILED || handle == 0;

    internal nuint Length { get; }

    /// <summary>Maps <paramref name="length"/> bytes of anonymous memory, or throws for <paramref name="operation"/>.</summary>
    internal static MappedRegionHandle MapAnonymous(nuint length, int protection, int flags, string operation)
    {
        nint address = LibC.Mmap(0, length, protection, flags | LibC.MAP_ANONYMOUS, -1, 0);
        return address == LibC.MAP_FAILED ? throw Errno.Exception(operation) : new MappedRegionHandle(address, length);
    }

    protected override bool ReleaseHandle() => LibC.Munmap(handle, Length) == 0;
}

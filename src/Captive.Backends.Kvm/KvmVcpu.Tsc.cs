using System.Runtime.Versioning;
using Captive.Backends.Kvm.Interop;

namespace Captive.Backends.Kvm;

// Reading the VM's TSC on the host. On this kind of host (PVM) the guest TSC is the host TSC with no offset
// (KVM-NOTES §5), and on hardware KVM the offset is 0 unless someone set one: a host rdtsc reads what the VM reads.
// .NET has no rdtsc intrinsic, so the host reads it through a ten-byte stub in an executable page, made once per
// process and immutable after that (like the signal handler in KickSignal).
[SupportedOSPlatform("linux")]
public sealed unsafe partial class KvmVcpu : Captive.Core.Execution.ITimestampCounterReader
{
    private static readonly Lazy<nint> RdtscStub = new(CreateRdtscStub, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The TSC now, as the VM's rdtsc would read it.</summary>
    public ulong ReadTimestampCounter() => ((delegate* unmanaged<ulong>)RdtscStub.Value)();

    private static nint CreateRdtscStub()
    {
        var page = MappedRegionHandle.MapAnonymous(
            (nuint)Environment.SystemPageSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE, "mmap (rdtsc stub)");
        nint address = page.DangerousGetHandle();
        ReadOnlySpan<byte> code = [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3]; // rdtsc; shl rdx, 32; or rax, rdx; ret
        code.CopyTo(new Span<byte>((void*)address, code.Length));
        if (LibC.Mprotect(address, (nuint)Environment.SystemPageSize, LibC.PROT_READ | LibC.PROT_EXEC) != 0)
            throw Errno.Exception("mprotect (rdtsc stub)");
        page.SetHandleAsInvalid(); // leaked on purpose: the stub lives as long as the process
        return address;
    }
}

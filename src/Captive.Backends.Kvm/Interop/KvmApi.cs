using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Captive.Backends.Kvm.Interop;

// The KVM user-space API: ioctl numbers, capabilities, exit reasons and structures, from
// include/uapi/linux/kvm.h and arch/x86/include/uapi/asm/kvm.h. The request numbers are the
// _IO/_IOR/_IOW/_IOWR encodings for KVMIO = 0xAE with the x86-64 structure sizes; KvmApiLayout
// below checks those sizes and the kvm_run offsets when the backend starts.

/// <summary>ioctl request numbers (x86-64).</summary>
internal static class KvmIoctl
{
    // System ioctls on /dev/kvm.
    internal const nuint GetApiVersion = 0xAE00;
    internal const nuint CreateVm = 0xAE01;
    internal const nuint CheckExtension = 0xAE03;
    internal const nuint GetVcpuMmapSize = 0xAE04;
    internal const nuint GetSupportedCpuid = 0xC008AE05; // _IOWR(KVMIO, 0x05, struct kvm_cpuid2)

    // VM ioctls.
    internal const nuint CreateVcpu = 0xAE41;
    internal const nuint SetUserMemoryRegion = 0x4020AE46; // _IOW(KVMIO, 0x46, struct kvm_userspace_memory_region)

    // vCPU ioctls.
    internal const nuint Run = 0xAE80;
    internal const nuint GetRegs = 0x8090AE81; // _IOR(KVMIO, 0x81, struct kvm_regs)
    internal const nuint SetRegs = 0x4090AE82; // _IOW(KVMIO, 0x82, struct kvm_regs)
    internal const nuint GetTscKhz = 0xAEA3;   // _IO(KVMIO, 0xa3): returns kHz
    internal const nuint GetSregs = 0x8138AE83; // _IOR(KVMIO, 0x83, struct kvm_sregs)
    internal const nuint SetSregs = 0x4138AE84; // _IOW(KVMIO, 0x84, struct kvm_sregs)
    internal const nuint SetCpuid2 = 0x4008AE90; // _IOW(KVMIO, 0x90, struct kvm_cpuid2)
}

/// <summary>Constants of the API.</summary>
internal static class KvmConstants
{
    internal const int ApiVersion = 12;

    internal const int CapUserMemory = 3;
    internal const int CapNrMemslots = 10;
    internal const int CapReadonlyMem = 81;
    internal const int CapImmediateExit = 136;

    internal const uint MemReadonly = 1u << 1;

    internal const byte IoDirectionIn = 0;
    internal const byte IoDirectionOut = 1;
}

/// <summary><c>KVM_EXIT_*</c>: <c>kvm_run.exit_reason</c>.</summary>
internal static class KvmExitReason
{
    internal const uint Unknown = 0;
    internal const uint Io = 2;
    internal const uint Hlt = 5;
    internal const uint Mmio = 6;
    internal const uint Shutdown = 8;
    internal const uint FailEntry = 9;
    internal const uint Intr = 10;
    internal const uint InternalError = 17;
}

/// <summary><c>struct kvm_regs</c> (144 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRegs
{
    internal ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    internal ulong R8, R9, R10, R11, R12, R13, R14, R15;
    internal ulong Rip, Rflags;
}

/// <summary><c>struct kvm_segment</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmSegment
{
    internal ulong Base;
    internal uint Limit;
    internal ushort Selector;
    internal byte Type;
    internal byte Present, Dpl, Db, S, L, G, Avl;
    internal byte Unusable;
    internal byte Padding;
}

/// <summary><c>struct kvm_dtable</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmDtable
{
    internal ulong Base;
    internal ushort Limit;
    internal ushort Padding0, Padding1, Padding2;
}

/// <summary><c>struct kvm_sregs</c> (312 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmSregs
{
    internal KvmSegment Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
    internal KvmDtable Gdt, Idt;
    internal ulong Cr0, Cr2, Cr3, Cr4, Cr8, Efer, ApicBase;
    internal InterruptBits InterruptBitmap;

    /// <summary><c>interrupt_bitmap[(KVM_NR_INTERRUPTS + 63) / 64]</c>: pending external interrupts.</summary>
    [InlineArray(4)]
    internal struct InterruptBits
    {
        private ulong _element;
    }
}

/// <summary><c>struct kvm_userspace_memory_region</c> (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmUserspaceMemoryRegion
{
    internal uint Slot;
    internal uint Flags;
    internal ulong GuestPhysAddr;
    internal ulong MemorySize;
    internal ulong UserspaceAddr;
}

/// <summary><c>struct kvm_cpuid_entry2</c> (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmCpuidEntry2
{
    internal uint Function;
    internal uint Index;
    internal uint Flags;
    internal uint Eax, Ebx, Ecx, Edx;
    internal uint Padding0, Padding1, Padding2;
}

/// <summary>The header of <c>struct kvm_cpuid2</c> (8 bytes); <c>nent</c> entries follow it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmCpuid2Header
{
    internal uint Nent;
    internal uint Padding;
}

/// <summary>
/// The start of <c>struct kvm_run</c>, the page KVM shares with user space through an mmap of the
/// vCPU descriptor, up to the exit-information union. Only the members the backend reads are declared.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
internal struct KvmRun
{
    /// <summary>Polled once when KVM_RUN starts: when non-zero, KVM_RUN returns EINTR at once.</summary>
    [FieldOffset(1)] internal byte ImmediateExit;

    [FieldOffset(8)] internal uint ExitReason;

    /// <summary>Offset of the exit-information union.</summary>
    internal const int ExitInfoOffset = 32;

    // KVM_EXIT_UNKNOWN: hw.hardware_exit_reason.
    [FieldOffset(ExitInfoOffset)] internal ulong HardwareExitReason;

    // KVM_EXIT_FAIL_ENTRY: fail_entry.hardware_entry_failure_reason.
    [FieldOffset(ExitInfoOffset)] internal ulong HardwareEntryFailureReason;

    // KVM_EXIT_IO.
    [FieldOffset(ExitInfoOffset)] internal byte IoDirection;
    [FieldOffset(ExitInfoOffset + 1)] internal byte IoSize;
    [FieldOffset(ExitInfoOffset + 2)] internal ushort IoPort;
    [FieldOffset(ExitInfoOffset + 4)] internal uint IoCount;
    /// <summary>Offset of the transferred bytes from the start of kvm_run.</summary>
    [FieldOffset(ExitInfoOffset + 8)] internal ulong IoDataOffset;

    // KVM_EXIT_MMIO.
    [FieldOffset(ExitInfoOffset)] internal ulong MmioPhysAddr;
    internal const int MmioDataOffset = ExitInfoOffset + 8; // __u8 data[8]
    [FieldOffset(ExitInfoOffset + 16)] internal uint MmioLen;
    [FieldOffset(ExitInfoOffset + 20)] internal byte MmioIsWrite;

    // KVM_EXIT_INTERNAL_ERROR.
    [FieldOffset(ExitInfoOffset)] internal uint InternalSuberror;
}

/// <summary>Checks the declared layouts against the UAPI sizes, so a wrong field fails loudly, once.</summary>
[SupportedOSPlatform("linux")]
internal static class KvmApiLayout
{
    internal static unsafe void Verify()
    {
        Check(sizeof(KvmRegs) == 144, "kvm_regs");
        Check(sizeof(KvmSegment) == 24, "kvm_segment");
        Check(sizeof(KvmDtable) == 16, "kvm_dtable");
        Check(sizeof(KvmSregs) == 312, "kvm_sregs");
        Check(sizeof(KvmUserspaceMemoryRegion) == 32, "kvm_userspace_memory_region");
        Check(sizeof(KvmCpuidEntry2) == 40, "kvm_cpuid_entry2");
        Check(sizeof(KvmCpuid2Header) == 8, "kvm_cpuid2");
        Check(sizeof(LibC.SigAction) == 152, "sigaction");
        Check(Marshal.OffsetOf<KvmRun>(nameof(KvmRun.ExitReason)) == 8, "kvm_run.exit_reason");
        Check(Marshal.OffsetOf<KvmRun>(nameof(KvmRun.MmioLen)) == 48, "kvm_run.mmio.len");
        Check(Marshal.OffsetOf<KvmRun>(nameof(KvmRun.MmioIsWrite)) == 52, "kvm_run.mmio.is_write");
    }

    private static void Check(bool condition, string name)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"The managed declaration of {name} does not match the KVM UAPI layout.");
        }
    }
}

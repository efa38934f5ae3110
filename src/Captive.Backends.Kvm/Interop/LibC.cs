using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Captive.Backends.Kvm.Interop;

/// <summary>The libc functions the KVM backend calls. Every import sets errno for <see cref="Errno"/>.</summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    internal const int O_RDWR = 0x2;
    internal const int O_CLOEXEC = 0x80000;

    internal const int PROT_READ = 0x1;
    internal const int PROT_WRITE = 0x2;
    internal const int PROT_EXEC = 0x4;
    internal const int MAP_SHARED = 0x01;
    internal const int MAP_PRIVATE = 0x02;
    internal const int MAP_ANONYMOUS = 0x20;
    internal const int MAP_NORESERVE = 0x4000;
    internal static readonly nint MAP_FAILED = -1;

    internal const int EINTR = 4;
    internal const int ENOENT = 2;
    internal const int EACCES = 13;
    internal const int E2BIG = 7;

    internal const int SIG_UNBLOCK = 1;
    internal const int SA_RESTART = 0x10000000;

    // x86-64 system call numbers: called through syscall(2) because the glibc wrappers for gettid and
    // tgkill only exist from glibc 2.30, and .NET supports older distributions.
    internal const long SYS_gettid = 186;
    internal const long SYS_tgkill = 234;

    [LibraryImport(Library, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>ioctl with an integer argument (or none).</summary>
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(FileDescriptorHandle fd, nuint request, nint argument);

    /// <summary>ioctl with a pointer to an in, out or in-out structure.</summary>
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(FileDescriptorHandle fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, int protection, int flags, FileDescriptorHandle fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "mprotect", SetLastError = true)]
    internal static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, long argument1, long argument2, long argument3);

    [LibraryImport(Library, EntryPoint = "sigaction", SetLastError = true)]
    internal static partial int Sigaction(int signal, SigAction* action, SigAction* oldAction);

    /// <summary>Returns an error number (0 on success); does not set errno.</summary>
    [LibraryImport(Library, EntryPoint = "pthread_sigmask")]
    internal static partial int PthreadSigmask(int how, SigSet* set, SigSet* oldSet);

    /// <summary>SIGRTMIN as this libc defines it (glibc keeps the first real-time signals for itself).</summary>
    [LibraryImport(Library, EntryPoint = "__libc_current_sigrtmin")]
    internal static partial int CurrentSigRtMin();

    /// <summary>SIGRTMAX as this libc defines it.</summary>
    [LibraryImport(Library, EntryPoint = "__libc_current_sigrtmax")]
    internal static partial int CurrentSigRtMax();

    /// <summary>Linux <c>sigset_t</c> as libc declares it (1024 bits).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    internal struct SigSet
    {
        private ulong _first;

        internal static SigSet Of(int signal)
        {
            var set = default(SigSet);
            Span<ulong> words = MemoryMarshal.CreateSpan(ref set._first, 16);
            words[(signal - 1) / 64] |= 1UL << ((signal - 1) % 64);
            return set;
        }
    }

    /// <summary>x86-64 <c>struct sigaction</c>, identical in glibc and musl (152 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SigAction
    {
        internal nint Handler;
        internal SigSet Mask;
        internal int Flags;
        internal nint Restorer;
    }
}

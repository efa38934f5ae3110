using System.Runtime.Versioning;

namespace Captive.Backends.Kvm.Interop;

/// <summary>
/// The real-time signal that kicks a vCPU thread out of KVM_RUN (see the protocol in
/// <see cref="KvmVcpu"/>). This is the backend's only process-wide state: a signal disposition
/// belongs to the process, so it is installed once, lazily, and never removed.
/// </summary>
/// <remarks>
/// <para>The handler is a native one-instruction function (<c>ret</c>) in a page of its own. It must
/// not be managed code: a kick can land while the thread runs managed code, where a reverse
/// P/Invoke is not allowed.</para>
/// <para>The signal is chosen from SIGRTMIN+6 upwards, skipping any signal that already has a
/// handler. .NET itself uses SIGRTMIN to inject activations (GC suspension).</para>
/// <para>The handler is installed with SA_RESTART. That does not weaken the kick: KVM_RUN returns a
/// plain EINTR, which the kernel never restarts, and <c>immediate_exit</c> covers a kick that
/// arrives just before KVM_RUN. It makes a late kick harmless to the thread's next system call.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
internal static unsafe class KickSignal
{
    private const int PreferredOffsetFromRtMin = 6;

    private static readonly Lazy<int> s_signal = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    [ThreadStatic]
    private static int t_unblockedSignal;

    [ThreadStatic]
    private static int t_threadId;

    /// <summary>The signal number, installing the handler on first use.</summary>
    internal static int Number => s_signal.Value;

    /// <summary>The Linux thread id of the calling thread (cached per thread).</summary>
    internal static int CurrentThreadId
    {
        get
        {
            if (t_threadId == 0)
            {
                t_threadId = (int)LibC.Syscall(LibC.SYS_gettid);
            }

            return t_threadId;
        }
    }

    /// <summary>
    /// Makes sure the kick is deliverable to the calling thread: installs the handler and unblocks
    /// the signal in this thread's mask (once per thread).
    /// </summary>
    internal static void PrepareCurrentThread()
    {
        int signal = Number;
        if (t_unblockedSignal == signal)
        {
            return;
        }

        var set = LibC.SigSet.Of(signal);
        int error = LibC.PthreadSigmask(LibC.SIG_UNBLOCK, &set, null);
        if (error != 0)
        {
            throw Errno.Exception("pthread_sigmask", error);
        }

        t_unblockedSignal = signal;
    }

    /// <summary>Sends the kick to thread <paramref name="threadId"/> of this process.</summary>
    internal static void Send(int threadId)
    {
        // ESRCH cannot happen while the protocol holds the target inside Run; other errors leave
        // immediate_exit to end the run at its next entry, so a failed kick is not fatal.
        _ = LibC.Syscall(LibC.SYS_tgkill, Environment.ProcessId, threadId, Number);
    }

    private static int Install()
    {
        nint handler = CreateNoOpHandler();
        int first = LibC.CurrentSigRtMin() + PreferredOffsetFromRtMin;
        int last = LibC.CurrentSigRtMax();
        for (int signal = first; signal <= last; signal++)
        {
            LibC.SigAction current;
            if (LibC.Sigaction(signal, null, &current) != 0)
            {
                throw Errno.Exception("sigaction");
            }

            if (current.Handler != 0)
            {
                continue; // someone else's signal (0 is SIG_DFL)
            }

            var action = new LibC.SigAction { Handler = handler, Flags = LibC.SA_RESTART };
            if (LibC.Sigaction(signal, &action, null) != 0)
            {
                throw Errno.Exception("sigaction");
            }

            return signal;
        }

        throw new InvalidOperationException(
            $"No free real-time signal between {first} and {last} for interrupting KVM_RUN.");
    }

    private static nint CreateNoOpHandler()
    {
        // Leaked on purpose: the handler stays installed for the life of the process.
        var page = MappedRegionHandle.MapAnonymous(
            (nuint)Environment.SystemPageSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE, "mmap (signal handler)");
        nint address = page.DangerousGetHandle();
        *(byte*)address = 0xC3; // ret
        if (LibC.Mprotect(address, (nuint)Environment.SystemPageSize, LibC.PROT_READ | LibC.PROT_EXEC) != 0)
        {
            throw Errno.Exception("mprotect (signal handler)");
        }

        page.SetHandleAsInvalid();
        return address;
    }
}

using System.Runtime.Versioning;
using Captive.Backends.Kvm.Interop;
using Captive.Core.Backends;

namespace Captive.Backends.Kvm;

/// <summary>
/// One KVM virtual CPU: a vCPU descriptor and its <c>kvm_run</c> page. Run it from one thread at a
/// time; <see cref="Cancel"/> and <see cref="Dispose"/> may come from any thread.
/// </summary>
/// <remarks>
/// <para><b>Cancellation protocol.</b> One atomic word, <c>_state</c>, holds:
/// <c>Running</c> (a <see cref="Run"/> owns the vCPU), <c>CancelPending</c>, <c>Disposed</c>, and a
/// count of <see cref="Cancel"/> calls in flight ("kickers"). The running thread's Linux thread id
/// is published in <c>_runnerThreadId</c> (0 when none).</para>
/// <list type="number">
/// <item><b>Cancel</b>: if not disposed, atomically set <c>CancelPending</c> and add one kicker;
/// write <c>kvm_run.immediate_exit = 1</c>; full fence; if <c>Running</c> and a runner thread id is
/// published, <c>tgkill</c> that thread with the kick signal (<see cref="KickSignal"/>); remove the
/// kicker.</item>
/// <item><b>Run, claim</b>: atomically set <c>Running</c> and take (clear) <c>CancelPending</c>. If it
/// was pending, return <see cref="VcpuExitKind.Cancelled"/> without entering the guest. Otherwise
/// publish the thread id (an interlocked write) and enter KVM_RUN.</item>
/// <item><b>Run, EINTR</b>: KVM_RUN returns EINTR for <c>immediate_exit</c>, for the kick, and for
/// any other signal (the .NET runtime's own included). Reset <c>immediate_exit = 0</c>; full fence;
/// take <c>CancelPending</c>: if it was set, return Cancelled, else enter KVM_RUN again.</item>
/// <item><b>Run, release</b>: clear the thread id and <c>Running</c>, then wait until no kicker is in
/// flight, so no kick can reach the thread after Run has returned (or after it exited and its
/// id was reused).</item>
/// <item><b>Dispose</b>: cancel as above and set <c>Disposed</c> in the same atomic step, wait until
/// neither <c>Running</c> nor a kicker remains, then unmap <c>kvm_run</c> and close the descriptor.
/// Later Cancel calls do nothing; later Run calls throw <see cref="ObjectDisposedException"/>.</item>
/// </list>
/// <para>Why it cannot lose a cancel: the canceller writes <c>immediate_exit</c> then reads the thread
/// id; the runner writes the thread id (or resets <c>immediate_exit</c>) then reads the state, each
/// with a full fence in between. So either the canceller sees the runner and kicks it, or KVM_RUN
/// sees <c>immediate_exit = 1</c> on entry, or the runner sees <c>CancelPending</c> first. A kick that
/// lands in user space just before KVM_RUN is covered by <c>immediate_exit</c>.</para>
/// <para><b>Semantics.</b> A cancel is a pending flag that exactly one Run consumes: the Run in
/// progress if it is inside KVM_RUN, otherwise the next Run, which returns Cancelled at once. Several
/// cancels before that coalesce into one. A Run that already got a real exit from KVM returns it,
/// and the cancel stays pending for the next Run. A Cancelled Run leaves the vCPU where it was:
/// the following Run resumes the guest (and completes a pending I/O or MMIO read first). A stale
/// <c>immediate_exit</c> left by a late canceller only costs one extra KVM_RUN round trip.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed unsafe partial class KvmVcpu : IVirtualCpu, Captive.Core.Execution.ITimestampCounterInfo
{
    private const int Running = 1 << 0;
    private const int CancelPending = 1 << 1;
    private const int Disposed = 1 << 2;
    private const int KickerUnit = 1 << 8;
    private const int KickerMask = ~(KickerUnit - 1);

    private readonly KvmVm _vm;
    private readonly KvmVcpuHandle _fd;
    private readonly MappedRegionHandle _runMapping;
    private readonly KvmRun* _run;
    private int _state;
    private int _runnerThreadId;

    internal KvmVcpu(KvmVm vm, int index, KvmVcpuHandle fd, KvmVmTemplate template)
    {
        _vm = vm;
        _fd = fd;
        Index = index;
        nint run = LibC.Mmap(0, template.RunSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (run == LibC.MAP_FAILED)
        {
            throw Errno.Exception("mmap (kvm_run)");
        }

        _runMapping = new MappedRegionHandle(run, template.RunSize);
        _run = (KvmRun*)run;
        try
        {
            SetCpuid(template.Cpuid);
        }
        catch
        {
            _runMapping.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int Index { get; }

    /// <summary>The vCPU descriptor, for tests.</summary>
    internal KvmVcpuHandle Handle => _fd;

    /// <inheritdoc/>
    /// <exception cref="BackendException">KVM_GET_REGS failed.</exception>
    public X86Registers GetRegisters()
    {
        ThrowIfDisposed();
        KvmRegs r;
        Errno.Check(LibC.Ioctl(_fd, KvmIoctl.GetRegs, &r), "KVM_GET_REGS");
        return new X86Registers
        {
            Rax = r.Rax, Rbx = r.Rbx, Rcx = r.Rcx, Rdx = r.Rdx, Rsi = r.Rsi, Rdi = r.Rdi, Rsp = r.Rsp, Rbp = r.Rbp,
            R8 = r.R8, R9 = r.R9, R10 = r.R10, R11 = r.R11, R12 = r.R12, R13 = r.R13, R14 = r.R14, R15 = r.R15,
            Rip = r.Rip, Rflags = r.Rflags,
        };
    }

    /// <inheritdoc/>
    /// <exception cref="BackendException">KVM_SET_REGS failed.</exception>
    public void SetRegisters(in X86Registers registers)
    {
        ThrowIfDisposed();
        var r = new KvmRegs
        {
            Rax = registers.Rax, Rbx = registers.Rbx, Rcx = registers.Rcx, Rdx = registers.Rdx,
            Rsi = registers.Rsi, Rdi = registers.Rdi, Rsp = registers.Rsp, Rbp = registers.Rbp,
            R8 = registers.R8, R9 = registers.R9, R10 = registers.R10, R11 = registers.R11,
            R12 = registers.R12, R13 = registers.R13, R14 = registers.R14, R15 = registers.R15,
            Rip = registers.Rip, Rflags = registers.Rflags,
        };
        Errno.Check(LibC.Ioctl(_fd, KvmIoctl.SetRegs, &r), "KVM_SET_REGS");
    }

    /// <summary>The guest TSC frequency (KVM_GET_TSC_KHZ), or 0 when KVM does not say.</summary>
    public ulong TscFrequency
    {
        get
        {
            ThrowIfDisposed();
            int khz = LibC.Ioctl(_fd, KvmIoctl.GetTscKhz, 0);
            return khz > 0 ? (ulong)khz * 1000 : 0;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="BackendException">KVM_GET_SREGS failed.</exception>
    public X86SpecialRegisters GetSpecialRegisters()
    {
        ThrowIfDisposed();
        KvmSregs s;
        Errno.Check(LibC.Ioctl(_fd, KvmIoctl.GetSregs, &s), "KVM_GET_SREGS");
        return new X86SpecialRegisters
        {
            Cs = FromKvm(s.Cs), Ds = FromKvm(s.Ds), Es = FromKvm(s.Es), Fs = FromKvm(s.Fs),
            Gs = FromKvm(s.Gs), Ss = FromKvm(s.Ss), Tr = FromKvm(s.Tr), Ldt = FromKvm(s.Ldt),
            Gdt = new X86DescriptorTable { Base = s.Gdt.Base, Limit = s.Gdt.Limit },
            Idt = new X86DescriptorTable { Base = s.Idt.Base, Limit = s.Idt.Limit },
            Cr0 = s.Cr0, Cr2 = s.Cr2, Cr3 = s.Cr3, Cr4 = s.Cr4, Cr8 = s.Cr8, Efer = s.Efer, ApicBase = s.ApicBase,
        };
    }

    /// <inheritdoc/>
    /// <remarks>KVM's pending-interrupt bitmap is written as empty: this contract injects no interrupts.</remarks>
    /// <exception cref="BackendException">KVM_SET_SREGS failed (for example, a CR4 bit this host refuses).</exception>
    public void SetSpecialRegisters(in X86SpecialRegisters registers)
    {
        ThrowIfDisposed();
        var s = new KvmSregs
        {
            Cs = ToKvm(registers.Cs), Ds = ToKvm(registers.Ds), Es = ToKvm(registers.Es), Fs = ToKvm(registers.Fs),
            Gs = ToKvm(registers.Gs), Ss = ToKvm(registers.Ss), Tr = ToKvm(registers.Tr), Ldt = ToKvm(registers.Ldt),
            Gdt = new KvmDtable { Base = registers.Gdt.Base, Limit = registers.Gdt.Limit },
            Idt = new KvmDtable { Base = registers.Idt.Base, Limit = registers.Idt.Limit },
            Cr0 = registers.Cr0, Cr2 = registers.Cr2, Cr3 = registers.Cr3, Cr4 = registers.Cr4,
            Cr8 = registers.Cr8, Efer = registers.Efer, ApicBase = registers.ApicBase,
        };
        Errno.Check(LibC.Ioctl(_fd, KvmIoctl.SetSregs, &s), "KVM_SET_SREGS");
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The exit's <see cref="VcpuExit.HardwareReason"/> is always the <c>KVM_EXIT_*</c> code. For
    /// <see cref="VcpuExitKind.FailEntry"/>, <see cref="VcpuExit.Suberror"/> is the low 32 bits of
    /// <c>hardware_entry_failure_reason</c>; for <see cref="VcpuExitKind.InternalError"/> it is
    /// <c>internal.suberror</c>; for KVM_EXIT_UNKNOWN, the low 32 bits of <c>hw.hardware_exit_reason</c>. See the class remarks for how cancellation interacts with Run.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The vCPU is disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is running this vCPU.</exception>
    /// <exception cref="BackendException">KVM_RUN failed with an error other than EINTR.</exception>
    public VcpuExit Run()
    {
        KickSignal.PrepareCurrentThread();
        bool cancelled = Claim();
        try
        {
            if (cancelled)
            {
                _run->ImmediateExit = 0;
                return Cancelled();
            }

            Interlocked.Exchange(ref _runnerThreadId, KickSignal.CurrentThreadId);
            while (LibC.Ioctl(_fd, KvmIoctl.Run, 0) != 0)
            {
                int errno = Errno.Last;
                if (errno != LibC.EINTR)
                {
                    throw Errno.Exception("KVM_RUN", errno);
                }

                _run->ImmediateExit = 0;
                Interlocked.MemoryBarrier();
                if (TakeCancel())
                {
                    return Cancelled();
                }
            }

            return TranslateExit();
        }
        finally
        {
            Release();
        }
    }

    /// <inheritdoc/>
    public void Cancel() => Kick(0);

    /// <summary>
    /// Ends a run in progress (it returns <see cref="VcpuExitKind.Cancelled"/>) and waits for it to
    /// return, then unmaps <c>kvm_run</c> and closes the vCPU. Safe to call more than once, from any thread.
    /// </summary>
    public void Dispose()
    {
        if (!Kick(Disposed))
        {
            return;
        }

        var spin = default(SpinWait);
        while ((Volatile.Read(ref _state) & (Running | KickerMask)) != 0)
        {
            spin.SpinOnce();
        }

        _runMapping.Dispose();
        _fd.Dispose();
        _vm.Forget(this);
    }

    /// <summary>
    /// Sets CancelPending (and <paramref name="extraFlags"/>), then kicks a running thread. Returns
    /// false, doing nothing, when the vCPU is already disposed.
    /// </summary>
    private bool Kick(int extraFlags)
    {
        int state = Volatile.Read(ref _state);
        while (true)
        {
            if ((state & Disposed) != 0)
            {
                return false;
            }

            int seen = Interlocked.CompareExchange(ref _state, (state | CancelPending | extraFlags) + KickerUnit, state);
            if (seen == state)
            {
                break;
            }

            state = seen;
        }

        try
        {
            Volatile.Write(ref _run->ImmediateExit, 1);
            Interlocked.MemoryBarrier();
            int runner = Volatile.Read(ref _runnerThreadId);
            if ((Volatile.Read(ref _state) & Running) != 0 && runner != 0)
            {
                KickSignal.Send(runner);
            }
        }
        finally
        {
            Interlocked.Add(ref _state, -KickerUnit);
        }

        return true;
    }

    /// <summary>Sets Running and takes CancelPending; returns whether a cancel was pending.</summary>
    private bool Claim()
    {
        int state = Volatile.Read(ref _state);
        while (true)
        {
            ObjectDisposedException.ThrowIf((state & Disposed) != 0, this);
            if ((state & Running) != 0)
            {
                throw new InvalidOperationException($"vCPU {Index} is already running on another thread.");
            }

            int seen = Interlocked.CompareExchange(ref _state, (state | Running) & ~CancelPending, state);
            if (seen == state)
            {
                return (state & CancelPending) != 0;
            }

            state = seen;
        }
    }

    private bool TakeCancel()
    {
        int before = Interlocked.And(ref _state, ~CancelPending);
        return (before & CancelPending) != 0;
    }

    private void Release()
    {
        Volatile.Write(ref _runnerThreadId, 0);
        Interlocked.And(ref _state, ~Running);
        var spin = default(SpinWait);
        while ((Volatile.Read(ref _state) & KickerMask) != 0)
        {
            spin.SpinOnce();
        }
    }

    private VcpuExit TranslateExit()
    {
        uint reason = _run->ExitReason;
        switch (reason)
        {
            case KvmExitReason.Io:
            {
                var kind = _run->IoDirection == KvmConstants.IoDirectionIn ? VcpuExitKind.IoIn : VcpuExitKind.IoOut;
                var data = new Span<byte>((byte*)_run + _run->IoDataOffset, _run->IoSize * (int)_run->IoCount);
                return new VcpuExit(kind, _run->IoPort, data, reason);
            }

            case KvmExitReason.Mmio:
            {
                var kind = _run->MmioIsWrite != 0 ? VcpuExitKind.MmioWrite : VcpuExitKind.MmioRead;
                var data = new Span<byte>((byte*)_run + KvmRun.MmioDataOffset, (int)Math.Min(_run->MmioLen, 8u));
                return new VcpuExit(kind, _run->MmioPhysAddr, data, reason);
            }

            case KvmExitReason.Hlt:
                return new VcpuExit(VcpuExitKind.Halt, 0, default, reason);
            case KvmExitReason.Shutdown:
                return new VcpuExit(VcpuExitKind.Shutdown, 0, default, reason);
            case KvmExitReason.FailEntry:
                return new VcpuExit(VcpuExitKind.FailEntry, 0, default, reason, (uint)_run->HardwareEntryFailureReason);
            case KvmExitReason.InternalError:
                return new VcpuExit(VcpuExitKind.InternalError, 0, default, reason, _run->InternalSuberror);
            case KvmExitReason.Unknown:
                return new VcpuExit(VcpuExitKind.Unknown, 0, default, reason, (uint)_run->HardwareExitReason);
            default:
                return new VcpuExit(VcpuExitKind.Unknown, 0, default, reason);
        }
    }

    private static VcpuExit Cancelled() => new(VcpuExitKind.Cancelled, 0, default, KvmExitReason.Intr);

    private void SetCpuid(KvmCpuidEntry2[] entries)
    {
        int bytes = sizeof(KvmCpuid2Header) + entries.Length * sizeof(KvmCpuidEntry2);
        var array = new byte[bytes];
        fixed (byte* p = array)
        {
            ((KvmCpuid2Header*)p)->Nent = (uint)entries.Length;
            entries.CopyTo(new Span<KvmCpuidEntry2>(p + sizeof(KvmCpuid2Header), entries.Length));
            Errno.Check(LibC.Ioctl(_fd, KvmIoctl.SetCpuid2, p), "KVM_SET_CPUID2");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf((Volatile.Read(ref _state) & Disposed) != 0, this);

    private static X86Segment FromKvm(in KvmSegment s) => new()
    {
        Base = s.Base, Limit = s.Limit, Selector = s.Selector, Type = s.Type, Present = s.Present != 0,
        Dpl = s.Dpl, Db = s.Db != 0, S = s.S != 0, L = s.L != 0, Granularity = s.G != 0,
        Available = s.Avl != 0, Unusable = s.Unusable != 0,
    };

    private static KvmSegment ToKvm(in X86Segment s) => new()
    {
        Base = s.Base, Limit = s.Limit, Selector = s.Selector, Type = s.Type, Present = Flag(s.Present),
        Dpl = s.Dpl, Db = Flag(s.Db), S = Flag(s.S), L = Flag(s.L), G = Flag(s.Granularity),
        Avl = Flag(s.Available), Unusable = Flag(s.Unusable),
    };

    private static byte Flag(bool value) => value ? (byte)1 : (byte)0;
}

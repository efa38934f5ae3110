using Captive.Core.Interpreter;

namespace Captive.Core.Execution;

/// <summary>
/// A guest's data watchpoints, as the engines check them: an access that a watchpoint matches is refused like an
/// abort, precisely (the instruction's register writes do not happen), with the guest's own description of the debug
/// exception as its fault information. Checking costs a host call, so engines do it only in translation contexts that
/// <see cref="WatchesAccesses"/> says need it: the interpreter checks every access; translated code with the guest MMU
/// on keeps watched pages (<see cref="Watches"/>) out of its TLB, so that only their accesses reach the host's check
/// (and the in-VM walker leaves every miss to the host); without the MMU its blocks run on the host. The machine
/// flushes the engine's TLB (<see cref="ExecutionEngine.FlushTlb"/>) whenever the watched ranges change.
/// </summary>
public interface IGuestDebug
{
    /// <summary>True when blocks of translation context <paramref name="context"/> must have their data accesses checked.</summary>
    bool WatchesAccesses(ulong context);

    /// <summary>True when some armed watchpoint covers a byte of virtual addresses <paramref name="first"/> to <paramref name="last"/>.</summary>
    bool Watches(ulong first, ulong last);

    /// <summary>
    /// Checks an access of <paramref name="size"/> bytes at virtual address <paramref name="address"/> made in translation
    /// mode <paramref name="mode"/> (<paramref name="unprivileged"/>: with mode 0's privilege); true when a watchpoint fires,
    /// with the abort's fault information (for AArch64 the ESR value) and the address to report.
    /// </summary>
    bool TryHitWatchpoint(ulong address, int size, bool write, int mode, bool unprivileged, out ulong faultInfo, out ulong faultAddress);
}

/// <summary>Guest memory with every data access checked against the guest's watchpoints first (<see cref="IGuestDebug"/>).</summary>
internal sealed class WatchedMemoryAccess(IGuestDebug debug, ExecutionStatistics statistics) : IGuestMemoryAccess
{
    /// <summary>The access path the checked accesses go on to.</summary>
    public IGuestMemoryAccess Inner { get; set; } = null!;

    /// <summary>The translation mode of the code making the accesses.</summary>
    public int Mode { get; set; }

    /// <summary>This access path over <paramref name="inner"/> in <paramref name="mode"/>.</summary>
    public WatchedMemoryAccess For(IGuestMemoryAccess inner, int mode)
    {
        Inner = inner;
        Mode = mode;
        return this;
    }

    private void Check(ulong address, int size, bool write, bool unprivileged)
    {
        if (!debug.TryHitWatchpoint(address, size, write, Mode, unprivileged, out ulong info, out ulong at)) return;
        // A translation or permission fault comes first (QEMU checks watchpoints once the access has a TLB entry): the
        // access goes on and takes it.
        if (Inner is VirtualMemoryAccess v && !v.TryTranslate(address, write ? Memory.GuestAccessKind.Write : Memory.GuestAccessKind.Read, out _, out _))
            return;
        statistics.CountFault("watchpoint");
        throw new GuestAbortException(at, info);
    }

    public ulong Read(ulong address, int size) { Check(address, size, false, false); return Inner.Read(address, size); }

    public void Write(ulong address, int size, ulong value) { Check(address, size, true, false); Inner.Write(address, size, value); }

    public ulong ReadCounter() => Inner.ReadCounter();

    public ulong ReadUnprivileged(ulong address, int size) { Check(address, size, false, true); return Inner.ReadUnprivileged(address, size); }

    public void WriteUnprivileged(ulong address, int size, ulong value) { Check(address, size, true, true); Inner.WriteUnprivileged(address, size, value); }
}

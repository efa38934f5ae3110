using System.Diagnostics;
using System.Text;

namespace Captive.Core.Execution;

/// <summary>
/// Counters of one run: every exit, channel request, translation and fault is counted here.
/// Safe to update from the vCPU thread and the host service thread at once.
/// </summary>
public sealed class ExecutionStatistics
{
    private readonly Dictionary<string, long> _exits = new();
    private readonly Dictionary<string, long> _requests = new();
    private readonly Dictionary<string, long> _faults = new();
    private long _blocksTranslated, _instructionsTranslated, _translationTicks, _codeBytes, _instructionsExecuted, _blocksExecuted;
    private long _blocksDropped, _translationsFlushed, _blocksParked, _blocksRevived;
    private readonly object _gate = new();

    /// <summary>Blocks translated to host code (or lowered to IR, for the interpreter).</summary>
    public long BlocksTranslated => Interlocked.Read(ref _blocksTranslated);

    /// <summary>Guest instructions translated.</summary>
    public long InstructionsTranslated => Interlocked.Read(ref _instructionsTranslated);

    /// <summary>Time spent translating.</summary>
    public TimeSpan TranslationTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _translationTicks));

    /// <summary>Bytes of host code generated.</summary>
    public long CodeBytes => Interlocked.Read(ref _codeBytes);

    /// <summary>Guest instructions executed, where the engine counts them (-1 when unknown).</summary>
    public long InstructionsExecuted { get => Interlocked.Read(ref _instructionsExecuted); set => Interlocked.Exchange(ref _instructionsExecuted, value); }

    /// <summary>Blocks executed, where the engine counts them (-1 when unknown).</summary>
    public long BlocksExecuted { get => Interlocked.Read(ref _blocksExecuted); set => Interlocked.Exchange(ref _blocksExecuted, value); }

    /// <summary>Executions per guest block, when the engine was asked to profile (<see cref="EngineOptions.ProfileBlocks"/>); otherwise empty.</summary>
    public IReadOnlyList<BlockProfileEntry> BlockProfile { get; internal set; } = [];

    /// <summary>Wall-clock time of the run.</summary>
    public TimeSpan WallTime { get; set; }

    /// <summary>VM exits by reason.</summary>
    public IReadOnlyDictionary<string, long> Exits { get { lock (_gate) return new Dictionary<string, long>(_exits); } }

    /// <summary>Channel requests (vCPU to host, no exit) by reason.</summary>
    public IReadOnlyDictionary<string, long> ChannelRequests { get { lock (_gate) return new Dictionary<string, long>(_requests); } }

    /// <summary>Faults (x86 exceptions in the VM, guest aborts) by reason.</summary>
    public IReadOnlyDictionary<string, long> Faults { get { lock (_gate) return new Dictionary<string, long>(_faults); } }

    /// <summary>Total VM exits.</summary>
    public long TotalExits { get { lock (_gate) return _exits.Values.Sum(); } }

    /// <summary>Total channel requests.</summary>
    public long TotalChannelRequests { get { lock (_gate) return _requests.Values.Sum(); } }

    /// <summary>
    /// Guest MMU table walks made without a channel request: the TLB entries the in-VM walker filled (translating
    /// engines), or every walk of the host's own TLB (the interpreter). Misses the host served on a translating engine's
    /// behalf are counted as channel requests.
    /// </summary>
    public long TlbWalks { get; internal set; }

    /// <summary>Code pages the host checked for a new epoch of a switched address space (see VmLayout.CodePageTableOffset).</summary>
    public long CodePageChecks { get; internal set; }

    /// <summary>Code pages translated code found current for a new epoch itself (the page still mapped the frame its translations came from).</summary>
    public long CodePageChecksInVm { get; internal set; }

    /// <summary>Guest data aborts the in-VM walker found and the compiled fault entry took, without the host.</summary>
    public long AbortsInVm { get; internal set; }

    /// <summary>Translated blocks dropped one range at a time because the guest changed their code or its mapping.</summary>
    public long BlocksDropped => Interlocked.Read(ref _blocksDropped);

    /// <summary>
    /// Translated blocks set aside, code kept, because their page's mapping went or moved (a process switch unmaps the other
    /// process's pages); counted in <see cref="BlocksDropped"/> too.
    /// </summary>
    public long BlocksParked => Interlocked.Read(ref _blocksParked);

    /// <summary>Parked blocks put back to use, without translating, because the instructions at their address were the same again.</summary>
    public long BlocksRevived => Interlocked.Read(ref _blocksRevived);

    /// <summary>Times every translation went at once: the code cache filled up, or the guest changed what all of them depend on.</summary>
    public long TranslationsFlushed => Interlocked.Read(ref _translationsFlushed);

    /// <summary>TLB maintenance by address that translated code carried out without the host (no translation depended on it).</summary>
    public long TlbMaintenanceInVm { get; internal set; }

    /// <summary>Instruction cache maintenance by address that translated code found nothing to do for (no translation covered the line).</summary>
    public long CodeMaintenanceInVm { get; internal set; }

    /// <summary>Address space switches (context switches) translated code carried out without the host.</summary>
    public long AddressSpaceSwitchesInVm { get; internal set; }

    private long _runStart, _lastEvent, _longestQuiet;

    /// <summary>
    /// The longest stretch of the run with no VM exit and no channel request: how long the guest ran
    /// in translated code without the host. For a compute-bound guest it is most of the wall time.
    /// </summary>
    public TimeSpan LongestQuietStretch => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _longestQuiet));

    internal void StartRun()
    {
        long now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _runStart, now);
        Interlocked.Exchange(ref _lastEvent, now);
    }

    /// <summary>Closes the quiet stretch that is open at the end of a run.</summary>
    internal void EndRun() => MarkEvent();

    private void MarkEvent()
    {
        long now = Stopwatch.GetTimestamp();
        long last = Interlocked.Exchange(ref _lastEvent, now);
        if (last == 0) return;
        long gap = now - last;
        long seen;
        while (gap > (seen = Interlocked.Read(ref _longestQuiet)) && Interlocked.CompareExchange(ref _longestQuiet, gap, seen) != seen) { }
    }

    internal void CountExit(string reason) { MarkEvent(); Bump(_exits, reason); }
    internal void CountRequest(string reason) { MarkEvent(); Bump(_requests, reason); }
    internal void CountFault(string reason) => Bump(_faults, reason);

    internal void CountTranslation(int blocks, int instructions, long ticks, long codeBytes)
    {
        Interlocked.Add(ref _blocksTranslated, blocks);
        Interlocked.Add(ref _instructionsTranslated, instructions);
        Interlocked.Add(ref _translationTicks, ticks);
        Interlocked.Add(ref _codeBytes, codeBytes);
    }

    internal void CountDropped(int blocks) => Interlocked.Add(ref _blocksDropped, blocks);

    internal void CountParked(int blocks) => Interlocked.Add(ref _blocksParked, blocks);

    internal void CountRevived(int blocks) => Interlocked.Add(ref _blocksRevived, blocks);

    internal void CountFlush() => Interlocked.Increment(ref _translationsFlushed);

    private void Bump(Dictionary<string, long> d, string key)
    {
        lock (_gate) d[key] = d.TryGetValue(key, out var n) ? n + 1 : 1;
    }

    /// <summary>Takes a copy of the counters, to subtract from a later one.</summary>
    public ExecutionStatistics Snapshot()
    {
        var s = new ExecutionStatistics();
        lock (_gate)
        {
            foreach (var kv in _exits) s._exits[kv.Key] = kv.Value;
            foreach (var kv in _requests) s._requests[kv.Key] = kv.Value;
            foreach (var kv in _faults) s._faults[kv.Key] = kv.Value;
        }
        s._blocksTranslated = BlocksTranslated; s._instructionsTranslated = InstructionsTranslated;
        s._translationTicks = Interlocked.Read(ref _translationTicks); s._codeBytes = CodeBytes;
        s._instructionsExecuted = InstructionsExecuted; s._blocksExecuted = BlocksExecuted; s.WallTime = WallTime;
        s._longestQuiet = Interlocked.Read(ref _longestQuiet);
        s.BlockProfile = BlockProfile;
        s.TlbWalks = TlbWalks; s.AbortsInVm = AbortsInVm; s.CodePageChecks = CodePageChecks; s.CodePageChecksInVm = CodePageChecksInVm;
        s.TlbMaintenanceInVm = TlbMaintenanceInVm; s.CodeMaintenanceInVm = CodeMaintenanceInVm;
        s.AddressSpaceSwitchesInVm = AddressSpaceSwitchesInVm;
        s._blocksDropped = BlocksDropped; s._translationsFlushed = TranslationsFlushed;
        s._blocksParked = BlocksParked; s._blocksRevived = BlocksRevived;
        return s;
    }

    /// <summary>A human-readable report, one counter a line.</summary>
    public string Format(string engineName)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"engine: {engineName}");
        sb.AppendLine($"wall time: {WallTime.TotalMilliseconds:F1} ms");
        sb.AppendLine(InstructionsExecuted >= 0
            ? $"guest instructions executed: {InstructionsExecuted}" + (WallTime > TimeSpan.Zero ? $" ({InstructionsExecuted / WallTime.TotalSeconds / 1e6:F1} MIPS)" : "")
            : "guest instructions executed: not counted (run with counting on)");
        sb.AppendLine($"blocks translated: {BlocksTranslated} ({InstructionsTranslated} guest instructions, {CodeBytes} bytes of host code) in {TranslationTime.TotalMilliseconds:F2} ms");
        if (BlocksDropped > 0 || TranslationsFlushed > 0)
            sb.AppendLine($"translations dropped: {BlocksDropped} blocks by range, all of them {TranslationsFlushed} times");
        if (CodePageChecks > 0 || CodePageChecksInVm > 0)
            sb.AppendLine($"code pages checked after address-space switches: {CodePageChecks} by the host, {CodePageChecksInVm} without it");
        if (BlocksParked > 0)
            sb.AppendLine($"translations parked: {BlocksParked} blocks (their page's mapping went), {BlocksRevived} revived without translating");
        void Section(string title, IReadOnlyDictionary<string, long> d)
        {
            sb.AppendLine($"{title}: {d.Values.Sum()}");
            foreach (var kv in d.OrderByDescending(k => k.Value)) sb.AppendLine($"  {kv.Key}: {kv.Value}");
        }
        Section("vm exits", Exits);
        Section("channel requests", ChannelRequests);
        Section("faults", Faults);
        if (TlbWalks > 0 || AbortsInVm > 0)
            sb.AppendLine($"guest MMU without the host: {TlbWalks} TLB walks, {AbortsInVm} aborts");
        if (TlbMaintenanceInVm > 0 || CodeMaintenanceInVm > 0 || AddressSpaceSwitchesInVm > 0)
            sb.AppendLine($"maintenance without the host: {TlbMaintenanceInVm} TLBI by address, {CodeMaintenanceInVm} IC IVAU, {AddressSpaceSwitchesInVm} address space switches");
        if (WallTime > TimeSpan.Zero)
            sb.AppendLine($"longest stretch without exits or channel requests: {LongestQuietStretch.TotalMilliseconds:F1} ms ({100 * LongestQuietStretch / WallTime:F0}% of wall time)");
        if (BlockProfile.Count > 0)
        {
            long total = BlockProfile.Sum(b => b.Executions * b.Instructions);
            sb.AppendLine($"hottest blocks (of {BlockProfile.Count}; share of {total} guest instructions executed):");
            foreach (var b in BlockProfile.OrderByDescending(b => b.Executions * b.Instructions).Take(20))
                sb.AppendLine($"  0x{b.GuestAddress:x}: {b.Instructions} instructions, {b.Executions} executions, {100.0 * b.Executions * b.Instructions / Math.Max(1, total):F1}%");
        }
        return sb.ToString();
    }
}

/// <summary>How often one guest block ran.</summary>
/// <param name="GuestAddress">The block's first guest instruction.</param>
/// <param name="Instructions">Guest instructions in the block.</param>
/// <param name="Executions">Times the block was entered.</param>
public readonly record struct BlockProfileEntry(ulong GuestAddress, int Instructions, long Executions);

using System.Diagnostics;
using Captive.Core.Execution;
using Captive.Core.IR;
using Captive.Core.Runtime;

namespace Captive.Core.Translation;

/// <summary>
/// Translated code in VM memory, and the host's index of it: block key (guest PC and translation mode,
/// <see cref="IrBlock.KeyOf"/>) → x86 address, the in-VM
/// direct-mapped lookup table the dispatcher reads, and direct branches waiting for their target.
/// A full cache is flushed whole (simple and correct; finer eviction is a later step). Only the
/// translator thread that holds <see cref="Gate"/> touches it, while the vCPU waits on a request.
/// </summary>
internal sealed unsafe class CodeCache
{
    private readonly byte* _host;
    private readonly ulong _virtual;
    private readonly ulong _size;
    private readonly ulong* _lookup;
    private readonly int _entries;
    private ulong _used;
    private readonly Dictionary<ulong, ulong> _blocks = new();
    private readonly PageIndex _blockPages = new();    // _blocks' keys by guest page
    private readonly PageIndex _dependedPages = new(); // _flagDependents' keys by guest page
    private readonly Dictionary<ulong, List<(ulong Site, bool Forward, ulong SourcePage)>> _pending = new();
    private readonly List<(ulong Start, ulong End, ulong GuestPc)> _ranges = new();

    private readonly ulong* _lineFilter;   // VmLayout.CodeLineFilterOffset, or null
    private readonly ulong* _blockFilter;  // VmLayout.CodeBlockFilterOffset, or null

    public CodeCache(nint host, ulong virtualAddress, ulong size, nint lookupHost, int entries, nint lineFilter = 0, nint blockFilter = 0)
    {
        _host = (byte*)host; _virtual = virtualAddress; _size = size;
        _lookup = (ulong*)lookupHost; _entries = entries;
        _lineFilter = (ulong*)lineFilter; _blockFilter = (ulong*)blockFilter;
        ClearLookup();
        ClearFilters();
    }

    /// <summary>Bytes of the code line filter (<see cref="Runtime.VmLayout.CodeLineFilterOffset"/>).</summary>
    public const int LineFilterBytes = 1 << (Runtime.VmLayout.CodeLineFilterBits - 3);

    /// <summary>Bytes of the two code block filters (<see cref="Runtime.VmLayout.CodeBlockFilterOffset"/>).</summary>
    public const int BlockFilterBytes = 2 << (Runtime.VmLayout.CodeBlockFilterBits - 3);

    /// <summary>
    /// Notes in the code line filter that a translation covers guest addresses <paramref name="first"/> to
    /// <paramref name="last"/> (inclusive): maintenance of those lines must reach the host from now on.
    /// </summary>
    public void MarkCode(ulong first, ulong last)
    {
        if (_lineFilter is null) return;
        const ulong mask = (1UL << Runtime.VmLayout.CodeLineFilterBits) - 1;
        for (ulong line = first >> 6; line <= last >> 6; line++)
        {
            ulong bit = line & mask;
            _lineFilter[bit >> 6] |= 1UL << (int)(bit & 63);
        }
    }

    /// <summary>
    /// Notes in the code block filters that instructions at virtual address <paramref name="address"/> were translated
    /// through a block mapping of <paramref name="mappingSize"/> bytes (2 MiB or 1 GiB; pages need no note).
    /// </summary>
    public void MarkCodeMapping(ulong address, ulong mappingSize)
    {
        if (_blockFilter is null || mappingSize <= 0x1000) return;
        const ulong mask = (1UL << Runtime.VmLayout.CodeBlockFilterBits) - 1;
        int filter = mappingSize >= 1UL << 30 ? 1 : 0;
        ulong bit = (address >> (filter == 1 ? 30 : 21)) & mask;
        _blockFilter[((ulong)filter << (Runtime.VmLayout.CodeBlockFilterBits - 6)) + (bit >> 6)] |= 1UL << (int)(bit & 63);
    }

    private void ClearFilters()
    {
        if (_lineFilter is not null) new Span<byte>(_lineFilter, LineFilterBytes).Clear();
        if (_blockFilter is not null) new Span<byte>(_blockFilter, BlockFilterBytes).Clear();
    }

    /// <summary>Serialises translation and patching.</summary>
    public object Gate { get; } = new();

    /// <summary>Number of cache flushes so far.</summary>
    public int Flushes { get; private set; }

    public ulong Resolve(ulong guestPc) => _blocks.TryGetValue(guestPc, out var a) ? a : 0;

    public bool Contains(ulong guestPc) => _blocks.ContainsKey(guestPc);

    /// <summary>The guest PC of the block holding x86 address <paramref name="rip"/>, if any.</summary>
    public ulong? GuestPcAt(ulong rip)
    {
        foreach (var (s, e, key) in _ranges) if (rip >= s && rip < e) return IrBlock.AddressOf(key);
        return null;
    }

    /// <summary>Free space and where it starts.</summary>
    public (ulong Rip, nint Host, int Capacity) Next() =>
        (_virtual + _used, (nint)(_host + _used), (int)Math.Min(_size - _used, int.MaxValue));

    /// <summary>Records a block just written at the start of the free space.</summary>
    public void Commit(ulong guestPc, int length, List<PendingLink> links, int checkBytes = 0, int pageCheckBytes = 0, ulong checkedPage = ulong.MaxValue)
    {
        ulong rip = Allocate(length, guestPc);
        _blocks[guestPc] = rip;
        _blockPages.Add(guestPc);
        if (checkBytes > 0 || pageCheckBytes > 0) _entryChecks[guestPc] = new EntryChecks(checkBytes, pageCheckBytes, checkedPage);
        else _entryChecks.Remove(guestPc);
        _regions.Add(IrBlock.AddressOf(guestPc) >> 21);
        Link(links);
        Arrived(guestPc, rip);
    }

    /// <summary>
    /// Records a region just written at the start of the free space: one unit of code with an entry for each of
    /// its blocks (<paramref name="entries"/>, x86 addresses, in the order of <paramref name="guestPcs"/>).
    /// </summary>
    public void CommitRegion(IReadOnlyList<ulong> guestPcs, IReadOnlyList<ulong> entries, int length, List<PendingLink> links)
    {
        Allocate(length, guestPcs[0]);
        var mates = guestPcs.ToArray();
        for (int k = 0; k < guestPcs.Count; k++)
        {
            _blocks[guestPcs[k]] = entries[k];
            _blockPages.Add(guestPcs[k]);
            _entryChecks.Remove(guestPcs[k]); // a region's entries load its registers first: never skipped into
            _regions.Add(IrBlock.AddressOf(guestPcs[k]) >> 21);
            _regionMates[guestPcs[k]] = mates;
        }
        Link(links);
        for (int k = 0; k < guestPcs.Count; k++) Arrived(guestPcs[k], entries[k]);
    }

    private ulong Allocate(int length, ulong guestPc)
    {
        ulong rip = _virtual + _used;
        _used = (_used + (ulong)length + 15) & ~15UL;
        _ranges.Add((rip, rip + (ulong)length, guestPc));
        return rip;
    }

    /// <summary>Patches the new code's direct branches whose targets exist; the others wait for them.</summary>
    private void Link(List<PendingLink> links)
    {
        foreach (var link in links)
        {
            ulong target = Resolve(link.GuestTarget);
            if (target != 0) PatchLink(link.Rel32Address, link.GuestTarget, target, link.Forward, link.SourcePage);
            else
            {
                if (!_pending.TryGetValue(link.GuestTarget, out var list)) _pending[link.GuestTarget] = list = new();
                list.Add((link.Rel32Address, link.Forward, link.SourcePage));
            }
        }
    }

    /// <summary>Points the branches that waited for <paramref name="guestPc"/> at its code, and publishes it.</summary>
    private void Arrived(ulong guestPc, ulong rip)
    {
        if (_pending.Remove(guestPc, out var waiting))
            foreach (var (site, forward, sourcePage) in waiting) PatchLink(site, guestPc, rip, forward, sourcePage);
        Publish(guestPc, rip);
    }

    // Per block compiled alone: the bytes of its interrupt check, which a forward direct branch jumps over.
    private readonly Dictionary<ulong, EntryChecks> _entryChecks = new();

    /// <summary>
    /// The checks a block compiled alone starts with: its code page check (<see cref="X86BlockCompiler.PageCheckBytes"/>;
    /// <paramref name="Page"/> the one page it lies in, or <see cref="ulong.MaxValue"/>) and then its interrupt check.
    /// </summary>
    public readonly record struct EntryChecks(int InterruptBytes, int PageBytes, ulong Page);

    /// <summary>
    /// How far into the block of <paramref name="key"/> a direct branch enters: past the code page check when the branch
    /// comes from a block of the same (checked) page, and then past the interrupt check when it goes forward.
    /// </summary>
    private ulong Skip(ulong key, bool forward, ulong sourcePage)
    {
        if (!_entryChecks.TryGetValue(key, out var checks)) return 0;
        if (checks.PageBytes == 0) return forward ? (ulong)checks.InterruptBytes : 0;
        if (sourcePage == ulong.MaxValue || sourcePage != checks.Page) return 0;
        return (ulong)(checks.PageBytes + (forward ? checks.InterruptBytes : 0));
    }

    // The direct branches into each block (their rel32 field and the link stub they pointed at before), so that dropping
    // the block can point them back at their stubs; and the blocks compiled together as one region.
    private readonly Dictionary<ulong, List<(ulong Site, ulong Stub, bool Forward, ulong SourcePage)>> _incoming = new();
    private readonly Dictionary<ulong, ulong[]> _regionMates = new();

    /// <summary>Points a direct branch at the block of <paramref name="targetKey"/> (past its interrupt check when it goes forward), remembering its stub.</summary>
    private void PatchLink(ulong rel32Address, ulong targetKey, ulong target, bool forward, ulong sourcePage)
    {
        ulong stub = (ulong)((long)rel32Address + 4 + *(int*)(_host + (rel32Address - _virtual)));
        if (!_incoming.TryGetValue(targetKey, out var list)) _incoming[targetKey] = list = new();
        list.Add((rel32Address, stub, forward, sourcePage));
        Patch(rel32Address, target + Skip(targetKey, forward, sourcePage));
    }

    /// <summary>Puts a translated block in the in-VM lookup table (it may have been evicted by a collision).</summary>
    public void Publish(ulong guestPc, ulong rip)
    {
        ulong i = (guestPc >> 2) & (ulong)(_entries - 1);
        // Host address first, then key: the vCPU is waiting, but keep the entry consistent anyway.
        _lookup[i * 2 + 1] = rip;
        Volatile.Write(ref _lookup[i * 2], guestPc);
    }

    private void Patch(ulong rel32Address, ulong target)
    {
        long rel = (long)target - (long)(rel32Address + 4);
        Debug.Assert(rel == (int)rel);
        *(int*)(_host + (rel32Address - _virtual)) = (int)rel;
    }

    public void Flush()
    {
        _used = 0;
        _blocks.Clear();
        _blockPages.Clear();
        _dependedPages.Clear();
        _pending.Clear();
        _ranges.Clear();
        _regions.Clear();
        _incoming.Clear();
        _regionMates.Clear();
        _entryChecks.Clear();
        _sources.Clear();
        _flagDependents.Clear();
        _assumptions.Clear();
        _parked.Clear();
        _parkedByPage.Clear();
        ClearLookup();
        ClearFilters();
        Flushes++;
    }

    // The 2 MiB guest regions that hold the start of some translated block: most invalidations (TLB maintenance of data
    // pages, instruction cache maintenance of fresh code) touch none, and are answered without a scan.
    private readonly HashSet<ulong> _regions = new();

    /// <summary>
    /// Forgets the blocks that start at guest addresses <paramref name="first"/> to <paramref name="last"/>, with the other
    /// blocks of their regions: out of the index and the in-VM lookup table, and every direct branch into them points at
    /// its link stub again (and waits to be linked to the new translation), so nothing reaches them any more. Their code
    /// stays in place until the next flush. Returns false when nothing was translated there; <paramref name="dropped"/> counts the blocks that went.
    /// </summary>
    public bool Drop(ulong first, ulong last, out int dropped) => RemoveRange(first, last, park: false, out dropped, out _);

    /// <summary>
    /// Takes the blocks that start at guest addresses <paramref name="first"/> to <paramref name="last"/> out of use as
    /// <see cref="Drop(ulong, ulong, out int)"/> does, parking the units it can (<see cref="ParkKeys"/>): their mapping
    /// changed, not necessarily their instructions.
    /// </summary>
    public bool Park(ulong first, ulong last, out int removed, out int parked) => RemoveRange(first, last, park: true, out removed, out parked);

    private bool RemoveRange(ulong first, ulong last, bool park, out int removed, out int parked)
    {
        removed = 0;
        parked = 0;
        ulong lo = first >> 21, hi = last >> 21;
        if (hi - lo <= 64) // a small range: look for translated regions first (a large one is scanned anyway)
        {
            bool any = false;
            for (ulong region = lo; region <= hi && !any; region++) any = _regions.Contains(region);
            if (!any) return false;
        }
        List<ulong>? keys = null;
        _blockPages.KeysIn(first, last, _blocks.Keys, ref keys);
        // Blocks other units assumed things about, translated or only looked at: their code may be what changed.
        _dependedPages.KeysIn(first, last, _flagDependents.Keys, ref keys);
        removed = keys is null ? 0 : Remove(keys, park, out parked);
        return removed > 0;
    }

    // Unit (by its first key) → the blocks it leaves for without storing the flags: what a parked unit must find still
    // true to be revived.
    private readonly Dictionary<ulong, ulong[]> _assumptions = new();

    // Block key → the units (by one of their keys) that leave for it without storing the guest flags, because it
    // overwrites them first (X86BlockCompiler.FlagAssumptions): when it goes, they go.
    private readonly Dictionary<ulong, List<ulong>> _flagDependents = new();

    /// <summary>Records that the unit of <paramref name="unitKey"/> relies on <paramref name="targets"/> overwriting the guest flags before reading them.</summary>
    public void RecordFlagAssumptions(ulong unitKey, IReadOnlyList<ulong> targets)
    {
        if (targets.Count == 0) return;
        _assumptions[unitKey] = targets.ToArray();
        foreach (var target in targets)
        {
            if (!_flagDependents.TryGetValue(target, out var list))
            {
                _flagDependents[target] = list = new();
                _dependedPages.Add(target);
            }
            list.Add(unitKey);
        }
    }

    /// <summary>Forgets the blocks of <paramref name="keys"/> with the other blocks of their regions, as <see cref="Drop(ulong, ulong, out int)"/> does; returns how many went.</summary>
    public int DropKeys(IEnumerable<ulong> keys) => Remove(keys, park: false, out _);

    /// <summary>
    /// Takes the blocks of <paramref name="keys"/> out of use as <see cref="DropKeys"/> does, with the units that rely on
    /// them, but parks each unit whose instructions are known (its code stays, for <see cref="TryRevive"/>). Returns how
    /// many blocks went; <paramref name="parked"/> counts those parked.
    /// </summary>
    public int ParkKeys(IEnumerable<ulong> keys, out int parked) => Remove(keys, park: true, out parked);

    private int Remove(IEnumerable<ulong> keys, bool park, out int parked)
    {
        parked = 0;
        HashSet<ulong> doomed = new();
        var work = new Stack<ulong>(keys);
        while (work.Count > 0)
        {
            ulong key = work.Pop();
            // The units that assumed this block overwrites the flags go with it (whether or not it was translated).
            if (_flagDependents.Remove(key, out var dependents))
            {
                _dependedPages.Remove(key);
                foreach (var d in dependents) work.Push(d);
            }
            if (!_blocks.ContainsKey(key) || doomed.Contains(key)) continue;
            if (_regionMates.TryGetValue(key, out var mates))
            {
                foreach (var m in mates)
                    if (doomed.Add(m) && m != key) work.Push(m);
            }
            else doomed.Add(key);
        }
        HashSet<ulong>? parkedNow = null;
        if (park)
            foreach (var key in doomed)
                if (parkedNow?.Contains(key) != true && Park(key) is { } unit)
                {
                    foreach (var k in unit.Keys) (parkedNow ??= new()).Add(k);
                    parked += unit.Keys.Length;
                }
        foreach (var key in doomed)
        {
            if (parkedNow?.Contains(key) != true) _assumptions.Remove(key);
            _blocks.Remove(key);
            _blockPages.Remove(key);
            _regionMates.Remove(key);
            _entryChecks.Remove(key);
            _sources.Remove(key);
            ulong i = (key >> 2) & (ulong)(_entries - 1);
            if (_lookup[i * 2] == key) { _lookup[i * 2] = ulong.MaxValue; _lookup[i * 2 + 1] = 0; }
            if (!_incoming.Remove(key, out var sites)) continue;
            if (!_pending.TryGetValue(key, out var waiting)) _pending[key] = waiting = new();
            foreach (var (site, stub, forward, sourcePage) in sites)
            {
                Patch(site, stub); // (sites inside dropped code too: harmless, that code is never entered again)
                waiting.Add((site, forward, sourcePage));
            }
        }
        return doomed.Count;
    }

    // Parked units, under each of their keys: translations taken out of use because their page's mapping went or moved
    // — a process switch unmaps the pages only the other process has touched — kept whole, code included, until the next
    // flush. A request for one of their keys revives a unit when the instructions there are those it was translated from
    // and the blocks it leaves for without storing the flags still overwrite them first: the code goes back into the
    // index, the lookup table and the links that wait for it, and nothing is translated. A key keeps a few units, newest
    // first: processes that map different code at the same address each find theirs.
    private readonly Dictionary<ulong, List<ParkedUnit>> _parked = new();

    /// <summary>The parked units one key keeps at most (the oldest goes).</summary>
    public const int ParkedPerKey = 4;

    /// <summary>A parked unit of translated code: its blocks' keys, entries and sources, and what it assumed of others.</summary>
    public sealed class ParkedUnit
    {
        public required ulong[] Keys { get; init; }
        public required ulong[] Entries { get; init; }
        public required EntryChecks[] Checks { get; init; }
        public required (ulong Hash, int Count)[] Sources { get; init; }
        public required ulong[] Assumptions { get; init; }
        public required bool Region { get; init; }
    }

    /// <summary>Parks the unit of <paramref name="key"/> (still in the index) if every block's instructions are recorded.</summary>
    private ParkedUnit? Park(ulong key)
    {
        ulong[] keys = _regionMates.TryGetValue(key, out var mates) ? mates : [key];
        var entries = new ulong[keys.Length];
        var check = new EntryChecks[keys.Length];
        var sources = new (ulong, int)[keys.Length];
        for (int k = 0; k < keys.Length; k++)
        {
            if (!_sources.TryGetValue(keys[k], out sources[k]) || sources[k].Item2 < 1 || !_blocks.TryGetValue(keys[k], out entries[k])) return null;
            check[k] = _entryChecks.GetValueOrDefault(keys[k]);
        }
        var unit = new ParkedUnit
        {
            Keys = keys, Entries = entries, Checks = check, Sources = sources, Region = mates is not null,
            Assumptions = _assumptions.Remove(keys[0], out var a) ? a : [],
        };
        foreach (var k in keys)
        {
            if (!_parked.TryGetValue(k, out var list)) _parked[k] = list = new();
            if (list.Count == ParkedPerKey) Unpark(list[0]);
            list.Add(unit);
        }
        ulong page = IrBlock.AddressOf(keys[0]) >> 12;
        if (!_parkedByPage.TryGetValue(page, out var onPage)) _parkedByPage[page] = onPage = new();
        onPage.Add(unit);
        return unit;
    }

    /// <summary>Takes <paramref name="unit"/> out of the parked units of each of its keys.</summary>
    private void Unpark(ParkedUnit unit)
    {
        foreach (var k in unit.Keys)
            if (_parked.TryGetValue(k, out var list) && list.Remove(unit) && list.Count == 0) _parked.Remove(k);
    }

    // The parked units by the guest page of their first block: a page that comes back usually brings all of them.
    private readonly Dictionary<ulong, List<ParkedUnit>> _parkedByPage = new();

    /// <summary>The first keys of the units parked in the page of <paramref name="key"/> (the candidates to revive with it); forgets the page's list.</summary>
    public List<ulong>? TakeParkedPageMates(ulong key)
    {
        if (!_parkedByPage.Remove(IrBlock.AddressOf(key) >> 12, out var units)) return null;
        List<ulong>? keys = null;
        foreach (var unit in units)
            if (_parked.TryGetValue(unit.Keys[0], out var list) && list.Contains(unit)) (keys ??= new()).Add(unit.Keys[0]);
        return keys;
    }

    /// <summary>Forgets the parked units of translation mode <paramref name="mode"/> (what their lowering depended on changed).</summary>
    public void ForgetParkedOfMode(int mode)
    {
        foreach (var key in _parked.Keys)
            if (IrBlock.ModeOf(key) == mode) _parked.Remove(key); // (a unit's keys share its mode)
        foreach (var (page, units) in _parkedByPage)
        {
            units.RemoveAll(u => IrBlock.ModeOf(u.Keys[0]) == mode);
            if (units.Count == 0) _parkedByPage.Remove(page);
        }
    }

    /// <summary>
    /// Puts back into use the newest parked unit holding <paramref name="key"/> that <paramref name="stillValid"/> accepts
    /// (its instructions and assumptions hold) and whose blocks are not translated otherwise now. Returns the number of
    /// blocks revived (0 when none was).
    /// </summary>
    public int TryRevive(ulong key, Func<ParkedUnit, bool> stillValid)
    {
        if (!_parked.TryGetValue(key, out var list)) return 0;
        for (int n = list.Count - 1; n >= 0; n--)
        {
            var unit = list[n];
            bool free = true;
            foreach (var k in unit.Keys) free &= !_blocks.ContainsKey(k);
            if (!free || !stillValid(unit)) continue;
            Unpark(unit);
            for (int i = 0; i < unit.Keys.Length; i++)
            {
                ulong k = unit.Keys[i];
                _blocks[k] = unit.Entries[i];
                _blockPages.Add(k);
                if (unit.Checks[i] != default) _entryChecks[k] = unit.Checks[i];
                if (unit.Region) _regionMates[k] = unit.Keys;
                _sources[k] = unit.Sources[i];
                _regions.Add(IrBlock.AddressOf(k) >> 21);
            }
            RecordFlagAssumptions(unit.Keys[0], unit.Assumptions);
            for (int i = 0; i < unit.Keys.Length; i++) Arrived(unit.Keys[i], unit.Entries[i]);
            return unit.Keys.Length;
        }
        return 0;
    }

    /// <summary>The keys of every translated block.</summary>
    public IEnumerable<ulong> Keys => _blocks.Keys;

    // Per translated block: a hash of its guest instruction words and their number, to tell after a whole instruction
    // cache invalidation which blocks' code really changed.
    private readonly Dictionary<ulong, (ulong Hash, int Count)> _sources = new();

    /// <summary>Records what the block of <paramref name="key"/> was translated from.</summary>
    public void RecordSource(ulong key, ulong hash, int count) => _sources[key] = (hash, count);

    /// <summary>What the block of <paramref name="key"/> was translated from, if recorded.</summary>
    public bool TryGetSource(ulong key, out (ulong Hash, int Count) source) => _sources.TryGetValue(key, out source);

    private void ClearLookup()
    {
        for (int i = 0; i < _entries; i++) { _lookup[i * 2] = ulong.MaxValue; _lookup[i * 2 + 1] = 0; }
    }
}

/// <summary>Translates guest blocks into the code cache: front end → IR → x86-64.</summary>
internal sealed unsafe class BlockTranslator
{
    /// <summary>Blocks that became interpret stubs because the code generator cannot compile them yet.</summary>
    public int InterpretedBlocks { get; private set; }

    /// <summary>Blocks translated per request at most (the requested one and its static successors).</summary>
    public const int MaxBlocksPerRequest = 32;

    private readonly IGuestFrontEnd _frontEnd;
    private readonly X86BlockCompiler _compiler;
    private readonly CodeCache _cache;
    private readonly IInstructionFetcher _physicalFetcher;
    private IInstructionFetcher _fetcher; // the request's: guest virtual addresses with the MMU on
    private readonly ExecutionStatistics _stats;
    private readonly int _maxInstructions;
    private readonly IrBlock _block = new();
    private readonly Queue<ulong> _work = new();
    private readonly Func<ulong, ulong> _resolve;
    private readonly Func<ulong, bool> _killsFlags;
    private readonly Func<CodeCache.ParkedUnit, bool> _stillValid;
    private readonly FlagKillerCache _flagKillers = new();
    private readonly IrBlock _peek = new();

    private readonly TextWriter? _log;
    private readonly bool _interpretAll;
    private readonly Func<ulong, bool>? _interpretContext;

    /// <summary>
    /// True when the blocks of the context being translated run on the host: every block (a debugging aid), or the engine
    /// says so for the context (watchpoints armed with the guest MMU off: the host's access path checks them,
    /// <see cref="IGuestDebug"/>).
    /// </summary>
    private bool InterpretAll => _interpretAll || (_interpretContext?.Invoke(_context) ?? false);
    private readonly Microsoft.Extensions.Logging.ILogger? _logger;

    /// <summary>The current code page epoch (<see cref="ControlBlock.CodeEpoch"/>), when translations carry code page checks.</summary>
    public Func<ulong>? CodeEpoch { get; set; }

    public BlockTranslator(IGuestFrontEnd frontEnd, X86BlockCompiler compiler, CodeCache cache, IInstructionFetcher fetcher,
        ExecutionStatistics stats, int maxInstructions, TextWriter? log = null, Microsoft.Extensions.Logging.ILogger? logger = null, bool interpretAll = false,
        Func<ulong, bool>? interpretContext = null)
    {
        _interpretAll = interpretAll;
        _interpretContext = interpretContext;
        _log = log;
        _logger = logger;
        _frontEnd = frontEnd; _compiler = compiler; _cache = cache; _fetcher = _physicalFetcher = fetcher; _stats = stats;
        _maxInstructions = maxInstructions;
        _resolve = cache.Resolve;
        _killsFlags = KillsFlags;
        _stillValid = StillValid;
    }

    private ulong _context; // the translation context of the request being served (IrBlock.Context)

    /// <summary>Drops the translations of the blocks that start at guest addresses <paramref name="first"/> to <paramref name="last"/>.</summary>
    public void Invalidate(ulong first, ulong last) => Remove(first, last, park: false);

    /// <summary>
    /// Takes the translations of the blocks that start at guest addresses <paramref name="first"/> to
    /// <paramref name="last"/> out of use because the range's mapping changed: parked, to be revived without translating
    /// if the same instructions come back at their addresses (<see cref="CodeCache.ParkKeys"/>).
    /// </summary>
    public void Park(ulong first, ulong last) => Remove(first, last, park: true);

    private void Remove(ulong first, ulong last, bool park)
    {
        lock (_cache.Gate)
        {
            // What the peeks learnt of the range goes whether or not a translation did: a block only peeked at (a
            // branch target not translated yet) may be different code now, and the next unit must look again.
            _flagKillers.Forget(first, last);
            int parked = 0;
            bool any = park ? _cache.Park(first, last, out int removed, out parked) : _cache.Drop(first, last, out removed);
            if (!any) return;
            _stats.CountDropped(removed);
            if (parked > 0) _stats.CountParked(parked);
        }
    }

    /// <summary>
    /// Revives the parked unit of <paramref name="key"/> if the instructions at its blocks' addresses, read through the
    /// request's fetcher, are those it was translated from, and every block it leaves for without storing the flags still
    /// overwrites them first. Returns whether it did.
    /// </summary>
    private bool TryRevive(ulong key)
    {
        int revived = _cache.TryRevive(key, _stillValid);
        if (revived == 0) return false;
        // The page is back with the same instructions at this block: the rest of its parked units most likely too.
        if (_cache.TakeParkedPageMates(key) is { } mates)
            foreach (var mate in mates) revived += _cache.TryRevive(mate, _stillValid);
        _stats.CountRevived(revived);
        return true;
    }

    private bool StillValid(CodeCache.ParkedUnit unit)
    {
        for (int i = 0; i < unit.Keys.Length; i++)
        {
            var (hash, count) = unit.Sources[i];
            if (SourceHash(_fetcher, IrBlock.AddressOf(unit.Keys[i]), count) != hash) return false;
        }
        foreach (var target in unit.Assumptions)
            if (!KillsFlags(target)) return false;
        return true;
    }

    /// <summary>Drops every translation (the guest changed the translation context).</summary>
    public void InvalidateAll()
    {
        lock (_cache.Gate)
        {
            _cache.Flush();
            _flagKillers.Clear();
            _stats.CountFlush();
        }
    }

    /// <summary>Whether the block of <paramref name="key"/> overwrites NZCV before reading it (lowered on demand, remembered).</summary>
    private bool KillsFlags(ulong key)
    {
        // An answer about the switched half holds for the code page epoch it was found in (another space may map other
        // code there; X86BlockCompiler.CodePages.cs): the epoch is part of what is remembered.
        ulong epoch = CodeEpoch is { } current && _compiler.ChecksCodePageAt(IrBlock.AddressOf(key), _context) ? current() : 0;
        if (_flagKillers.TryGetValue(key, out bool kills, out ulong seenIn) && seenIn == epoch) return kills;
        ulong pc = IrBlock.AddressOf(key);
        if (!_fetcher.TryFetch(pc, out _)) return false;
        _peek.Reset(pc, IrBlock.ModeOf(key), _context);
        _frontEnd.LowerBlock(pc, _fetcher, _peek, _maxInstructions);
        kills = X86BlockCompiler.KillsFlagsAtEntry(_peek);
        _flagKillers.Add(key, kills, epoch);
        // Translations may come to rely on this answer: maintenance of these lines must reach the host (and drop them).
        _cache.MarkCode(_peek.GuestAddress, _peek.GuestAddress + 4 * (ulong)Math.Max(_peek.GuestInstructionCount, 1) - 1);
        return kills;
    }

    /// <summary>
    /// Makes sure the block of <paramref name="key"/> (<see cref="IrBlock.KeyOf"/>) is translated and published; translates
    /// static successors too. <paramref name="fetcher"/> reads the guest's instructions (by default, the one given at
    /// construction: physical addresses).
    /// </summary>
    public void Translate(ulong key, ulong context = 0, IInstructionFetcher? fetcher = null)
    {
        lock (_cache.Gate)
        {
            _context = context;
            _fetcher = fetcher ?? _physicalFetcher;
            ulong known = _cache.Resolve(key);
            if (known != 0) { _cache.Publish(key, known); return; }
            if (TryRevive(key)) return;
            long start = Stopwatch.GetTimestamp();
            int blocks = 0, instructions = 0;
            long bytes = 0;
            _work.Clear();
            _work.Enqueue(key);
            while (_work.Count > 0 && blocks < MaxBlocksPerRequest)
            {
                ulong at = _work.Dequeue();
                if (_cache.Contains(at)) continue;
                if (!_fetcher.TryFetch(IrBlock.AddressOf(at), out _) && at != key) continue;
                if (at != key && TryRevive(at)) continue;
                if (!InterpretAll && FindRegion(at))
                {
                    bytes += EmitRegion();
                    foreach (var b in _region)
                    {
                        blocks++; instructions += b.GuestInstructionCount;
                        EnqueueSuccessors(b);
                    }
                    continue;
                }
                _block.Reset(IrBlock.AddressOf(at), IrBlock.ModeOf(at), _context);
                _frontEnd.LowerBlock(_block.GuestAddress, _fetcher, _block, _maxInstructions);
                int length = Emit(at);
                blocks++; instructions += _block.GuestInstructionCount; bytes += length;
                EnqueueSuccessors(_block);
            }
            _stats.CountTranslation(blocks, instructions, Stopwatch.GetTimestamp() - start, bytes);
            if (_logger is not null) Log.Translated(_logger, blocks, instructions, IrBlock.AddressOf(key));
        }
    }

    private void EnqueueSuccessors(IrBlock block)
    {
        ref readonly var t = ref block.Terminal;
        if (t.Kind == IrTerminalKind.Jump) _work.Enqueue(IrBlock.KeyOf(t.Target, block.Mode));
        else if (t.Kind == IrTerminalKind.Branch) { _work.Enqueue(IrBlock.KeyOf(t.FallThrough, block.Mode)); _work.Enqueue(IrBlock.KeyOf(t.Target, block.Mode)); }
    }

    // Region discovery: the blocks on cycles of direct branches through the requested block, each cycle at most
    // MaxRegionBlocks long, lowered once each into a small pool.
    private readonly List<IrBlock> _lowered = new();
    private readonly bool[] _loweredJoins = new bool[MaxLowered];
    private int _loweredCount;
    private readonly List<IrBlock> _region = new();
    private readonly List<IrBlock> _path = new();
    private readonly List<ulong> _regionPcs = new(), _regionEntries = new();

    /// <summary>The lowered block at <paramref name="pc"/> when it may join a region, else null (lowered once per discovery).</summary>
    private IrBlock? LowerForRegion(ulong pc, int mode)
    {
        for (int i = 0; i < _loweredCount; i++) if (_lowered[i].GuestAddress == pc) return _loweredJoins[i] ? _lowered[i] : null;
        if (_loweredCount == MaxLowered || !_fetcher.TryFetch(pc, out _)) return null;
        if (_loweredCount == _lowered.Count) _lowered.Add(new IrBlock());
        int k = _loweredCount++;
        var b = _lowered[k];
        b.Reset(pc, mode, _context);
        _frontEnd.LowerBlock(pc, _fetcher, b, _maxInstructions);
        _loweredJoins[k] = _compiler.CanJoinRegion(b);
        return _loweredJoins[k] ? b : null;
    }

    private const int MaxLowered = 12;

    /// <summary>Fills <see cref="_region"/> with the loop through the block of <paramref name="key"/>, if there is one (all in its mode).</summary>
    private bool FindRegion(ulong key)
    {
        _loweredCount = 0;
        _region.Clear();
        _path.Clear();
        var head = LowerForRegion(IrBlock.AddressOf(key), IrBlock.ModeOf(key));
        if (head is null) return false;
        // The shortest cycles only: an inner loop keeps its registers to itself instead of sharing the fixed
        // registers with the outer loop's blocks (which would crowd out the inner loop's temporaries).
        for (_maxCycle = 1; _maxCycle <= X86BlockCompiler.MaxRegionBlocks && _region.Count == 0; _maxCycle++)
            Walk(head, head.GuestAddress);
        // A region's internal branches skip every check: with code page checks its blocks must share one page.
        return _region.Count > 0 && _compiler.RegionFitsCodePages(_region, out _);
    }

    private int _maxCycle; // the cycle length the walk looks for

    private void Walk(IrBlock block, ulong head)
    {
        _path.Add(block);
        ref readonly var t = ref block.Terminal;
        if (t.Kind is IrTerminalKind.Jump or IrTerminalKind.Branch)
        {
            Step(t.Target, head);
            if (t.Kind == IrTerminalKind.Branch) Step(t.FallThrough, head);
        }
        _path.RemoveAt(_path.Count - 1);
    }

    private void Step(ulong next, ulong head)
    {
        if (next == head)
        {
            foreach (var b in _path)
                if (!_region.Contains(b) && _region.Count < X86BlockCompiler.MaxRegionBlocks) _region.Add(b);
            return;
        }
        if (_path.Count == _maxCycle) return;
        foreach (var b in _path) if (b.GuestAddress == next) return;
        var nb = LowerForRegion(next, _path[0].Mode);
        if (nb is not null) Walk(nb, head);
    }

    private int EmitRegion()
    {
        _regionPcs.Clear();
        foreach (var b in _region) _regionPcs.Add(b.Key);
        for (int attempt = 0; ; attempt++)
        {
            var (rip, host, capacity) = _cache.Next();
            var writer = new Runtime.SpanCodeWriter((byte*)host, capacity);
            try
            {
                var links = _compiler.CompileRegion(_region, rip, writer, _resolve, _killsFlags, _regionEntries);
                _cache.CommitRegion(_regionPcs, _regionEntries, writer.Position, links);
                _cache.RecordFlagAssumptions(_regionPcs[0], _compiler.FlagAssumptions);
                foreach (var b in _region) MarkCode(b);
                if (_log is not null)
                {
                    foreach (var b in _region) _log.WriteLine(b.ToString());
                    WriteCode(rip, host, writer.Position);
                }
                return writer.Position;
            }
            catch (Runtime.CodeBufferFullException) when (attempt == 0)
            {
                _cache.Flush();
                _stats.CountFlush();
                if (_logger is not null) Log.CodeCacheFlushed(_logger, _cache.Flushes);
            }
        }
    }

    private void WriteTranslationLog(ulong rip, nint host, int length)
    {
        _log!.WriteLine(_block.ToString());
        WriteCode(rip, host, length);
    }

    private void WriteCode(ulong rip, nint host, int length)
    {
        var bytes = new ReadOnlySpan<byte>((void*)host, length).ToArray();
        var decoder = Iced.Intel.Decoder.Create(64, new Iced.Intel.ByteArrayCodeReader(bytes), rip);
        var formatter = new Iced.Intel.GasFormatter();
        var output = new Iced.Intel.StringOutput();
        while (decoder.IP < rip + (ulong)length)
        {
            var insn = decoder.Decode();
            formatter.Format(insn, output);
            _log!.WriteLine($"    {insn.IP:x}: {output.ToStringAndReset()}");
        }
        _log!.Flush();
    }

    /// <summary>
    /// Notes the guest lines <paramref name="block"/>'s translation covers (at least its first instruction) in the code
    /// filter, and the hash of its instructions.
    /// </summary>
    private void MarkCode(IrBlock block)
    {
        _cache.MarkCode(block.GuestAddress, block.GuestAddress + 4 * (ulong)Math.Max(block.GuestInstructionCount, 1) - 1);
        if (SourceHash(_fetcher, block.GuestAddress, block.GuestInstructionCount) is { } hash)
            _cache.RecordSource(block.Key, hash, block.GuestInstructionCount);
    }

    /// <summary>A hash of the <paramref name="count"/> instruction words at <paramref name="address"/>, or null when one cannot be fetched.</summary>
    private static ulong? SourceHash(IInstructionFetcher fetcher, ulong address, int count)
    {
        ulong hash = 0xCBF2_9CE4_8422_2325;
        for (int k = 0; k < count; k++)
        {
            if (!fetcher.TryFetch(address + 4 * (ulong)k, out uint word)) return null;
            hash = (hash ^ word) * 0x0000_0100_0000_01B3;
        }
        return hash;
    }

    /// <summary>
    /// The guest invalidated its whole instruction cache: drops the translations whose instructions differ now from
    /// those they were translated from (read through <paramref name="fetcherFor"/> the block's mode), or cannot be read,
    /// and keeps the others. Returns the number dropped.
    /// </summary>
    public int RevalidateCode(Func<int, IInstructionFetcher> fetcherFor)
    {
        lock (_cache.Gate)
        {
            var stale = new List<ulong>();
            foreach (var key in _cache.Keys)
            {
                if (!_cache.TryGetSource(key, out var source)
                    || SourceHash(fetcherFor(IrBlock.ModeOf(key)), IrBlock.AddressOf(key), source.Count) != source.Hash)
                    stale.Add(key);
            }
            int dropped = stale.Count == 0 ? 0 : _cache.DropKeys(stale);
            _flagKillers.Clear();
            _stats.CountDropped(dropped);
            return dropped;
        }
    }

    /// <summary>Drops every translation made for <paramref name="mode"/> (the controls that mode's code was lowered under changed).</summary>
    public void InvalidateMode(int mode)
    {
        lock (_cache.Gate)
        {
            var keys = _cache.Keys.Where(k => IrBlock.ModeOf(k) == mode).ToList();
            _stats.CountDropped(_cache.DropKeys(keys));
            _cache.ForgetParkedOfMode(mode);
            _flagKillers.ForgetMode(mode);
        }
    }

    private int Emit(ulong at)
    {
        for (int attempt = 0; ; attempt++)
        {
            var (rip, host, capacity) = _cache.Next();
            var writer = new Runtime.SpanCodeWriter((byte*)host, capacity);
            try
            {
                List<PendingLink> links;
                int reason = X86BlockCompiler.ReasonInterpretAll;
                int checkBytes = 0, pageCheckBytes = 0;
                ulong checkedPage = ulong.MaxValue;
                bool compiled = !InterpretAll && _compiler.CanCompile(_block, out reason);
                if (compiled)
                {
                    links = _compiler.Compile(_block, rip, writer, _resolve, _killsFlags);
                    checkBytes = _compiler.InterruptCheckBytes;
                    pageCheckBytes = _compiler.PageCheckBytes;
                    checkedPage = _compiler.CheckedPage;
                }
                else
                {
                    _compiler.CompileInterpretStub(_block.GuestAddress, rip, writer, reason);
                    links = [];
                    InterpretedBlocks++;
                }
                _cache.Commit(at, writer.Position, links, checkBytes, pageCheckBytes, checkedPage);
                if (compiled) _cache.RecordFlagAssumptions(at, _compiler.FlagAssumptions);
                MarkCode(_block);
                if (_log is not null) WriteTranslationLog(rip, host, writer.Position);
                return writer.Position;
            }
            catch (Runtime.CodeBufferFullException) when (attempt == 0)
            {
                _cache.Flush();
                _stats.CountFlush();
                if (_logger is not null) Log.CodeCacheFlushed(_logger, _cache.Flushes);
            }
        }
    }
}

/// <summary>
/// What the translator learnt by peeking at branch targets (<see cref="X86BlockCompiler.KillsFlagsAtEntry"/>), by block
/// key, indexed by guest page as well: invalidations name a page or two, and must not scan every answer.
/// </summary>
internal sealed class FlagKillerCache
{
    private readonly Dictionary<ulong, (bool Kills, ulong Epoch)> _answers = new();
    private readonly PageIndex _pages = new();

    public bool TryGetValue(ulong key, out bool kills, out ulong epoch)
    {
        bool found = _answers.TryGetValue(key, out var answer);
        (kills, epoch) = answer;
        return found;
    }

    public void Add(ulong key, bool kills, ulong epoch)
    {
        if (_answers.TryAdd(key, (kills, epoch))) _pages.Add(key);
        else _answers[key] = (kills, epoch);
    }

    /// <summary>Forgets the answers for blocks that start at guest addresses <paramref name="first"/> to <paramref name="last"/>.</summary>
    public void Forget(ulong first, ulong last)
    {
        if (_answers.Count == 0) return;
        List<ulong>? keys = null;
        _pages.KeysIn(first, last, _answers.Keys, ref keys);
        if (keys is not null) Forget(keys);
    }

    /// <summary>Forgets the answers for blocks of translation mode <paramref name="mode"/>.</summary>
    public void ForgetMode(int mode) => Forget(_answers.Keys.Where(key => IrBlock.ModeOf(key) == mode).ToList());

    public void Clear()
    {
        _answers.Clear();
        _pages.Clear();
    }

    private void Forget(List<ulong> keys)
    {
        foreach (var key in keys)
        {
            _answers.Remove(key);
            _pages.Remove(key);
        }
    }
}

/// <summary>Block keys by guest page, so that an invalidation of a page or two finds its keys without a scan of them all.</summary>
internal sealed class PageIndex
{
    private readonly Dictionary<ulong, List<ulong>> _pages = new();

    public void Add(ulong key)
    {
        ulong page = IrBlock.AddressOf(key) >> 12;
        if (!_pages.TryGetValue(page, out var keys)) _pages[page] = keys = new();
        if (!keys.Contains(key)) keys.Add(key);
    }

    public void Remove(ulong key)
    {
        ulong page = IrBlock.AddressOf(key) >> 12;
        if (!_pages.TryGetValue(page, out var keys)) return;
        keys.Remove(key);
        if (keys.Count == 0) _pages.Remove(page);
    }

    public void Clear() => _pages.Clear();

    /// <summary>Adds to <paramref name="into"/> the keys whose address lies in [<paramref name="first"/>, <paramref name="last"/>]; a wide range scans <paramref name="all"/>.</summary>
    public void KeysIn(ulong first, ulong last, IEnumerable<ulong> all, ref List<ulong>? into)
    {
        if ((last >> 12) - (first >> 12) >= (ulong)Math.Max(16, _pages.Count))
        {
            foreach (var key in all)
                if (IrBlock.AddressOf(key) - first <= last - first) (into ??= new()).Add(key);
            return;
        }
        for (ulong page = first >> 12; page <= last >> 12; page++)
        {
            if (!_pages.TryGetValue(page, out var keys)) continue;
            foreach (var key in keys)
                if (IrBlock.AddressOf(key) - first <= last - first) (into ??= new()).Add(key);
        }
    }
}

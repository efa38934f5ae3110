using Captive.Core.Interpreter;
using Captive.Core.IR;
using Captive.Core.Memory;

namespace Captive.Core.Execution;

/// <summary>
/// Guest memory through the guest MMU, for host code: the interpreter, host-side interpretation of blocks and
/// instruction fetch while the MMU is on. A direct-mapped TLB per translation mode caches successful translations
/// with their permissions; a refused access throws <see cref="GuestAbortException"/>, which the engine turns into an
/// <see cref="IrTrapKind.MemoryAbort"/> trap at the accessing instruction. An access that crosses a page is translated
/// page by page, both before either is touched; a fault on the second page reports that page's first byte (as QEMU does).
/// </summary>
internal sealed class VirtualMemoryAccess : IGuestMemoryAccess, IInstructionFetcher
{
    private const int Entries = 256, Modes = 4, PageBits = 12;
    private const ulong PageMask = (1UL << PageBits) - 1;

    private readonly PhysicalMemoryAccess _physical;
    private readonly IGuestMmu _mmu;
    private readonly ulong[] _tag = new ulong[Entries * Modes];     // page address | 1 when valid
    private readonly ulong[] _frame = new ulong[Entries * Modes];   // physical page address
    private readonly byte[] _permissions = new byte[Entries * Modes];
    private readonly ulong[] _mappingSize = new ulong[Entries * Modes]; // of the page or block that translated the entry

    public VirtualMemoryAccess(PhysicalMemoryAccess physical, IGuestMmu mmu)
    {
        _physical = physical;
        _mmu = mmu;
    }

    /// <summary>The translation mode accesses are made in (for AArch64, the exception level).</summary>
    public int Mode { get; set; }

    /// <summary>Translations looked up in the MMU (TLB misses).</summary>
    public long Walks { get; private set; }

    /// <summary>Drops every cached translation.</summary>
    public void Flush() => Array.Clear(_tag);

    /// <summary>Translates <paramref name="address"/> or reports the fault.</summary>
    public bool TryTranslate(ulong address, GuestAccessKind kind, out ulong physical, out ulong faultInfo)
    {
        var need = kind switch { GuestAccessKind.Read => GuestPagePermissions.Read, GuestAccessKind.Write => GuestPagePermissions.Write, _ => GuestPagePermissions.Execute };
        int index = (_unprivileged ? 0 : Mode & (Modes - 1)) * Entries + (int)((address >> PageBits) & (Entries - 1));
        ulong page = address & ~PageMask;
        if (_tag[index] == (page | 1) && (_permissions[index] & (byte)need) != 0)
        {
            LastMappingSize = _mappingSize[index];
            physical = _frame[index] | (address & PageMask);
            faultInfo = 0;
            return true;
        }
        Walks++;
        var t = _unprivileged ? _mmu.TranslateUnprivileged(address, kind, Mode) : _mmu.Translate(address, kind, Mode);
        if (t.IsFault)
        {
            physical = 0;
            faultInfo = t.FaultInfo;
            return false;
        }
        _tag[index] = page | 1;
        _frame[index] = t.PhysicalAddress & ~PageMask;
        _permissions[index] = (byte)t.Permissions;
        _mappingSize[index] = t.MappingSize;
        LastMappingSize = t.MappingSize;
        physical = t.PhysicalAddress;
        faultInfo = 0;
        return true;
    }

    private ulong Translate(ulong address, GuestAccessKind kind)
    {
        if (!TryTranslate(address, kind, out ulong physical, out ulong fault)) throw new GuestAbortException(address, fault);
        return physical;
    }

    public bool TryFetch(ulong address, out uint word)
    {
        word = 0;
        if ((address & 3) != 0 || !TryTranslate(address, GuestAccessKind.Fetch, out ulong physical, out _) || !_physical.TryFetch(physical, out word))
            return false;
        int index = (Mode & (Modes - 1)) * Entries + (int)((address >> PageBits) & (Entries - 1)); // the entry just used
        ulong size = _mappingSize[index];
        ulong key = (address & ~PageMask) | (uint)(Mode & (Modes - 1)), frame = physical & ~PageMask;
        if (!_codePages.TryGetValue(key, out var known))
        {
            Record(key, frame, size);
            NewCodePage?.Invoke(address);
        }
        else if (known.Frame != frame)
        {
            // The page maps elsewhere now, but translations from the old frame may still be live until it is revalidated
            // (Revalidate, RevalidatePage): the record keeps the old frame so that the revalidation sees the move.
            NewCodePage?.Invoke(address);
        }
        else if (known.MappingSize != size) Record(key, frame, size);
        if (size > PageMask + 1) CodeFetchedThroughBlock?.Invoke(address, size);
        return true;
    }

    /// <summary>The size of the mapping (page or block) the last successful <see cref="TryTranslate"/> went through.</summary>
    public ulong LastMappingSize { get; private set; }

    /// <summary>Called with the address when instructions are fetched from a page for the first time, or from a new physical page.</summary>
    public Action<ulong>? NewCodePage { get; set; }

    /// <summary>Called with the address and the mapping size when an instruction is fetched through a block mapping.</summary>
    public Action<ulong, ulong>? CodeFetchedThroughBlock { get; set; }

    // Every page instructions were fetched from (virtual page | mode → physical page, and the size of the mapping that
    // translated it): what translations depend on.
    private readonly Dictionary<ulong, (ulong Frame, ulong MappingSize)> _codePages = new();

    /// <summary>
    /// After the guest changed its tables (TLB maintenance, TTBR writes): checks every page instructions were fetched
    /// from whose mapping (page or block) meets [<paramref name="first"/>, <paramref name="last"/>] against the tables now
    /// in force, and calls <paramref name="changed"/> with the virtual page of each whose mapping moved or went (its
    /// translations are stale); a page that still maps the same physical page keeps its translations. Call after
    /// <see cref="Flush"/>.
    /// </summary>
    public void Revalidate(ulong first, ulong last, Action<ulong> changed, Func<ulong, bool>? keepUnmapped = null)
    {
        List<ulong>? gone = null;
        void Check(ulong key, ulong frame)
        {
            ulong page = key & ~PageMask;
            var t = _mmu.Translate(page, GuestAccessKind.Fetch, (int)(key & PageMask));
            if (!t.IsFault && (t.PhysicalAddress & ~PageMask) == frame) return;
            if (t.IsFault && keepUnmapped is not null && keepUnmapped(page)) return;
            (gone ??= new()).Add(key);
        }
        if ((last >> PageBits) - (first >> PageBits) < 16)
        {
            // A few pages: their records directly, and those of pages fetched through block mappings that may cover them.
            for (ulong page = first & ~PageMask; page <= last; page += PageMask + 1)
            {
                for (uint mode = 0; mode < Modes; mode++)
                    if (_codePages.TryGetValue(page | mode, out var known) && known.MappingSize <= PageMask + 1) Check(page | mode, known.Frame);
                if (page + PageMask + 1 < page) break; // the top page
            }
            foreach (var key in _blockMapped)
            {
                var (frame, size) = _codePages[key];
                ulong mappingFirst = (key & ~PageMask) & ~(size - 1), mappingLast = mappingFirst + (size - 1);
                if (mappingLast >= first && mappingFirst <= last) Check(key, frame);
            }
        }
        else
        {
            foreach (var (key, (frame, size)) in _codePages)
            {
                ulong page = key & ~PageMask;
                ulong mappingFirst = page & ~(size - 1), mappingLast = mappingFirst + (size - 1);
                if (mappingLast < first || mappingFirst > last) continue;
                Check(key, frame);
            }
        }
        if (gone is null) return;
        foreach (var key in gone)
        {
            Forget(key);
            changed(key & ~PageMask);
        }
    }

    // The keys of _codePages fetched through a mapping larger than a page (a revalidation of a few pages looks at them all).
    private readonly HashSet<ulong> _blockMapped = new();

    private void Record(ulong key, ulong frame, ulong size)
    {
        _codePages[key] = (frame, size);
        if (size > PageMask + 1) _blockMapped.Add(key); else _blockMapped.Remove(key);
    }

    private void Forget(ulong key)
    {
        _codePages.Remove(key);
        _blockMapped.Remove(key);
    }

    /// <summary>
    /// <see cref="Revalidate"/> for the one virtual page <paramref name="page"/> (page-aligned): calls
    /// <paramref name="changed"/> with the page when instructions were fetched from it, in any mode, and it now maps
    /// elsewhere — or nowhere, unless <paramref name="keepUnmapped"/> says to keep its translations (and its record).
    /// </summary>
    public void RevalidatePage(ulong page, Action<ulong> changed, Func<ulong, bool>? keepUnmapped = null)
        => Revalidate(page, page | PageMask, changed, keepUnmapped);

    /// <summary>
    /// A device wrote the physical byte ranges <paramref name="written"/> (inclusive, sorted, not overlapping): calls
    /// <paramref name="changed"/> with each virtual page code was fetched from that maps into one of them, and forgets it
    /// (its translations are stale).
    /// </summary>
    public void ForgetFramesIn(IReadOnlyList<(ulong First, ulong Last)> written, Action<ulong> changed)
    {
        if (_codePages.Count == 0 || written.Count == 0) return;
        List<ulong>? gone = null;
        foreach (var (key, (frame, _)) in _codePages)
        {
            // The last range starting at or before the frame is the only one that can hold it.
            int lo = 0, hi = written.Count - 1, found = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                if (written[mid].First <= frame) { found = mid; lo = mid + 1; }
                else hi = mid - 1;
            }
            if (found >= 0 && frame <= written[found].Last) (gone ??= new()).Add(key);
        }
        if (gone is null) return;
        foreach (var key in gone)
        {
            Forget(key);
            changed(key & ~PageMask);
        }
    }

    /// <summary>Forgets the fetched pages (every translation was dropped).</summary>
    public void ForgetCodePages()
    {
        _codePages.Clear();
        _blockMapped.Clear();
    }

    public ulong Read(ulong address, int size)
    {
        if ((address & PageMask) + (ulong)size <= PageMask + 1) return _physical.Read(Translate(address, GuestAccessKind.Read), size);
        ulong first = Translate(address, GuestAccessKind.Read);
        ulong second = Translate((address + (ulong)size - 1) & ~PageMask, GuestAccessKind.Read);
        ulong value = 0;
        for (int k = 0; k < size; k++)
        {
            ulong va = address + (ulong)k;
            ulong pa = (va & ~PageMask) == (address & ~PageMask) ? first + (ulong)k : second | (va & PageMask);
            value |= _physical.Read(pa, 1) << (8 * k);
        }
        return value;
    }

    public void Write(ulong address, int size, ulong value)
    {
        if ((address & PageMask) + (ulong)size <= PageMask + 1)
        {
            _physical.Write(Translate(address, GuestAccessKind.Write), size, value);
            return;
        }
        ulong first = Translate(address, GuestAccessKind.Write);
        ulong second = Translate((address + (ulong)size - 1) & ~PageMask, GuestAccessKind.Write);
        for (int k = 0; k < size; k++)
        {
            ulong va = address + (ulong)k;
            ulong pa = (va & ~PageMask) == (address & ~PageMask) ? first + (ulong)k : second | (va & PageMask);
            _physical.Write(pa, 1, value >> (8 * k));
        }
    }

    public ulong ReadCounter() => _physical.ReadCounter();

    private bool _unprivileged; // the access being made is unprivileged: mode 0's permissions and TLB entries

    /// <summary>Accesses are unprivileged until cleared (mode 0's permissions and TLB entries; faults taken from <see cref="Mode"/>).</summary>
    public bool Unprivileged { get => _unprivileged; set => _unprivileged = value; }

    public ulong ReadUnprivileged(ulong address, int size)
    {
        _unprivileged = true;
        try { return Read(address, size); }
        finally { _unprivileged = false; }
    }

    public void WriteUnprivileged(ulong address, int size, ulong value)
    {
        _unprivileged = true;
        try { Write(address, size, value); }
        finally { _unprivileged = false; }
    }
}

/// <summary>A guest memory access the guest MMU refused (host-side access paths; the engine reports it to the machine).</summary>
public sealed class GuestAbortException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GuestAbortException(ulong virtualAddress, ulong faultInfo)
        : base($"guest MMU fault at virtual address 0x{virtualAddress:x} (fault information 0x{faultInfo:x})")
    {
        VirtualAddress = virtualAddress;
        FaultInfo = faultInfo;
    }

    /// <summary>The faulting virtual address.</summary>
    public ulong VirtualAddress { get; }

    /// <summary>The MMU's description of the fault (<see cref="GuestTranslation.FaultInfo"/>).</summary>
    public ulong FaultInfo { get; }
}

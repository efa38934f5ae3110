namespace Captive.Core.Runtime;

/// <summary>x86-64 page-table entry bits used by the runtime.</summary>
[Flags]
public enum PageFlags : ulong
{
    /// <summary>No access.</summary>
    None = 0,
    /// <summary>Present.</summary>
    Present = 1UL << 0,
    /// <summary>Writable.</summary>
    Writable = 1UL << 1,
    /// <summary>Accessible at CPL3.</summary>
    User = 1UL << 2,
    /// <summary>Large page (2 MiB at the PD level).</summary>
    Large = 1UL << 7,
    /// <summary>Not executable.</summary>
    NoExecute = 1UL << 63,
}

/// <summary>
/// Builds 4-level x86-64 page tables inside VM memory. Table pages come from a bump allocator over
/// a region the runtime reserves (<see cref="VmLayout.PageTablesOffset"/>). Supports 4 KiB and 2 MiB
/// pages; 1 GiB pages are deliberately not used (PVM rejects them).
/// </summary>
public sealed unsafe class X86PageTables
{
    private readonly byte* _host;
    private readonly ulong _physical;
    private readonly ulong _size;
    private ulong _used;

    /// <summary>Creates a builder over [<paramref name="host"/>, +<paramref name="size"/>) which the VM sees at <paramref name="physical"/>.</summary>
    public X86PageTables(nint host, ulong physical, ulong size)
    {
        _host = (byte*)host;
        _physical = physical;
        _size = size;
        Root = AllocateTable();
    }

    /// <summary>VM-physical address of the PML4 (the value for CR3).</summary>
    public ulong Root { get; }

    /// <summary>Bytes of table memory used so far.</summary>
    public ulong BytesUsed => _used;

    private ulong AllocateTable()
    {
        if (_used + 4096 > _size)
            throw new InvalidOperationException($"The page-table area (0x{_size:x} bytes) is full.");
        ulong pa = _physical + _used;
        new Span<byte>(_host + _used, 4096).Clear();
        _used += 4096;
        return pa;
    }

    private ulong* Table(ulong physical) => (ulong*)(_host + (physical - _physical));

    /// <summary>
    /// Maps [<paramref name="virt"/>, +<paramref name="size"/>) to VM-physical <paramref name="phys"/> with
    /// <paramref name="flags"/> (Present is implied). Uses 2 MiB pages where both addresses and the
    /// remaining size allow.
    /// </summary>
    public void Map(ulong virt, ulong phys, ulong size, PageFlags flags)
    {
        if (((virt | phys | size) & 0xFFF) != 0)
            throw new ArgumentException("Page-table mappings must be 4 KiB aligned.");
        flags |= PageFlags.Present;
        while (size > 0)
        {
            bool large = ((virt | phys) & 0x1F_FFFF) == 0 && size >= 0x20_0000;
            MapOne(virt, phys, flags, large);
            ulong step = large ? 0x20_0000UL : 0x1000UL;
            virt += step; phys += step; size -= step;
        }
    }

    private void MapOne(ulong virt, ulong phys, PageFlags flags, bool large)
    {
        // Intermediate entries are permissive; the leaf decides access.
        const ulong inner = (ulong)(PageFlags.Present | PageFlags.Writable | PageFlags.User);
        ulong* pml4 = Table(Root);
        ulong* pdpt = Table(Descend(pml4, (int)((virt >> 39) & 511), inner));
        ulong* pd = Table(Descend(pdpt, (int)((virt >> 30) & 511), inner));
        int pdi = (int)((virt >> 21) & 511);
        if (large)
        {
            if ((pd[pdi] & 1) != 0 && (pd[pdi] & (ulong)PageFlags.Large) == 0)
                throw new InvalidOperationException($"0x{virt:x} is already mapped with 4 KiB pages.");
            pd[pdi] = phys | (ulong)(flags | PageFlags.Large);
            return;
        }
        if ((pd[pdi] & (ulong)PageFlags.Large) != 0)
            throw new InvalidOperationException($"0x{virt:x} is already mapped by a 2 MiB page.");
        ulong* pt = Table(Descend(pd, pdi, inner));
        pt[(virt >> 12) & 511] = phys | (ulong)flags;
    }

    private ulong Descend(ulong* table, int index, ulong flags)
    {
        if ((table[index] & 1) == 0)
            table[index] = AllocateTable() | flags;
        return table[index] & 0x000F_FFFF_FFFF_F000UL;
    }
}

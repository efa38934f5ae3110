namespace Captive.Core.Memory;

/// <summary>
/// Guest RAM as a device sees it: reads and writes by guest-physical address (DMA), checked against RAM. An access that
/// does not lie wholly inside RAM fails (returns false) and touches nothing, so a device can turn a bad guest address into
/// its own error status; no guest address ever reaches host memory outside RAM. Safe to use from any thread.
/// </summary>
public interface IGuestPhysicalMemory
{
    /// <summary>True when [<paramref name="address"/>, +<paramref name="length"/>) lies wholly in RAM.</summary>
    bool IsRam(GuestPhysicalAddress address, ulong length);

    /// <summary>Copies guest RAM at <paramref name="address"/> into <paramref name="destination"/>; false (and nothing read) outside RAM.</summary>
    bool TryRead(GuestPhysicalAddress address, Span<byte> destination);

    /// <summary>Copies <paramref name="source"/> into guest RAM at <paramref name="address"/>; false (and nothing written) outside RAM.</summary>
    bool TryWrite(GuestPhysicalAddress address, ReadOnlySpan<byte> source);
}

/// <summary>
/// The engine's <see cref="IGuestPhysicalMemory"/> over its RAM. Writes are remembered by page so that the engine can drop
/// the translations of code they overwrite at its next safe point (<see cref="TakeWrittenPages"/>), since the device
/// threads that write cannot touch the code cache. After <see cref="Detach"/> (the engine is freeing RAM) every access
/// fails; an access already under way finishes first.
/// </summary>
public sealed unsafe class GuestRam : IGuestPhysicalMemory
{
    private const int PageShift = 12;
    private readonly ulong _base, _size;
    private byte* _host;
    private int _users;          // accesses under way
    private volatile bool _detached;
    private readonly object _writtenGate = new();
    private List<(ulong First, ulong Last)> _written = new();
    private volatile bool _anyWritten;

    /// <summary>Wraps <paramref name="size"/> bytes of host memory at <paramref name="host"/> holding guest RAM at <paramref name="ramBase"/>.</summary>
    internal GuestRam(nint host, GuestPhysicalAddress ramBase, ulong size)
    {
        if (host == 0) throw new ArgumentNullException(nameof(host));
        _host = (byte*)host;
        _base = ramBase.Value;
        _size = size;
    }

    /// <summary>Guest-physical base of RAM.</summary>
    public GuestPhysicalAddress RamBase => new(_base);

    /// <summary>RAM size in bytes.</summary>
    public ulong RamSize => _size;

    /// <inheritdoc/>
    public bool IsRam(GuestPhysicalAddress address, ulong length)
        => address.Value >= _base && length <= _size && address.Value - _base <= _size - length;

    /// <inheritdoc/>
    public bool TryRead(GuestPhysicalAddress address, Span<byte> destination)
    {
        if (!IsRam(address, (ulong)destination.Length) || !Enter()) return false;
        try
        {
            new ReadOnlySpan<byte>(_host + (address.Value - _base), destination.Length).CopyTo(destination);
            return true;
        }
        finally { Interlocked.Decrement(ref _users); }
    }

    /// <inheritdoc/>
    public bool TryWrite(GuestPhysicalAddress address, ReadOnlySpan<byte> source)
    {
        if (!IsRam(address, (ulong)source.Length) || !Enter()) return false;
        try
        {
            source.CopyTo(new Span<byte>(_host + (address.Value - _base), source.Length));
        }
        finally { Interlocked.Decrement(ref _users); }
        if (source.Length > 0) RecordWrite(address.Value, address.Value + (ulong)source.Length - 1);
        return true;
    }

    private bool Enter()
    {
        Interlocked.Increment(ref _users);
        if (!_detached) return true;
        Interlocked.Decrement(ref _users);
        return false;
    }

    private void RecordWrite(ulong first, ulong last)
    {
        first >>= PageShift;
        last >>= PageShift;
        lock (_writtenGate)
        {
            // Devices mostly write one buffer after another: merge with the last range when they touch.
            if (_written.Count > 0)
            {
                var (f, l) = _written[^1];
                if (first <= l + 1 && last + 1 >= f)
                {
                    _written[^1] = (Math.Min(f, first), Math.Max(l, last));
                    _anyWritten = true;
                    return;
                }
            }
            _written.Add((first, last));
            _anyWritten = true;
        }
    }

    /// <summary>True when DMA wrote RAM since the last <see cref="TakeWrittenPages"/> (one volatile read: the engine polls it).</summary>
    public bool HasWrittenPages => _anyWritten;

    /// <summary>
    /// Returns the guest-physical byte ranges (inclusive, whole pages) DMA wrote since the last call, sorted, merged where
    /// they touch, and forgets them. Empty when none.
    /// </summary>
    public IReadOnlyList<(ulong First, ulong Last)> TakeWrittenPages()
    {
        if (!_anyWritten) return [];
        List<(ulong, ulong)> taken;
        lock (_writtenGate)
        {
            taken = _written;
            _written = new();
            _anyWritten = false;
        }
        taken.Sort();
        var merged = new List<(ulong First, ulong Last)>(taken.Count);
        foreach (var (first, last) in taken)
        {
            if (merged.Count > 0 && first <= merged[^1].Last + 1)
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, last));
            else merged.Add((first, last));
        }
        for (int i = 0; i < merged.Count; i++)
            merged[i] = (merged[i].First << PageShift, (merged[i].Last << PageShift) | ((1UL << PageShift) - 1));
        return merged;
    }

    /// <summary>Makes every later access fail and waits for those under way; call before RAM is freed.</summary>
    internal void Detach()
    {
        _detached = true;
        Interlocked.MemoryBarrier(); // the flag before the count: an Enter that missed it is counted here
        var spin = new SpinWait();
        while (Volatile.Read(ref _users) != 0) spin.SpinOnce();
        _host = null;
    }
}

namespace Captive.Guest.Arm.Lowering;

/// <summary>
/// The hardware breakpoints the lowering cuts blocks at: each enabled address-match breakpoint (DBGBCR&lt;n&gt;_EL1.E set,
/// BT 0b000x, BAS not 0) as its instruction address with the Exception levels its PMC selects. Immutable; the machine
/// builds a new one when DBGBVR/DBGBCR change and drops every translation when it differs from the old.
/// </summary>
internal sealed class A64Breakpoints : IEquatable<A64Breakpoints>
{
    private readonly ulong[] _entries; // address | EL mask (bit 0: EL0, bit 1: EL1); addresses are 4-byte aligned

    /// <summary>No breakpoint.</summary>
    public static A64Breakpoints None { get; } = new([]);

    public A64Breakpoints(ulong[] entries) => _entries = entries;

    /// <summary>True when some breakpoint matches an instruction at <paramref name="pc"/> executed at Exception level <paramref name="el"/>.</summary>
    public bool Matches(ulong pc, int el)
    {
        foreach (ulong e in _entries)
            if ((e & ~3UL) == pc && (e >> el & 1) != 0) return true;
        return false;
    }

    /// <summary>True when some breakpoint is armed for Exception level <paramref name="el"/>.</summary>
    public bool AnyFor(int el)
    {
        foreach (ulong e in _entries)
            if ((e >> el & 1) != 0) return true;
        return false;
    }

    /// <inheritdoc/>
    public bool Equals(A64Breakpoints? other) => other is not null && _entries.AsSpan().SequenceEqual(other._entries);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as A64Breakpoints);

    /// <inheritdoc/>
    public override int GetHashCode() => _entries.Length;
}

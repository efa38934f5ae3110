namespace Captive.Core.Memory;

/// <summary>An address in the guest's physical address space (what the ARM MMU outputs).</summary>
/// <param name="Value">The address.</param>
public readonly record struct GuestPhysicalAddress(ulong Value) : IComparable<GuestPhysicalAddress>
{
    /// <summary>Adds a byte offset.</summary>
    public static GuestPhysicalAddress operator +(GuestPhysicalAddress a, ulong offset) => new(a.Value + offset);

    /// <inheritdoc/>
    public int CompareTo(GuestPhysicalAddress other) => Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public override string ToString() => $"PA 0x{Value:x}";
}

/// <summary>An address in the guest's virtual address space (what guest code computes).</summary>
/// <param name="Value">The address.</param>
public readonly record struct GuestVirtualAddress(ulong Value)
{
    /// <summary>Adds a byte offset.</summary>
    public static GuestVirtualAddress operator +(GuestVirtualAddress a, ulong offset) => new(a.Value + offset);

    /// <inheritdoc/>
    public override string ToString() => $"VA 0x{Value:x}";
}

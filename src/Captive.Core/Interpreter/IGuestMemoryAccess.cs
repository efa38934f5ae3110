namespace Captive.Core.Interpreter;

/// <summary>
/// Guest memory and timer as the <see cref="IrInterpreter"/> sees them. The engine implements it;
/// addresses are whatever the IR computes (guest virtual addresses once an MMU exists).
/// </summary>
public interface IGuestMemoryAccess
{
    /// <summary>Reads <paramref name="size"/> bytes (1, 2, 4 or 8), little-endian, zero-extended. May throw on a bad address.</summary>
    ulong Read(ulong address, int size);

    /// <summary>Writes the low <paramref name="size"/> bytes (1, 2, 4 or 8) of <paramref name="value"/>, little-endian. May throw on a bad address.</summary>
    void Write(ulong address, int size, ulong value);

    /// <summary>The guest's virtual counter (CNTVCT_EL0).</summary>
    ulong ReadCounter();

    /// <summary>An unprivileged read (checked with translation mode 0's permissions); without an MMU, a read.</summary>
    ulong ReadUnprivileged(ulong address, int size) => Read(address, size);

    /// <summary>An unprivileged write (checked with translation mode 0's permissions); without an MMU, a write.</summary>
    void WriteUnprivileged(ulong address, int size, ulong value) => Write(address, size, value);
}

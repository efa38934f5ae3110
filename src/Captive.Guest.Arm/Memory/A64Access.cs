namespace Captive.Guest.Arm.Memory;

/// <summary>What a memory access does, as far as stage 1 permissions and fault syndromes care.</summary>
public enum A64AccessKind : byte
{
    /// <summary>A data read (loads, and LDXR/LDAXR).</summary>
    Read,

    /// <summary>A data write (stores, STXR, DC ZVA).</summary>
    Write,

    /// <summary>
    /// An atomic read-modify-write (the LSE atomics, CAS, SWP): needs read and write permission, ARM ARM
    /// <c>AArch64.CheckPermission</c> with <c>AccType_ATOMICRW</c>.
    /// </summary>
    ReadModifyWrite,

    /// <summary>An instruction fetch: checked against execute permission only, never against PAN.</summary>
    InstructionFetch,
}

/// <summary>One memory access to translate: its kind and the PE state that selects which permissions apply.</summary>
/// <param name="Kind">Read, write, read-modify-write or instruction fetch.</param>
/// <param name="ExceptionLevel">PSTATE.EL when the access is made: 0 or 1.</param>
/// <param name="Unprivileged">
/// The access is made by LDTR/STTR and friends. At EL1 they are checked against the EL0 permissions and
/// are not subject to PAN (ARM ARM <c>AArch64.CheckPermission</c>: <c>AccType_UNPRIV</c> is not <c>ispriv</c>); at EL0 the flag changes nothing.
/// </param>
/// <param name="Pan">PSTATE.PAN (ARMv8.1-PAN); a Cortex-A57 has no PAN, so its engines pass <see langword="false"/>.</param>
public readonly record struct A64Access(A64AccessKind Kind, int ExceptionLevel, bool Unprivileged = false, bool Pan = false)
{
    /// <summary>
    /// The access is checked against the EL1 permissions: made at EL1 and not by an unprivileged load/store
    /// (the pseudocode's <c>ispriv</c>).
    /// </summary>
    public bool IsPrivileged => ExceptionLevel != 0 && !Unprivileged;

    /// <summary>A data read at <paramref name="el"/>.</summary>
    /// <param name="el">The exception level, 0 or 1.</param>
    /// <returns>The access.</returns>
    public static A64Access Read(int el) => new(A64AccessKind.Read, el);

    /// <summary>A data write at <paramref name="el"/>.</summary>
    /// <param name="el">The exception level, 0 or 1.</param>
    /// <returns>The access.</returns>
    public static A64Access Write(int el) => new(A64AccessKind.Write, el);

    /// <summary>An instruction fetch at <paramref name="el"/>.</summary>
    /// <param name="el">The exception level, 0 or 1.</param>
    /// <returns>The access.</returns>
    public static A64Access Fetch(int el) => new(A64AccessKind.InstructionFetch, el);
}

/// <summary>What one exception level may do in a mapping.</summary>
[Flags]
public enum A64Permissions : byte
{
    /// <summary>No access.</summary>
    None = 0,

    /// <summary>Data reads.</summary>
    Read = 1,

    /// <summary>Data writes.</summary>
    Write = 2,

    /// <summary>Instruction fetches.</summary>
    Execute = 4,

    /// <summary>Everything (the MMU-off flat mapping).</summary>
    All = Read | Write | Execute,
}

/// <summary>
/// Reads 64-bit translation table descriptors from guest-physical memory for <see cref="A64PageTableWalker"/>.
/// Implement it on a struct (or ref struct): the walker is generic over it, so the call is direct and nothing is boxed.
/// </summary>
public interface IA64DescriptorReader
{
    /// <summary>Reads the 8 bytes at <paramref name="physicalAddress"/> (always 8-byte aligned) as a little-endian value.</summary>
    /// <param name="physicalAddress">The guest-physical address of the descriptor.</param>
    /// <param name="descriptor">The value read.</param>
    /// <returns>
    /// <see langword="false"/> when the address is not RAM (a device or nothing): the walker then reports a
    /// synchronous external abort on the translation table walk.
    /// </returns>
    bool TryReadDescriptor(ulong physicalAddress, out ulong descriptor);
}

/// <summary>Descriptor reads from one contiguous block of guest RAM held in host memory.</summary>
public readonly ref struct A64RamDescriptorReader : IA64DescriptorReader
{
    private readonly ReadOnlySpan<byte> _ram;
    private readonly ulong _base;

    /// <summary>Reads from <paramref name="ram"/>, which holds guest-physical addresses from <paramref name="ramBase"/> on.</summary>
    /// <param name="ram">The RAM contents.</param>
    /// <param name="ramBase">The guest-physical address of <paramref name="ram"/>[0].</param>
    public A64RamDescriptorReader(ReadOnlySpan<byte> ram, ulong ramBase)
    {
        _ram = ram;
        _base = ramBase;
    }

    /// <inheritdoc/>
    public bool TryReadDescriptor(ulong physicalAddress, out ulong descriptor)
    {
        ulong offset = physicalAddress - _base; // wraps to a huge value below the base
        if (physicalAddress < _base || offset > (ulong)_ram.Length || (ulong)_ram.Length - offset < 8)
        {
            descriptor = 0;
            return false;
        }
        descriptor = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_ram.Slice((int)offset, 8));
        return true;
    }
}

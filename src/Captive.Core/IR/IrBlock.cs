namespace Captive.Core.IR;

/// <summary>
/// A translated unit: straight-line IR instructions followed by one terminal. Blocks are keyed by
/// the guest address of their first instruction and the translation mode they were lowered for
/// (<see cref="Key"/>).
/// </summary>
public sealed class IrBlock
{
    private IrInstruction[] _instructions = new IrInstruction[64];

    /// <summary>Guest address of the first instruction.</summary>
    public ulong GuestAddress { get; set; }

    /// <summary>
    /// The translation mode the block is lowered for (0–3; for AArch64 the exception level): the same code lowers
    /// differently at different privilege. See <see cref="GuestStateLayout.ModeOffset"/>.
    /// </summary>
    public int Mode { get; private set; }

    /// <summary>
    /// Guest state the lowering depends on besides the mode (for AArch64: the EL0 trap controls of SCTLR_EL1 and
    /// CNTKCTL_EL1), read from <see cref="GuestStateLayout.ContextOffset"/> when the block is lowered. It is not part of
    /// the key: the guest machine invalidates every translation when it changes.
    /// </summary>
    public ulong Context { get; private set; }

    /// <summary>The block's key in code caches: <see cref="KeyOf"/> of its address and mode.</summary>
    public ulong Key => KeyOf(GuestAddress, Mode);

    /// <summary>
    /// The cache key of the block at <paramref name="guestAddress"/> in <paramref name="mode"/>: the address with the
    /// mode in its two low bits. Only 4-byte aligned addresses have keys (the dispatchers send others to the host).
    /// </summary>
    public static ulong KeyOf(ulong guestAddress, int mode) => guestAddress | (uint)(mode & 3);

    /// <summary>The guest address of a key.</summary>
    public static ulong AddressOf(ulong key) => key & ~3UL;

    /// <summary>The mode of a key.</summary>
    public static int ModeOf(ulong key) => (int)(key & 3);

    /// <summary>Number of guest instructions the block covers.</summary>
    public int GuestInstructionCount { get; set; }

    /// <summary>Number of IR instructions.</summary>
    public int Count { get; private set; }

    /// <summary>The IR instructions; only the first <see cref="Count"/> are meaningful.</summary>
    public Span<IrInstruction> Instructions => _instructions.AsSpan(0, Count);

    /// <summary>The block's terminal.</summary>
    public IrTerminal Terminal;

    /// <summary>True once a terminal has been set.</summary>
    public bool IsTerminated { get; set; }

    /// <summary>Empties the block for reuse without releasing its storage.</summary>
    public void Reset(ulong guestAddress, int mode = 0, ulong context = 0)
    {
        if ((uint)mode > 3) throw new ArgumentOutOfRangeException(nameof(mode), "A translation mode is 0 to 3.");
        GuestAddress = guestAddress;
        Mode = mode;
        Context = context;
        GuestInstructionCount = 0;
        Count = 0;
        Terminal = default;
        Terminal.Condition = -1;
        Terminal.Value = -1;
        IsTerminated = false;
    }

    /// <summary>Appends an instruction and returns its value index.</summary>
    public int Append(in IrInstruction instruction)
    {
        int n = Count;
        var instructions = _instructions;
        if ((uint)n >= (uint)instructions.Length)
            instructions = Grow();
        instructions[n] = instruction;
        Count = n + 1;
        return n;
    }

    // Out of line: the lowering appends every IR instruction through Append, which stays small enough to inline.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private IrInstruction[] Grow()
    {
        Array.Resize(ref _instructions, _instructions.Length * 2);
        return _instructions;
    }

    /// <summary>Removes instructions from <paramref name="count"/> on (used to undo a partly lowered instruction).</summary>
    public void Truncate(int count)
    {
        if ((uint)count > (uint)Count) throw new ArgumentOutOfRangeException(nameof(count));
        Count = count;
    }

    /// <inheritdoc/>
    public override string ToString() => IrPrinter.Format(this);
}

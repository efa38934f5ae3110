namespace Captive.Core.IR;

/// <summary>
/// A translated unit: straight-line IR instructions followed by one terminal. Blocks are keyed by
/// the guest address of their first instruction.
/// </summary>
public sealed class IrBlock
{
    private IrInstruction[] _instructions = new IrInstruction[64];

    /// <summary>Guest address of the first instruction.</summary>
    public ulong GuestAddress { get; set; }

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
    public void Reset(ulong guestAddress)
    {
        GuestAddress = guestAddress;
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
        if (Count == _instructions.Length)
            Array.Resize(ref _instructions, _instructions.Length * 2);
        _instructions[Count] = instruction;
        return Count++;
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

using System.Buffers.Binary;
using Captive.Core.Interpreter;
using Captive.Core.IR;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

/// <summary>
/// A minimal AArch64 machine for instruction tests: code and data in one flat RAM, the front end lowering
/// block by block, the IR interpreter executing, at EL1h. Runs until a trap to the host or an exception: VBAR_EL1
/// points at <see cref="VectorBase"/>, where no code is, and an exception entry (the lowered code jumping into the
/// vectors) is reported as the outcome the instruction would have had as a trap (see <see cref="RunToTrap"/>).
/// </summary>
internal sealed class A64TestMachine : IGuestMemoryAccess, IInstructionFetcher
{
    public const ulong RamBase = 0x4000_0000;
    public const ulong DataBase = RamBase + 0x8000;   // scratch data area tests point registers at
    public const int RamSize = 0x10000;
    public const ulong VectorBase = 0x7000_0000;       // VBAR_EL1: no code there

    private A64FrontEnd _frontEnd = new();

    /// <summary>The front end blocks are lowered with (tests set its breakpoints).</summary>
    internal A64FrontEnd FrontEnd => _frontEnd;
    private readonly IrInterpreter _interpreter = new(ArmState.Layout);
    private readonly IrBlock _block = new();
    private int _codeWords;

    public byte[] State { get; } = new byte[ArmState.Size];
    public byte[] Ram { get; } = new byte[RamSize];
    public ulong Counter { get; set; } = 0xC0FFEE;
    public ulong Pc { get; set; } = RamBase;
    public int MaxBlockInstructions { get; set; } = 16;
    public List<IrBlock> Blocks { get; } = [];

    public A64TestMachine(params uint[] code)
    {
        for (int k = 0; k < code.Length; k++)
            BinaryPrimitives.WriteUInt32LittleEndian(Ram.AsSpan(4 * k), code[k]);
        _codeWords = code.Length;
        Write(ArmState.SpSel, 1);
        Write(ArmState.CurrentEl, 1);
        Write(ArmState.VbarEl1, VectorBase);
    }

    /// <summary>
    /// Assembles <paramref name="source"/> at <see cref="RamBase"/> followed by <c>brk #0xf00d</c>, the end marker: it
    /// cannot be fetched, so the run stops before it without the exception a BRK takes (see <see cref="RunToEnd"/>).
    /// </summary>
    public static A64TestMachine Assemble(string source)
    {
        GnuToolchain.RequireAssembler();
        var m = new A64TestMachine(GnuToolchain.Assemble(source + "\nbrk #0xf00d"));
        m._end = RamBase + 4 * (ulong)(m._codeWords - 1);
        return m;
    }

    private ulong _end = ulong.MaxValue;

    /// <summary>Lowers with a front end whose CPU has the GICv3 system-register interface (ID_AA64PFR0_EL1.GIC = 1).</summary>
    public A64TestMachine WithGicSystemRegisters()
    {
        _frontEnd = new A64FrontEnd(gicSystemRegisters: true);
        return this;
    }

    // ---- registers

    public ulong Read(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(State.AsSpan(offset));
    public void Write(int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(State.AsSpan(offset), value);

    public ulong this[int x]
    {
        get => Read(ArmState.X(x));
        set => Write(ArmState.X(x), value);
    }

    public ulong Sp { get => Read(ArmState.Sp); set => Write(ArmState.Sp, value); }
    public uint Nzcv { get => (uint)Read(ArmState.Flags); set => Write(ArmState.Flags, value); }
    public (ulong Lo, ulong Hi) V(int n) => (Read(ArmState.V(n)), Read(ArmState.V(n) + 8));
    public void SetV(int n, ulong lo, ulong hi) { Write(ArmState.V(n), lo); Write(ArmState.V(n) + 8, hi); }

    // ---- memory

    public ulong Load(ulong address, int size) => ((IGuestMemoryAccess)this).Read(address, size);
    public void Store(ulong address, int size, ulong value) => ((IGuestMemoryAccess)this).Write(address, size, value);

    private Span<byte> Bytes(ulong address, int size)
    {
        if (address < RamBase || address - RamBase > RamSize - (ulong)size)
            throw new InvalidOperationException($"Guest access of {size} bytes at 0x{address:x} is outside RAM.");
        return Ram.AsSpan((int)(address - RamBase), size);
    }

    ulong IGuestMemoryAccess.Read(ulong address, int size)
    {
        var b = Bytes(address, size);
        return size switch
        {
            1 => b[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(b),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(b),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(b),
        };
    }

    void IGuestMemoryAccess.Write(ulong address, int size, ulong value)
    {
        var b = Bytes(address, size);
        switch (size)
        {
            case 1: b[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)value); break;
            default: BinaryPrimitives.WriteUInt64LittleEndian(b, value); break;
        }
    }

    ulong IGuestMemoryAccess.ReadCounter() => Counter;

    bool IInstructionFetcher.TryFetch(ulong address, out uint word)
    {
        word = 0;
        if ((address & 3) != 0 || address < RamBase || address >= RamBase + (ulong)(4 * _codeWords) || address == _end) return false;
        word = BinaryPrimitives.ReadUInt32LittleEndian(Ram.AsSpan((int)(address - RamBase)));
        return true;
    }

    // ---- execution

    /// <summary>Lowers and runs one block at <see cref="Pc"/>; the PC moves to the outcome's next address.</summary>
    public BlockOutcome Step()
    {
        var block = new IrBlock();
        block.Reset(Pc, (int)Read(ArmState.CurrentEl), Read(ArmState.TranslationContext));
        _frontEnd.LowerBlock(Pc, this, block, MaxBlockInstructions);
        IrVerifier.Verify(block);
        Blocks.Add(block);
        var outcome = _interpreter.Execute(block, State, this);
        Pc = outcome.NextPc;
        return outcome;
    }

    /// <summary>
    /// Runs blocks until one traps to the host or takes an exception; returns that outcome. An exception entry is
    /// reported from the syndrome the guest code wrote: SVC as <see cref="IrTrapKind.Svc"/> (info = imm16, PC = the
    /// SVC: ELR_EL1 - 4), BRK as <see cref="IrTrapKind.Brk"/> (info = imm16, PC = ELR_EL1), an UNDEFINED instruction as
    /// <see cref="IrTrapKind.Undefined"/> (info = the instruction word, PC = ELR_EL1).
    /// </summary>
    public BlockOutcome RunToTrap(int maxBlocks = 10_000)
    {
        for (int k = 0; k < maxBlocks; k++)
        {
            var outcome = Step();
            if (outcome.Trap != IrTrapKind.None) return outcome;
            if (Pc - VectorBase < 0x800) return ExceptionOutcome();
        }
        throw new InvalidOperationException("The guest did not trap.");
    }

    private BlockOutcome ExceptionOutcome()
    {
        ulong esr = Read(ArmState.EsrEl1), elr = Read(ArmState.ElrEl1);
        ulong ec = esr >> 26, iss = esr & 0x1FF_FFFF;
        return ec switch
        {
            0x15 => new BlockOutcome(elr, IrTrapKind.Svc, iss, 0, elr - 4),
            0x3C => new BlockOutcome(elr + 4, IrTrapKind.Brk, iss, 0, elr),
            0x00 => new BlockOutcome(elr + 4, IrTrapKind.Undefined, Load(elr, 4), 0, elr),
            _ => new BlockOutcome(elr, IrTrapKind.None, esr, 0, elr), // another exception: the test reads ESR_EL1 itself
        };
    }

    /// <summary>Runs to the end marker (or a <c>brk #0xf00d</c> of the test's own) and checks that the run stopped there.</summary>
    public A64TestMachine RunToEnd()
    {
        var outcome = RunToTrap();
        Assert.True((outcome.Trap == IrTrapKind.FetchFault && outcome.TrapPc == _end) || (outcome.Trap == IrTrapKind.Brk && outcome.TrapInfo == 0xF00D),
            $"Expected the end marker, got {outcome.Trap} info 0x{outcome.TrapInfo:x} at 0x{outcome.TrapPc:x}.");
        return this;
    }
}

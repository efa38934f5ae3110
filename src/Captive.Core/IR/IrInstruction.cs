using System.Runtime.CompilerServices;

namespace Captive.Core.IR;

/// <summary>One IR instruction. Its value, if any, is named by its index in <see cref="IrBlock.Instructions"/>.</summary>
public struct IrInstruction
{
    /// <summary>The operation.</summary>
    public IrOpcode Opcode;

    /// <summary>Operation width or access size in bytes (see <see cref="IrOpcode"/>).</summary>
    public byte Size;

    /// <summary>First operand (a value index), or -1.</summary>
    public int A;

    /// <summary>Second operand (a value index), or -1.</summary>
    public int B;

    /// <summary>Third operand (a value index), or -1.</summary>
    public int C;

    /// <summary>Immediate: constant, state offset, condition code or extension width.</summary>
    public long Immediate;

    /// <summary>True for the scalar floating-point operations FpAdd…IntToFp (they read FPCR and update FPSR).</summary>
    public readonly bool IsFloatingPoint => Opcode is >= IrOpcode.FpAdd and <= IrOpcode.IntToFp;

    /// <summary>True for the vector operations (GetVec onward), whatever kind of value they define.</summary>
    public readonly bool IsVectorOp => Opcode >= IrOpcode.GetVec;

    /// <summary>True when the instruction defines a 128-bit vector value (its Size is 16).</summary>
    public readonly bool IsVector
    {
        // Inlined (as the flag tests below): the code generator's analyses ask these of every instruction of every block.
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Size == 16 && HasValue;
    }

    /// <summary>True when the instruction defines a value.</summary>
    public readonly bool HasValue
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Opcode is not (IrOpcode.SetReg or IrOpcode.Store or IrOpcode.SetLogicFlags or IrOpcode.SetNzcv or IrOpcode.CondCompare
        or IrOpcode.SetVec or IrOpcode.StoreVec);
    }

    /// <summary>True when the instruction writes the NZCV flags.</summary>
    public readonly bool WritesFlags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Opcode is IrOpcode.AddFlags or IrOpcode.SubFlags or IrOpcode.AdcFlags
        or IrOpcode.SbcFlags or IrOpcode.SetLogicFlags or IrOpcode.SetNzcv or IrOpcode.CondCompare;
    }

    /// <summary>True when the instruction reads the NZCV flags.</summary>
    public readonly bool ReadsFlags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Opcode is IrOpcode.CondHolds or IrOpcode.AdcFlags or IrOpcode.SbcFlags
        or IrOpcode.Adc or IrOpcode.Sbc or IrOpcode.GetNzcv or IrOpcode.CondCompare;
    }

    /// <inheritdoc/>
    public override readonly string ToString() => IrPrinter.Format(this);
}

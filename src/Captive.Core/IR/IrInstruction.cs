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

    /// <summary>True for the floating-point operations (they read FPCR and update FPSR).</summary>
    public readonly bool IsFloatingPoint => Opcode >= IrOpcode.FpAdd;

    /// <summary>True when the instruction defines a value.</summary>
    public readonly bool HasValue => Opcode is not (IrOpcode.SetReg or IrOpcode.Store or IrOpcode.SetLogicFlags or IrOpcode.SetNzcv);

    /// <summary>True when the instruction writes the NZCV flags.</summary>
    public readonly bool WritesFlags => Opcode is IrOpcode.AddFlags or IrOpcode.SubFlags or IrOpcode.AdcFlags
        or IrOpcode.SbcFlags or IrOpcode.SetLogicFlags or IrOpcode.SetNzcv;

    /// <summary>True when the instruction reads the NZCV flags.</summary>
    public readonly bool ReadsFlags => Opcode is IrOpcode.CondHolds or IrOpcode.AdcFlags or IrOpcode.SbcFlags
        or IrOpcode.Adc or IrOpcode.Sbc or IrOpcode.GetNzcv;

    /// <inheritdoc/>
    public override readonly string ToString() => IrPrinter.Format(this);
}

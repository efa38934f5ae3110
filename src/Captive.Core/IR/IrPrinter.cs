using System.Text;

namespace Captive.Core.IR;

/// <summary>Text form of IR, for traces, errors and tests.</summary>
public static class IrPrinter
{
    /// <summary>Formats one instruction.</summary>
    public static string Format(in IrInstruction i)
    {
        var sb = new StringBuilder();
        sb.Append(i.Opcode.ToString().ToLowerInvariant()).Append('.').Append(i.Size);
        if (i.A >= 0) sb.Append(" v").Append(i.A);
        if (i.B >= 0) sb.Append(", v").Append(i.B);
        if (i.C >= 0) sb.Append(", v").Append(i.C);
        if (i.Opcode is IrOpcode.Const or IrOpcode.GetReg or IrOpcode.SetReg or IrOpcode.CondHolds or IrOpcode.SignExtend or IrOpcode.ZeroExtend || (i.IsVectorOp && i.Opcode is not (IrOpcode.LoadVec or IrOpcode.StoreVec)))
            sb.Append(" #0x").Append(i.Immediate.ToString("x"));
        return sb.ToString();
    }

    /// <summary>Formats a whole block, one instruction a line.</summary>
    public static string Format(IrBlock block)
    {
        var sb = new StringBuilder();
        sb.Append("block 0x").Append(block.GuestAddress.ToString("x")).Append(" (").Append(block.GuestInstructionCount).AppendLine(" guest instructions)");
        var insts = block.Instructions;
        for (int n = 0; n < insts.Length; n++)
        {
            sb.Append("  ");
            if (insts[n].HasValue) sb.Append('v').Append(n).Append(" = ");
            sb.AppendLine(Format(insts[n]));
        }
        sb.Append("  ").Append(block.IsTerminated ? block.Terminal.ToString() : "(no terminal)");
        return sb.ToString();
    }
}

namespace Captive.Core.IR;

/// <summary>Checks the structural rules of a block; front ends and passes run it in tests and debug builds.</summary>
public static class IrVerifier
{
    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first rule a block breaks.</summary>
    public static void Verify(IrBlock block)
    {
        var insts = block.Instructions;
        for (int n = 0; n < insts.Length; n++)
        {
            ref readonly var i = ref insts[n];
            Check(block, n, i.A, "A");
            Check(block, n, i.B, "B");
            Check(block, n, i.C, "C");
            bool memory = i.Opcode is IrOpcode.Load or IrOpcode.Store or IrOpcode.GetReg or IrOpcode.SetReg;
            bool fpFormat = i.IsFloatingPoint && i.Opcode is not (IrOpcode.FpToInt or IrOpcode.FpCompare);
            bool sizeOk = memory ? i.Size is 1 or 2 or 4 or 8 : fpFormat ? i.Size is 2 or 4 or 8 : i.Size is 4 or 8;
            if (!sizeOk)
                throw new InvalidOperationException($"v{n} ({i}) has size {i.Size}.\n{block}");
        }
        if (!block.IsTerminated)
            throw new InvalidOperationException($"Block has no terminal.\n{block}");
        Check(block, insts.Length, block.Terminal.Condition, "condition");
        Check(block, insts.Length, block.Terminal.Value, "value");
        if (block.Terminal.Kind == IrTerminalKind.Branch && block.Terminal.Condition < 0)
            throw new InvalidOperationException($"Branch without a condition.\n{block}");
        if (block.Terminal.Kind == IrTerminalKind.JumpIndirect && block.Terminal.Value < 0)
            throw new InvalidOperationException($"Indirect jump without a target.\n{block}");
    }

    private static void Check(IrBlock block, int user, int operand, string name)
    {
        if (operand < 0) return;
        if (operand >= user)
            throw new InvalidOperationException($"Instruction {user} uses v{operand} as {name} before it is defined.\n{block}");
        if (!block.Instructions[operand].HasValue)
            throw new InvalidOperationException($"Instruction {user} uses v{operand} as {name}, which defines no value.\n{block}");
    }
}

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
            if (i.IsVectorOp)
            {
                VerifyVector(block, n, i);
                continue;
            }
            CheckKind(block, n, i.A, vector: false);
            CheckKind(block, n, i.B, vector: false);
            CheckKind(block, n, i.C, vector: false);
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
        CheckKind(block, insts.Length, block.Terminal.Condition, vector: false);
        CheckKind(block, insts.Length, block.Terminal.Value, vector: false);
        if (block.Terminal.Kind == IrTerminalKind.Branch && block.Terminal.Condition < 0)
            throw new InvalidOperationException($"Branch without a condition.\n{block}");
        if (block.Terminal.Kind == IrTerminalKind.JumpIndirect && block.Terminal.Value < 0)
            throw new InvalidOperationException($"Indirect jump without a target.\n{block}");
    }

    private static void VerifyVector(IrBlock block, int n, in IrInstruction i)
    {
        // Operand kinds: 'v' vector, 's' scalar, '-' absent.
        string kinds = i.Opcode switch
        {
            IrOpcode.GetVec => "---",
            IrOpcode.SetVec => "v--",
            IrOpcode.LoadVec => "s--",
            IrOpcode.StoreVec => "sv-",
            IrOpcode.VecFromHalves => "ss-",
            IrOpcode.VecExtractLane => "v--",
            IrOpcode.VecInsertLane => "vs-",
            IrOpcode.VecFromScalar => "s--",
            >= IrOpcode.AesEncrypt and <= IrOpcode.PolyMul64 => IrBuilder.CryptoOperandKinds(i.Opcode)!,
            _ => IrBuilder.VectorOperandCount(i.Opcode) switch
            {
                1 => "v--",
                2 => "vv-",
                3 => "vvv",
                _ => throw new InvalidOperationException($"v{n} ({i}): unknown vector opcode.\n{block}"),
            },
        };
        CheckOperand(block, n, i.A, kinds[0], "A");
        CheckOperand(block, n, i.B, kinds[1], "B");
        CheckOperand(block, n, i.C, kinds[2], "C");
        bool scalarResult = i.Opcode is IrOpcode.VecExtractLane or (>= IrOpcode.VecAddAcross and <= IrOpcode.VecUAddLongAcross);
        if (i.Size != (scalarResult ? 8 : 16))
            throw new InvalidOperationException($"v{n} ({i}) has size {i.Size}.\n{block}");
        if (i.Opcode is IrOpcode.VecFpToInt or IrOpcode.VecIntToFp)
        {
            if (IrFp.SourceSize(i.Immediate) is not (2 or 4 or 8))
                throw new InvalidOperationException($"v{n} ({i}) has a bad lane format.\n{block}");
        }
        else if (i.Opcode is not (IrOpcode.GetVec or IrOpcode.SetVec or IrOpcode.LoadVec or IrOpcode.StoreVec or IrOpcode.VecFromHalves or IrOpcode.VecZeroUpper)
            && IrVec.ElementSize(i.Immediate) is not (1 or 2 or 4 or 8))
            throw new InvalidOperationException($"v{n} ({i}) has element size {IrVec.ElementSize(i.Immediate)}.\n{block}");
    }

    private static void CheckOperand(IrBlock block, int user, int operand, char kind, string name)
    {
        if (kind == '-')
        {
            if (operand >= 0) throw new InvalidOperationException($"Instruction {user} has an unexpected operand {name}.\n{block}");
            return;
        }
        if (operand < 0) throw new InvalidOperationException($"Instruction {user} lacks operand {name}.\n{block}");
        CheckKind(block, user, operand, kind == 'v');
    }

    private static void CheckKind(IrBlock block, int user, int operand, bool vector)
    {
        if (operand < 0 || operand >= user) return;
        if (block.Instructions[operand].IsVector != vector)
            throw new InvalidOperationException($"Instruction {user} uses v{operand} where a {(vector ? "vector" : "scalar")} value is expected.\n{block}");
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

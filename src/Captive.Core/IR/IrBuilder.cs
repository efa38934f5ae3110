namespace Captive.Core.IR;

/// <summary>A value produced by an IR instruction (its index in the block).</summary>
/// <param name="Index">Instruction index.</param>
public readonly record struct IrValue(int Index)
{
    /// <inheritdoc/>
    public override string ToString() => $"v{Index}";
}

/// <summary>
/// Appends IR to a block. Front ends lower each guest instruction through this API; the methods
/// map one to one onto <see cref="IrOpcode"/> members. <c>size</c> is 4 or 8 for operations and
/// 1, 2, 4 or 8 for memory accesses.
/// </summary>
public sealed partial class IrBuilder
{
    /// <summary>Creates a builder over <paramref name="block"/>.</summary>
    public IrBuilder(IrBlock block) => Block = block;

    /// <summary>The block being built.</summary>
    public IrBlock Block { get; }

    /// <summary>
    /// The guest address of the instruction being lowered. Memory accesses record it in their
    /// <see cref="IrInstruction.Immediate"/>, so that an access the guest MMU faults can be reported at its
    /// instruction (a precise abort) by the interpreter and the code generator alike.
    /// </summary>
    public ulong GuestPc { get; set; }

    /// <summary>
    /// While set, Load and Store are unprivileged accesses (bit 0 of their <see cref="IrInstruction.Immediate"/>): the guest
    /// MMU checks them with the permissions of translation mode 0 (for AArch64, LDTR/STTR at EL1 check EL0's).
    /// </summary>
    public bool Unprivileged { get; set; }

    private long AccessTag => (long)GuestPc | (Unprivileged ? 1L : 0L);

    private IrValue Emit(IrOpcode op, int size, int a = -1, int b = -1, int c = -1, long imm = 0)
        => new(Block.Append(new IrInstruction { Opcode = op, Size = (byte)size, A = a, B = b, C = c, Immediate = imm }));

    private static int W(int size) => size is 4 or 8 ? size : throw new ArgumentOutOfRangeException(nameof(size), "Operation width must be 4 or 8.");
    private static int M(int size) => size is 1 or 2 or 4 or 8 ? size : throw new ArgumentOutOfRangeException(nameof(size), "Access size must be 1, 2, 4 or 8.");

#pragma warning disable CS1591 // each method is documented by the opcode of the same name
    public IrValue Const(ulong value, int size = 8) => Emit(IrOpcode.Const, W(size), imm: (long)(size == 4 ? (uint)value : value));
    public IrValue GetReg(int offset, int size = 8) => Emit(IrOpcode.GetReg, M(size), imm: offset);
    public void SetReg(int offset, IrValue value, int size = 8) => Emit(IrOpcode.SetReg, M(size), value.Index, imm: offset);
    public IrValue Add(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.Add, W(size), a.Index, b.Index);
    public IrValue Sub(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.Sub, W(size), a.Index, b.Index);
    public IrValue Mul(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.Mul, W(size), a.Index, b.Index);
    public IrValue UMulHigh(IrValue a, IrValue b) => Emit(IrOpcode.UMulHigh, 8, a.Index, b.Index);
    public IrValue SMulHigh(IrValue a, IrValue b) => Emit(IrOpcode.SMulHigh, 8, a.Index, b.Index);
    public IrValue UDiv(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.UDiv, W(size), a.Index, b.Index);
    public IrValue SDiv(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.SDiv, W(size), a.Index, b.Index);
    public IrValue And(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.And, W(size), a.Index, b.Index);
    public IrValue Or(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.Or, W(size), a.Index, b.Index);
    public IrValue Xor(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.Xor, W(size), a.Index, b.Index);
    public IrValue Not(IrValue a, int size = 8) => Emit(IrOpcode.Not, W(size), a.Index);
    public IrValue Neg(IrValue a, int size = 8) => Emit(IrOpcode.Neg, W(size), a.Index);
    public IrValue Shl(IrValue a, IrValue amount, int size = 8) => Emit(IrOpcode.Shl, W(size), a.Index, amount.Index);
    public IrValue Lsr(IrValue a, IrValue amount, int size = 8) => Emit(IrOpcode.Lsr, W(size), a.Index, amount.Index);
    public IrValue Asr(IrValue a, IrValue amount, int size = 8) => Emit(IrOpcode.Asr, W(size), a.Index, amount.Index);
    public IrValue Ror(IrValue a, IrValue amount, int size = 8) => Emit(IrOpcode.Ror, W(size), a.Index, amount.Index);
    public IrValue Clz(IrValue a, int size = 8) => Emit(IrOpcode.Clz, W(size), a.Index);
    public IrValue Cls(IrValue a, int size = 8) => Emit(IrOpcode.Cls, W(size), a.Index);
    public IrValue Rbit(IrValue a, int size = 8) => Emit(IrOpcode.Rbit, W(size), a.Index);
    public IrValue ByteSwap(IrValue a, int size = 8) => Emit(IrOpcode.ByteSwap, W(size), a.Index);
    public IrValue ByteSwap16(IrValue a, int size = 8) => Emit(IrOpcode.ByteSwap16, W(size), a.Index);
    public IrValue ByteSwap32(IrValue a) => Emit(IrOpcode.ByteSwap32, 8, a.Index);
    public IrValue SignExtend(IrValue a, int fromBits, int size = 8) => Emit(IrOpcode.SignExtend, W(size), a.Index, imm: Ext(fromBits));
    public IrValue ZeroExtend(IrValue a, int fromBits, int size = 8) => Emit(IrOpcode.ZeroExtend, W(size), a.Index, imm: Ext(fromBits));
    public IrValue CmpEq(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.CmpEq, W(size), a.Index, b.Index);
    public IrValue CmpNe(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.CmpNe, W(size), a.Index, b.Index);
    public IrValue CmpUlt(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.CmpUlt, W(size), a.Index, b.Index);
    public IrValue CmpSlt(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.CmpSlt, W(size), a.Index, b.Index);
    public IrValue Select(IrValue condition, IrValue ifTrue, IrValue ifFalse, int size = 8) => Emit(IrOpcode.Select, W(size), condition.Index, ifTrue.Index, ifFalse.Index);
    public IrValue CondHolds(int armCondition) => Emit(IrOpcode.CondHolds, 8, imm: armCondition is >= 0 and < 16 ? armCondition : throw new ArgumentOutOfRangeException(nameof(armCondition)));
    public IrValue AddFlags(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.AddFlags, W(size), a.Index, b.Index);
    public IrValue SubFlags(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.SubFlags, W(size), a.Index, b.Index);

    /// <summary>CCMP (or CCMN when <paramref name="add"/>): see <see cref="IrOpcode.CondCompare"/>; <paramref name="fallbackNzcv"/> is 0–15.</summary>
    public void CondCompare(IrValue a, IrValue b, int armCondition, int fallbackNzcv, bool add, int size = 8)
    {
        if (armCondition is < 0 or >= 14) throw new ArgumentOutOfRangeException(nameof(armCondition), "AL and NV always hold: use the flag-setting op.");
        if ((uint)fallbackNzcv > 15) throw new ArgumentOutOfRangeException(nameof(fallbackNzcv));
        Emit(IrOpcode.CondCompare, W(size), a.Index, b.Index, imm: armCondition | fallbackNzcv << 4 | (add ? 0x100 : 0));
    }
    public IrValue AdcFlags(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.AdcFlags, W(size), a.Index, b.Index);
    public IrValue SbcFlags(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.SbcFlags, W(size), a.Index, b.Index);
    public IrValue Adc(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.Adc, W(size), a.Index, b.Index);
    public IrValue Sbc(IrValue a, IrValue b, int size = 8) => Emit(IrOpcode.Sbc, W(size), a.Index, b.Index);
    public void SetLogicFlags(IrValue a, int size = 8) => Emit(IrOpcode.SetLogicFlags, W(size), a.Index);
    public IrValue GetNzcv() => Emit(IrOpcode.GetNzcv, 8);
    public void SetNzcv(IrValue a) => Emit(IrOpcode.SetNzcv, 8, a.Index);
    public IrValue Load(IrValue address, int size) => Emit(IrOpcode.Load, M(size), address.Index, imm: AccessTag);
    public void Store(IrValue address, IrValue value, int size) => Emit(IrOpcode.Store, M(size), address.Index, value.Index, imm: AccessTag);
    public IrValue ReadCounter() => Emit(IrOpcode.ReadCounter, 8);
    public IrValue FpAdd(IrValue a, IrValue b, int format) => Emit(IrOpcode.FpAdd, F(format), a.Index, b.Index);
    public IrValue FpSub(IrValue a, IrValue b, int format) => Emit(IrOpcode.FpSub, F(format), a.Index, b.Index);
    public IrValue FpMul(IrValue a, IrValue b, int format) => Emit(IrOpcode.FpMul, F(format), a.Index, b.Index);
    public IrValue FpDiv(IrValue a, IrValue b, int format) => Emit(IrOpcode.FpDiv, F(format), a.Index, b.Index);
    public IrValue FpMax(IrValue a, IrValue b, int format) => Emit(IrOpcode.FpMax, F(format), a.Index, b.Index);
    public IrValue FpMin(IrValue a, IrValue b, int format) => Emit(IrOpcode.FpMin, F(format), a.Index, b.Index);
    public IrValue FpMaxNum(IrValue a, IrValue b, int format) => Emit(IrOpcode.FpMaxNum, F(format), a.Index, b.Index);
    public IrValue FpMinNum(IrValue a, IrValue b, int format) => Emit(IrOpcode.FpMinNum, F(format), a.Index, b.Index);
    public IrValue FpMulAdd(IrValue addend, IrValue a, IrValue b, int format) => Emit(IrOpcode.FpMulAdd, F(format), addend.Index, a.Index, b.Index);
    public IrValue FpSqrt(IrValue a, int format) => Emit(IrOpcode.FpSqrt, F(format), a.Index);
    public IrValue FpCompare(IrValue a, IrValue b, int format, bool signalling) => Emit(IrOpcode.FpCompare, 8, a.Index, b.Index, imm: format | (signalling ? 0x100 : 0));
    public IrValue FpConvert(IrValue a, int fromFormat, int toFormat, FpRounding rounding = FpRounding.Dynamic) => Emit(IrOpcode.FpConvert, F(toFormat), a.Index, imm: IrFp.Pack(F(fromFormat), rounding));
    public IrValue FpRoundInt(IrValue a, int format, FpRounding rounding, bool exact) => Emit(IrOpcode.FpRoundInt, F(format), a.Index, imm: IrFp.Pack(format, rounding, exact: exact));
    public IrValue FpToInt(IrValue a, int fromFormat, int toSize, FpRounding rounding, bool signed, int fractionBits = 0) => Emit(IrOpcode.FpToInt, W(toSize), a.Index, imm: IrFp.Pack(fromFormat, rounding, signed, fractionBits));
    public IrValue IntToFp(IrValue a, int fromSize, int toFormat, bool signed, int fractionBits = 0) => Emit(IrOpcode.IntToFp, F(toFormat), a.Index, imm: IrFp.Pack(W(fromSize), FpRounding.Dynamic, signed, fractionBits));

    // Vectors (see IrVec for the immediate; esize is the element size in bytes, dataSize 8 or 16)
    public IrValue GetVec(int offset) => Emit(IrOpcode.GetVec, 16, imm: offset);
    public void SetVec(int offset, IrValue vector) => Emit(IrOpcode.SetVec, 16, vector.Index, imm: offset);
    public IrValue LoadVec(IrValue address) => Emit(IrOpcode.LoadVec, 16, address.Index, imm: (long)GuestPc);
    public void StoreVec(IrValue address, IrValue vector) => Emit(IrOpcode.StoreVec, 16, address.Index, vector.Index, imm: (long)GuestPc);
    public IrValue VecFromHalves(IrValue lo, IrValue hi) => Emit(IrOpcode.VecFromHalves, 16, lo.Index, hi.Index);
    public IrValue VecExtractLane(IrValue vector, int lane, int esize) => Emit(IrOpcode.VecExtractLane, 8, vector.Index, imm: IrVec.Pack(E(esize), Lane(lane, esize)));
    public IrValue VecInsertLane(IrValue vector, int lane, int esize, IrValue scalar) => Emit(IrOpcode.VecInsertLane, 16, vector.Index, scalar.Index, imm: IrVec.Pack(E(esize), Lane(lane, esize)));
    public IrValue VecFromScalar(IrValue scalar, int esize) => Emit(IrOpcode.VecFromScalar, 16, scalar.Index, imm: IrVec.Pack(E(esize)));
    public IrValue VecZeroUpper(IrValue vector) => Emit(IrOpcode.VecZeroUpper, 16, vector.Index);
    /// <summary>A lane-wise or permuting vector operation with one or two vector operands.</summary>
    public IrValue Vec(IrOpcode op, IrValue a, int esize, int extra = 0, int dataSize = 16, int flags = 0)
        => Emit(Checked(op, 1), 16, a.Index, imm: IrVec.Pack(esize, extra, dataSize, flags));
    /// <summary>A two-operand vector operation.</summary>
    public IrValue Vec(IrOpcode op, IrValue a, IrValue b, int esize, int extra = 0, int dataSize = 16, int flags = 0)
        => Emit(Checked(op, 2), 16, a.Index, b.Index, imm: IrVec.Pack(esize, extra, dataSize, flags));
    /// <summary>A three-operand vector operation (VecTbl, VecFpMulAdd).</summary>
    public IrValue Vec(IrOpcode op, IrValue a, IrValue b, IrValue c, int esize, int extra = 0, int dataSize = 16)
        => Emit(Checked(op, 3), 16, a.Index, b.Index, c.Index, imm: IrVec.Pack(esize, extra, dataSize));
    /// <summary>An across-lanes reduction to a scalar (Size 8).</summary>
    public IrValue VecReduce(IrOpcode op, IrValue a, int esize, int dataSize = 16)
        => Emit(op is >= IrOpcode.VecAddAcross and <= IrOpcode.VecUAddLongAcross ? op : throw new ArgumentOutOfRangeException(nameof(op)), 8, a.Index, imm: IrVec.Pack(E(esize), 0, dataSize));
    public IrValue VecFpToInt(IrValue a, int esize, FpRounding rounding, bool signed, int fractionBits = 0, int dataSize = 16) => Emit(IrOpcode.VecFpToInt, 16, a.Index, imm: IrFp.Pack(F(esize), rounding, signed, fractionBits, dataSize: dataSize));
    public IrValue VecIntToFp(IrValue a, int esize, bool signed, int fractionBits = 0, int dataSize = 16) => Emit(IrOpcode.VecIntToFp, 16, a.Index, imm: IrFp.Pack(F(esize), FpRounding.Dynamic, signed, fractionBits, dataSize: dataSize));
#pragma warning restore CS1591

    /// <summary>Number of vector operands each vector opcode taking only vectors expects (0 when not such an op).</summary>
    internal static int VectorOperandCount(IrOpcode op) => op switch
    {
        IrOpcode.VecNot or IrOpcode.VecShlImm or IrOpcode.VecLsrImm or IrOpcode.VecAsrImm or IrOpcode.VecAbs or IrOpcode.VecNeg
            or IrOpcode.VecWiden or IrOpcode.VecNarrow or IrOpcode.VecRev or IrOpcode.VecCnt or IrOpcode.VecFpSqrt
            or IrOpcode.VecFpAbs or IrOpcode.VecFpNeg or IrOpcode.VecZeroUpper or IrOpcode.VecFpToInt or IrOpcode.VecIntToFp
            or IrOpcode.VecQShlImm or IrOpcode.VecClz or IrOpcode.VecCls or IrOpcode.VecRbit
            or IrOpcode.VecURecpe or IrOpcode.VecURsqrte or IrOpcode.VecFpRecipEstimate or IrOpcode.VecFpRSqrtEstimate
            or IrOpcode.VecFpRecipExponent => 1,
        IrOpcode.VecHalving or IrOpcode.VecShiftReg or IrOpcode.VecPolyMul8 or IrOpcode.VecFpRecipStep or IrOpcode.VecFpRSqrtStep => 2,
        IrOpcode.VecSUQAdd or IrOpcode.VecUSQAdd or IrOpcode.VecPolyMulLong8 or IrOpcode.VecSQDMulHigh or IrOpcode.VecFpMulX => 2,
        >= IrOpcode.VecAddAcross and <= IrOpcode.VecUAddLongAcross => 1,
        IrOpcode.VecTbl or IrOpcode.VecFpMulAdd => 3,
        >= IrOpcode.VecAdd and <= IrOpcode.VecFpCmpGt => 2,
        _ => 0,
    };

    private static IrOpcode Checked(IrOpcode op, int operands)
        => VectorOperandCount(op) == operands && op is not (>= IrOpcode.VecAddAcross and <= IrOpcode.VecUAddLongAcross)
            and not (IrOpcode.VecFpToInt or IrOpcode.VecIntToFp or IrOpcode.VecZeroUpper)
            ? op : throw new ArgumentOutOfRangeException(nameof(op), $"{op} does not take {operands} vector operand(s) this way.");

    private static int E(int esize) => esize is 1 or 2 or 4 or 8 ? esize : throw new ArgumentOutOfRangeException(nameof(esize), "Element size must be 1, 2, 4 or 8 bytes.");

    private static int Lane(int lane, int esize) => (uint)lane < (uint)(16 / esize) ? lane : throw new ArgumentOutOfRangeException(nameof(lane));

    private static int F(int format) => format is 2 or 4 or 8 ? format : throw new ArgumentOutOfRangeException(nameof(format), "FP format must be 2, 4 or 8 bytes.");

    private static int Ext(int bits) => bits is 8 or 16 or 32 ? bits : throw new ArgumentOutOfRangeException(nameof(bits), "Extension width must be 8, 16 or 32.");

    /// <summary>Ends the block with a direct jump.</summary>
    public void Jump(ulong target) => Terminate(new IrTerminal { Kind = IrTerminalKind.Jump, Target = target, Condition = -1, Value = -1 });

    /// <summary>Ends the block with a two-way conditional branch on <paramref name="condition"/> != 0.</summary>
    public void Branch(IrValue condition, ulong taken, ulong notTaken)
        => Terminate(new IrTerminal { Kind = IrTerminalKind.Branch, Condition = condition.Index, Target = taken, FallThrough = notTaken, Value = -1 });

    /// <summary>Ends the block with a jump to a computed address.</summary>
    public void JumpIndirect(IrValue target) => Terminate(new IrTerminal { Kind = IrTerminalKind.JumpIndirect, Value = target.Index, Condition = -1 });

    /// <summary>Ends the block with a jump to a computed address in the translation mode the block has just set (see <see cref="IrTerminal.ModeChange"/>).</summary>
    public void JumpIndirectChangingMode(IrValue target)
        => Terminate(new IrTerminal { Kind = IrTerminalKind.JumpIndirect, Value = target.Index, Condition = -1, ModeChange = true });

    /// <summary>Ends the block with a trap to the host.</summary>
    public void Trap(IrTrapKind kind, ulong pc, ulong nextPc, ulong info = 0, IrValue? value = null)
        => Terminate(new IrTerminal { Kind = IrTerminalKind.Trap, Trap = kind, Target = pc, FallThrough = nextPc, Info = info, Condition = -1, Value = value?.Index ?? -1 });

    private void Terminate(in IrTerminal terminal)
    {
        if (Block.IsTerminated) throw new InvalidOperationException("The block already has a terminal.");
        Block.Terminal = terminal;
        Block.IsTerminated = true;
    }
}

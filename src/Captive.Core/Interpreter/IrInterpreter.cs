using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Captive.Core.IR;

namespace Captive.Core.Interpreter;

/// <summary>
/// Executes IR blocks directly on a guest register file: the reference semantics of the IR, the
/// fallback engine where no hypervisor exists, and the oracle the x86 code generator is checked against.
/// </summary>
/// <remarks>
/// <para>
/// The condition flags live in the 8-byte slot at <see cref="GuestStateLayout.FlagsOffset"/> in the AArch64
/// NZCV register format (N, Z, C, V in bits 31:28, every other bit zero). The interpreter never writes the
/// program counter slot: the engine takes <see cref="BlockOutcome.NextPc"/> and decides.
/// </para>
/// <para>
/// State writes (<see cref="IrOpcode.SetReg"/>, flag updates) take effect immediately, so when a memory
/// access throws, the writes of the instructions before it have already happened.
/// </para>
/// <para>
/// An instance keeps a reusable value array and is not thread-safe: use one per vCPU thread.
/// <see cref="Execute"/> allocates nothing once the array has grown to the largest block seen.
/// </para>
/// </remarks>
public sealed partial class IrInterpreter
{
    private const uint FlagN = 1u << 31, FlagZ = 1u << 30, FlagC = 1u << 29, FlagV = 1u << 28;

    private readonly GuestStateLayout _layout;
    private ulong[] _values = new ulong[256];

    /// <summary>
    /// The guest PC of the memory access executed last (<see cref="IrInstruction.Immediate"/> of Load, Store, LoadVec,
    /// StoreVec): when the memory throws, the instruction whose access faulted.
    /// </summary>
    public ulong AccessPc { get; private set; }

    /// <summary>Creates an interpreter for register files laid out as <paramref name="layout"/>.</summary>
    public IrInterpreter(GuestStateLayout layout)
    {
        if (layout.Size <= 0 || layout.FlagsOffset < 0 || layout.FlagsOffset > layout.Size - 8)
            throw new ArgumentException("The flags slot must lie inside the register file.", nameof(layout));
        _layout = layout;
    }

    /// <summary>The register-file layout this interpreter was created for.</summary>
    public GuestStateLayout Layout => _layout;

    /// <summary>
    /// Runs <paramref name="block"/> once on <paramref name="state"/> (at least <see cref="GuestStateLayout.Size"/> bytes)
    /// and reports where execution continues.
    /// </summary>
    /// <exception cref="ArgumentException">The state is smaller than the layout, or the block has no terminal.</exception>
    /// <exception cref="InvalidOperationException">An instruction is malformed (bad state offset, size or opcode).</exception>
    public BlockOutcome Execute(IrBlock block, Span<byte> state, IGuestMemoryAccess memory)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(memory);
        if (state.Length < _layout.Size)
            throw new ArgumentException($"The register file is {state.Length} bytes; the layout needs {_layout.Size}.", nameof(state));
        if (!block.IsTerminated)
            throw new ArgumentException("The block has no terminal.", nameof(block));

        var insts = block.Instructions;
        if (_values.Length < insts.Length)
        {
            _values = new ulong[BitOperations.RoundUpToPowerOf2((uint)insts.Length)];
            _vectors = new ulong[2 * _values.Length];
        }
        ulong[] v = _values;
        int flagsOffset = _layout.FlagsOffset;

        for (int n = 0; n < insts.Length; n++)
        {
            ref readonly IrInstruction i = ref insts[n];
            int size = i.Size;
            ulong r;
            switch (i.Opcode)
            {
                case IrOpcode.Const: r = Trunc((ulong)i.Immediate, size); break;
                case IrOpcode.GetReg: r = ReadState(state, i.Immediate, size); break;
                case IrOpcode.SetReg: WriteState(state, i.Immediate, size, v[i.A]); r = 0; break;

                case IrOpcode.Add: r = Trunc(v[i.A] + v[i.B], size); break;
                case IrOpcode.Sub: r = Trunc(v[i.A] - v[i.B], size); break;
                case IrOpcode.Mul: r = Trunc(v[i.A] * v[i.B], size); break;
                case IrOpcode.UMulHigh: r = Math.BigMul(v[i.A], v[i.B], out _); break;
                case IrOpcode.SMulHigh: r = (ulong)Math.BigMul((long)v[i.A], (long)v[i.B], out _); break;
                case IrOpcode.UDiv: r = UDiv(v[i.A], v[i.B], size); break;
                case IrOpcode.SDiv: r = SDiv(v[i.A], v[i.B], size); break;
                case IrOpcode.And: r = Trunc(v[i.A] & v[i.B], size); break;
                case IrOpcode.Or: r = Trunc(v[i.A] | v[i.B], size); break;
                case IrOpcode.Xor: r = Trunc(v[i.A] ^ v[i.B], size); break;
                case IrOpcode.Not: r = Trunc(~v[i.A], size); break;
                case IrOpcode.Neg: r = Trunc(0 - v[i.A], size); break;
                case IrOpcode.Shl:
                    r = size == 4 ? (uint)v[i.A] << (int)(v[i.B] & 31) : v[i.A] << (int)(v[i.B] & 63); break;
                case IrOpcode.Lsr:
                    r = size == 4 ? (uint)v[i.A] >> (int)(v[i.B] & 31) : v[i.A] >> (int)(v[i.B] & 63); break;
                case IrOpcode.Asr:
                    r = size == 4 ? (uint)((int)v[i.A] >> (int)(v[i.B] & 31)) : (ulong)((long)v[i.A] >> (int)(v[i.B] & 63)); break;
                case IrOpcode.Ror:
                    r = size == 4 ? BitOperations.RotateRight((uint)v[i.A], (int)(v[i.B] & 31)) : BitOperations.RotateRight(v[i.A], (int)(v[i.B] & 63)); break;
                case IrOpcode.Clz:
                    r = size == 4 ? (ulong)BitOperations.LeadingZeroCount((uint)v[i.A]) : (ulong)BitOperations.LeadingZeroCount(v[i.A]); break;
                case IrOpcode.Cls: r = Cls(v[i.A], size); break;
                case IrOpcode.Rbit: r = size == 4 ? ReverseBits((ulong)(uint)v[i.A]) >> 32 : ReverseBits(v[i.A]); break;
                case IrOpcode.ByteSwap:
                    r = size == 4 ? BinaryPrimitives.ReverseEndianness((uint)v[i.A]) : BinaryPrimitives.ReverseEndianness(v[i.A]); break;
                case IrOpcode.ByteSwap16:
                    {
                        ulong a = v[i.A];
                        r = Trunc(((a & 0x00FF00FF00FF00FFul) << 8) | ((a >> 8) & 0x00FF00FF00FF00FFul), size);
                        break;
                    }
                case IrOpcode.ByteSwap32:
                    {
                        ulong a = v[i.A];
                        r = ((ulong)BinaryPrimitives.ReverseEndianness((uint)(a >> 32)) << 32) | BinaryPrimitives.ReverseEndianness((uint)a);
                        break;
                    }
                case IrOpcode.SignExtend: r = Trunc(SignExtend(v[i.A], i.Immediate), size); break;
                case IrOpcode.ZeroExtend: r = Trunc(ZeroExtend(v[i.A], i.Immediate), size); break;

                case IrOpcode.CmpEq: r = Trunc(v[i.A], size) == Trunc(v[i.B], size) ? 1ul : 0ul; break;
                case IrOpcode.CmpNe: r = Trunc(v[i.A], size) != Trunc(v[i.B], size) ? 1ul : 0ul; break;
                case IrOpcode.CmpUlt: r = Trunc(v[i.A], size) < Trunc(v[i.B], size) ? 1ul : 0ul; break;
                case IrOpcode.CmpSlt:
                    r = (size == 4 ? (int)v[i.A] < (int)v[i.B] : (long)v[i.A] < (long)v[i.B]) ? 1ul : 0ul; break;
                case IrOpcode.Select: r = Trunc(v[i.A] != 0 ? v[i.B] : v[i.C], size); break;

                case IrOpcode.CondHolds: r = ConditionHolds((int)i.Immediate, ReadFlags(state, flagsOffset)) ? 1ul : 0ul; break;
                case IrOpcode.AddFlags:
                    r = AddWithCarry(v[i.A], v[i.B], 0, size, out uint nzcv);
                    WriteFlags(state, flagsOffset, nzcv);
                    break;
                case IrOpcode.SubFlags:
                    r = AddWithCarry(v[i.A], ~v[i.B], 1, size, out nzcv);
                    WriteFlags(state, flagsOffset, nzcv);
                    break;
                case IrOpcode.AdcFlags:
                    r = AddWithCarry(v[i.A], v[i.B], CarryIn(state, flagsOffset), size, out nzcv);
                    WriteFlags(state, flagsOffset, nzcv);
                    break;
                case IrOpcode.SbcFlags:
                    r = AddWithCarry(v[i.A], ~v[i.B], CarryIn(state, flagsOffset), size, out nzcv);
                    WriteFlags(state, flagsOffset, nzcv);
                    break;
                case IrOpcode.Adc: r = Trunc(v[i.A] + v[i.B] + CarryIn(state, flagsOffset), size); break;
                case IrOpcode.Sbc: r = Trunc(v[i.A] + ~v[i.B] + CarryIn(state, flagsOffset), size); break;
                case IrOpcode.SetLogicFlags:
                    {
                        ulong a = Trunc(v[i.A], size);
                        uint f = a == 0 ? FlagZ : 0;
                        if ((a >> (size * 8 - 1) & 1) != 0) f |= FlagN;
                        WriteFlags(state, flagsOffset, f);
                        r = 0;
                        break;
                    }
                case IrOpcode.GetNzcv: r = ReadFlags(state, flagsOffset); break;
                case IrOpcode.SetNzcv: WriteFlags(state, flagsOffset, (uint)v[i.A] & 0xF000_0000u); r = 0; break;
                case IrOpcode.CondCompare:
                {
                    if (ConditionHolds((int)(i.Immediate & 15), ReadFlags(state, flagsOffset)))
                    {
                        bool add = (i.Immediate & 0x100) != 0;
                        AddWithCarry(v[i.A], add ? v[i.B] : ~v[i.B], add ? 0ul : 1ul, size, out uint flags);
                        WriteFlags(state, flagsOffset, flags);
                    }
                    else WriteFlags(state, flagsOffset, (uint)(i.Immediate >> 4 & 15) << 28);
                    r = 0;
                    break;
                }

                case IrOpcode.Load:
                    CheckAccessSize(size);
                    AccessPc = (ulong)i.Immediate & ~1UL;
                    r = Trunc((i.Immediate & 1) == 0 ? memory.Read(v[i.A], size) : memory.ReadUnprivileged(v[i.A], size), size);
                    break;
                case IrOpcode.Store:
                    CheckAccessSize(size);
                    AccessPc = (ulong)i.Immediate & ~1UL;
                    if ((i.Immediate & 1) == 0) memory.Write(v[i.A], size, Trunc(v[i.B], size));
                    else memory.WriteUnprivileged(v[i.A], size, Trunc(v[i.B], size));
                    r = 0;
                    break;

                case IrOpcode.ReadCounter: r = memory.ReadCounter(); break;

                case >= IrOpcode.FpAdd and <= IrOpcode.IntToFp:
                    r = FloatingPoint(in i, v, state);
                    break;

                case >= IrOpcode.GetVec:
                    r = Vector(in i, n, v, state, memory);
                    break;

                default:
                    throw new InvalidOperationException($"v{n}: unknown opcode {i.Opcode}.");
            }
            v[n] = r;
        }

        ref readonly IrTerminal t = ref block.Terminal;
        switch (t.Kind)
        {
            case IrTerminalKind.Jump:
                return new BlockOutcome(t.Target, IrTrapKind.None, 0, 0, 0);
            case IrTerminalKind.Branch:
                return new BlockOutcome(v[t.Condition] != 0 ? t.Target : t.FallThrough, IrTrapKind.None, 0, 0, 0);
            case IrTerminalKind.JumpIndirect:
                return new BlockOutcome(v[t.Value], IrTrapKind.None, 0, 0, 0);
            case IrTerminalKind.Trap:
                return new BlockOutcome(t.FallThrough, t.Trap, t.Info, t.Value >= 0 ? v[t.Value] : 0, t.Target);
            default:
                throw new InvalidOperationException($"Unknown terminal kind {t.Kind}.");
        }
    }

    /// <summary>
    /// The AArch64 <c>ConditionHolds</c> pseudocode for condition <paramref name="cond"/> (0–15) and flags
    /// <paramref name="nzcv"/> in NZCV register format. AL (14) and NV (15) both hold.
    /// </summary>
    public static bool ConditionHolds(int cond, uint nzcv)
    {
        bool n = (nzcv & FlagN) != 0, z = (nzcv & FlagZ) != 0, c = (nzcv & FlagC) != 0, vf = (nzcv & FlagV) != 0;
        bool result = (cond >> 1) switch
        {
            0 => z,
            1 => c,
            2 => n,
            3 => vf,
            4 => c && !z,
            5 => n == vf,
            6 => n == vf && !z,
            _ => true,
        };
        return (cond & 1) != 0 && cond != 15 ? !result : result;
    }

    /// <summary>
    /// The AArch64 <c>AddWithCarry</c> pseudocode at <paramref name="size"/> bytes (4 or 8): returns the
    /// (zero-extended) sum and the NZCV flags it produces, in NZCV register format.
    /// </summary>
    public static ulong AddWithCarry(ulong x, ulong y, ulong carryIn, int size, out uint nzcv)
    {
        ulong result;
        bool c, vf, neg;
        if (size == 4)
        {
            uint a = (uint)x, b = (uint)y;
            ulong wide = (ulong)a + b + carryIn;
            uint r32 = (uint)wide;
            c = wide >> 32 != 0;
            vf = ((a ^ r32) & (b ^ r32) & 0x8000_0000u) != 0;
            neg = (int)r32 < 0;
            result = r32;
        }
        else
        {
            ulong s = x + y;
            bool c1 = s < x;
            result = s + carryIn;
            c = c1 || result < s;
            vf = ((x ^ result) & (y ^ result) & 0x8000_0000_0000_0000ul) != 0;
            neg = (long)result < 0;
        }
        nzcv = (neg ? FlagN : 0) | (result == 0 ? FlagZ : 0) | (c ? FlagC : 0) | (vf ? FlagV : 0);
        return result;
    }

    /// <summary>One FP opcode through <see cref="ArmFloat"/>: FPCR in, FPSR cumulative bits out.</summary>
    private ulong FloatingPoint(in IrInstruction i, ulong[] v, Span<byte> state)
    {
        uint fpcr = _layout.FpcrOffset >= 0 ? (uint)ReadState(state, _layout.FpcrOffset, 8) : 0;
        var exc = FpExceptions.None;
        ulong r = EvaluateFloatingPoint(i.Opcode, i.Size, i.Immediate, v[i.A], i.B >= 0 ? v[i.B] : 0, i.C >= 0 ? v[i.C] : 0, fpcr, ref exc);
        if (exc != FpExceptions.None && _layout.FpsrOffset >= 0)
            WriteState(state, _layout.FpsrOffset, 8, ReadState(state, _layout.FpsrOffset, 8) | (uint)exc);
        return r;
    }

    /// <summary>
    /// The ARM result of the scalar FP opcode <paramref name="op"/> (FpAdd…IntToFp) of <paramref name="size"/> and
    /// <paramref name="imm"/> on operands <paramref name="a"/>, <paramref name="b"/>, <paramref name="c"/>; the exceptions
    /// it raises are ORed into <paramref name="exceptions"/>. Also the translated code's exact path (ChannelRequest.FpOp).
    /// </summary>
    public static ulong EvaluateFloatingPoint(IrOpcode op, int size, long imm, ulong a, ulong b, ulong c, uint fpcr, ref FpExceptions exceptions) => op switch
    {
        IrOpcode.FpAdd => ArmFloat.Add(a, b, size, fpcr, ref exceptions),
        IrOpcode.FpSub => ArmFloat.Sub(a, b, size, fpcr, ref exceptions),
        IrOpcode.FpMul => ArmFloat.Mul(a, b, size, fpcr, ref exceptions),
        IrOpcode.FpDiv => ArmFloat.Div(a, b, size, fpcr, ref exceptions),
        IrOpcode.FpMax => ArmFloat.Max(a, b, size, fpcr, ref exceptions),
        IrOpcode.FpMin => ArmFloat.Min(a, b, size, fpcr, ref exceptions),
        IrOpcode.FpMaxNum => ArmFloat.MaxNum(a, b, size, fpcr, ref exceptions),
        IrOpcode.FpMinNum => ArmFloat.MinNum(a, b, size, fpcr, ref exceptions),
        IrOpcode.FpMulAdd => ArmFloat.MulAdd(a, b, c, size, fpcr, ref exceptions),
        IrOpcode.FpSqrt => ArmFloat.Sqrt(a, size, fpcr, ref exceptions),
        IrOpcode.FpCompare => ArmFloat.Compare(a, b, (int)(imm & 0xFF), (imm & 0x100) != 0, fpcr, ref exceptions),
        IrOpcode.FpConvert => ArmFloat.Convert(a, IrFp.SourceSize(imm), size, IrFp.Rounding(imm), fpcr, ref exceptions),
        IrOpcode.FpRoundInt => ArmFloat.RoundInt(a, size, IrFp.Rounding(imm), IrFp.RaisesInexact(imm), fpcr, ref exceptions),
        IrOpcode.FpToInt => ArmFloat.ToFixed(a, IrFp.SourceSize(imm), size, IrFp.IsSigned(imm), IrFp.FractionBits(imm), IrFp.Rounding(imm), fpcr, ref exceptions),
        IrOpcode.IntToFp => ArmFloat.FromFixed(a, IrFp.SourceSize(imm), IrFp.IsSigned(imm), IrFp.FractionBits(imm), size, IrFp.Rounding(imm), fpcr, ref exceptions),
        _ => throw new InvalidOperationException($"Unknown FP opcode {op}."),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Trunc(ulong value, int size) => size switch
    {
        8 => value,
        4 => (uint)value,
        2 => (ushort)value,
        1 => (byte)value,
        _ => throw new InvalidOperationException($"Bad operation size {size}."),
    };

    private static void CheckAccessSize(int size)
    {
        if (size is not (1 or 2 or 4 or 8))
            throw new InvalidOperationException($"Bad access size {size}.");
    }

    private static ulong UDiv(ulong a, ulong b, int size)
    {
        if (size == 4)
            return (uint)b == 0 ? 0 : (uint)a / (uint)b;
        return b == 0 ? 0 : a / b;
    }

    private static ulong SDiv(ulong a, ulong b, int size)
    {
        if (size == 4)
        {
            int x = (int)a, y = (int)b;
            if (y == 0) return 0;
            if (x == int.MinValue && y == -1) return unchecked((uint)int.MinValue);
            return (uint)(x / y);
        }
        long p = (long)a, q = (long)b;
        if (q == 0) return 0;
        if (p == long.MinValue && q == -1) return unchecked((ulong)long.MinValue);
        return (ulong)(p / q);
    }

    private static ulong Cls(ulong a, int size)
    {
        if (size == 4)
        {
            uint x = (uint)a;
            return (ulong)BitOperations.LeadingZeroCount(x ^ (uint)((int)x >> 31)) - 1;
        }
        return (ulong)BitOperations.LeadingZeroCount(a ^ (ulong)((long)a >> 63)) - 1;
    }

    private static ulong ReverseBits(ulong x)
    {
        x = ((x >> 1) & 0x5555555555555555ul) | ((x & 0x5555555555555555ul) << 1);
        x = ((x >> 2) & 0x3333333333333333ul) | ((x & 0x3333333333333333ul) << 2);
        x = ((x >> 4) & 0x0F0F0F0F0F0F0F0Ful) | ((x & 0x0F0F0F0F0F0F0F0Ful) << 4);
        return BinaryPrimitives.ReverseEndianness(x);
    }

    private static ulong SignExtend(ulong a, long bits) => bits switch
    {
        8 => (ulong)(sbyte)a,
        16 => (ulong)(short)a,
        32 => (ulong)(int)a,
        _ => throw new InvalidOperationException($"Bad extension width {bits}."),
    };

    private static ulong ZeroExtend(ulong a, long bits) => bits switch
    {
        8 => (byte)a,
        16 => (ushort)a,
        32 => (uint)a,
        _ => throw new InvalidOperationException($"Bad extension width {bits}."),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte At(Span<byte> state, long offset, int size)
    {
        if ((ulong)offset > (ulong)(state.Length - size) || size is not (1 or 2 or 4 or 8))
            throw new InvalidOperationException($"State access of {size} bytes at offset {offset} is outside the register file.");
        return ref Unsafe.Add(ref MemoryMarshal.GetReference(state), (nint)offset);
    }

    private static ulong ReadState(Span<byte> state, long offset, int size)
    {
        ref byte p = ref At(state, offset, size);
        return size switch
        {
            1 => p,
            2 => BitConverter.IsLittleEndian ? Unsafe.ReadUnaligned<ushort>(ref p) : BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref p)),
            4 => BitConverter.IsLittleEndian ? Unsafe.ReadUnaligned<uint>(ref p) : BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(ref p)),
            _ => BitConverter.IsLittleEndian ? Unsafe.ReadUnaligned<ulong>(ref p) : BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref p)),
        };
    }

    private static void WriteState(Span<byte> state, long offset, int size, ulong value)
    {
        ref byte p = ref At(state, offset, size);
        switch (size)
        {
            case 1: p = (byte)value; break;
            case 2: Unsafe.WriteUnaligned(ref p, BitConverter.IsLittleEndian ? (ushort)value : BinaryPrimitives.ReverseEndianness((ushort)value)); break;
            case 4: Unsafe.WriteUnaligned(ref p, BitConverter.IsLittleEndian ? (uint)value : BinaryPrimitives.ReverseEndianness((uint)value)); break;
            default: Unsafe.WriteUnaligned(ref p, BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value)); break;
        }
    }

    private static uint ReadFlags(Span<byte> state, int offset) => (uint)ReadState(state, offset, 8) & 0xF000_0000u;

    private static ulong CarryIn(Span<byte> state, int offset) => (ReadFlags(state, offset) & FlagC) != 0 ? 1ul : 0ul;

    private static void WriteFlags(Span<byte> state, int offset, uint nzcv) => WriteState(state, offset, 8, nzcv);
}

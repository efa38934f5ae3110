using System.Numerics;
using Captive.Core.IR;

namespace Captive.Core.Interpreter;

// The vector (AdvSIMD) opcodes. Vector values live in a parallel array, two ulongs (low, high) per
// instruction index, so that execution stays allocation-free. Lane-wise operations act on the low
// IrVec.DataSize bytes and leave the rest of the result zero.
public sealed partial class IrInterpreter
{
    private const uint FpsrQc = 1u << 27;

    private ulong[] _vectors = new ulong[512];

    private struct V128
    {
        public ulong Lo, Hi;

        public V128(ulong lo, ulong hi)
        {
            Lo = lo;
            Hi = hi;
        }

        public readonly ulong Get(int lane, int esize)
        {
            int bit = lane * esize * 8;
            ulong w = bit < 64 ? Lo : Hi;
            return (w >> (bit & 63)) & Mask(esize);
        }

        public void Set(int lane, int esize, ulong value)
        {
            int bit = lane * esize * 8;
            ulong m = Mask(esize) << (bit & 63);
            ulong bits = (value << (bit & 63)) & m;
            if (bit < 64) Lo = (Lo & ~m) | bits;
            else Hi = (Hi & ~m) | bits;
        }
    }

    private static ulong Mask(int esize) => esize >= 8 ? ulong.MaxValue : (1ul << (esize * 8)) - 1;

    private static long Sx(ulong value, int esize) => esize >= 8 ? (long)value : (long)(value << (64 - 8 * esize)) >> (64 - 8 * esize);

    private static ulong SatS(Int128 value, int esize, ref bool qc)
    {
        int bits = esize * 8;
        Int128 max = (Int128.One << (bits - 1)) - 1, min = -(Int128.One << (bits - 1));
        if (value > max) { qc = true; value = max; }
        else if (value < min) { qc = true; value = min; }
        return (ulong)(long)value & Mask(esize);
    }

    private static ulong SatU(Int128 value, int esize, ref bool qc)
    {
        Int128 max = esize >= 8 ? (Int128)ulong.MaxValue : (Int128)Mask(esize);
        if (value > max) { qc = true; value = max; }
        else if (value < 0) { qc = true; value = 0; }
        return (ulong)value;
    }

    private ulong Vector(in IrInstruction i, int n, ulong[] v, Span<byte> state, IGuestMemoryAccess memory)
    {
        ulong[] x = _vectors;
        long imm = i.Immediate;
        int es = IrVec.ElementSize(imm), ds = IrVec.DataSize(imm), extra = IrVec.Extra(imm);
        var a = i.A >= 0 ? new V128(x[2 * i.A], x[2 * i.A + 1]) : default;
        var b = i.B >= 0 ? new V128(x[2 * i.B], x[2 * i.B + 1]) : default;
        var r = default(V128);
        bool qc = false;
        var exc = FpExceptions.None;
        uint fpcr = 0;
        if (i.Opcode >= IrOpcode.VecFpAdd && _layout.FpcrOffset >= 0)
            fpcr = (uint)ReadState(state, _layout.FpcrOffset, 8);
        int lanes = es is 1 or 2 or 4 or 8 ? ds / es : 0;

        switch (i.Opcode)
        {
            case IrOpcode.GetVec:
                r = new V128(ReadState(state, i.Immediate, 8), ReadState(state, i.Immediate + 8, 8));
                break;
            case IrOpcode.SetVec:
                WriteState(state, i.Immediate, 8, a.Lo);
                WriteState(state, i.Immediate + 8, 8, a.Hi);
                return 0;
            case IrOpcode.LoadVec:
                AccessPc = (ulong)i.Immediate & ~1UL;
                r = new V128(memory.Read(v[i.A], 8), memory.Read(v[i.A] + 8, 8));
                break;
            case IrOpcode.StoreVec:
                AccessPc = (ulong)i.Immediate & ~1UL;
                memory.Write(v[i.A], 8, b.Lo);
                memory.Write(v[i.A] + 8, 8, b.Hi);
                return 0;
            case IrOpcode.VecFromHalves: r = new V128(v[i.A], v[i.B]); break;
            case IrOpcode.VecExtractLane: return a.Get(extra, es);
            case IrOpcode.VecInsertLane:
                r = a;
                r.Set(extra, es, v[i.B]);
                break;
            case IrOpcode.VecFromScalar:
                for (int k = 0; k < lanes; k++) r.Set(k, es, v[i.A]);
                break;
            case IrOpcode.VecZeroUpper: r = new V128(a.Lo, 0); break;

            case IrOpcode.VecWiden:
                {
                    ulong src = extra == 1 ? a.Hi : a.Lo;
                    var s = new V128(src, 0);
                    bool signed = (IrVec.Flags(imm) & 1) != 0;
                    for (int k = 0; k < 8 / es; k++)
                    {
                        ulong e = s.Get(k, es);
                        r.Set(k, 2 * es, signed ? (ulong)Sx(e, es) : e);
                    }
                    break;
                }
            case IrOpcode.VecNarrow:
                {
                    int mode = IrVec.Flags(imm);
                    for (int k = 0; k < 8 / es; k++)
                    {
                        ulong e = a.Get(k, 2 * es);
                        r.Set(k, es, mode switch
                        {
                            0 => e,
                            1 => SatS(Sx(e, 2 * es), es, ref qc),
                            2 => SatU(e, es, ref qc),
                            _ => SatU(Sx(e, 2 * es), es, ref qc),
                        });
                    }
                    break;
                }
            case IrOpcode.VecAddPairwise:
                for (int k = 0; k < lanes; k++)
                {
                    int j = 2 * k;
                    ulong e0 = j < lanes ? a.Get(j, es) : b.Get(j - lanes, es);
                    ulong e1 = j + 1 < lanes ? a.Get(j + 1, es) : b.Get(j + 1 - lanes, es);
                    r.Set(k, es, e0 + e1);
                }
                break;
            case >= IrOpcode.VecAddAcross and <= IrOpcode.VecUAddLongAcross:
                return Across(i.Opcode, a, es, lanes);
            case IrOpcode.VecZip1 or IrOpcode.VecZip2:
                {
                    int half = lanes / 2, from = i.Opcode == IrOpcode.VecZip2 ? half : 0;
                    for (int p = 0; p < half; p++)
                    {
                        r.Set(2 * p, es, a.Get(from + p, es));
                        r.Set(2 * p + 1, es, b.Get(from + p, es));
                    }
                    break;
                }
            case IrOpcode.VecUzp1 or IrOpcode.VecUzp2:
                {
                    int odd = i.Opcode == IrOpcode.VecUzp2 ? 1 : 0;
                    for (int k = 0; k < lanes; k++)
                    {
                        int j = 2 * k + odd;
                        r.Set(k, es, j < lanes ? a.Get(j, es) : b.Get(j - lanes, es));
                    }
                    break;
                }
            case IrOpcode.VecTrn1 or IrOpcode.VecTrn2:
                {
                    int odd = i.Opcode == IrOpcode.VecTrn2 ? 1 : 0;
                    for (int p = 0; p < lanes / 2; p++)
                    {
                        r.Set(2 * p, es, a.Get(2 * p + odd, es));
                        r.Set(2 * p + 1, es, b.Get(2 * p + odd, es));
                    }
                    break;
                }
            case IrOpcode.VecExt:
                for (int k = 0; k < ds; k++)
                {
                    int j = k + extra;
                    r.Set(k, 1, j < ds ? a.Get(j, 1) : b.Get(j - ds, 1));
                }
                break;
            case IrOpcode.VecTbl:
                {
                    var c = new V128(x[2 * i.C], x[2 * i.C + 1]);
                    for (int k = 0; k < ds; k++)
                    {
                        int j = (int)a.Get(k, 1) - extra;
                        r.Set(k, 1, (uint)j < 16 ? b.Get(j, 1) : c.Get(k, 1));
                    }
                    break;
                }
            case IrOpcode.VecRev:
                {
                    int per = extra / es;
                    for (int k = 0; k < lanes; k++)
                        r.Set(k, es, a.Get(k / per * per + (per - 1 - k % per), es));
                    break;
                }

            case IrOpcode.VecFpToInt or IrOpcode.VecIntToFp:
                {
                    int format = IrFp.SourceSize(imm);
                    for (int k = 0; k < IrFp.DataSize(imm) / format; k++) // lanes beyond the data size stay zero
                    {
                        ulong e = a.Get(k, format);
                        r.Set(k, format, i.Opcode == IrOpcode.VecFpToInt
                            ? ArmFloat.ToFixed(e, format, format, IrFp.IsSigned(imm), IrFp.FractionBits(imm), IrFp.Rounding(imm), fpcr, ref exc)
                            : ArmFloat.FromFixed(e, format, IrFp.IsSigned(imm), IrFp.FractionBits(imm), format, IrFp.Rounding(imm), fpcr, ref exc));
                    }
                    break;
                }
            case >= IrOpcode.AesEncrypt and <= IrOpcode.PolyMul64:
                r = Crypto(in i, a, b, i.C >= 0 ? new V128(x[2 * i.C], x[2 * i.C + 1]) : default, i.B >= 0 ? (uint)v[i.B] : 0);
                break;
            case IrOpcode.VecPolyMulLong8:
                {
                    var sa = new V128(extra == 1 ? a.Hi : a.Lo, 0);
                    var sb = new V128(extra == 1 ? b.Hi : b.Lo, 0);
                    for (int k = 0; k < 8; k++)
                    {
                        ulong ea = sa.Get(k, 1), eb = sb.Get(k, 1), product = 0;
                        for (int bit = 0; bit < 8; bit++)
                            if (((eb >> bit) & 1) != 0) product ^= ea << bit;
                        r.Set(k, 2, product);
                    }
                    break;
                }
            case IrOpcode.VecQShlImm:
                {
                    int mode = IrVec.Flags(imm);
                    for (int k = 0; k < lanes; k++)
                    {
                        ulong e = a.Get(k, es);
                        Int128 shifted = (mode == 1 ? (Int128)e : (Int128)Sx(e, es)) << extra;
                        r.Set(k, es, mode == 0 ? SatS(shifted, es, ref qc) : SatU(shifted, es, ref qc));
                    }
                    break;
                }
            case IrOpcode.VecSQDMulHigh:
                {
                    int bits = 8 * es;
                    Int128 round = (IrVec.Flags(imm) & 1) != 0 ? Int128.One << (bits - 1) : Int128.Zero;
                    for (int k = 0; k < lanes; k++)
                        r.Set(k, es, SatS((2 * (Int128)Sx(a.Get(k, es), es) * Sx(b.Get(k, es), es) + round) >> bits, es, ref qc));
                    break;
                }
            case IrOpcode.VecHalving:
                {
                    int flags = IrVec.Flags(imm);
                    bool unsigned = (flags & 1) != 0;
                    for (int k = 0; k < lanes; k++)
                    {
                        ulong ea = a.Get(k, es), eb = b.Get(k, es);
                        Int128 p = unsigned ? ea : Sx(ea, es), q = unsigned ? eb : Sx(eb, es);
                        Int128 sum = (flags & 4) != 0 ? p - q : p + q + ((flags & 2) != 0 ? 1 : 0);
                        r.Set(k, es, (ulong)(sum >> 1));
                    }
                    break;
                }
            case IrOpcode.VecShiftReg:
                {
                    int flags = IrVec.Flags(imm);
                    for (int k = 0; k < lanes; k++)
                        r.Set(k, es, ShiftByRegister(a.Get(k, es), (sbyte)(byte)b.Get(k, es), es, flags, ref qc));
                    break;
                }
            case IrOpcode.VecFpMulAdd:
                {
                    var c = new V128(x[2 * i.C], x[2 * i.C + 1]);
                    for (int k = 0; k < lanes; k++)
                        r.Set(k, es, ArmFloat.MulAdd(a.Get(k, es), b.Get(k, es), c.Get(k, es), es, fpcr, ref exc));
                    break;
                }

            default:
                if (IrBuilder.VectorOperandCount(i.Opcode) == 1)
                {
                    for (int k = 0; k < lanes; k++)
                        r.Set(k, es, Unary(i.Opcode, a.Get(k, es), es, extra, fpcr, ref exc));
                }
                else if (IrBuilder.VectorOperandCount(i.Opcode) == 2)
                {
                    for (int k = 0; k < lanes; k++)
                        r.Set(k, es, Binary(i.Opcode, a.Get(k, es), b.Get(k, es), es, fpcr, ref qc, ref exc));
                }
                else
                {
                    throw new InvalidOperationException($"v{n}: unknown vector opcode {i.Opcode}.");
                }
                break;
        }

        if ((qc || exc != FpExceptions.None) && _layout.FpsrOffset >= 0)
            WriteState(state, _layout.FpsrOffset, 8, ReadState(state, _layout.FpsrOffset, 8) | (uint)exc | (qc ? FpsrQc : 0));
        x[2 * n] = r.Lo;
        x[2 * n + 1] = r.Hi;
        return 0;
    }

    private static ulong Across(IrOpcode op, V128 a, int es, int lanes)
    {
        bool signed = op is IrOpcode.VecSMaxAcross or IrOpcode.VecSMinAcross or IrOpcode.VecSAddLongAcross;
        if (op is IrOpcode.VecAddAcross or IrOpcode.VecSAddLongAcross or IrOpcode.VecUAddLongAcross)
        {
            ulong sum = 0;
            for (int k = 0; k < lanes; k++)
                sum += signed ? (ulong)Sx(a.Get(k, es), es) : a.Get(k, es);
            return op == IrOpcode.VecAddAcross ? sum & Mask(es) : sum & Mask(2 * es);
        }
        bool max = op is IrOpcode.VecSMaxAcross or IrOpcode.VecUMaxAcross;
        ulong best = a.Get(0, es);
        for (int k = 1; k < lanes; k++)
        {
            ulong e = a.Get(k, es);
            bool greater = signed ? Sx(e, es) > Sx(best, es) : e > best;
            bool less = signed ? Sx(e, es) < Sx(best, es) : e < best;
            if (max ? greater : less) best = e;
        }
        return best;
    }

    private static ulong Unary(IrOpcode op, ulong a, int es, int shift, uint fpcr, ref FpExceptions exc)
    {
        int bits = es * 8;
        return op switch
        {
            IrOpcode.VecNot => ~a,
            IrOpcode.VecShlImm => shift >= bits ? 0 : a << shift,
            IrOpcode.VecLsrImm => shift >= bits ? 0 : a >> shift,
            IrOpcode.VecAsrImm => (ulong)(Sx(a, es) >> Math.Min(shift, 63)),
            IrOpcode.VecAbs => Sx(a, es) < 0 ? 0 - a : a,
            IrOpcode.VecNeg => 0 - a,
            IrOpcode.VecCnt => (ulong)BitOperations.PopCount(a),
            IrOpcode.VecClz => (ulong)(BitOperations.LeadingZeroCount(a) - (64 - bits)),
            IrOpcode.VecCls => (ulong)(BitOperations.LeadingZeroCount((ulong)(Sx(a, es) ^ (Sx(a, es) >> 1)) & Mask(es)) - (64 - bits) - 1),
            IrOpcode.VecRbit => ReverseBits(a, bits),
            IrOpcode.VecURecpe => (a & 0x8000_0000) == 0 ? 0xffff_ffff : (ulong)ArmFloat.RecipEstimate((int)(a >> 23) & 0x1ff) << 23,
            IrOpcode.VecURsqrte => (a & 0xc000_0000) == 0 ? 0xffff_ffff : (ulong)ArmFloat.RecipSqrtEstimate((int)(a >> 23) & 0x1ff) << 23,
            IrOpcode.VecFpAbs => a & ~(1ul << (bits - 1)),
            IrOpcode.VecFpNeg => a ^ (1ul << (bits - 1)),
            IrOpcode.VecFpSqrt => ArmFloat.Sqrt(a, es, fpcr, ref exc),
            IrOpcode.VecFpRecipEstimate => ArmFloat.RecipEstimate(a, es, fpcr, ref exc),
            IrOpcode.VecFpRSqrtEstimate => ArmFloat.RSqrtEstimate(a, es, fpcr, ref exc),
            IrOpcode.VecFpRecipExponent => ArmFloat.RecipExponent(a, es, fpcr, ref exc),
            _ => throw new InvalidOperationException($"{op} is not a one-operand lane operation."),
        };
    }

    /// <summary>
    /// The SSHL family on one lane: shift left by <paramref name="shift"/> (negative: right), rounding and saturating
    /// as <paramref name="flags"/> say (bit 0 unsigned, bit 1 rounding, bit 2 saturating), computed exactly.
    /// </summary>
    private static ulong ShiftByRegister(ulong element, int shift, int es, int flags, ref bool qc)
    {
        bool unsigned = (flags & 1) != 0, round = (flags & 2) != 0, saturate = (flags & 4) != 0;
        Int128 x = unsigned ? element : Sx(element, es);
        Int128 result;
        if (shift >= 64)
        {
            // No bit of a lane survives; any non-zero value saturates (x << 64 would not fit Int128 either).
            if (x == 0 || !saturate) return 0;
            result = x < 0 ? Int128.MinValue : Int128.MaxValue;
        }
        else if (shift >= 0)
        {
            result = x << shift; // |x| < 2^64, shift ≤ 63: fits
        }
        else
        {
            int right = Math.Min(-shift, 65); // (x + 2^(s-1)) >> s is 0 (and x >> s is the sign) for every s ≥ 65
            if (round) x += Int128.One << (right - 1);
            result = x >> right;
        }
        if (!saturate) return (ulong)result & Mask(es);
        return unsigned ? SatU(result, es, ref qc) : SatS(result, es, ref qc);
    }

    private static ulong ReverseBits(ulong a, int bits)
    {
        ulong r = 0;
        for (int k = 0; k < bits; k++)
            r |= ((a >> k) & 1) << (bits - 1 - k);
        return r;
    }

    private static ulong Binary(IrOpcode op, ulong a, ulong b, int es, uint fpcr, ref bool qc, ref FpExceptions exc)
    {
        int bits = es * 8;
        long sa = Sx(a, es), sb = Sx(b, es);
        const ulong Ones = ulong.MaxValue;
        switch (op)
        {
            case IrOpcode.VecAdd: return a + b;
            case IrOpcode.VecSub: return a - b;
            case IrOpcode.VecMul: return a * b;
            case IrOpcode.VecAnd: return a & b;
            case IrOpcode.VecOr: return a | b;
            case IrOpcode.VecXor: return a ^ b;
            case IrOpcode.VecBic: return a & ~b;
            case IrOpcode.VecSshl or IrOpcode.VecUshl: // the SSHL family without rounding or saturation
                return ShiftByRegister(a, (sbyte)(byte)b, es, op == IrOpcode.VecUshl ? 1 : 0, ref qc);
            case IrOpcode.VecCmpEq: return a == b ? Ones : 0;
            case IrOpcode.VecCmpGt: return sa > sb ? Ones : 0;
            case IrOpcode.VecCmpGe: return sa >= sb ? Ones : 0;
            case IrOpcode.VecCmpHi: return a > b ? Ones : 0;
            case IrOpcode.VecCmpHs: return a >= b ? Ones : 0;
            case IrOpcode.VecCmpTst: return (a & b) != 0 ? Ones : 0;
            case IrOpcode.VecSMin: return sa <= sb ? a : b;
            case IrOpcode.VecSMax: return sa >= sb ? a : b;
            case IrOpcode.VecUMin: return Math.Min(a, b);
            case IrOpcode.VecUMax: return Math.Max(a, b);
            case IrOpcode.VecSQAdd: return SatS((Int128)sa + sb, es, ref qc);
            case IrOpcode.VecSQSub: return SatS((Int128)sa - sb, es, ref qc);
            case IrOpcode.VecUQAdd: return SatU((Int128)a + b, es, ref qc);
            case IrOpcode.VecUQSub: return SatU((Int128)a - b, es, ref qc);
            case IrOpcode.VecSUQAdd: return SatS((Int128)sa + b, es, ref qc);
            case IrOpcode.VecUSQAdd: return SatU((Int128)a + sb, es, ref qc);
            case IrOpcode.VecSAbsDiff: return (ulong)(long)Int128.Abs((Int128)sa - sb);
            case IrOpcode.VecUAbsDiff: return a > b ? a - b : b - a;
            case IrOpcode.VecFpAdd: return ArmFloat.Add(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpSub: return ArmFloat.Sub(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpMul: return ArmFloat.Mul(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpMulX: return ArmFloat.MulX(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpDiv: return ArmFloat.Div(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpRecipStep: return ArmFloat.RecipStep(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpRSqrtStep: return ArmFloat.RSqrtStep(a, b, es, fpcr, ref exc);
            case IrOpcode.VecPolyMul8:
                {
                    ulong product = 0;
                    for (int bit = 0; bit < 8; bit++)
                        if (((b >> bit) & 1) != 0) product ^= a << bit;
                    return product & 0xFF;
                }
            case IrOpcode.VecFpMax: return ArmFloat.Max(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpMin: return ArmFloat.Min(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpMaxNum: return ArmFloat.MaxNum(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpMinNum: return ArmFloat.MinNum(a, b, es, fpcr, ref exc);
            case IrOpcode.VecFpCmpEq or IrOpcode.VecFpCmpGe or IrOpcode.VecFpCmpGt:
                {
                    uint nzcv = ArmFloat.Compare(a, b, es, op != IrOpcode.VecFpCmpEq, fpcr, ref exc);
                    bool z = (nzcv & FlagZ) != 0, nv = ((nzcv & FlagN) != 0) == ((nzcv & FlagV) != 0);
                    bool result = op switch { IrOpcode.VecFpCmpEq => z, IrOpcode.VecFpCmpGe => nv, _ => nv && !z };
                    return result ? Ones : 0;
                }
            default:
                throw new InvalidOperationException($"{op} is not a two-operand lane operation.");
        }
    }
}

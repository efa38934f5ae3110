using Captive.Core.IR;
using Captive.Core.Runtime;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

// Vector (AdvSIMD) values in XMM registers (docs/design-simd-ir.md, "Code generator"): XMM0–XMM12 hold IR
// vector values with the same local allocation scheme as the integer pool (spilled to the spill area in
// 16-byte slots, furthest next use first), XMM13–XMM15 are scratch. V registers are read from and written to
// the register file at each GetVec/SetVec (the scalar cache of their halves is evicted first). Lane-wise ops
// compute all 16 bytes and then clear the bytes above the data size, which is what the IR asks of them; ops
// whose result depends on bytes above the data size (saturation flags, permutes) handle it explicitly. SSE4.1
// is the baseline. Whatever is not listed in VectorSupported stays with the interpreter (per block).
internal sealed partial class X86BlockCompiler
{
    private const int XPoolSize = 13;
    private static readonly AssemblerRegisterXMM[] X =
        [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12];

    private int[] _xloc = new int[256];
    private bool[] _isVec = new bool[256];
    private readonly int[] _xLive = new int[XPoolSize];
    private int _xPinned;
    private bool _xmmUsed; // _xLive or _xBound may be non-zero: the next block clears them
    private readonly List<(Label Label, ulong Lo, ulong Hi)> _constants = new();

    /// <summary>True for the vector FP ops compiled with an SSE fast path and the exact fallback (they need the FPCR guard).</summary>
    private static bool IsVectorFpArithmetic(IrOpcode op) => op is IrOpcode.VecFpAdd or IrOpcode.VecFpSub or IrOpcode.VecFpMul
        or IrOpcode.VecFpDiv or IrOpcode.VecFpSqrt or IrOpcode.VecFpMulAdd or IrOpcode.VecFpCmpEq or IrOpcode.VecFpCmpGe
        or IrOpcode.VecFpCmpGt or IrOpcode.VecFpToInt or IrOpcode.VecIntToFp;

    /// <summary>Vector opcodes with code generation (element and data sizes included).</summary>
    private bool VectorSupported(in IrInstruction x)
    {
        long imm = x.Immediate;
        int es = IrVec.ElementSize(imm), ds = IrVec.DataSize(imm);
        bool lanes124 = es is 1 or 2 or 4;
        switch (x.Opcode)
        {
            case IrOpcode.GetVec: case IrOpcode.SetVec: case IrOpcode.LoadVec: case IrOpcode.StoreVec:
            case IrOpcode.VecFromHalves: case IrOpcode.VecZeroUpper:
            case IrOpcode.VecAnd: case IrOpcode.VecOr: case IrOpcode.VecXor: case IrOpcode.VecBic: case IrOpcode.VecNot:
                return true;
            case IrOpcode.VecExtractLane: case IrOpcode.VecInsertLane:
                return es is 1 or 2 or 4 or 8 && IrVec.Extra(imm) < 16 / es;
            case IrOpcode.VecFromScalar: case IrOpcode.VecAdd: case IrOpcode.VecSub: case IrOpcode.VecCmpEq: case IrOpcode.VecNeg:
            case IrOpcode.VecCmpTst:
                return es is 1 or 2 or 4 or 8;
            case IrOpcode.VecMul:
                return es is 1 or 2 or 4;
            case IrOpcode.VecCmpGt: case IrOpcode.VecCmpGe: case IrOpcode.VecCmpHi: case IrOpcode.VecCmpHs:
            case IrOpcode.VecSMin: case IrOpcode.VecSMax: case IrOpcode.VecUMin: case IrOpcode.VecUMax: case IrOpcode.VecAbs:
                return lanes124;
            case IrOpcode.VecSQAdd: case IrOpcode.VecUQAdd: case IrOpcode.VecSQSub: case IrOpcode.VecUQSub:
                return es is 1 or 2;
            case IrOpcode.VecShlImm: case IrOpcode.VecLsrImm:
                return es is 2 or 4 or 8 && IrVec.Extra(imm) <= es * 8;
            case IrOpcode.VecAsrImm:
                return es is 2 or 4 && IrVec.Extra(imm) <= es * 8;
            case IrOpcode.VecZip1: case IrOpcode.VecZip2:
                return es is 1 or 2 or 4 or 8 && ds is 8 or 16 && es < ds;
            case IrOpcode.VecUzp1: case IrOpcode.VecUzp2:
                return (es is 1 or 2 or 4 or 8 && ds == 16) || (es is 1 or 2 or 4 && ds == 8);
            case IrOpcode.VecTrn1: case IrOpcode.VecTrn2:
                return es is 1 or 2 or 4 or 8 && ds is 8 or 16 && es < ds;
            case IrOpcode.VecSAbsDiff: case IrOpcode.VecUAbsDiff:
                return lanes124;
            case IrOpcode.VecExt:
                return (ds == 16 && IrVec.Extra(imm) < 16) || (ds == 8 && IrVec.Extra(imm) < 8);
            case IrOpcode.VecTbl:
                return true;
            case IrOpcode.VecRev:
                return es is 1 or 2 or 4 && IrVec.Extra(imm) is 2 or 4 or 8 && IrVec.Extra(imm) > es;
            case IrOpcode.VecCnt:
                return es == 1;
            case IrOpcode.VecWiden:
                return lanes124 && IrVec.Extra(imm) <= 1;
            case IrOpcode.VecNarrow:
                // Truncating for 1/2/4-byte results; saturating (QC from a widen-back compare) for 1/2-byte results.
                return lanes124 && (IrVec.Flags(imm) == 0 || (es is 1 or 2 && IrVec.Flags(imm) <= 3 && _layout.FpsrOffset >= 0));
            case IrOpcode.VecFpAbs: case IrOpcode.VecFpNeg:
                return es is 2 or 4 or 8;
            case IrOpcode.VecFpAdd: case IrOpcode.VecFpSub: case IrOpcode.VecFpMul: case IrOpcode.VecFpDiv: case IrOpcode.VecFpSqrt:
                return es is 4 or 8 && ds >= es && _layout.FpcrOffset >= 0 && _layout.FpsrOffset >= 0;
            case IrOpcode.VecFpMulAdd:
                return es is 4 or 8 && ds >= es && _options.UseFma && _layout.FpcrOffset >= 0 && _layout.FpsrOffset >= 0;
            case IrOpcode.VecFpCmpEq: case IrOpcode.VecFpCmpGe: case IrOpcode.VecFpCmpGt:
                return es is 4 or 8 && ds >= es && _layout.FpcrOffset >= 0 && _layout.FpsrOffset >= 0;
            case IrOpcode.VecFpToInt: case IrOpcode.VecIntToFp:
                // Signed 32-bit lanes only (CVTTPS2DQ / CVTDQ2PS); FCVTZS only among the conversions to integer.
                return IrFp.SourceSize(imm) == 4 && IrFp.IsSigned(imm) && IrFp.FractionBits(imm) == 0
                    && (x.Opcode == IrOpcode.VecIntToFp || IrFp.Rounding(imm) == FpRounding.Zero)
                    && _layout.FpcrOffset >= 0 && _layout.FpsrOffset >= 0;
            case IrOpcode.VecAddAcross:
                return es is 1 or 2 or 4 && ds is 8 or 16 && ds > es;
            case IrOpcode.VecAddPairwise:
                return (es is 2 or 4 && ds is 8 or 16) || (es == 8 && ds == 16);
            default:
                return false;
        }
    }

    // ───────────────────────────── V registers cached in XMM ─────────────────────────────
    // A V register written by SetVec or read by GetVec stays in its XMM register (_vecX, keyed by its first
    // slot; _slotDirty of that slot is its dirty bit) until the block's end or until something else touches
    // its bytes: a GetReg/SetReg/eviction of either half writes it back first and drops it, so a slot is
    // covered by at most one of the GPR half cache, the XMM half cache and this one.

    private readonly int[] _vecX = Enumerable.Repeat(-1, MaxSlots).ToArray();
    private int _vecCount; // entries of _vecX bound

    // Immediates written to a whole slot (the zero upper half of every scalar FP write) wait to be stored until
    // the block's end or the slot's next use: a later write to the same slot makes them dead. Exclusive with the
    // register caches of the slot, like those.
    private readonly bool[] _immPending = new bool[MaxSlots];
    private readonly int[] _immValue = new int[MaxSlots];

    private void SetPendingImmediate(int s, int imm)
    {
        if (!_immPending[s] && _slotReg[s] < 0 && _slotX[s] < 0 && _vecX[s] < 0) _touched.Add(s);
        _immPending[s] = true;
        _immValue[s] = imm;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void StorePendingImmediate(int s)
    {
        // The test inline, the store out of line: every guest register read and every flush asks, few slots have one.
        if (_immPending[s]) StoreImmediate(s);
    }

    private void StoreImmediate(int s)
    {
        _a.mov(__qword_ptr[r15 + s * 8], _immValue[s]);
        _immPending[s] = false;
    }

    /// <summary>The first slot of the cached V register covering slot <paramref name="s"/>, or -1.</summary>
    private int VecCover(int s)
    {
        if (_vecX[s] >= 0) return s;
        if (s > 0 && _vecX[s - 1] >= 0) return s - 1;
        return -1;
    }

    private void BindVec(int s, int r, bool dirty)
    {
        if (_slotReg[s] < 0 && _slotX[s] < 0 && _vecX[s] < 0) _touched.Add(s);
        if (_vecX[s] < 0) _vecCount++;
        _vecX[s] = r;
        _slotDirty[s] = dirty;
        _xBound[r]++;
        _xmmUsed = true;
    }

    private void VecUnbind(int s, bool writeBack)
    {
        int r = _vecX[s];
        if (writeBack && _slotDirty[s]) _a.movdqu(__xmmword_ptr[r15 + s * 8], X[r]);
        _xBound[r]--;
        _vecCount--;
        _vecX[s] = -1; _slotDirty[s] = false;
    }

    /// <summary>Writes back and drops the cached V registers overlapping [<paramref name="offset"/>, +<paramref name="size"/>).</summary>
    private void EvictVecCaches(int offset, int size)
    {
        if (_vecCount == 0) return; // most blocks cache no V register: every GetReg and SetReg asks
        for (int s = offset / 8; s <= (offset + size - 1) / 8 && s < MaxSlots; s++)
        {
            int t = VecCover(s);
            if (t >= 0) VecUnbind(t, writeBack: true);
        }
    }

    // ───────────────────────────── XMM allocation ─────────────────────────────

    private int XAlloc()
    {
        for (int r = 0; r < XPoolSize; r++)
            if (_xLive[r] == 0 && _xBound[r] == 0 && (_xPinned & (1 << r)) == 0) { _xPinned |= 1 << r; return r; }
        for (int r = 0; r < XPoolSize; r++)
            if (_xLive[r] == 0 && (_xPinned & (1 << r)) == 0) { XUnbind(r); _xPinned |= 1 << r; return r; }
        int victim = -1, furthest = -1;
        for (int r = 0; r < XPoolSize; r++)
        {
            if ((_xPinned & (1 << r)) != 0) continue;
            int next = 0;
            for (int v = 0; v < _current; v++) if (_xloc[v] == r) next = Math.Max(next, _info[v].LastUse);
            if (next > furthest) { furthest = next; victim = r; }
        }
        if (victim < 0)
            throw new InvalidOperationException($"Vector register pressure too high in block 0x{_block.GuestAddress:x}.");
        for (int v = 0; v < _current; v++)
        {
            if (_xloc[v] != victim) continue;
            if (!_isVec[v] && (_loc[v] >= 0 || _info[v].Spill >= 0)) { _xloc[v] = -1; continue; } // a scalar with another copy
            if (!_isVec[v])
            {
                if (_spillSlots == MaxSpillSlots) throw new InvalidOperationException($"Block 0x{_block.GuestAddress:x} needs more than {MaxSpillSlots} spill slots.");
                _info[v].Spill = _spillSlots++;
                int at = SpillArea + _info[v].Spill * 8;
                if (_block.Instructions[v].Size == 8) _a.movq(__qword_ptr[r15 + at], X[victim]);
                else { _a.movd(__dword_ptr[r15 + at], X[victim]); _a.mov(__dword_ptr[r15 + at + 4], 0); } // a GPR reload takes 8 bytes: zero-extended
            }
            else if (_info[v].Spill < 0)
            {
                if (_spillSlots + 2 > MaxSpillSlots) throw new InvalidOperationException($"Block 0x{_block.GuestAddress:x} needs more than {MaxSpillSlots} spill slots.");
                _info[v].Spill = _spillSlots;
                _spillSlots += 2;
                _a.movdqu(__xmmword_ptr[r15 + SpillArea + _info[v].Spill * 8], X[victim]);
            }
            _xloc[v] = -1;
        }
        _xLive[victim] = 0;
        XUnbind(victim);
        _xPinned |= 1 << victim;
        return victim;
    }

    private void XDefine(int v, int r) { _xloc[v] = r; _xLive[r]++; _xmmUsed = true; }

    private int XUse(int v)
    {
        if (_xloc[v] >= 0) { _xPinned |= 1 << _xloc[v]; return _xloc[v]; }
        if (!_isVec[v]) return XScalar(v);
        if (_info[v].Spill >= 0)
        {
            int r = XAlloc();
            _a.movdqu(X[r], __xmmword_ptr[r15 + SpillArea + _info[v].Spill * 8]);
            XDefine(v, r);
            return r;
        }
        throw new InvalidOperationException($"v{v} (vector) is used after its last use in block 0x{_block.GuestAddress:x}.");
    }

    private void XRelease(int v)
    {
        if (_xloc[v] < 0) return;
        _xLive[_xloc[v]]--;
        _xloc[v] = -1;
    }

    /// <summary>A register for a destructive op's result, starting as a copy of vector <paramref name="a"/> (its own register at its last use).</summary>
    private int XDest(int i, int a, int other = -1, int other2 = -1)
    {
        int ra = _xloc[a];
        bool shared = (other >= 0 && (other == a || (_isVec[other] && _xloc[other] == ra)))
            || (other2 >= 0 && (other2 == a || (_isVec[other2] && _xloc[other2] == ra)));
        if (ra >= 0 && _info[a].LastUse == i && _xLive[ra] == 1 && _xBound[ra] == 0 && !shared)
        {
            _xLive[ra]--; _xloc[a] = -1;
            _xPinned |= 1 << ra;
            return ra;
        }
        int src = XUse(a);
        int d = XAlloc();
        _a.movdqa(X[d], X[src]);
        return d;
    }

    /// <summary>A 16-byte constant in the block's data, loaded into <paramref name="into"/> (unaligned load).</summary>
    private void LoadConstant(AssemblerRegisterXMM into, ulong lo, ulong hi) => _a.movdqu(into, __xmmword_ptr[ConstantLabel(lo, hi)]);

    /// <summary>The label of a 16-byte constant in the block's data (emitted once per block).</summary>
    private Label ConstantLabel(ulong lo, ulong hi)
    {
        int k = 0;
        for (; k < _constants.Count; k++) if (_constants[k].Lo == lo && _constants[k].Hi == hi) break;
        if (k == _constants.Count) _constants.Add((_a.CreateLabel(), lo, hi));
        return _constants[k].Label;
    }

    /// <summary>Emits the block's vector constants (after all code).</summary>
    private void EmitConstants()
    {
        if (_constants.Count > 0) _a.Align(16); // legacy-SSE memory operands (ANDPD) need 16-byte alignment
        for (int k = 0; k < _constants.Count; k++)
        {
            var (label, lo, hi) = _constants[k];
            _a.Label(ref label);
            _a.dq(lo, hi);
        }
    }

    /// <summary>Clears the bytes of XMM <paramref name="x"/> above <paramref name="dataSize"/> (clobbers RAX).</summary>
    private void ZeroAbove(AssemblerRegisterXMM x, int dataSize)
    {
        switch (dataSize)
        {
            case 16: break;
            case 8: _a.movq(x, x); break;
            case 4: _a.movd(eax, x); _a.movd(x, eax); break;
            case 2: _a.pextrw(eax, x, 0); _a.movd(x, eax); break;
            default: _a.pextrb(eax, x, 0); _a.movd(x, eax); break;
        }
    }

    private void Sse(Code code, AssemblerRegisterXMM d, AssemblerRegisterXMM s) =>
        _a.AddInstruction(Instruction.Create(code, (Register)d, (Register)s));

    // ───────────────────────────── instructions ─────────────────────────────

    private void EmitVector(int i, in IrInstruction x)
    {
        long imm = x.Immediate;
        int es = IrVec.ElementSize(imm), ds = IrVec.DataSize(imm), extra = IrVec.Extra(imm);
        switch (x.Opcode)
        {
            case IrOpcode.GetVec:
            {
                // A V register cached whole is taken from its XMM register. Halves cached in host registers (the
                // scalar FP lowering writes V registers as two 64-bit halves) are taken from there: a 16-byte load of two fresh 8-byte stores would miss
                // store-to-load forwarding.
                int off = (int)imm;
                bool slotted = off % 8 == 0 && off / 8 + 1 < MaxSlots;
                if (slotted && _vecX[off / 8] >= 0)
                {
                    _xPinned |= 1 << _vecX[off / 8];
                    XDefine(i, _vecX[off / 8]);
                    return;
                }
                if (slotted) EvictVecCaches(off, 16); // a cached V register overlapping this one (not at the same offset)
                int lo = slotted ? _slotReg[off / 8] : -1, hi = slotted ? _slotReg[off / 8 + 1] : -1;
                int lx = slotted ? _slotX[off / 8] : -1, hx = slotted ? _slotX[off / 8 + 1] : -1;
                if (lx >= 0) _xPinned |= 1 << lx;
                if (hx >= 0) _xPinned |= 1 << hx;
                int d = XAlloc();
                bool li = slotted && _immPending[off / 8], hiImm = slotted && _immPending[off / 8 + 1];
                if (lo < 0 && hi < 0 && lx < 0 && hx < 0 && !li && !hiImm)
                {
                    _a.movdqu(X[d], __xmmword_ptr[r15 + off]);
                    if (slotted) BindVec(off / 8, d, dirty: false);
                }
                else
                {
                    if (lx >= 0) _a.movq(X[d], X[lx]);
                    else if (lo >= 0) _a.movq(X[d], _r64[lo]);
                    else if (li) { _a.mov(rax, (long)_immValue[off / 8]); _a.movq(X[d], rax); }
                    else _a.movq(X[d], __qword_ptr[r15 + off]);
                    if (hiImm) { if (_immValue[off / 8 + 1] != 0) { _a.mov(rax, (long)_immValue[off / 8 + 1]); _a.pinsrq(X[d], rax, 1); } } // MOVQ cleared it
                    else if (hx >= 0) _a.punpcklqdq(X[d], X[hx]);
                    else if (hi >= 0) _a.pinsrq(X[d], _r64[hi], 1);
                    else _a.pinsrq(X[d], __qword_ptr[r15 + off + 8], 1);
                }
                XDefine(i, d);
                return;
            }
            case IrOpcode.SetVec:
            {
                int off = (int)imm;
                int s = XUse(x.A);
                DropSlots(off, 16); // all 16 bytes are overwritten: no write-back of the cached halves
                if (off % 8 == 0 && off / 8 + 1 < MaxSlots) BindVec(off / 8, s, dirty: true);
                else _a.movdqu(__xmmword_ptr[r15 + off], X[s]);
                return;
            }
            case IrOpcode.LoadVec: EmitLoadVec(i, x); return;
            case IrOpcode.StoreVec: EmitStoreVec(x); return;
            case IrOpcode.VecFromHalves:
            {
                int ra = Use(x.A), rb = Use(x.B);
                int d = XAlloc();
                _a.movq(X[d], _r64[ra]);
                _a.movq(xmm15, _r64[rb]);
                _a.punpcklqdq(X[d], xmm15);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecExtractLane:
            {
                int s = XUse(x.A);
                int d = Alloc();
                switch (es)
                {
                    case 1: _a.pextrb(_r32[d], X[s], (byte)extra); break;
                    case 2: _a.pextrw(_r32[d], X[s], (byte)extra); break;
                    case 4: _a.pextrd(_r32[d], X[s], (byte)extra); break;
                    default: _a.pextrq(_r64[d], X[s], (byte)extra); break;
                }
                Define(i, d);
                return;
            }
            case IrOpcode.VecInsertLane:
            {
                int rb = Use(x.B);
                int d = XDest(i, x.A);
                switch (es)
                {
                    case 1: _a.pinsrb(X[d], _r32[rb], (byte)extra); break;
                    case 2: _a.pinsrw(X[d], _r32[rb], (byte)extra); break;
                    case 4: _a.pinsrd(X[d], _r32[rb], (byte)extra); break;
                    default: _a.pinsrq(X[d], _r64[rb], (byte)extra); break;
                }
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecFromScalar:
            {
                int ra = Use(x.A);
                int d = XAlloc();
                var xd = X[d];
                _a.movq(xd, _r64[ra]);
                switch (es)
                {
                    case 1: _a.pxor(xmm15, xmm15); _a.pshufb(xd, xmm15); break;
                    case 2: _a.pshuflw(xd, xd, 0); _a.punpcklqdq(xd, xd); break;
                    case 4: _a.pshufd(xd, xd, 0); break;
                    default: _a.punpcklqdq(xd, xd); break;
                }
                ZeroAbove(xd, ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecZeroUpper:
            {
                int s = XUse(x.A);
                int d = XAlloc();
                _a.movq(X[d], X[s]);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecNot:
            {
                int d = XDest(i, x.A);
                _a.pcmpeqd(xmm15, xmm15);
                _a.pxor(X[d], xmm15);
                ZeroAbove(X[d], ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecNeg:
            {
                int s = XUse(x.A);
                int d = XAlloc();
                _a.pxor(X[d], X[d]);
                Sse(Pick(es, Code.Psubb_xmm_xmmm128, Code.Psubw_xmm_xmmm128, Code.Psubd_xmm_xmmm128, Code.Psubq_xmm_xmmm128), X[d], X[s]);
                ZeroAbove(X[d], ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecAbs:
            {
                int s = XUse(x.A);
                int d = XAlloc();
                Sse(Pick(es, Code.Pabsb_xmm_xmmm128, Code.Pabsw_xmm_xmmm128, Code.Pabsd_xmm_xmmm128, Code.INVALID), X[d], X[s]);
                ZeroAbove(X[d], ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecShlImm: case IrOpcode.VecLsrImm: case IrOpcode.VecAsrImm:
            {
                int d = XDest(i, x.A);
                var xd = X[d];
                byte n = (byte)Math.Min(extra, 64);
                if (x.Opcode == IrOpcode.VecShlImm)
                {
                    if (es == 2) _a.psllw(xd, n); else if (es == 4) _a.pslld(xd, n); else _a.psllq(xd, n);
                }
                else if (x.Opcode == IrOpcode.VecLsrImm)
                {
                    if (es == 2) _a.psrlw(xd, n); else if (es == 4) _a.psrld(xd, n); else _a.psrlq(xd, n);
                }
                else if (es == 2) _a.psraw(xd, n);
                else _a.psrad(xd, n);
                ZeroAbove(xd, ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecCnt:
            {
                // Nibble look-ups: popcount(lo) + popcount(hi).
                int s = XUse(x.A);
                int d = XAlloc();
                var xd = X[d];
                LoadConstant(xmm13, 0x0F0F0F0F0F0F0F0F, 0x0F0F0F0F0F0F0F0F);
                _a.movdqa(xmm14, X[s]);
                _a.psrlw(xmm14, 4);
                _a.pand(xmm14, xmm13);
                _a.movdqa(xmm15, X[s]);
                _a.pand(xmm15, xmm13);
                LoadConstant(xd, 0x0302020102010100, 0x0403030203020201);
                _a.movdqa(xmm13, xd);
                _a.pshufb(xd, xmm15);
                _a.pshufb(xmm13, xmm14);
                _a.paddb(xd, xmm13);
                ZeroAbove(xd, ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecRev:
            {
                int d = XDest(i, x.A);
                ulong lo = 0, hi = 0;
                for (int k = 0; k < 16; k++)
                {
                    int within = k % extra, e = within / es;
                    ulong src = (ulong)(k - within + (extra / es - 1 - e) * es + within % es);
                    if (k < 8) lo |= src << (8 * k); else hi |= src << (8 * (k - 8));
                }
                LoadConstant(xmm15, lo, hi);
                _a.pshufb(X[d], xmm15);
                ZeroAbove(X[d], ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecWiden:
            {
                bool signed = (IrVec.Flags(imm) & 1) != 0;
                int s = XUse(x.A);
                int d = XAlloc();
                var src = X[s];
                if (extra == 1) { _a.pshufd(xmm15, src, 0xEE); src = xmm15; }
                var code = (es, signed) switch
                {
                    (1, true) => Code.Pmovsxbw_xmm_xmmm64, (1, false) => Code.Pmovzxbw_xmm_xmmm64,
                    (2, true) => Code.Pmovsxwd_xmm_xmmm64, (2, false) => Code.Pmovzxwd_xmm_xmmm64,
                    (_, true) => Code.Pmovsxdq_xmm_xmmm64, _ => Code.Pmovzxdq_xmm_xmmm64,
                };
                Sse(code, X[d], src);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecNarrow when IrVec.Flags(imm) != 0:
                EmitSaturatingNarrow(i, x);
                return;
            case IrOpcode.VecNarrow:
            {
                int d = XDest(i, x.A);
                if (es == 4) _a.pshufd(X[d], X[d], 0x08);
                else
                {
                    LoadConstant(xmm15, es == 1 ? 0x0E0C0A0806040200UL : 0x0D0C090805040100UL, 0x8080808080808080UL);
                    _a.pshufb(X[d], xmm15);
                }
                _a.movq(X[d], X[d]);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecTbl: EmitTbl(i, x); return;
            case IrOpcode.VecExt when ds == 8:
            {
                // The 64-bit form: B:A is one 16-byte vector; shift it right by the index, keep 8 bytes.
                int rb = XUse(x.B);
                int d = XDest(i, x.A, x.B);
                _a.punpcklqdq(X[d], X[rb]);
                if (extra != 0) _a.psrldq(X[d], (byte)extra);
                _a.movq(X[d], X[d]);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecTrn1: case IrOpcode.VecTrn2:
            {
                // TRN1: even lanes of A, and B's even lanes moved up one lane into the odd ones; TRN2: A's odd
                // lanes moved down into the even ones, and B's odd lanes.
                int rb = XUse(x.B);
                int d = XDest(i, x.A, x.B);
                var xd = X[d];
                bool second = x.Opcode == IrOpcode.VecTrn2;
                if (es == 8)
                {
                    if (second) _a.punpckhqdq(xd, X[rb]); else _a.punpcklqdq(xd, X[rb]);
                }
                else
                {
                    ulong odd = es switch { 1 => 0xFF00_FF00_FF00_FF00, 2 => 0xFFFF_0000_FFFF_0000, _ => 0xFFFF_FFFF_0000_0000 };
                    _a.movdqa(xmm15, X[rb]);
                    if (second) _a.psrldq(xd, (byte)es); else _a.pslldq(xmm15, (byte)es);
                    LoadConstant(xmm14, odd, odd);
                    _a.pand(xmm15, xmm14);
                    _a.pandn(xmm14, xd);
                    _a.por(xmm15, xmm14);
                    _a.movdqa(xd, xmm15);
                }
                ZeroAbove(xd, ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecExt:
            {
                int rb = XUse(x.B);
                int d = XDest(i, x.A, x.B);
                // palignr d, b, n: bytes n.. of b:d — the IR wants bytes extra.. of B:A (A low).
                _a.movdqa(xmm15, X[rb]);
                _a.palignr(xmm15, X[d], (byte)extra);
                _a.movdqa(X[d], xmm15);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecZip1: case IrOpcode.VecZip2:
            {
                int rb = XUse(x.B);
                int d = XDest(i, x.A, x.B);
                bool high = x.Opcode == IrOpcode.VecZip2;
                if (ds == 8)
                {
                    // The 64-bit forms: interleave the low 8 bytes, then keep the wanted half.
                    Sse(Pick(es, Code.Punpcklbw_xmm_xmmm128, Code.Punpcklwd_xmm_xmmm128, Code.Punpckldq_xmm_xmmm128, Code.Punpcklqdq_xmm_xmmm128), X[d], X[rb]);
                    if (high) _a.psrldq(X[d], 8);
                    _a.movq(X[d], X[d]);
                }
                else if (high)
                    Sse(Pick(es, Code.Punpckhbw_xmm_xmmm128, Code.Punpckhwd_xmm_xmmm128, Code.Punpckhdq_xmm_xmmm128, Code.Punpckhqdq_xmm_xmmm128), X[d], X[rb]);
                else
                    Sse(Pick(es, Code.Punpcklbw_xmm_xmmm128, Code.Punpcklwd_xmm_xmmm128, Code.Punpckldq_xmm_xmmm128, Code.Punpcklqdq_xmm_xmmm128), X[d], X[rb]);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecUzp1: case IrOpcode.VecUzp2:
            {
                int rb = XUse(x.B);
                int d = XDest(i, x.A, x.B);
                bool odd = x.Opcode == IrOpcode.VecUzp2;
                if (ds == 8)
                {
                    // The 64-bit forms: the wanted lanes of the 16-byte B:A into the low 8 bytes.
                    ulong gather = (es, odd) switch
                    {
                        (1, false) => 0x0E0C_0A08_0604_0200, (1, true) => 0x0F0D_0B09_0705_0301,
                        (2, false) => 0x0D0C_0908_0504_0100, (2, true) => 0x0F0E_0B0A_0706_0302,
                        (_, false) => 0x0B0A_0908_0302_0100, _ => 0x0F0E_0D0C_0706_0504,
                    };
                    _a.punpcklqdq(X[d], X[rb]);
                    LoadConstant(xmm14, gather, 0x8080_8080_8080_8080);
                    _a.pshufb(X[d], xmm14);
                }
                else if (es is 1 or 2)
                {
                    // The wanted lanes of each operand gathered into its low 8 bytes, then the two halves joined.
                    ulong gather = (es, odd) switch
                    {
                        (1, false) => 0x0E0C_0A08_0604_0200, (1, true) => 0x0F0D_0B09_0705_0301,
                        (_, false) => 0x0D0C_0908_0504_0100, _ => 0x0F0E_0B0A_0706_0302,
                    };
                    LoadConstant(xmm14, gather, 0x8080_8080_8080_8080);
                    _a.movdqa(xmm15, X[rb]);
                    _a.pshufb(X[d], xmm14);
                    _a.pshufb(xmm15, xmm14);
                    _a.punpcklqdq(X[d], xmm15);
                }
                else if (es == 4) _a.shufps(X[d], X[rb], (byte)(odd ? 0xDD : 0x88));
                else if (odd) _a.punpckhqdq(X[d], X[rb]);
                else _a.punpcklqdq(X[d], X[rb]);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecSQAdd: case IrOpcode.VecUQAdd: case IrOpcode.VecSQSub: case IrOpcode.VecUQSub:
                EmitSaturating(i, x);
                return;
            case IrOpcode.VecFpAbs: case IrOpcode.VecFpNeg:
            {
                int d = XDest(i, x.A);
                ulong sign = es switch { 2 => 0x8000_8000_8000_8000, 4 => 0x8000_0000_8000_0000, _ => 0x8000_0000_0000_0000 };
                if (x.Opcode == IrOpcode.VecFpAbs) { LoadConstant(xmm15, ~sign, ~sign); _a.pand(X[d], xmm15); }
                else { LoadConstant(xmm15, sign, sign); _a.pxor(X[d], xmm15); }
                ZeroAbove(X[d], ds);
                XDefine(i, d);
                return;
            }
            case IrOpcode.VecFpAdd: case IrOpcode.VecFpSub: case IrOpcode.VecFpMul: case IrOpcode.VecFpDiv: case IrOpcode.VecFpSqrt:
            case IrOpcode.VecFpMulAdd:
                EmitVectorFp(i, x);
                return;
            case IrOpcode.VecFpCmpEq: case IrOpcode.VecFpCmpGe: case IrOpcode.VecFpCmpGt:
                EmitVectorFpCompare(i, x);
                return;
            case IrOpcode.VecFpToInt: case IrOpcode.VecIntToFp:
                EmitVectorConvert(i, x);
                return;
            case IrOpcode.VecAddAcross:
            {
                int s0 = XUse(x.A);
                int d = Alloc();
                if (ds == 8) _a.movq(xmm15, X[s0]); else _a.movdqa(xmm15, X[s0]);
                if (es == 1)
                {
                    _a.pxor(xmm14, xmm14);
                    _a.psadbw(xmm15, xmm14);             // two 64-bit sums of 8 bytes
                    _a.pshufd(xmm14, xmm15, 0x4E);
                    _a.paddq(xmm15, xmm14);
                    _a.movd(eax, xmm15);
                    _a.movzx(_r32[d], al);
                }
                else if (es == 2)
                {
                    _a.pshufd(xmm14, xmm15, 0x4E); _a.paddw(xmm15, xmm14);
                    _a.pshuflw(xmm14, xmm15, 0x4E); _a.paddw(xmm15, xmm14);
                    _a.pshuflw(xmm14, xmm15, 0xB1); _a.paddw(xmm15, xmm14);
                    _a.pextrw(_r32[d], xmm15, 0);
                }
                else
                {
                    _a.pshufd(xmm14, xmm15, 0x4E); _a.paddd(xmm15, xmm14);
                    _a.pshufd(xmm14, xmm15, 0xB1); _a.paddd(xmm15, xmm14);
                    _a.movd(_r32[d], xmm15);
                }
                Define(i, d);
                return;
            }
            case IrOpcode.VecAddPairwise:
            {
                int rb = XUse(x.B);
                int d = XDest(i, x.A, x.B);
                var xd = X[d];
                if (es == 8)
                {
                    _a.movdqa(xmm15, xd);
                    _a.punpcklqdq(xd, X[rb]);
                    _a.punpckhqdq(xmm15, X[rb]);
                    _a.paddq(xd, xmm15);
                }
                else if (ds == 16)
                {
                    if (es == 2) _a.phaddw(xd, X[rb]); else _a.phaddd(xd, X[rb]);
                }
                else
                {
                    // 64-bit forms: B:A is one 16-byte vector; its pairs' sums land in the low 8 bytes.
                    _a.punpcklqdq(xd, X[rb]);
                    if (es == 2) _a.phaddw(xd, xd); else _a.phaddd(xd, xd);
                    _a.movq(xd, xd);
                }
                XDefine(i, d);
                return;
            }
        }

        // Binary lane-wise operations.
        int b = XUse(x.B);
        int dd = XDest(i, x.A, x.B);
        var xdd = X[dd];
        var xb = X[b];
        switch (x.Opcode)
        {
            case IrOpcode.VecAdd: Sse(Pick(es, Code.Paddb_xmm_xmmm128, Code.Paddw_xmm_xmmm128, Code.Paddd_xmm_xmmm128, Code.Paddq_xmm_xmmm128), xdd, xb); break;
            case IrOpcode.VecSub: Sse(Pick(es, Code.Psubb_xmm_xmmm128, Code.Psubw_xmm_xmmm128, Code.Psubd_xmm_xmmm128, Code.Psubq_xmm_xmmm128), xdd, xb); break;
            case IrOpcode.VecMul:
                if (es == 2) _a.pmullw(xdd, xb);
                else if (es == 4) _a.pmulld(xdd, xb);
                else
                {
                    // Bytes: the even bytes' products from PMULLW as they are, the odd bytes' from the high bytes.
                    _a.movdqa(xmm15, xdd);
                    _a.movdqa(xmm14, xb);
                    _a.psrlw(xmm15, 8);
                    _a.psrlw(xmm14, 8);
                    _a.pmullw(xmm15, xmm14);
                    _a.psllw(xmm15, 8);
                    _a.pmullw(xdd, xb);
                    LoadConstant(xmm14, 0x00FF_00FF_00FF_00FF, 0x00FF_00FF_00FF_00FF);
                    _a.pand(xdd, xmm14);
                    _a.por(xdd, xmm15);
                }
                break;
            case IrOpcode.VecAnd: _a.pand(xdd, xb); break;
            case IrOpcode.VecOr: _a.por(xdd, xb); break;
            case IrOpcode.VecXor: _a.pxor(xdd, xb); break;
            case IrOpcode.VecBic: _a.movdqa(xmm15, xb); _a.pandn(xmm15, xdd); _a.movdqa(xdd, xmm15); break;
            case IrOpcode.VecCmpEq: Sse(Pick(es, Code.Pcmpeqb_xmm_xmmm128, Code.Pcmpeqw_xmm_xmmm128, Code.Pcmpeqd_xmm_xmmm128, Code.Pcmpeqq_xmm_xmmm128), xdd, xb); break;
            case IrOpcode.VecCmpTst:
                _a.pand(xdd, xb);
                _a.pxor(xmm15, xmm15);
                Sse(Pick(es, Code.Pcmpeqb_xmm_xmmm128, Code.Pcmpeqw_xmm_xmmm128, Code.Pcmpeqd_xmm_xmmm128, Code.Pcmpeqq_xmm_xmmm128), xdd, xmm15);
                _a.pcmpeqd(xmm15, xmm15);
                _a.pxor(xdd, xmm15);
                break;
            case IrOpcode.VecCmpGt: Sse(Pick(es, Code.Pcmpgtb_xmm_xmmm128, Code.Pcmpgtw_xmm_xmmm128, Code.Pcmpgtd_xmm_xmmm128, Code.INVALID), xdd, xb); break;
            case IrOpcode.VecCmpGe:
                // A >= B is not (B > A).
                _a.movdqa(xmm15, xb);
                Sse(Pick(es, Code.Pcmpgtb_xmm_xmmm128, Code.Pcmpgtw_xmm_xmmm128, Code.Pcmpgtd_xmm_xmmm128, Code.INVALID), xmm15, xdd);
                _a.pcmpeqd(xdd, xdd);
                _a.pxor(xdd, xmm15);
                break;
            case IrOpcode.VecCmpHi:
            {
                // Unsigned A > B: signed compare after flipping the sign bits.
                ulong bias = es switch { 1 => 0x8080808080808080, 2 => 0x8000800080008000, _ => 0x8000000080000000 };
                LoadConstant(xmm14, bias, bias);
                _a.movdqa(xmm15, xb);
                _a.pxor(xmm15, xmm14);
                _a.pxor(xdd, xmm14);
                Sse(Pick(es, Code.Pcmpgtb_xmm_xmmm128, Code.Pcmpgtw_xmm_xmmm128, Code.Pcmpgtd_xmm_xmmm128, Code.INVALID), xdd, xmm15);
                break;
            }
            case IrOpcode.VecCmpHs:
                // Unsigned A >= B: max(A, B) == A.
                _a.movdqa(xmm15, xdd);
                Sse(Pick(es, Code.Pmaxub_xmm_xmmm128, Code.Pmaxuw_xmm_xmmm128, Code.Pmaxud_xmm_xmmm128, Code.INVALID), xmm15, xb);
                Sse(Pick(es, Code.Pcmpeqb_xmm_xmmm128, Code.Pcmpeqw_xmm_xmmm128, Code.Pcmpeqd_xmm_xmmm128, Code.INVALID), xdd, xmm15);
                break;
            case IrOpcode.VecSMin: Sse(Pick(es, Code.Pminsb_xmm_xmmm128, Code.Pminsw_xmm_xmmm128, Code.Pminsd_xmm_xmmm128, Code.INVALID), xdd, xb); break;
            case IrOpcode.VecSMax: Sse(Pick(es, Code.Pmaxsb_xmm_xmmm128, Code.Pmaxsw_xmm_xmmm128, Code.Pmaxsd_xmm_xmmm128, Code.INVALID), xdd, xb); break;
            case IrOpcode.VecUMin: Sse(Pick(es, Code.Pminub_xmm_xmmm128, Code.Pminuw_xmm_xmmm128, Code.Pminud_xmm_xmmm128, Code.INVALID), xdd, xb); break;
            case IrOpcode.VecUMax: Sse(Pick(es, Code.Pmaxub_xmm_xmmm128, Code.Pmaxuw_xmm_xmmm128, Code.Pmaxud_xmm_xmmm128, Code.INVALID), xdd, xb); break;
            case IrOpcode.VecUAbsDiff: case IrOpcode.VecSAbsDiff:
            {
                // |A - B| = max(A, B) - min(A, B), wrapping to the lane (the ARM result's bits).
                bool u = x.Opcode == IrOpcode.VecUAbsDiff;
                _a.movdqa(xmm15, xdd);
                Sse(u ? Pick(es, Code.Pminub_xmm_xmmm128, Code.Pminuw_xmm_xmmm128, Code.Pminud_xmm_xmmm128, Code.INVALID)
                      : Pick(es, Code.Pminsb_xmm_xmmm128, Code.Pminsw_xmm_xmmm128, Code.Pminsd_xmm_xmmm128, Code.INVALID), xmm15, xb);
                Sse(u ? Pick(es, Code.Pmaxub_xmm_xmmm128, Code.Pmaxuw_xmm_xmmm128, Code.Pmaxud_xmm_xmmm128, Code.INVALID)
                      : Pick(es, Code.Pmaxsb_xmm_xmmm128, Code.Pmaxsw_xmm_xmmm128, Code.Pmaxsd_xmm_xmmm128, Code.INVALID), xdd, xb);
                Sse(Pick(es, Code.Psubb_xmm_xmmm128, Code.Psubw_xmm_xmmm128, Code.Psubd_xmm_xmmm128, Code.INVALID), xdd, xmm15);
                break;
            }
            default: throw new InvalidOperationException($"No code generation for {x.Opcode}.");
        }
        ZeroAbove(xdd, ds);
        XDefine(i, dd);
    }

    /// <summary>
    /// Vector FP arithmetic: the packed SSE op (scalar form for the one-lane data size; lanes above a 64-bit data
    /// size are cleared first so that they raise nothing), then a per-lane check of the result: any lane within
    /// the data size that is NaN, or ±(smallest normal) from an op that can round to it from below, sends the
    /// whole op to the exact path (ChannelRequest.FpOp with the vectors in the control block). The flags are
    /// MXCSR's, ORed into FPSR at the block's end (X86BlockCompiler.Fp.cs).
    /// </summary>
    private void EmitVectorFp(int i, in IrInstruction x)
    {
        long imm = x.Immediate;
        int es = IrVec.ElementSize(imm), ds = IrVec.DataSize(imm);
        bool dbl = es == 8, scalar = ds == es, half = ds == 8 && es == 4;
        EvictSlots(_layout.FpcrOffset, 8);
        EvictSlots(_layout.FpsrOffset, 8);
        int ra = XUse(x.A);
        int rb = x.B >= 0 ? XUse(x.B) : -1;
        int rc = x.C >= 0 ? XUse(x.C) : -1;
        int d = XAlloc();
        var xd = X[d];
        if (half) _a.movq(xd, X[ra]); else _a.movdqa(xd, X[ra]);
        var b = rb < 0 ? xd : half ? xmm14 : X[rb];
        if (rb >= 0 && half) _a.movq(xmm14, X[rb]);
        if (half && x.Opcode == IrOpcode.VecFpDiv) { LoadConstant(xmm13, 0, 0x3F80_0000_3F80_0000); _a.por(xmm14, xmm13); } // 0 / 1 in the cleared lanes: no IE
        var c = rc < 0 ? xd : half ? xmm13 : X[rc];
        if (rc >= 0 && half) _a.movq(xmm13, X[rc]);
        var op = x.Opcode;
        Code code = (op, dbl, scalar) switch
        {
            (IrOpcode.VecFpAdd, false, false) => Code.Addps_xmm_xmmm128, (IrOpcode.VecFpAdd, false, true) => Code.Addss_xmm_xmmm32,
            (IrOpcode.VecFpAdd, true, false) => Code.Addpd_xmm_xmmm128, (IrOpcode.VecFpAdd, true, true) => Code.Addsd_xmm_xmmm64,
            (IrOpcode.VecFpSub, false, false) => Code.Subps_xmm_xmmm128, (IrOpcode.VecFpSub, false, true) => Code.Subss_xmm_xmmm32,
            (IrOpcode.VecFpSub, true, false) => Code.Subpd_xmm_xmmm128, (IrOpcode.VecFpSub, true, true) => Code.Subsd_xmm_xmmm64,
            (IrOpcode.VecFpMul, false, false) => Code.Mulps_xmm_xmmm128, (IrOpcode.VecFpMul, false, true) => Code.Mulss_xmm_xmmm32,
            (IrOpcode.VecFpMul, true, false) => Code.Mulpd_xmm_xmmm128, (IrOpcode.VecFpMul, true, true) => Code.Mulsd_xmm_xmmm64,
            (IrOpcode.VecFpDiv, false, false) => Code.Divps_xmm_xmmm128, (IrOpcode.VecFpDiv, false, true) => Code.Divss_xmm_xmmm32,
            (IrOpcode.VecFpDiv, true, false) => Code.Divpd_xmm_xmmm128, (IrOpcode.VecFpDiv, true, true) => Code.Divsd_xmm_xmmm64,
            (IrOpcode.VecFpSqrt, false, false) => Code.Sqrtps_xmm_xmmm128, (IrOpcode.VecFpSqrt, false, true) => Code.Sqrtss_xmm_xmmm32,
            (IrOpcode.VecFpSqrt, true, false) => Code.Sqrtpd_xmm_xmmm128, (IrOpcode.VecFpSqrt, true, true) => Code.Sqrtsd_xmm_xmmm64,
            (_, false, false) => Code.VEX_Vfmadd231ps_xmm_xmm_xmmm128, (_, false, true) => Code.VEX_Vfmadd231ss_xmm_xmm_xmmm32,
            (_, true, false) => Code.VEX_Vfmadd231pd_xmm_xmm_xmmm128, _ => Code.VEX_Vfmadd231sd_xmm_xmm_xmmm64,
        };
        if (op == IrOpcode.VecFpMulAdd) _a.AddInstruction(Instruction.Create(code, (Register)xd, (Register)b, (Register)c));
        else Sse(code, xd, op == IrOpcode.VecFpSqrt ? xd : b);

        // Lanes to check (see X86BlockCompiler.Fp.cs): NaN, and ±(smallest normal) where the op can round to it
        // from below. Result lanes are never signalling NaNs and lanes above a 64-bit data size are zero, so the
        // quiet packed compares raise nothing; a scalar form's upper lanes are the first operand's, so it is
        // checked with UCOMIS.
        bool tinyPossible = op is IrOpcode.VecFpMul or IrOpcode.VecFpDiv or IrOpcode.VecFpMulAdd;
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        if (scalar)
        {
            if (tinyPossible)
            {
                var plus = ConstantLabel(dbl ? 0x0010_0000_0000_0000UL : 0x0080_0000UL, 0);
                var minus = ConstantLabel(dbl ? 0x8010_0000_0000_0000UL : 0x8080_0000UL, 0);
                if (dbl) { _a.ucomisd(xd, __qword_ptr[plus]); _a.je(slow); _a.ucomisd(xd, __qword_ptr[minus]); }
                else { _a.ucomiss(xd, __dword_ptr[plus]); _a.je(slow); _a.ucomiss(xd, __dword_ptr[minus]); }
                _a.je(slow);
            }
            else
            {
                if (dbl) _a.ucomisd(xd, xd); else _a.ucomiss(xd, xd);
                _a.jp(slow);
            }
        }
        else
        {
            Code cmp = dbl ? Code.Cmppd_xmm_xmmm128_imm8 : Code.Cmpps_xmm_xmmm128_imm8;
            Code mask = dbl ? Code.Movmskpd_r32_xmm : Code.Movmskps_r32_xmm;
            _a.movdqa(xmm15, xd);
            _a.AddInstruction(Instruction.Create(cmp, Register.XMM15, Register.XMM15, 3));   // UNORD
            _a.AddInstruction(Instruction.Create(mask, Register.EAX, Register.XMM15));
            if (tinyPossible)
            {
                ulong absMask = dbl ? 0x7FFF_FFFF_FFFF_FFFFUL : 0x7FFF_FFFF_7FFF_FFFF;
                ulong minNormal = dbl ? 0x0010_0000_0000_0000UL : 0x0080_0000_0080_0000;
                LoadConstant(xmm14, absMask, absMask);
                _a.pand(xmm14, xd);
                LoadConstant(xmm13, minNormal, minNormal);
                _a.AddInstruction(Instruction.Create(cmp, Register.XMM14, Register.XMM13, 0)); // EQ: |r| == smallest normal
                _a.AddInstruction(Instruction.Create(mask, Register.ECX, Register.XMM14));
                _a.or(eax, ecx);
            }
            _a.test(eax, (1 << (ds / es)) - 1);
            _a.jne(slow);
        }
        Bind(ref back);
        ZeroAbove(xd, ds);
        long desc = (long)op | 16L << 8 | imm << 32;
        var xa = X[ra];
        var xb = rb >= 0 ? X[rb] : xd;
        var xc = rc >= 0 ? X[rc] : xd;
        _outOfLine.Add(() =>
        {
            var l = slow;
            _a.Label(ref l);
            _a.movdqu(__xmmword_ptr[r15 + ControlBlock.VectorArgs], xa);
            if (rb >= 0) _a.movdqu(__xmmword_ptr[r15 + ControlBlock.VectorArgs + 16], xb);
            if (rc >= 0) _a.movdqu(__xmmword_ptr[r15 + ControlBlock.VectorArgs + 32], xc);
            _a.mov(rax, desc);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], rax);
            _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.FpOp);
            _a.call(_entry.ChannelCall);
            _a.movdqu(xd, __xmmword_ptr[r15 + ControlBlock.VectorArgs]);
            _a.jmp(back);
        });
        XDefine(i, d);
    }

    /// <summary>The vector FP operation's exact path: operands A, B to the control block, FpOp request, the answer into <paramref name="d"/>.</summary>
    private void VectorExactPath(Label slow, Label back, IrOpcode op, long imm, int ra, int rb, int d)
    {
        long desc = (long)op | 16L << 8 | imm << 32;
        var xa = X[ra];
        var xb = rb >= 0 ? X[rb] : X[ra];
        var xd = X[d];
        _outOfLine.Add(() =>
        {
            var l = slow;
            _a.Label(ref l);
            _a.movdqu(__xmmword_ptr[r15 + ControlBlock.VectorArgs], xa);
            if (rb >= 0) _a.movdqu(__xmmword_ptr[r15 + ControlBlock.VectorArgs + 16], xb);
            _a.mov(rax, desc);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], rax);
            _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.FpOp);
            _a.call(_entry.ChannelCall);
            _a.movdqu(xd, __xmmword_ptr[r15 + ControlBlock.VectorArgs]);
            _a.jmp(back);
        });
    }

    /// <summary>FCMEQ/FCMGE/FCMGT: any unordered lane within the data size takes the exact path (IOC rules); otherwise CMPPS/CMPPD.</summary>
    private void EmitVectorFpCompare(int i, in IrInstruction x)
    {
        long imm = x.Immediate;
        int es = IrVec.ElementSize(imm), ds = IrVec.DataSize(imm);
        bool dbl = es == 8;
        EvictSlots(_layout.FpcrOffset, 8);
        EvictSlots(_layout.FpsrOffset, 8);
        int ra = XUse(x.A), rb = XUse(x.B);
        int d = XAlloc();
        Code cmp = dbl ? Code.Cmppd_xmm_xmmm128_imm8 : Code.Cmpps_xmm_xmmm128_imm8;
        var xa = X[ra];
        var xb = X[rb];
        if (ds < 16)
        {
            // Lanes above the data size hold anything, a signalling NaN included, whose IE would reach FPSR.IOC.
            _a.movdqa(xmm14, xa); ZeroAbove(xmm14, ds);
            _a.movdqa(xmm13, xb); ZeroAbove(xmm13, ds);
            xa = xmm14; xb = xmm13;
        }
        _a.movdqa(xmm15, xa);
        _a.AddInstruction(Instruction.Create(cmp, Register.XMM15, (Register)xb, 3)); // UNORD
        _a.AddInstruction(Instruction.Create(dbl ? Code.Movmskpd_r32_xmm : Code.Movmskps_r32_xmm, Register.EAX, Register.XMM15));
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        _a.test(eax, (1 << (ds / es)) - 1);
        _a.jne(slow);
        if (x.Opcode == IrOpcode.VecFpCmpEq)
        {
            _a.movdqa(X[d], xa);
            _a.AddInstruction(Instruction.Create(cmp, (Register)X[d], (Register)xb, 0));   // EQ
        }
        else
        {
            // A >= B is B <= A; A > B is B < A.
            _a.movdqa(X[d], xb);
            _a.AddInstruction(Instruction.Create(cmp, (Register)X[d], (Register)xa, x.Opcode == IrOpcode.VecFpCmpGe ? 2 : 1));
        }
        ZeroAbove(X[d], ds);
        Bind(ref back);
        VectorExactPath(slow, back, x.Opcode, imm, ra, rb, d);
        XDefine(i, d);
    }

    /// <summary>
    /// SCVTF (32-bit lanes): CVTDQ2PS, exact but for rounding, which SSE does as ARM does. FCVTZS (32-bit lanes):
    /// CVTTPS2DQ; a lane within the data size giving the "integer indefinite" (out of range or NaN) takes the exact path.
    /// Lanes above the data size are cleared before converting so that they raise nothing.
    /// </summary>
    private void EmitVectorConvert(int i, in IrInstruction x)
    {
        long imm = x.Immediate;
        int ds = IrFp.DataSize(imm);
        EvictSlots(_layout.FpcrOffset, 8);
        EvictSlots(_layout.FpsrOffset, 8);
        int ra = XUse(x.A);
        int d = XAlloc();
        var xd = X[d];
        _a.movdqa(xd, X[ra]);
        ZeroAbove(xd, ds);
        if (x.Opcode == IrOpcode.VecIntToFp) { _a.cvtdq2ps(xd, xd); XDefine(i, d); return; }
        _a.cvttps2dq(xd, xd);
        LoadConstant(xmm15, 0x8000_0000_8000_0000, 0x8000_0000_8000_0000);
        _a.pcmpeqd(xmm15, xd);
        _a.movmskps(eax, xmm15);
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        _a.test(eax, (1 << (ds / 4)) - 1);
        _a.jne(slow);
        Bind(ref back);
        VectorExactPath(slow, back, x.Opcode, imm, ra, -1, d);
        XDefine(i, d);
    }

    /// <summary>
    /// SQXTN (flags 1), UQXTN (2), SQXTUN (3) to 1- or 2-byte lanes: PACKSS/PACKUS (UQXTN clamps to the unsigned
    /// maximum first); FPSR.QC is set when widening the result back does not give the source.
    /// </summary>
    private void EmitSaturatingNarrow(int i, in IrInstruction x)
    {
        long imm = x.Immediate;
        int es = IrVec.ElementSize(imm), mode = IrVec.Flags(imm);
        EvictSlots(_layout.FpsrOffset, 8);
        int s = XUse(x.A);
        int d = XAlloc();
        var xd = X[d];
        _a.movdqa(xd, X[s]);
        if (mode == 2)
        {
            ulong max = es == 1 ? 0x00FF_00FF_00FF_00FFUL : 0x0000_FFFF_0000_FFFFUL;
            LoadConstant(xmm15, max, max);
            if (es == 1) _a.pminuw(xd, xmm15); else _a.pminud(xd, xmm15);
        }
        _a.pxor(xmm15, xmm15);
        Code pack = (mode, es) switch
        {
            (1, 1) => Code.Packsswb_xmm_xmmm128, (1, _) => Code.Packssdw_xmm_xmmm128,
            (_, 1) => Code.Packuswb_xmm_xmmm128, _ => Code.Packusdw_xmm_xmmm128,
        };
        Sse(pack, xd, xmm15);                       // high 8 bytes from zero
        bool signedResult = mode == 1;
        Code widen = (signedResult, es) switch
        {
            (true, 1) => Code.Pmovsxbw_xmm_xmmm64, (true, _) => Code.Pmovsxwd_xmm_xmmm64,
            (false, 1) => Code.Pmovzxbw_xmm_xmmm64, _ => Code.Pmovzxwd_xmm_xmmm64,
        };
        Sse(widen, xmm15, xd);
        _a.pcmpeqb(xmm15, X[s]);
        _a.pmovmskb(eax, xmm15);
        _a.cmp(eax, 0xFFFF);
        var set = _a.CreateLabel();
        var back = _a.CreateLabel();
        _a.jne(set);
        Bind(ref back);
        int fpsr = _layout.FpsrOffset;
        _outOfLine.Add(() =>
        {
            var l = set;
            _a.Label(ref l);
            _a.or(__dword_ptr[r15 + fpsr], 1 << 27);
            _a.jmp(back);
        });
        XDefine(i, d);
    }

    private static Code Pick(int es, Code b, Code w, Code d, Code q) => es switch { 1 => b, 2 => w, 4 => d, _ => q };

    /// <summary>
    /// Saturating add/subtract of bytes or halfwords; FPSR.QC is set when a lane within the data size saturated
    /// (the saturating and the wrapping results differ there).
    /// </summary>
    private void EmitSaturating(int i, in IrInstruction x)
    {
        long imm = x.Immediate;
        int es = IrVec.ElementSize(imm), ds = IrVec.DataSize(imm);
        EvictSlots(_layout.FpsrOffset, 8);
        int b = XUse(x.B);
        int d = XDest(i, x.A, x.B);
        var xd = X[d];
        bool add = x.Opcode is IrOpcode.VecSQAdd or IrOpcode.VecUQAdd;
        bool signed = x.Opcode is IrOpcode.VecSQAdd or IrOpcode.VecSQSub;
        _a.movdqa(xmm15, xd);
        Code wrap = add ? (es == 1 ? Code.Paddb_xmm_xmmm128 : Code.Paddw_xmm_xmmm128) : (es == 1 ? Code.Psubb_xmm_xmmm128 : Code.Psubw_xmm_xmmm128);
        Code sat = (add, signed, es) switch
        {
            (true, true, 1) => Code.Paddsb_xmm_xmmm128, (true, true, _) => Code.Paddsw_xmm_xmmm128,
            (true, false, 1) => Code.Paddusb_xmm_xmmm128, (true, false, _) => Code.Paddusw_xmm_xmmm128,
            (false, true, 1) => Code.Psubsb_xmm_xmmm128, (false, true, _) => Code.Psubsw_xmm_xmmm128,
            (false, false, 1) => Code.Psubusb_xmm_xmmm128, _ => Code.Psubusw_xmm_xmmm128,
        };
        Sse(wrap, xmm15, X[b]);
        Sse(sat, xd, X[b]);
        _a.pcmpeqb(xmm15, xd);
        _a.pmovmskb(eax, xmm15);
        _a.not(eax);
        _a.test(eax, ds >= 16 ? 0xFFFF : (1 << ds) - 1);
        var set = _a.CreateLabel();
        var back = _a.CreateLabel();
        _a.jne(set);
        Bind(ref back);
        int fpsr = _layout.FpsrOffset;
        _outOfLine.Add(() =>
        {
            var l = set;
            _a.Label(ref l);
            _a.or(__dword_ptr[r15 + fpsr], 1 << 27);
            _a.jmp(back);
        });
        ZeroAbove(xd, ds);
        XDefine(i, d);
    }

    /// <summary>
    /// One TBL/TBX table register: byte k = B[A[k] - Extra] when that index is 0–15, else C[k]. PSHUFB with the
    /// out-of-range bytes blended from C.
    /// </summary>
    private void EmitTbl(int i, in IrInstruction x)
    {
        long imm = x.Immediate;
        int ds = IrVec.DataSize(imm), extra = IrVec.Extra(imm);
        int ra = XUse(x.A), rc = XUse(x.C);
        int d = XDest(i, x.B, x.A, x.C);
        var xd = X[d];
        _a.movdqa(xmm15, X[ra]);
        if (extra != 0)
        {
            ulong k = 0x0101010101010101UL * (byte)extra;
            LoadConstant(xmm14, k, k);
            _a.psubb(xmm15, xmm14);
        }
        LoadConstant(xmm14, 0x0F0F0F0F0F0F0F0F, 0x0F0F0F0F0F0F0F0F);
        _a.pminub(xmm14, xmm15);
        _a.pcmpeqb(xmm14, xmm15);          // in range
        _a.pshufb(xd, xmm15);
        _a.pand(xd, xmm14);
        _a.pandn(xmm14, X[rc]);
        _a.por(xd, xmm14);
        ZeroAbove(xd, ds);
        XDefine(i, d);
    }

    /// <summary>Drops the scalar cache of guest state [offset, offset + size) without writing it back (it is being overwritten).</summary>
    private void DropSlots(int offset, int size)
    {
        for (int s = offset / 8; s <= (offset + size - 1) / 8 && s < MaxSlots; s++)
        {
            int t = VecCover(s);
            if (t >= 0) VecUnbind(t, writeBack: t * 8 < offset || t * 8 + 16 > offset + size);
            _immPending[s] = false;
            if (_slotX[s] >= 0) { XUnbindSlot(s, writeBack: false); continue; }
            int r = _slotReg[s];
            if (r < 0) continue;
            DropBound(r);
            _slotReg[s] = -1; _slotDirty[s] = false;
        }
    }

    private void EmitLoadVec(int i, in IrInstruction x)
    {
        int ra = Use(x.A);
        int d = XAlloc();
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        AccessCheck(ra, 16, write: false, slow);
        _a.movdqu(X[d], Address(__xmmword_ptr, ra));
        Bind(ref back);
        var address = _r64[ra];
        var xd = X[d];
        var access = MmuAccess((ulong)x.Immediate & ~1UL);
        _outOfLine.Add(() =>
        {
            // Outside RAM (or a TLB miss): two 8-byte reads, as the interpreter does.
            var l = slow;
            _a.Label(ref l);
            if (access.Mmu)
            {
                _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], address);
                EmitTlbWalk(access, 16, write: false);
            }
            for (int half = 0; half < 2; half++)
            {
                if (half == 0) _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], address);
                else { _a.lea(rax, __qword_ptr[address + 8]); _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], rax); }
                EmitAccessRequest(access, 8, write: false);
                _a.movq(half == 0 ? xd : xmm15, __qword_ptr[r15 + ControlBlock.Arg1]);
            }
            _a.punpcklqdq(xd, xmm15);
            _a.jmp(back);
        });
        XDefine(i, d);
    }

    private void EmitStoreVec(in IrInstruction x)
    {
        int ra = Use(x.A);
        int s = XUse(x.B);
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        AccessCheck(ra, 16, write: true, slow);
        _a.movdqu(Address(__xmmword_ptr, ra), X[s]);
        Bind(ref back);
        var address = _r64[ra];
        var xs = X[s];
        var access = MmuAccess((ulong)x.Immediate & ~1UL);
        _outOfLine.Add(() =>
        {
            var l = slow;
            _a.Label(ref l);
            if (access.Mmu)
            {
                _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], address);
                EmitTlbWalk(access, 16, write: true);
            }
            for (int half = 0; half < 2; half++)
            {
                if (half == 0) _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], address);
                else { _a.lea(rax, __qword_ptr[address + 8]); _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], rax); }
                if (half == 0) _a.movq(rax, xs); else _a.pextrq(rax, xs, 1);
                _a.mov(__qword_ptr[r15 + ControlBlock.Arg1], rax);
                EmitAccessRequest(access, 8, write: true);
            }
            _a.jmp(back);
        });
    }
}

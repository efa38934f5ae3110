using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// The SIMD&FP moves and constants compilers emit in integer code (structure copies and zeroing). A Q
// register is two 8-byte state slots; a write of a 64-bit or narrower vector or scalar zeroes the high slot.
internal sealed partial class A64Lowerer
{
    private void SetVector(int reg, IrValue lo, IrValue hi)
    {
        int offset = ArmState.V(reg);
        _b.SetReg(offset, lo);
        _b.SetReg(offset + 8, hi);
    }

    private void SimdModifiedImmediate(in A64Instruction i)
    {
        int q = i['q'], op = i['p'], cmode = i['c'], d = i['d'];
        int imm8 = (i['a'] << 5) | i['b'];
        ulong imm = A64Immediates.AdvSimdExpandImm(op, cmode, imm8);
        bool orrOrBic = cmode < 12 && (cmode & 1) == 1;
        int offset = ArmState.V(d);
        if (orrOrBic)
        {
            IrValue Apply(IrValue half) => op == 0 ? _b.Or(half, K(imm)) : _b.And(half, K(~imm));
            var lo = Apply(_b.GetReg(offset));
            var hi = q == 1 ? Apply(_b.GetReg(offset + 8)) : K(0);
            SetVector(d, lo, hi);
            return;
        }
        if (op == 1 && cmode < 14) imm = ~imm; // MVNI
        var k = K(imm);
        SetVector(d, k, q == 1 ? k : K(0));
    }

    private void FmovGeneral(in A64Instruction i)
    {
        int sf = i['z'], type = i['t'], n = i['n'], d = i['d'];
        bool toVector = i['x'] == 1;
        if (type == 2)
        {
            // FMOV Xd, Vn.D[1] / FMOV Vd.D[1], Xn: the other half is untouched
            if (toVector) _b.SetReg(ArmState.V(d) + 8, X(n));
            else SetX(d, _b.GetReg(ArmState.V(n) + 8));
            return;
        }
        int bytes = sf == 1 ? 8 : 4;
        if (toVector) SetVector(d, X(n, bytes), K(0));
        else SetX(d, _b.GetReg(ArmState.V(n), bytes));
    }

    private void FmovImmediate(in A64Instruction i)
    {
        int imm8 = i['i'];
        ulong bits = i['t'] == 0 ? A64Immediates.VfpExpandImm32(imm8) : A64Immediates.VfpExpandImm64(imm8);
        SetVector(i['d'], K(bits), K(0));
    }

    private void Dup(in A64Instruction i)
    {
        int imm5 = i['i'], q = i['q'];
        int log2 = A64Decoder.ElementSizeLog2(imm5), bytes = 1 << log2;
        IrValue element;
        if (i.Op == A64Op.DupElem)
            element = _b.GetReg(ArmState.V(i['n']) + ((imm5 >> (log2 + 1)) << log2), bytes);
        else if (bytes >= 4)
            element = X(i['n'], bytes);
        else
            element = _b.ZeroExtend(X(i['n'], 4), bytes * 8, 8);
        var value = Replicate(element, bytes);
        SetVector(i['d'], value, q == 1 ? value : K(0));
    }

    private void MoveToGeneral(in A64Instruction i)
    {
        int imm5 = i['i'];
        int log2 = A64Decoder.ElementSizeLog2(imm5), bytes = 1 << log2;
        var element = _b.GetReg(ArmState.V(i['n']) + ((imm5 >> (log2 + 1)) << log2), bytes);
        if (i.Op == A64Op.Smov)
            element = _b.SignExtend(element, bytes * 8, i['q'] == 1 ? 8 : 4);
        SetX(i['d'], element);
    }

    private void Insert(in A64Instruction i)
    {
        int imm5 = i['i'];
        int log2 = A64Decoder.ElementSizeLog2(imm5), bytes = 1 << log2;
        int destination = ArmState.V(i['d']) + ((imm5 >> (log2 + 1)) << log2);
        IrValue element = i.Op == A64Op.Ins
            ? XBytes(i['n'], bytes)
            : _b.GetReg(ArmState.V(i['n']) + ((i['j'] >> log2) << log2), bytes);
        _b.SetReg(destination, element, bytes);
    }

    private void SimdLogical(in A64Instruction i)
    {
        int q = i['q'], op = (i['u'] << 2) | i['z'];
        int d = ArmState.V(i['d']), n = ArmState.V(i['n']), m = ArmState.V(i['m']);
        var lo = LogicalHalf(op, d, n, m);
        var hi = q == 1 ? LogicalHalf(op, d + 8, n + 8, m + 8) : K(0);
        _b.SetReg(d, lo);
        _b.SetReg(d + 8, hi);
    }

    private IrValue LogicalHalf(int op, int d, int n, int m)
    {
        var vn = _b.GetReg(n);
        var vm = _b.GetReg(m);
        switch (op)
        {
            case 0: return _b.And(vn, vm);                 // AND
            case 1: return _b.And(vn, _b.Not(vm));         // BIC
            case 2: return n == m ? vn : _b.Or(vn, vm);    // ORR (MOV when n == m)
            case 3: return _b.Or(vn, _b.Not(vm));          // ORN
            case 4: return _b.Xor(vn, vm);                 // EOR
        }
        var vd = _b.GetReg(d);
        return op switch
        {
            5 => _b.Xor(vm, _b.And(_b.Xor(vm, vn), vd)),           // BSL: (d & n) | (~d & m)
            6 => _b.Xor(vd, _b.And(_b.Xor(vd, vn), vm)),           // BIT: (d & ~m) | (n & m)
            _ => _b.Xor(vd, _b.And(_b.Xor(vd, vn), _b.Not(vm))),  // BIF: (d & m) | (n & ~m)
        };
    }
}

using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

/// <summary>
/// ARMv8.1 LSE atomics: CAS, CASP, LDADD/LDCLR/LDEOR/LDSET/LDSMAX/LDSMIN/LDUMAX/LDUMIN (and their ST
/// aliases) and SWP, at every size and ordering. With one vCPU a load followed by a store is atomic;
/// acquire/release order nothing further. The store always happens (a failed CAS writes back what it
/// read), which no observer in RAM can tell apart — the same choice as for STXR. Alignment faults come
/// with the exception model (issue 5).
/// </summary>
internal sealed partial class A64Lowerer
{
    private void AtomicMemoryOperation(in A64Instruction i)
    {
        int bytes = 1 << i['z'];
        var address = XSp(i['n']);
        var operand = XBytes(i['s'], bytes);
        var old = _b.Load(address, bytes);
        IrValue updated;
        if (i.Op == A64Op.Swp)
        {
            updated = operand;
        }
        else
        {
            updated = i['o'] switch
            {
                0 => _b.Add(old, operand),
                1 => _b.And(old, _b.Not(operand)),
                2 => _b.Xor(old, operand),
                3 => _b.Or(old, operand),
                4 => _b.Select(_b.CmpSlt(Signed(old, bytes), Signed(operand, bytes)), operand, old),   // SMAX
                5 => _b.Select(_b.CmpSlt(Signed(old, bytes), Signed(operand, bytes)), old, operand),   // SMIN
                6 => _b.Select(_b.CmpUlt(old, operand), operand, old),                                  // UMAX
                _ => _b.Select(_b.CmpUlt(old, operand), old, operand),                                  // UMIN
            };
        }
        _b.Store(address, updated, bytes);
        SetX(i['t'], old); // zero-extended by the sized load; XZR discards (the ST* aliases)
    }

    private IrValue Signed(IrValue value, int bytes) => bytes == 8 ? value : _b.SignExtend(value, bytes * 8);

    private void CompareAndSwap(in A64Instruction i)
    {
        int bytes = 1 << i['z'];
        var address = XSp(i['n']);
        var expected = XBytes(i['s'], bytes);
        var desired = XBytes(i['t'], bytes);
        var old = _b.Load(address, bytes);
        _b.Store(address, _b.Select(_b.CmpEq(old, expected), desired, old), bytes);
        SetX(i['s'], old);
    }

    private void CompareAndSwapPair(in A64Instruction i)
    {
        int s = i['s'], t = i['t'];
        if ((s & 1) != 0 || (t & 1) != 0)
        {
            Undefined(); // CASP with an odd register pair is UNDEFINED
            return;
        }
        int bytes = i['z'] == 1 ? 8 : 4;
        var address = XSp(i['n']);
        var second = _b.Add(address, K((ulong)bytes));
        var expected0 = XBytes(s, bytes);
        var expected1 = XBytes(s + 1, bytes);
        var desired0 = XBytes(t, bytes);
        var desired1 = XBytes(t + 1, bytes);
        var old0 = _b.Load(address, bytes);
        var old1 = _b.Load(second, bytes);
        var equal = _b.And(_b.CmpEq(old0, expected0), _b.CmpEq(old1, expected1));
        _b.Store(address, _b.Select(equal, desired0, old0), bytes);
        _b.Store(second, _b.Select(equal, desired1, old1), bytes);
        SetX(s, old0);
        SetX(s + 1, old1);
    }
}

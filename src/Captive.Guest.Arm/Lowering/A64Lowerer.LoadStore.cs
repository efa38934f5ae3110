using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// Loads and stores (ARM DDI 0487 C4.1.4). Addresses are computed first, then the accesses, then the
// base write-back, then the register writes: a load whose destination is also its write-back base keeps
// the loaded value (the architecture's WBSUPPRESS choice), and a store stores the register's old value.
internal sealed partial class A64Lowerer
{
    private IrValue Offset(IrValue baseAddress, long offset) => offset == 0 ? baseAddress : _b.Add(baseAddress, K((ulong)offset));

    // ---- single general or SIMD&FP register

    /// <summary>
    /// The access of a single-register load/store at <paramref name="address"/>. Returns the loaded value(s)
    /// to write after any write-back, through <see cref="FinishSingle"/>.
    /// </summary>
    private (IrValue Lo, IrValue Hi, bool Write) AccessSingle(int size, int v, int opc, int rt, IrValue address)
    {
        if (v == 1)
        {
            var (bytes, load) = A64Decoder.SimdAccess(size, opc);
            int reg = ArmState.V(rt);
            if (load)
            {
                if (bytes == 16)
                    return (_b.LoadVec(address), default, true); // Hi unused: FinishSingle writes the whole vector
                return (_b.Load(address, bytes), K(0), true);
            }
            if (bytes == 16)
            {
                _b.StoreVec(address, _b.GetVec(reg));
            }
            else
            {
                _b.Store(address, _b.GetReg(reg, bytes), bytes);
            }
            return default;
        }

        int accessBytes = 1 << size;
        switch (A64Decoder.LoadStoreKind(size, v, opc, allowPrefetch: true))
        {
            case A64Decoder.LdStKind.Store:
                _b.Store(address, XBytes(rt, accessBytes), accessBytes);
                return default;
            case A64Decoder.LdStKind.Load:
                return (_b.Load(address, accessBytes), default, true);
            case A64Decoder.LdStKind.LoadSigned32:
                return (_b.SignExtend(_b.Load(address, accessBytes), accessBytes * 8, 4), default, true);
            case A64Decoder.LdStKind.LoadSigned64:
                return (_b.SignExtend(_b.Load(address, accessBytes), accessBytes * 8, 8), default, true);
            default:
                return default; // prefetch
        }
    }

    private void FinishSingle(int v, int rt, (IrValue Lo, IrValue Hi, bool Write) loaded)
    {
        if (!loaded.Write) return;
        if (v == 1)
        {
            int reg = ArmState.V(rt);
            if (_b.Block.Instructions[loaded.Lo.Index].Size == 16) { _b.SetVec(reg, loaded.Lo); return; } // a Q register
            _b.SetReg(reg, loaded.Lo);
            _b.SetReg(reg + 8, loaded.Hi);
        }
        else
        {
            SetX(rt, loaded.Lo);
        }
    }

    private static int SingleScale(int size, int v, int opc) => v == 1 && (opc & 2) != 0 ? 4 : size;

    private void LoadStoreUnsignedOffset(in A64Instruction i)
    {
        int size = i['z'], v = i['v'], opc = i['o'], rt = i['t'];
        if (v == 0 && A64Decoder.LoadStoreKind(size, v, opc, true) == A64Decoder.LdStKind.Prefetch) return;
        var address = Offset(XSp(i['n']), (long)i['i'] << SingleScale(size, v, opc));
        FinishSingle(v, rt, AccessSingle(size, v, opc, rt, address));
    }

    private void LoadStoreImm9(in A64Instruction i)
    {
        int size = i['z'], v = i['v'], opc = i['o'], rt = i['t'], n = i['n'], mode = i['w'];
        if (v == 0 && A64Decoder.LoadStoreKind(size, v, opc, true) == A64Decoder.LdStKind.Prefetch) return; // PRFUM
        long imm = i.Signed('i');
        var baseAddress = XSp(n);
        // mode: 0 unscaled (LDUR/STUR), 1 post-index, 2 unprivileged (LDTR/STTR: an unscaled access made with
        // EL0's permissions; at EL0 an ordinary one), 3 pre-index
        var address = mode == 1 ? baseAddress : Offset(baseAddress, imm);
        _b.Unprivileged = mode == 2 && _el != 0;
        var loaded = AccessSingle(size, v, opc, rt, address);
        _b.Unprivileged = false;
        if (mode is 1 or 3)
            SetXSp(n, mode == 1 ? Offset(baseAddress, imm) : address);
        FinishSingle(v, rt, loaded);
    }

    private void LoadStoreRegisterOffset(in A64Instruction i)
    {
        int size = i['z'], v = i['v'], opc = i['o'], rt = i['t'];
        if (v == 0 && A64Decoder.LoadStoreKind(size, v, opc, true) == A64Decoder.LdStKind.Prefetch) return;
        int shift = i['S'] == 1 ? SingleScale(size, v, opc) : 0;
        var offset = ExtendedRegister(i['m'], i['x'], shift, 8);
        var address = _b.Add(XSp(i['n']), offset);
        FinishSingle(v, rt, AccessSingle(size, v, opc, rt, address));
    }

    private void LoadLiteral(in A64Instruction i)
    {
        int opc = i['o'];
        if (opc == 3) return; // PRFM (literal)
        var address = K(_pc + (ulong)(i.Signed('i') << 2));
        IrValue value = opc switch
        {
            0 => _b.Load(address, 4),
            1 => _b.Load(address, 8),
            _ => _b.SignExtend(_b.Load(address, 4), 32, 8), // LDRSW
        };
        SetX(i['t'], value);
    }

    private void LoadLiteralSimd(in A64Instruction i)
    {
        int opc = i['o'];
        ulong address = _pc + (ulong)(i.Signed('i') << 2);
        int reg = ArmState.V(i['t']);
        IrValue lo, hi;
        if (opc == 2)
        {
            lo = _b.Load(K(address), 8);
            hi = _b.Load(K(address + 8), 8);
        }
        else
        {
            lo = _b.Load(K(address), opc == 0 ? 4 : 8);
            hi = K(0);
        }
        _b.SetReg(reg, lo);
        _b.SetReg(reg + 8, hi);
    }

    // ---- pairs

    private void LoadStorePair(in A64Instruction i, bool simd)
    {
        int opc = i['o'], mode = i['p'], n = i['n'], rt = i['t'], rt2 = i['u'];
        bool load = i['L'] == 1;
        int scale = simd ? 2 + opc : 2 + (opc >> 1);
        int bytes = 1 << scale;
        long imm = i.Signed('i') << scale;
        var baseAddress = XSp(n);
        // mode: 0 no-allocate offset (LDNP/STNP), 1 post-index, 2 signed offset, 3 pre-index
        var address = mode == 1 ? baseAddress : Offset(baseAddress, imm);
        var second = Offset(address, bytes);

        if (!load)
        {
            if (simd)
            {
                StoreVector(address, rt, bytes);
                StoreVector(second, rt2, bytes);
            }
            else
            {
                _b.Store(address, XBytes(rt, bytes), bytes);
                _b.Store(second, XBytes(rt2, bytes), bytes);
            }
            if (mode is 1 or 3) SetXSp(n, mode == 1 ? Offset(baseAddress, imm) : address);
            return;
        }

        if (simd && bytes == 16)
        {
            // Whole Q registers: one 16-byte access each, which the code generator keeps in XMM.
            var q1 = _b.LoadVec(address);
            var q2 = _b.LoadVec(second);
            if (mode is 1 or 3) SetXSp(n, mode == 1 ? Offset(baseAddress, imm) : address);
            _b.SetVec(ArmState.V(rt), q1);
            _b.SetVec(ArmState.V(rt2), q2);
            return;
        }
        if (simd)
        {
            var (lo1, hi1) = LoadVector(address, bytes);
            var (lo2, hi2) = LoadVector(second, bytes);
            if (mode is 1 or 3) SetXSp(n, mode == 1 ? Offset(baseAddress, imm) : address);
            int r1 = ArmState.V(rt), r2 = ArmState.V(rt2);
            _b.SetReg(r1, lo1);
            _b.SetReg(r1 + 8, hi1);
            _b.SetReg(r2, lo2);
            _b.SetReg(r2 + 8, hi2);
            return;
        }

        IrValue v1 = _b.Load(address, bytes), v2 = _b.Load(second, bytes);
        if (opc == 1) // LDPSW
        {
            v1 = _b.SignExtend(v1, 32, 8);
            v2 = _b.SignExtend(v2, 32, 8);
        }
        if (mode is 1 or 3) SetXSp(n, mode == 1 ? Offset(baseAddress, imm) : address);
        SetX(rt, v1);
        SetX(rt2, v2);
    }

    /// <summary>An S or D register's load (Q registers are loaded whole, by LoadVec): the value and the zero upper half.</summary>
    private (IrValue Lo, IrValue Hi) LoadVector(IrValue address, int bytes) => (_b.Load(address, bytes), K(0));

    private void StoreVector(IrValue address, int reg, int bytes)
    {
        int offset = ArmState.V(reg);
        if (bytes == 16)
        {
            _b.StoreVec(address, _b.GetVec(offset));
        }
        else
        {
            _b.Store(address, _b.GetReg(offset, bytes), bytes);
        }
    }

    // ---- exclusive and ordered

    private void LoadExclusive(in A64Instruction i)
    {
        int bytes = 1 << i['z'];
        var address = XSp(i['n']);
        var value = _b.Load(address, bytes);
        _b.SetReg(ArmState.ExclusiveAddress, address);
        _b.SetReg(ArmState.ExclusiveArmed, K(1));
        SetX(i['t'], value);
    }

    private void LoadExclusivePair(in A64Instruction i)
    {
        // LDXP: one single-copy-atomic access of twice the register size, split little-endian.
        int bytes = i['z'] == 1 ? 8 : 4;
        var address = XSp(i['n']);
        var first = _b.Load(address, bytes);
        var second = _b.Load(_b.Add(address, K((ulong)bytes)), bytes);
        _b.SetReg(ArmState.ExclusiveAddress, address);
        _b.SetReg(ArmState.ExclusiveArmed, K(1));
        SetX(i['t'], first);
        SetX(i['u'], second);
    }

    private void StoreExclusivePair(in A64Instruction i)
    {
        int bytes = i['z'] == 1 ? 8 : 4;
        var address = XSp(i['n']);
        var upper = _b.Add(address, K((ulong)bytes));
        var armed = _b.And(_b.CmpEq(address, _b.GetReg(ArmState.ExclusiveAddress)), _b.GetReg(ArmState.ExclusiveArmed));
        var data0 = XBytes(i['t'], bytes);
        var data1 = XBytes(i['u'], bytes);
        var old0 = _b.Load(address, bytes);
        var old1 = _b.Load(upper, bytes);
        _b.Store(address, _b.Select(armed, data0, old0), bytes);
        _b.Store(upper, _b.Select(armed, data1, old1), bytes);
        _b.SetReg(ArmState.ExclusiveArmed, K(0));
        SetX(i['s'], _b.Xor(armed, K(1)));
    }

    private void StoreExclusive(in A64Instruction i)
    {
        // One vCPU: the store happens iff the local monitor is armed for exactly this address. The IR has no
        // conditional store, so a failing STXR writes back the value it read (invisible to RAM, and the only
        // other observer is this vCPU).
        int bytes = 1 << i['z'];
        var address = XSp(i['n']);
        var armed = _b.And(_b.CmpEq(address, _b.GetReg(ArmState.ExclusiveAddress)), _b.GetReg(ArmState.ExclusiveArmed));
        var data = XBytes(i['t'], bytes);
        var old = _b.Load(address, bytes);
        _b.Store(address, _b.Select(armed, data, old), bytes);
        _b.SetReg(ArmState.ExclusiveArmed, K(0));
        SetX(i['s'], _b.Xor(armed, K(1)));
    }

    private void LoadStoreOrdered(in A64Instruction i)
    {
        int bytes = 1 << i['z'];
        var address = XSp(i['n']);
        if (i.Op == A64Op.Ldar)
            SetX(i['t'], _b.Load(address, bytes));
        else
            _b.Store(address, XBytes(i['t'], bytes), bytes);
    }
}

using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// Branches, exception generation and system instructions (ARM DDI 0487 C4.1.3).
internal sealed partial class A64Lowerer
{
    private void BranchImmediate(in A64Instruction i)
    {
        ulong target = _pc + (ulong)(i.Signed('i') << 2);
        if (i.Op == A64Op.Bl)
            SetX(30, K(_pc + 4));
        _b.Jump(target);
    }

    private void ConditionalBranch(in A64Instruction i)
    {
        ulong target = _pc + (ulong)(i.Signed('i') << 2);
        int cond = i['c'];
        if (cond >= 14) _b.Jump(target); // AL and NV both hold
        else _b.Branch(_b.CondHolds(cond), target, _pc + 4);
    }

    private void CompareAndBranch(in A64Instruction i)
    {
        int size = OpSize(i);
        ulong target = _pc + (ulong)(i.Signed('i') << 2);
        var value = X(i['t'], size);
        var zero = K(0, size);
        var taken = i.Op == A64Op.Cbz ? _b.CmpEq(value, zero, size) : _b.CmpNe(value, zero, size);
        _b.Branch(taken, target, _pc + 4);
    }

    private void TestAndBranch(in A64Instruction i)
    {
        int bit = (i['B'] << 5) | i['b'];
        ulong target = _pc + (ulong)(i.Signed('i') << 2);
        var masked = _b.And(X(i['t']), K(1ul << bit));
        var taken = i.Op == A64Op.Tbnz ? masked : _b.CmpEq(masked, K(0));
        _b.Branch(taken, target, _pc + 4);
    }

    private void BranchRegister(in A64Instruction i)
    {
        var target = X(i['n']);
        if (i.Op == A64Op.Blr)
            SetX(30, K(_pc + 4));
        _b.JumpIndirect(target);
    }

    private void Hint(in A64Instruction i)
    {
        // Every hint but WFI is a NOP here: YIELD, WFE, SEV, SEVL, and hints ARMv8.0 leaves unallocated
        // (which later architectures use for PAC and BTI) all execute as NOP.
        if ((i['m'] << 3 | i['p']) == 3)
            Trap(IrTrapKind.Wfi, 0);
    }

    private void MsrImmediate(in A64Instruction i)
    {
        int crm = i['m'];
        switch ((i['o'], i['p']))
        {
            case (0, 5):
                SwitchStackPointer(K((ulong)(crm & 1)));
                return;
            case (3, 6): // DAIFSet
                _b.SetReg(ArmState.Daif, _b.Or(_b.GetReg(ArmState.Daif), K((ulong)crm << 6)));
                EndBlockAfter();
                return;
            default:     // DAIFClr
                _b.SetReg(ArmState.Daif, _b.And(_b.GetReg(ArmState.Daif), K(~((ulong)crm << 6))));
                EndBlockAfter();
                return;
        }
    }

    /// <summary>SPSel := <paramref name="newSel"/> (0 or 1): SP moves between the banks.</summary>
    private void SwitchStackPointer(IrValue newSel)
    {
        var el = _b.GetReg(ArmState.CurrentEl);
        SwitchStack(OnEl1Stack(), _b.And(newSel, el));
        _b.SetReg(ArmState.SpSel, newSel);
    }

    /// <summary>1 when the stack pointer in use is SP_EL1 (EL1 with SPSel = 1), else 0 (SP_EL0).</summary>
    private IrValue OnEl1Stack() => _b.And(_b.GetReg(ArmState.SpSel), _b.GetReg(ArmState.CurrentEl));

    /// <summary>
    /// Saves SP into the bank <paramref name="oldOnEl1"/> selects and loads it from the bank <paramref name="newOnEl1"/>
    /// selects (each 1 for SP_EL1, 0 for SP_EL0; see <see cref="ArmState"/>).
    /// </summary>
    private void SwitchStack(IrValue oldOnEl1, IrValue newOnEl1)
    {
        var sp = _b.GetReg(ArmState.Sp);
        var sp0 = _b.Select(oldOnEl1, _b.GetReg(ArmState.SpEl0), sp);
        var sp1 = _b.Select(oldOnEl1, sp, _b.GetReg(ArmState.SpEl1));
        _b.SetReg(ArmState.SpEl0, sp0);
        _b.SetReg(ArmState.SpEl1, sp1);
        _b.SetReg(ArmState.Sp, _b.Select(newOnEl1, sp1, sp0));
    }

    private static int SystemRegisterEncoding(in A64Instruction i) => (int)(i.Word >> 5) & 0xFFFF;

    /// <summary>
    /// The value of a <see cref="SysRegAccess.Constant"/> register: the table's, except ID_AA64PFR0_EL1.GIC [27:24],
    /// which is 1 when the CPU has the GICv3 system-register interface (a property of the machine, given to the front end).
    /// </summary>
    private ulong ConstantValue(int encoding, in SysRegInfo reg)
    {
        if (encoding == A64SystemRegisters.Encode(3, 3, 0, 0, 7) && _el == 0 && !Allows(SctlrDze))
            return reg.Value | 0x10; // DCZID_EL0.DZP: DC ZVA is prohibited at EL0
        if (encoding == A64SystemRegisters.Encode(3, 0, 0, 4, 0) && GicSystemRegisters)
            return reg.Value | 1UL << 24;
        return reg.Value;
    }

    /// <summary>True when the CPU has the GICv3 CPU interface's system registers (ID_AA64PFR0_EL1.GIC = 1).</summary>
    internal bool GicSystemRegisters { get; set; }

    // MRS and MSR of a register this CPU does not have — outside the table, NameOnly (EL2, EL3, features not
    // implemented), the wrong direction of a read-only or write-only one — are UNDEFINED (EC 0), never a trap to the host.
    private void Mrs(in A64Instruction i)
    {
        int encoding = SystemRegisterEncoding(i), t = i['t'];
        if (!SystemRegisterTable.TryGet(encoding, out var reg))
        {
            if (A64IdRegisters.IsReservedIdSpace(encoding)) SetX(t, K(0)); // reserved ID registers read as zero
            else Undefined();
            return;
        }
        IrValue value;
        switch (reg.Access)
        {
            case SysRegAccess.NameOnly or SysRegAccess.OsLock or SysRegAccess.HostWriteOnly:
                Undefined();
                return;
            case SysRegAccess.Host:
                _b.Trap(IrTrapKind.SystemRegisterRead, _pc, _pc + 4, (ulong)(encoding | t << 16));
                return;
            case SysRegAccess.Constant: value = K(ConstantValue(encoding, reg)); break;
            case SysRegAccess.Zero: value = K(0); break;
            case SysRegAccess.ClaimSet: value = K(0xFF); break; // eight claim tags
            case SysRegAccess.Nzcv: value = _b.GetNzcv(); break;
            case SysRegAccess.Counter: value = _b.ReadCounter(); break;
            case SysRegAccess.CurrentEl: value = _b.Shl(_b.GetReg(ArmState.CurrentEl), K(2)); break;
            case SysRegAccess.Ccsidr:
            {
                var selection = _b.GetReg(ArmState.CsselrEl1);
                value = _b.Select(_b.CmpEq(selection, K(0)), K(A64IdRegisters.CcsidrL1Data),
                    _b.Select(_b.CmpEq(selection, K(1)), K(A64IdRegisters.CcsidrL1Instruction),
                        _b.Select(_b.CmpEq(selection, K(2)), K(A64IdRegisters.CcsidrL2), K(0)))); // no such cache: UNKNOWN, 0
                break;
            }
            default: value = _b.GetReg(reg.Offset); break;
        }
        SetX(t, value);
    }

    private void MsrRegister(in A64Instruction i)
    {
        int encoding = SystemRegisterEncoding(i);
        if (!SystemRegisterTable.TryGet(encoding, out var reg))
        {
            Undefined();
            return;
        }
        int t = i['t'];
        switch (reg.Access)
        {
            case SysRegAccess.NameOnly or SysRegAccess.Constant or SysRegAccess.Counter or SysRegAccess.CurrentEl
                or SysRegAccess.ReadOnlySlot or SysRegAccess.Ccsidr:
                Undefined(); // absent or read-only
                return;
            case SysRegAccess.Zero:
                return;
            case SysRegAccess.Nzcv:
                _b.SetNzcv(X(t));
                return;
            case SysRegAccess.Daif:
                _b.SetReg(ArmState.Daif, _b.And(X(t), K(0x3C0)));
                EndBlockAfter();
                return;
            case SysRegAccess.SpSel:
                SwitchStackPointer(_b.And(X(t), K(1)));
                return;
            case SysRegAccess.SlotWriteTraps or SysRegAccess.Host or SysRegAccess.HostWriteOnly or SysRegAccess.OsLock:
                if (encoding == Ttbr0Encoding)
                {
                    // A context switch: written here, carried out by translated code itself when it knows the space.
                    _b.SetReg(ArmState.Ttbr0El1, X(t));
                    _b.Trap(IrTrapKind.AddressSpaceSwitch, _pc, _pc + 4, (ulong)encoding, X(t));
                    return;
                }
                _b.Trap(IrTrapKind.SystemRegisterWrite, _pc, _pc + 4, (ulong)encoding, X(t));
                return;
            case SysRegAccess.ClaimSet:
                _b.SetReg(reg.Offset, _b.Or(_b.GetReg(reg.Offset), _b.And(X(t), K(0xFF))));
                return;
            case SysRegAccess.ClaimClear:
                _b.SetReg(reg.Offset, _b.And(_b.GetReg(reg.Offset), _b.Not(_b.And(X(t), K(0xFF)))));
                return;
            default:
                _b.SetReg(reg.Offset, reg.WriteMask == ulong.MaxValue ? X(t) : _b.And(X(t), K(reg.WriteMask)));
                return;
        }
    }

    private static readonly int IcIvauKey = A64SystemInstructions.Key(3, 7, 5, 1);
    private static readonly int Ttbr0Encoding = A64SystemRegisters.Encode(3, 0, 2, 0, 0);

    /// <summary>Whether <paramref name="key"/> (op1:CRn:CRm:op2) is a TLBI by address: op1 0, CRn 8, CRm 3 or 7, op2 odd.</summary>
    internal static bool IsTlbiByAddress(int key) => key >> 11 == 0 && (key >> 7 & 15) == 8 && (key >> 3 & 15) is 3 or 7 && (key & 1) == 1;

    private void SystemInstruction(in A64Instruction i)
    {
        // The decoder has turned unknown and unsupported SYS encodings into Undefined and Unsupported.
        A64SystemInstructions.TryGet(i['o'], i['n'], i['m'], i['p'], out var sys);
        if (sys.Kind == SysInstructionKind.HostOperation)
        {
            int key = A64SystemInstructions.Key(i['o'], i['n'], i['m'], i['p']);
            if (IsTlbiByAddress(key))
            {
                // TLBI VAE1, VALE1, VAAE1, VAALE1 (and the IS forms): Xt[43:0] = VA[55:12], sign-extended from bit 55.
                var va = _b.Asr(_b.Shl(X(i['t']), K(20)), K(8));
                _b.Trap(IrTrapKind.TlbInvalidateByAddress, _pc, _pc + 4, (ulong)key, va);
                return;
            }
            if (key == IcIvauKey)
            {
                _b.Trap(IrTrapKind.CodeInvalidateByAddress, _pc, _pc + 4, (ulong)key, X(i['t']));
                return;
            }
            // TLB maintenance and AT: the host's MMU model and TLBs (and the translations they validate) are its own.
            _b.Trap(IrTrapKind.SystemInstruction, _pc, _pc + 4, (ulong)A64SystemInstructions.Key(i['o'], i['n'], i['m'], i['p']),
                sys.HasRegister ? X(i['t']) : K(0));
            return;
        }
        if (sys.Kind != SysInstructionKind.ZeroBlock)
            return; // cache maintenance: nothing to do
        var block = _b.And(X(i['t']), K(~(ulong)(A64SystemRegisters.ZvaBlockBytes - 1)));
        var zero = K(0);
        for (int offset = 0; offset < A64SystemRegisters.ZvaBlockBytes; offset += 8)
            _b.Store(offset == 0 ? block : _b.Add(block, K((ulong)offset)), zero, 8);
    }
}

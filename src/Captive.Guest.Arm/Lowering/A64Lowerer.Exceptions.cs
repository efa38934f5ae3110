using Captive.Core.IR;

namespace Captive.Guest.Arm.Lowering;

// Synchronous exceptions taken to EL1, written as IR (ARM DDI 0487 D1.10 "Exception entry", pseudocode
// AArch64.TakeException): the translated code saves PSTATE and the return address, writes the syndrome, switches
// to SP_EL1, masks DAIF and jumps to the vector itself, with no request to the host. This machine implements EL0
// and EL1 only (no EL2, no EL3), so every exception here is taken to EL1, and SMC and HLT are UNDEFINED.
internal sealed partial class A64Lowerer
{
    /// <summary>ESR_ELx.EC values (ARM DDI 0487 D17.2.37).</summary>
    private const ulong EcUnknown = 0x00, EcSvc = 0x15, EcBrk = 0x3C;

    /// <summary>ESR_ELx.IL: the trapped instruction was 32 bits long (always, in A64).</summary>
    private const ulong EsrIl = 1ul << 25;

    /// <summary>An UNDEFINED instruction: exception class 0 (unknown reason), returning to the instruction itself.</summary>
    private void Undefined() => TakeException(EcUnknown, 0, _pc);

    /// <summary>
    /// Takes a synchronous exception to EL1 with syndrome <paramref name="ec"/>:<paramref name="iss"/> and preferred
    /// return address <paramref name="preferredReturn"/>; ends the block.
    /// </summary>
    private void TakeException(ulong ec, ulong iss, ulong preferredReturn)
    {
        var el = _b.GetReg(ArmState.CurrentEl);
        var onEl1 = OnEl1Stack();
        // SPSR_EL1: NZCV, DAIF and M[3:0] = EL:SP (EL0t 0b0000, EL1t 0b0100, EL1h 0b0101).
        var spsr = _b.Or(_b.Or(_b.GetNzcv(), _b.GetReg(ArmState.Daif)), _b.Or(_b.Shl(el, K(2)), onEl1));
        // Vector offset: current EL with SP_EL0 0x000, current EL with SP_ELx 0x200, lower EL (AArch64) 0x400.
        var offset = _b.Select(el, _b.Select(onEl1, K(0x200), K(0)), K(0x400));
        var vector = _b.Add(_b.GetReg(ArmState.VbarEl1), offset);
        SwitchStack(onEl1, K(1));
        _b.SetReg(ArmState.SpsrEl1, spsr);
        _b.SetReg(ArmState.ElrEl1, K(preferredReturn));
        _b.SetReg(ArmState.EsrEl1, K(ec << 26 | EsrIl | iss));
        _b.SetReg(ArmState.Daif, K(0x3C0));
        _b.SetReg(ArmState.SpSel, K(1));
        _b.SetReg(ArmState.CurrentEl, K(1));
        _b.JumpIndirectChangingMode(vector);
    }
}

using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// What EL0 may execute (ARM DDI 0487 D1.6, and each instruction's and register's "Accessibility" pseudocode). A
// block lowered for EL0 turns what EL0 may not do into its exception: UNDEFINED for EL1-only instructions and
// registers, and the trap to EL1 (EC 0x18 for system registers and instructions, EC 0x01 for WFI/WFE) for what EL1
// can allow EL0 through SCTLR_EL1 (UCI, DZE, UCT, nTWI, nTWE, UMA) and CNTKCTL_EL1 (EL0PCTEN, EL0VCTEN). Those
// controls come from the block's translation context (ArmState.TranslationContext): SCTLR_EL1 in bits 31:0,
// CNTKCTL_EL1's two enables in bits 33:32, PMUSERENR_EL0 in bits 41:38.
internal sealed partial class A64Lowerer
{
    private ulong _context; // IrBlock.Context of the block being lowered

    private const int SctlrUma = 9, SctlrDze = 14, SctlrUct = 15, SctlrNTwi = 16, SctlrNTwe = 18, SctlrUci = 26;
    private const int CntkctlEl0Pcten = 32, CntkctlEl0Vcten = 33, CntkctlEl0Vten = 36, CntkctlEl0Pten = 37;
    private const ulong EcWfiWfe = 0x01, EcSystemTrap = 0x18;

    private bool Allows(int bit) => (_context >> bit & 1) != 0;

    /// <summary>ESR_ELx.EC of an access to SIMD&amp;FP that CPACR_EL1.FPEN traps.</summary>
    private const ulong EcSimdFpAccess = 0x07;

    /// <summary>
    /// CPACR_EL1.FPEN (kept inverted in context bits 35:34): 0b11 traps nothing, 0b01 traps EL0 only, 0b00 and 0b10
    /// trap EL0 and EL1 (ARM DDI 0487 D13.2.30).
    /// </summary>
    private bool SimdFpTrapped()
    {
        int fpen = (int)(_context >> 34 & 3) ^ 3;
        return fpen switch { 3 => false, 1 => _el == 0, _ => true };
    }

    /// <summary>Instructions CPACR_EL1.FPEN traps: every SIMD&amp;FP and crypto instruction, and MRS/MSR of FPCR and FPSR.</summary>
    private static bool UsesSimdFp(in A64Instruction i)
    {
        const A64Feature simdFp = A64Feature.FP | A64Feature.AdvSimd | A64Feature.Aes | A64Feature.Pmull | A64Feature.Sha1 | A64Feature.Sha256;
        if ((A64Features.Of(i.Op) & simdFp) != 0) return true;
        if ((i.Word & 0x0A00_0000) == 0x0800_0000 && (i.Word >> 26 & 1) == 1) return true; // loads and stores with V = 1
        if (i.Op is not (A64Op.Mrs or A64Op.MsrReg)) return false;
        int encoding = (int)(i.Word >> 5) & 0xFFFF;
        return encoding == A64SystemRegisters.Encode(3, 3, 4, 4, 0) || encoding == A64SystemRegisters.Encode(3, 3, 4, 4, 1);
    }

    /// <summary>At EL0: takes the exception <paramref name="i"/> causes there instead of executing, and returns true; false when EL0 may execute it.</summary>
    private bool El0Exception(in A64Instruction i)
    {
        uint w = i.Word;
        switch (i.Op)
        {
            case A64Op.Eret or A64Op.Hvc:
                Undefined();
                return true;
            case A64Op.MsrImm:
                if (Op1(w) == 3 && Op2(w) is 6 or 7) return SystemTrapUnless(SctlrUma, w); // DAIFSet, DAIFClr
                Undefined();                                                          // SPSel
                return true;
            case A64Op.Hint when (w >> 8 & 15) == 0 && Op2(w) is 2 or 3: // WFE, WFI
            {
                bool wfi = Op2(w) == 3;
                if (Allows(wfi ? SctlrNTwi : SctlrNTwe)) return false;
                TakeException(EcWfiWfe, 1u << 24 | 0xEu << 20 | (wfi ? 0u : 1u), _pc); // CV = 1, COND = AL, TI
                return true;
            }
            case A64Op.Sys or A64Op.Unsupported when IsSystemInstruction(w) && (w >> 19 & 3) == 1:
                if (Op1(w) != 3) { Undefined(); return true; }
                bool zva = (w >> 8 & 15) == 4 && Op2(w) == 1;
                return SystemTrapUnless(zva ? SctlrDze : SctlrUci, w);
            case A64Op.Mrs or A64Op.MsrReg or A64Op.Unsupported when IsSystemInstruction(w) && (w >> 19 & 3) is 2 or 3:
            {
                int encoding = (int)(w >> 5) & 0xFFFF;
                bool read = (w >> 21 & 1) == 1;
                if (encoding >> 14 != 3 || Op1(w) != 3) { Undefined(); return true; } // EL1, debug, EL2, EL3
                if (IsPmuRegister(encoding)) return PmuTrapAtEl0(encoding, read, w);
                if (encoding == A64SystemRegisters.Encode(3, 3, 4, 2, 1)) return SystemTrapUnless(SctlrUma, w);          // DAIF
                if (encoding == A64SystemRegisters.Encode(3, 3, 0, 0, 1)) return SystemTrapUnless(SctlrUct, w);          // CTR_EL0
                if (encoding == A64SystemRegisters.Encode(3, 3, 14, 0, 2)) return SystemTrapUnless(CntkctlEl0Vcten, w);  // CNTVCT_EL0
                if (encoding == A64SystemRegisters.Encode(3, 3, 14, 0, 1)) return SystemTrapUnless(CntkctlEl0Pcten, w);  // CNTPCT_EL0
                if (encoding >> 3 == A64SystemRegisters.Encode(3, 3, 14, 2, 0) >> 3) return SystemTrapUnless(CntkctlEl0Pten, w); // CNTP_*
                if (encoding >> 3 == A64SystemRegisters.Encode(3, 3, 14, 3, 0) >> 3) return SystemTrapUnless(CntkctlEl0Vten, w); // CNTV_*
                if (encoding == A64SystemRegisters.Encode(3, 3, 14, 0, 0))                                             // CNTFRQ_EL0
                {
                    if (!read) { Undefined(); return true; } // written only at the highest EL
                    if (Allows(CntkctlEl0Pcten) || Allows(CntkctlEl0Vcten)) return false;
                    TakeException(EcSystemTrap, SystemTrapSyndrome(w), _pc);
                    return true;
                }
                if (encoding == A64SystemRegisters.Encode(3, 3, 13, 0, 3) && !read) { Undefined(); return true; } // TPIDRRO_EL0
                return false;
            }
            default:
                return false;
        }
    }

    /// <summary>PMUSERENR_EL0's EN, SW, CR and ER in the translation context (bits 41:38).</summary>
    private const int PmuserenrEn = 38, PmuserenrSw = 39, PmuserenrCr = 40, PmuserenrEr = 41;

    /// <summary>The EL0 performance-monitor registers: op1 = 3 with CRn 9, CRm 12–14, or CRn 14, CRm 8–15.</summary>
    private static bool IsPmuRegister(int encoding)
    {
        int crn = encoding >> 7 & 15, crm = encoding >> 3 & 15;
        return (crn == 9 && crm is >= 12 and <= 14) || (crn == 14 && crm >= 8);
    }

    /// <summary>
    /// EL0's access to a PMU register (ARM DDI 0487 D13.4, each register's accessibility pseudocode): PMUSERENR_EL0.EN
    /// allows everything; SW allows PMSWINC_EL0 writes, CR reads of PMCCNTR_EL0, ER reads of the event counters and
    /// PMSELR_EL0 both ways; otherwise EC 0x18. PMUSERENR_EL0 itself is read-only at EL0. Registers that do not exist,
    /// and the wrong direction of read-only or write-only ones, stay UNDEFINED (the lowering at EL1 says so).
    /// </summary>
    private bool PmuTrapAtEl0(int encoding, bool read, uint word)
    {
        if (!SystemRegisterTable.TryGet(encoding, out var reg)) return false;
        if (encoding == A64SystemRegisters.Encode(3, 3, 9, 14, 0))
        {
            if (read) return false;
            Undefined();
            return true;
        }
        if ((!read && reg.Access == SysRegAccess.Constant) || (read && reg.Access == SysRegAccess.HostWriteOnly)) return false;
        int crn = encoding >> 7 & 15, crm = encoding >> 3 & 15;
        bool eventCounter = encoding == A64SystemRegisters.Encode(3, 3, 9, 13, 2) || (crn == 14 && crm is >= 8 and <= 11);
        bool allowed = Allows(PmuserenrEn)
            || (reg.Access == SysRegAccess.HostWriteOnly && Allows(PmuserenrSw))
            || (read && encoding == A64SystemRegisters.Encode(3, 3, 9, 13, 0) && Allows(PmuserenrCr))
            || (read && eventCounter && Allows(PmuserenrEr))
            || (encoding == A64SystemRegisters.Encode(3, 3, 9, 12, 5) && Allows(PmuserenrEr));
        if (allowed) return false;
        TakeException(EcSystemTrap, SystemTrapSyndrome(word), _pc);
        return true;
    }

    /// <summary>Traps to EL1 with EC 0x18 unless control <paramref name="bit"/> lets EL0 execute <paramref name="word"/>.</summary>
    private bool SystemTrapUnless(int bit, uint word)
    {
        if (Allows(bit)) return false;
        TakeException(EcSystemTrap, SystemTrapSyndrome(word), _pc);
        return true;
    }

    /// <summary>ISS of EC 0x18: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], direction [0] (1 = read).</summary>
    private static ulong SystemTrapSyndrome(uint w)
        => (w >> 19 & 3) << 20 | (ulong)Op2(w) << 17 | (ulong)Op1(w) << 14 | (w >> 12 & 15) << 10 | (w & 31) << 5 | (w >> 8 & 15) << 1 | (w >> 21 & 1);

    /// <summary>True for the system instruction class (MSR/MRS/SYS/SYSL/hints/barriers): bits 31:22 = 1101010100.</summary>
    private static bool IsSystemInstruction(uint word) => (word & 0xFFC0_0000) == 0xD500_0000;

    private static int Op1(uint word) => (int)(word >> 16) & 7;

    private static int Op2(uint word) => (int)(word >> 5) & 7;
}

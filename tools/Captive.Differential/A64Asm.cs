namespace Captive.Differential;

/// <summary>
/// The handful of A64 encodings the image's fixed code (prologue, dump routine, exception handler)
/// needs, written out by hand so that no cross assembler is needed at run time.
/// </summary>
public static class A64Asm
{
    /// <summary>The zero register / stack pointer number.</summary>
    public const int Zr = 31;

    public static uint Movz(int rd, int imm16, int hw = 0) => 0xD280_0000u | ((uint)hw << 21) | ((uint)imm16 << 5) | (uint)rd;
    public static uint Movk(int rd, int imm16, int hw = 0) => 0xF280_0000u | ((uint)hw << 21) | ((uint)imm16 << 5) | (uint)rd;

    /// <summary>MOVZ/MOVK sequence that loads any 64-bit constant (1–4 words).</summary>
    public static IEnumerable<uint> MovConstant(int rd, ulong value)
    {
        yield return Movz(rd, (int)(value & 0xFFFF));
        for (int hw = 1; hw < 4; hw++)
        {
            int part = (int)((value >> (16 * hw)) & 0xFFFF);
            if (part != 0) yield return Movk(rd, part, hw);
        }
    }

    /// <summary>System register number (op0, op1, CRn, CRm, op2) as MRS/MSR carry it.</summary>
    public static int SysReg(int op0, int op1, int crn, int crm, int op2) => (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;

    public static readonly int Nzcv = SysReg(3, 3, 4, 2, 0);
    public static readonly int TpidrEl0 = SysReg(3, 3, 13, 0, 2);
    public static readonly int TpidrEl1 = SysReg(3, 0, 13, 0, 4);
    public static readonly int TpidrroEl0 = SysReg(3, 3, 13, 0, 3);
    public static readonly int VbarEl1 = SysReg(3, 0, 12, 0, 0);
    public static readonly int SctlrEl1 = SysReg(3, 0, 1, 0, 0);
    public static readonly int CpacrEl1 = SysReg(3, 0, 1, 0, 2);
    public static readonly int EsrEl1 = SysReg(3, 0, 5, 2, 0);
    public static readonly int ElrEl1 = SysReg(3, 0, 4, 0, 1);
    public static readonly int FarEl1 = SysReg(3, 0, 6, 0, 0);
    public static readonly int Fpcr = SysReg(3, 3, 4, 4, 0);
    public static readonly int Fpsr = SysReg(3, 3, 4, 4, 1);
    public static readonly int MairEl1 = SysReg(3, 0, 10, 2, 0);
    public static readonly int TcrEl1 = SysReg(3, 0, 2, 0, 2);
    public static readonly int Ttbr0El1 = SysReg(3, 0, 2, 0, 0);

    /// <summary>DSB SY.</summary>
    public const uint DsbSy = 0xD503_3F9Fu;

    /// <summary>TLBI VMALLE1.</summary>
    public const uint TlbiVmalle1 = 0xD508_871Fu;

    public static uint Mrs(int rt, int sysreg) => 0xD530_0000u | ((uint)(sysreg & 0x7FFF) << 5) | (uint)rt;
    public static uint Msr(int sysreg, int rt) => 0xD510_0000u | ((uint)(sysreg & 0x7FFF) << 5) | (uint)rt;

    public static uint Stp(int rt, int rt2, int rn, int offset) => 0xA900_0000u | ((uint)((offset / 8) & 0x7F) << 15) | ((uint)rt2 << 10) | ((uint)rn << 5) | (uint)rt;
    public static uint Ldp(int rt, int rt2, int rn, int offset) => 0xA940_0000u | ((uint)((offset / 8) & 0x7F) << 15) | ((uint)rt2 << 10) | ((uint)rn << 5) | (uint)rt;
    /// <summary>STP Qt, Qt2, [Xn, #offset] (offset a multiple of 16, below 1024).</summary>
    public static uint StpQ(int rt, int rt2, int rn, int offset) => 0xAD00_0000u | ((uint)((offset / 16) & 0x7F) << 15) | ((uint)rt2 << 10) | ((uint)rn << 5) | (uint)rt;
    /// <summary>LDP Qt, Qt2, [Xn, #offset] (offset a multiple of 16, below 1024).</summary>
    public static uint LdpQ(int rt, int rt2, int rn, int offset) => 0xAD40_0000u | ((uint)((offset / 16) & 0x7F) << 15) | ((uint)rt2 << 10) | ((uint)rn << 5) | (uint)rt;
    public static uint StrX(int rt, int rn, int offset) => 0xF900_0000u | ((uint)(offset / 8) << 10) | ((uint)rn << 5) | (uint)rt;
    public static uint LdrX(int rt, int rn, int offset) => 0xF940_0000u | ((uint)(offset / 8) << 10) | ((uint)rn << 5) | (uint)rt;
    public static uint LdrW(int rt, int rn, int offset) => 0xB940_0000u | ((uint)(offset / 4) << 10) | ((uint)rn << 5) | (uint)rt;
    /// <summary>STRB Wt, [Xn], #imm.</summary>
    public static uint StrbPost(int rt, int rn, int imm) => 0x3800_0400u | ((uint)(imm & 0x1FF) << 12) | ((uint)rn << 5) | (uint)rt;

    /// <summary>LDRB Wt, [Xn], #imm.</summary>
    public static uint LdrbPost(int rt, int rn, int imm) => 0x3840_0400u | ((uint)(imm & 0x1FF) << 12) | ((uint)rn << 5) | (uint)rt;

    /// <summary>CMP Xn, Xm.</summary>
    public static uint CmpReg(int rn, int rm) => 0xEB00_001Fu | ((uint)rm << 16) | ((uint)rn << 5);

    public static uint Strb(int rt, int rn, int offset = 0) => 0x3900_0000u | ((uint)offset << 10) | ((uint)rn << 5) | (uint)rt;

    /// <summary>LDR Xt, [Xn, Xm, LSL #3].</summary>
    public static uint LdrXIndexed(int rt, int rn, int rm) => 0xF860_7800u | ((uint)rm << 16) | ((uint)rn << 5) | (uint)rt;

    /// <summary>LDR Xt, [Xn, Xm].</summary>
    public static uint LdrXRegister(int rt, int rn, int rm) => 0xF860_6800u | ((uint)rm << 16) | ((uint)rn << 5) | (uint)rt;

    /// <summary>LDR Wt, [Xn], #imm.</summary>
    public static uint LdrWPost(int rt, int rn, int imm) => 0xB840_0400u | ((uint)(imm & 0x1FF) << 12) | ((uint)rn << 5) | (uint)rt;

    public static uint StrXPost(int rt, int rn, int imm) => 0xF800_0400u | ((uint)(imm & 0x1FF) << 12) | ((uint)rn << 5) | (uint)rt;
    public static uint LdrXPost(int rt, int rn, int imm) => 0xF840_0400u | ((uint)(imm & 0x1FF) << 12) | ((uint)rn << 5) | (uint)rt;
    /// <summary>ADD Xd, Xn, #imm12, LSL #12.</summary>
    public static uint AddImmShifted(int rd, int rn, int imm12) => 0x9140_0000u | ((uint)imm12 << 10) | ((uint)rn << 5) | (uint)rd;
    /// <summary>B.NE to <paramref name="words"/> instructions from here.</summary>
    public static uint BNe(int words) => 0x5400_0001u | ((uint)(words & 0x7FFFF) << 5);
    public static uint AddImm(int rd, int rn, int imm12) => 0x9100_0000u | ((uint)imm12 << 10) | ((uint)rn << 5) | (uint)rd;
    public static uint SubImm(int rd, int rn, int imm12) => 0xD100_0000u | ((uint)imm12 << 10) | ((uint)rn << 5) | (uint)rd;
    public static uint SubsImm(int rd, int rn, int imm12) => 0xF100_0000u | ((uint)imm12 << 10) | ((uint)rn << 5) | (uint)rd;
    public static uint SubsImmW(int rd, int rn, int imm12) => 0x7100_0000u | ((uint)imm12 << 10) | ((uint)rn << 5) | (uint)rd;
    public static uint CmpImm(int rn, int imm12) => SubsImm(Zr, rn, imm12);
    public static uint Mov(int rd, int rn) => 0xAA00_03E0u | ((uint)rn << 16) | (uint)rd; // ORR Xd, XZR, Xn
    public static uint MovSp(int rd, int rn) => AddImm(rd, rn, 0);

    /// <summary>AND Xd, Xn, #0xF.</summary>
    public static uint AndLow4(int rd, int rn) => 0x9240_0C00u | ((uint)rn << 5) | (uint)rd;
    public static uint Lsrv(int rd, int rn, int rm) => 0x9AC0_2400u | ((uint)rm << 16) | ((uint)rn << 5) | (uint)rd;
    public static uint LsrvW(int rd, int rn, int rm) => 0x1AC0_2400u | ((uint)rm << 16) | ((uint)rn << 5) | (uint)rd;
    public static uint Csel(int rd, int rn, int rm, int cond) => 0x9A80_0000u | ((uint)rm << 16) | ((uint)cond << 12) | ((uint)rn << 5) | (uint)rd;

    /// <summary>EOR Xd, Xn, Xm, ROR #amount.</summary>
    public static uint EorRor(int rd, int rn, int rm, int amount) => 0xCAC0_0000u | ((uint)rm << 16) | ((uint)amount << 10) | ((uint)rn << 5) | (uint)rd;

    public static uint B(long offset) => 0x1400_0000u | (uint)((offset >> 2) & 0x3FF_FFFF);
    public static uint Bl(long offset) => 0x9400_0000u | (uint)((offset >> 2) & 0x3FF_FFFF);
    public static uint BCond(int cond, long offset) => 0x5400_0000u | ((uint)((offset >> 2) & 0x7FFFF) << 5) | (uint)cond;
    public static uint Cbz(int rt, long offset) => 0xB400_0000u | ((uint)((offset >> 2) & 0x7FFFF) << 5) | (uint)rt;
    public static uint CbzW(int rt, long offset) => 0x3400_0000u | ((uint)((offset >> 2) & 0x7FFFF) << 5) | (uint)rt;
    public static uint Tbz(int rt, int bit, long offset) => 0x3600_0000u | ((uint)(bit >> 5) << 31) | ((uint)(bit & 31) << 19) | ((uint)((offset >> 2) & 0x3FFF) << 5) | (uint)rt;
    public static uint Ret() => 0xD65F_03C0u;
    public static uint Isb() => 0xD503_3FDFu;
    public static uint Hvc(int imm = 0) => 0xD400_0002u | ((uint)imm << 5);
    public static uint Nop() => 0xD503_201Fu;

    public const int CondEq = 0, CondNe = 1, CondLt = 11, CondGe = 10, CondLo = 3, CondHs = 2;
}

using System.Runtime.InteropServices;
using Iced.Intel;

namespace Captive.Core.Translation;

// The instruction methods of X86Emitter, named and typed as Iced's Assembler methods (lower case, like Iced's, so
// the compiler's code reads as it did with Iced). Each picks the form Iced's Assembler picks.
#pragma warning disable IDE1006 // Iced's naming
internal sealed partial class X86Emitter
{
    // ───────────── ALU: add or adc sbb and sub xor cmp (the /digit and the opcode row) ─────────────

    private const int OpAdd = 0, OpOr = 1, OpAdc = 2, OpSbb = 3, OpAnd = 4, OpSub = 5, OpXor = 6, OpCmp = 7;

    private void AluRR(int op, int w, int dst, int src) => RR(0, w, op * 8 + 1, src, dst);

    private void AluRI(int op, int w, int dst, int imm)
    {
        if (dst == 0) // Iced takes the short RAX/EAX form whatever the immediate
        {
            Ensure();
            if (w != 0) Byte(0x48);
            Byte(op * 8 + 5);
            Imm32(imm);
        }
        else if (imm == (sbyte)imm) { RR(0, w, 0x83, op, dst); Byte(imm); }
        else { RR(0, w, 0x81, op, dst); Imm32(imm); }
    }

    private void AluMI(int op, AssemblerMemoryOperand m, int imm)
    {
        int size = SizeOf(m);
        if (size == SizeByte) { RM(0, 0, 0x80, op, m, 1); Byte(imm); return; }
        int prefix = size == SizeWord ? 0x66 : 0, w = size == SizeQword ? W : 0;
        if (imm == (sbyte)imm) { RM(prefix, w, 0x83, op, m, 1); Byte(imm); }
        else if (size == SizeWord) { RM(prefix, w, 0x81, op, m, 2); Imm16(imm); }
        else { RM(prefix, w, 0x81, op, m, 4); Imm32(imm); }
    }

    private void AluMR(int op, AssemblerMemoryOperand m, int w, int reg) => RM(0, w, op * 8 + 1, reg, m);
    private void AluRM(int op, int w, int reg, AssemblerMemoryOperand m) => RM(0, w, op * 8 + 3, reg, m);

    private void AluR8I(int op, AssemblerRegister8 dst, int imm)
    {
        int r = N(dst, out bool rex);
        if (r == 0 && !rex) { Ensure(); Byte(op * 8 + 4); Byte(imm); }
        else { RR(0, 0, 0x80, op, r, rex); Byte(imm); }
    }

    /// <summary>
    /// The ALU operation of group <paramref name="group"/> (0 add, 1 or, 2 adc, 3 sbb, 4 and, 5 sub, 6 xor, 7 cmp) on
    /// two registers, 64-bit or (<paramref name="is64"/> false) on their 32-bit halves: what add(dst, src) … cmp(dst, src) give.
    /// </summary>
    public void Alu(int group, bool is64, AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(group, is64 ? W : 0, N(dst), N(src));

    /// <summary>The ALU operation of group <paramref name="group"/> with an immediate: what add(dst, imm) … cmp(dst, imm) give.</summary>
    public void Alu(int group, bool is64, AssemblerRegister64 dst, int imm) => AluRI(group, is64 ? W : 0, N(dst), imm);

    public void add(AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(OpAdd, W, N(dst), N(src));
    public void add(AssemblerRegister32 dst, AssemblerRegister32 src) => AluRR(OpAdd, 0, N(dst), N(src));
    public void add(AssemblerRegister64 dst, int imm) => AluRI(OpAdd, W, N(dst), imm);
    public void add(AssemblerRegister32 dst, int imm) => AluRI(OpAdd, 0, N(dst), imm);
    public void add(AssemblerRegister8 dst, int imm) => AluR8I(OpAdd, dst, imm);
    public void add(AssemblerMemoryOperand dst, int imm) => AluMI(OpAdd, dst, imm);
    public void add(AssemblerRegister64 dst, AssemblerMemoryOperand src) => AluRM(OpAdd, W, N(dst), src);
    public void add(AssemblerMemoryOperand dst, AssemblerRegister64 src) => AluMR(OpAdd, dst, W, N(src));

    public void or(AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(OpOr, W, N(dst), N(src));
    public void or(AssemblerRegister32 dst, AssemblerRegister32 src) => AluRR(OpOr, 0, N(dst), N(src));
    public void or(AssemblerRegister64 dst, int imm) => AluRI(OpOr, W, N(dst), imm);
    public void or(AssemblerRegister32 dst, int imm) => AluRI(OpOr, 0, N(dst), imm);
    public void or(AssemblerMemoryOperand dst, int imm) => AluMI(OpOr, dst, imm);
    public void or(AssemblerMemoryOperand dst, AssemblerRegister32 src) => AluMR(OpOr, dst, 0, N(src));
    public void or(AssemblerMemoryOperand dst, AssemblerRegister64 src) => AluMR(OpOr, dst, W, N(src));

    public void adc(AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(OpAdc, W, N(dst), N(src));
    public void adc(AssemblerRegister32 dst, AssemblerRegister32 src) => AluRR(OpAdc, 0, N(dst), N(src));
    public void adc(AssemblerRegister64 dst, int imm) => AluRI(OpAdc, W, N(dst), imm);
    public void adc(AssemblerRegister32 dst, int imm) => AluRI(OpAdc, 0, N(dst), imm);

    public void sbb(AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(OpSbb, W, N(dst), N(src));
    public void sbb(AssemblerRegister32 dst, AssemblerRegister32 src) => AluRR(OpSbb, 0, N(dst), N(src));
    public void sbb(AssemblerRegister64 dst, int imm) => AluRI(OpSbb, W, N(dst), imm);
    public void sbb(AssemblerRegister32 dst, int imm) => AluRI(OpSbb, 0, N(dst), imm);

    public void and(AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(OpAnd, W, N(dst), N(src));
    public void and(AssemblerRegister32 dst, AssemblerRegister32 src) => AluRR(OpAnd, 0, N(dst), N(src));
    public void and(AssemblerRegister64 dst, int imm) => AluRI(OpAnd, W, N(dst), imm);
    public void and(AssemblerRegister32 dst, int imm) => AluRI(OpAnd, 0, N(dst), imm);
    public void and(AssemblerMemoryOperand dst, int imm) => AluMI(OpAnd, dst, imm);

    public void sub(AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(OpSub, W, N(dst), N(src));
    public void sub(AssemblerRegister32 dst, AssemblerRegister32 src) => AluRR(OpSub, 0, N(dst), N(src));
    public void sub(AssemblerRegister64 dst, int imm) => AluRI(OpSub, W, N(dst), imm);
    public void sub(AssemblerRegister32 dst, int imm) => AluRI(OpSub, 0, N(dst), imm);
    public void sub(AssemblerRegister64 dst, AssemblerMemoryOperand src) => AluRM(OpSub, W, N(dst), src);

    public void xor(AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(OpXor, W, N(dst), N(src));
    public void xor(AssemblerRegister32 dst, AssemblerRegister32 src) => AluRR(OpXor, 0, N(dst), N(src));
    public void xor(AssemblerRegister64 dst, int imm) => AluRI(OpXor, W, N(dst), imm);
    public void xor(AssemblerRegister32 dst, int imm) => AluRI(OpXor, 0, N(dst), imm);
    public void xor(AssemblerRegister64 dst, AssemblerMemoryOperand src) => AluRM(OpXor, W, N(dst), src);

    public void cmp(AssemblerRegister64 dst, AssemblerRegister64 src) => AluRR(OpCmp, W, N(dst), N(src));
    public void cmp(AssemblerRegister32 dst, AssemblerRegister32 src) => AluRR(OpCmp, 0, N(dst), N(src));
    public void cmp(AssemblerRegister64 dst, int imm) => AluRI(OpCmp, W, N(dst), imm);
    public void cmp(AssemblerRegister32 dst, int imm) => AluRI(OpCmp, 0, N(dst), imm);
    public void cmp(AssemblerMemoryOperand dst, int imm) => AluMI(OpCmp, dst, imm);
    public void cmp(AssemblerMemoryOperand dst, AssemblerRegister64 src) => AluMR(OpCmp, dst, W, N(src));

    public void test(AssemblerRegister64 dst, AssemblerRegister64 src) => RR(0, W, 0x85, N(src), N(dst));
    public void test(AssemblerRegister32 dst, AssemblerRegister32 src) => RR(0, 0, 0x85, N(src), N(dst));
    public void test(AssemblerRegister64 dst, int imm) => TestRI(W, N(dst), imm);
    public void test(AssemblerRegister32 dst, int imm) => TestRI(0, N(dst), imm);

    private void TestRI(int w, int dst, int imm)
    {
        if (dst == 0) { Ensure(); if (w != 0) Byte(0x48); Byte(0xA9); }
        else RR(0, w, 0xF7, 0, dst);
        Imm32(imm);
    }

    // ───────────── moves ─────────────

    public void mov(AssemblerRegister64 dst, AssemblerRegister64 src) => RR(0, W, 0x89, N(src), N(dst));
    public void mov(AssemblerRegister32 dst, AssemblerRegister32 src) => RR(0, 0, 0x89, N(src), N(dst));
    public void mov(AssemblerRegister16 dst, AssemblerRegister16 src) => RR(0x66, 0, 0x89, N(src), N(dst));
    public void mov(AssemblerRegister8 dst, AssemblerRegister8 src)
    {
        int d = N(dst, out bool rd), s = N(src, out bool rs);
        RR(0, 0, 0x88, s, d, rd | rs);
    }

    public void mov(AssemblerRegister64 dst, AssemblerMemoryOperand src) => RM(0, W, 0x8B, N(dst), src);
    public void mov(AssemblerRegister32 dst, AssemblerMemoryOperand src) => RM(0, 0, 0x8B, N(dst), src);
    public void mov(AssemblerRegister16 dst, AssemblerMemoryOperand src) => RM(0x66, 0, 0x8B, N(dst), src);
    public void mov(AssemblerRegister8 dst, AssemblerMemoryOperand src) { int r = N(dst, out bool rex); RM(0, 0, 0x8A, r, src, 0, rex); }
    public void mov(AssemblerMemoryOperand dst, AssemblerRegister64 src) => RM(0, W, 0x89, N(src), dst);
    public void mov(AssemblerMemoryOperand dst, AssemblerRegister32 src) => RM(0, 0, 0x89, N(src), dst);
    public void mov(AssemblerMemoryOperand dst, AssemblerRegister16 src) => RM(0x66, 0, 0x89, N(src), dst);
    public void mov(AssemblerMemoryOperand dst, AssemblerRegister8 src) { int r = N(src, out bool rex); RM(0, 0, 0x88, r, dst, 0, rex); }

    /// <summary>Always the 10-byte form, as Iced's (the compiler uses the 32-bit move for values that zero-extend).</summary>
    public void mov(AssemblerRegister64 dst, long imm)
    {
        int r = N(dst);
        Ensure();
        Byte(0x48 | (r >> 3));
        Byte(0xB8 + (r & 7));
        Imm64(imm);
    }

    public void mov(AssemblerRegister32 dst, int imm)
    {
        int r = N(dst);
        Ensure();
        if (r >= 8) Byte(0x41);
        Byte(0xB8 + (r & 7));
        Imm32(imm);
    }

    public void mov(AssemblerRegister8 dst, int imm)
    {
        int r = N(dst, out bool rex);
        Ensure();
        if (rex || r >= 8) Byte(0x40 | (r >> 3));
        Byte(0xB0 + (r & 7));
        Byte(imm);
    }

    public void mov(AssemblerMemoryOperand dst, int imm)
    {
        switch (SizeOf(dst))
        {
            case SizeByte: RM(0, 0, 0xC6, 0, dst, 1); Byte(imm); break;
            case SizeWord: RM(0x66, 0, 0xC7, 0, dst, 2); Imm16(imm); break;
            case SizeDword: RM(0, 0, 0xC7, 0, dst, 4); Imm32(imm); break;
            case SizeQword: RM(0, W, 0xC7, 0, dst, 4); Imm32(imm); break;
            default: throw new NotSupportedException("mov to memory needs a byte, word, dword or qword operand.");
        }
    }

    public void movzx(AssemblerRegister32 dst, AssemblerRegister8 src) { int s = N(src, out bool rex); RR(0, 0, 0x0FB6, N(dst), s, rex); }
    public void movzx(AssemblerRegister32 dst, AssemblerRegister16 src) => RR(0, 0, 0x0FB7, N(dst), N(src));
    public void movzx(AssemblerRegister32 dst, AssemblerMemoryOperand src) => RM(0, 0, SizeOf(src) == SizeByte ? 0x0FB6 : 0x0FB7, N(dst), src);
    public void movsx(AssemblerRegister64 dst, AssemblerRegister8 src) { int s = N(src, out bool rex); RR(0, W, 0x0FBE, N(dst), s, rex); }
    public void movsx(AssemblerRegister64 dst, AssemblerRegister16 src) => RR(0, W, 0x0FBF, N(dst), N(src));
    public void movsx(AssemblerRegister32 dst, AssemblerRegister8 src) { int s = N(src, out bool rex); RR(0, 0, 0x0FBE, N(dst), s, rex); }
    public void movsx(AssemblerRegister32 dst, AssemblerRegister16 src) => RR(0, 0, 0x0FBF, N(dst), N(src));
    public void movsxd(AssemblerRegister64 dst, AssemblerRegister32 src) => RR(0, W, 0x63, N(dst), N(src));
    public void movsxd(AssemblerRegister64 dst, AssemblerMemoryOperand src) => RM(0, W, 0x63, N(dst), src);
    public void lea(AssemblerRegister64 dst, AssemblerMemoryOperand src) => RM(0, W, 0x8D, N(dst), src);
    public void lea(AssemblerRegister32 dst, AssemblerMemoryOperand src) => RM(0, 0, 0x8D, N(dst), src);

    // ───────────── shifts, unary, multiply and divide ─────────────

    private void ShiftI(int digit, int w, int r, byte n)
    {
        if (n == 1) RR(0, w, 0xD1, digit, r);
        else { RR(0, w, 0xC1, digit, r); Byte(n); }
    }

    private static void RequireCl(AssemblerRegister8 r)
    {
        if (r.Value != Register.CL) throw new ArgumentException("Shift counts in a register are in CL.", nameof(r));
    }

    public void rol(AssemblerRegister64 dst, byte n) => ShiftI(0, W, N(dst), n);
    public void rol(AssemblerRegister32 dst, byte n) => ShiftI(0, 0, N(dst), n);
    public void ror(AssemblerRegister64 dst, byte n) => ShiftI(1, W, N(dst), n);
    public void ror(AssemblerRegister32 dst, byte n) => ShiftI(1, 0, N(dst), n);
    public void shl(AssemblerRegister64 dst, byte n) => ShiftI(4, W, N(dst), n);
    public void shl(AssemblerRegister32 dst, byte n) => ShiftI(4, 0, N(dst), n);
    public void shr(AssemblerRegister64 dst, byte n) => ShiftI(5, W, N(dst), n);
    public void shr(AssemblerRegister32 dst, byte n) => ShiftI(5, 0, N(dst), n);
    public void sar(AssemblerRegister64 dst, byte n) => ShiftI(7, W, N(dst), n);
    public void sar(AssemblerRegister32 dst, byte n) => ShiftI(7, 0, N(dst), n);
    public void ror(AssemblerRegister64 dst, AssemblerRegister8 cl) { RequireCl(cl); RR(0, W, 0xD3, 1, N(dst)); }
    public void ror(AssemblerRegister32 dst, AssemblerRegister8 cl) { RequireCl(cl); RR(0, 0, 0xD3, 1, N(dst)); }
    public void shl(AssemblerRegister64 dst, AssemblerRegister8 cl) { RequireCl(cl); RR(0, W, 0xD3, 4, N(dst)); }
    public void shl(AssemblerRegister32 dst, AssemblerRegister8 cl) { RequireCl(cl); RR(0, 0, 0xD3, 4, N(dst)); }
    public void shr(AssemblerRegister64 dst, AssemblerRegister8 cl) { RequireCl(cl); RR(0, W, 0xD3, 5, N(dst)); }
    public void shr(AssemblerRegister32 dst, AssemblerRegister8 cl) { RequireCl(cl); RR(0, 0, 0xD3, 5, N(dst)); }
    public void sar(AssemblerRegister64 dst, AssemblerRegister8 cl) { RequireCl(cl); RR(0, W, 0xD3, 7, N(dst)); }
    public void sar(AssemblerRegister32 dst, AssemblerRegister8 cl) { RequireCl(cl); RR(0, 0, 0xD3, 7, N(dst)); }

    public void not(AssemblerRegister64 dst) => RR(0, W, 0xF7, 2, N(dst));
    public void not(AssemblerRegister32 dst) => RR(0, 0, 0xF7, 2, N(dst));
    public void neg(AssemblerRegister64 dst) => RR(0, W, 0xF7, 3, N(dst));
    public void neg(AssemblerRegister32 dst) => RR(0, 0, 0xF7, 3, N(dst));
    public void mul(AssemblerRegister64 src) => RR(0, W, 0xF7, 4, N(src));
    public void mul(AssemblerRegister32 src) => RR(0, 0, 0xF7, 4, N(src));
    public void imul(AssemblerRegister64 src) => RR(0, W, 0xF7, 5, N(src));
    public void imul(AssemblerRegister32 src) => RR(0, 0, 0xF7, 5, N(src));
    public void div(AssemblerRegister64 src) => RR(0, W, 0xF7, 6, N(src));
    public void div(AssemblerRegister32 src) => RR(0, 0, 0xF7, 6, N(src));
    public void idiv(AssemblerRegister64 src) => RR(0, W, 0xF7, 7, N(src));
    public void idiv(AssemblerRegister32 src) => RR(0, 0, 0xF7, 7, N(src));
    public void imul(AssemblerRegister64 dst, AssemblerRegister64 src) => RR(0, W, 0x0FAF, N(dst), N(src));
    public void imul(AssemblerRegister32 dst, AssemblerRegister32 src) => RR(0, 0, 0x0FAF, N(dst), N(src));

    public void bswap(AssemblerRegister64 r) { int n = N(r); Ensure(); Byte(0x48 | (n >> 3)); Byte(0x0F); Byte(0xC8 + (n & 7)); }
    public void bswap(AssemblerRegister32 r) { int n = N(r); Ensure(); if (n >= 8) Byte(0x41); Byte(0x0F); Byte(0xC8 + (n & 7)); }
    public void lzcnt(AssemblerRegister64 dst, AssemblerRegister64 src) => RR(0xF3, W, 0x0FBD, N(dst), N(src));
    public void lzcnt(AssemblerRegister32 dst, AssemblerRegister32 src) => RR(0xF3, 0, 0x0FBD, N(dst), N(src));
    public void bsr(AssemblerRegister64 dst, AssemblerRegister64 src) => RR(0, W, 0x0FBD, N(dst), N(src));
    public void bsr(AssemblerRegister32 dst, AssemblerRegister32 src) => RR(0, 0, 0x0FBD, N(dst), N(src));
    public void btr(AssemblerRegister64 dst, int bit) { RR(0, W, 0x0FBA, 6, N(dst)); Byte(bit); }

    // ───────────── condition codes: the low nibble of jcc/setcc/cmovcc ─────────────

    private const int CcO = 0, CcNo = 1, CcB = 2, CcAe = 3, CcE = 4, CcNe = 5, CcBe = 6, CcA = 7, CcS = 8, CcNs = 9, CcP = 0xA, CcNp = 0xB, CcL = 0xC, CcGe = 0xD, CcLe = 0xE, CcG = 0xF;

    private void Cmov(int cc, int w, int dst, int src) => RR(0, w, 0x0F40 + cc, dst, src);

    /// <summary>CMOVcc by condition-code number (0–15, the low nibble of the opcode).</summary>
    public void Cmovcc(int cc, AssemblerRegister64 dst, AssemblerRegister64 src) => Cmov(cc, W, N(dst), N(src));

    /// <summary>CMOVcc by condition-code number, 32-bit (zero-extends).</summary>
    public void Cmovcc(int cc, AssemblerRegister32 dst, AssemblerRegister32 src) => Cmov(cc, 0, N(dst), N(src));
    public void cmovne(AssemblerRegister64 dst, AssemblerRegister64 src) => Cmov(CcNe, W, N(dst), N(src));
    public void cmovne(AssemblerRegister32 dst, AssemblerRegister32 src) => Cmov(CcNe, 0, N(dst), N(src));
    public void cmove(AssemblerRegister64 dst, AssemblerRegister64 src) => Cmov(CcE, W, N(dst), N(src));
    public void cmove(AssemblerRegister32 dst, AssemblerRegister32 src) => Cmov(CcE, 0, N(dst), N(src));
    public void cmovb(AssemblerRegister64 dst, AssemblerRegister64 src) => Cmov(CcB, W, N(dst), N(src));
    public void cmovb(AssemblerRegister32 dst, AssemblerRegister32 src) => Cmov(CcB, 0, N(dst), N(src));
    public void cmova(AssemblerRegister64 dst, AssemblerRegister64 src) => Cmov(CcA, W, N(dst), N(src));
    public void cmova(AssemblerRegister32 dst, AssemblerRegister32 src) => Cmov(CcA, 0, N(dst), N(src));

    /// <summary>SETcc by condition-code number (0–15).</summary>
    public void Setcc(int cc, AssemblerRegister8 r) { int n = N(r, out bool rex); RR(0, 0, 0x0F90 + cc, 0, n, rex); }
    public void seto(AssemblerRegister8 r) => Setcc(CcO, r);
    public void setno(AssemblerRegister8 r) => Setcc(CcNo, r);
    public void setb(AssemblerRegister8 r) => Setcc(CcB, r);
    public void setae(AssemblerRegister8 r) => Setcc(CcAe, r);
    public void sete(AssemblerRegister8 r) => Setcc(CcE, r);
    public void setne(AssemblerRegister8 r) => Setcc(CcNe, r);
    public void setbe(AssemblerRegister8 r) => Setcc(CcBe, r);
    public void seta(AssemblerRegister8 r) => Setcc(CcA, r);
    public void sets(AssemblerRegister8 r) => Setcc(CcS, r);
    public void setns(AssemblerRegister8 r) => Setcc(CcNs, r);
    public void setl(AssemblerRegister8 r) => Setcc(CcL, r);
    public void setge(AssemblerRegister8 r) => Setcc(CcGe, r);
    public void setle(AssemblerRegister8 r) => Setcc(CcLe, r);
    public void setg(AssemblerRegister8 r) => Setcc(CcG, r);

    // ───────────── branches: always rel32 ─────────────

    private void Branch(int opc, Label target)
    {
        Ensure();
        _pos = Opcode(ref MemoryMarshal.GetArrayDataReference(_buf), _pos, opc);
        AddFixup(_pos, _pos + 4, target.Id, isLabel: true);
        Imm32(0);
    }

    private void Branch(int opc, ulong target)
    {
        Ensure();
        _pos = Opcode(ref MemoryMarshal.GetArrayDataReference(_buf), _pos, opc);
        AddFixup(_pos, _pos + 4, target, isLabel: false);
        Imm32(0);
    }

    /// <summary>Jcc rel32 by condition-code number (0–15); a negative number is an unconditional jmp.</summary>
    public void Jcc(int cc, Label target) => Branch(cc < 0 ? 0xE9 : 0x0F80 + cc, target);

    /// <summary>Jcc rel32 by condition-code number (0–15); a negative number is an unconditional jmp.</summary>
    public void Jcc(int cc, ulong target) => Branch(cc < 0 ? 0xE9 : 0x0F80 + cc, target);

    public void jmp(Label target) => Branch(0xE9, target);
    public void jmp(ulong target) => Branch(0xE9, target);
    public void jmp(AssemblerMemoryOperand target) => RM(0, 0, 0xFF, 4, target);
    public void call(Label target) => Branch(0xE8, target);
    public void call(ulong target) => Branch(0xE8, target);
    public void jo(Label t) => Branch(0x0F80 + CcO, t);
    public void jo(ulong t) => Branch(0x0F80 + CcO, t);
    public void jno(Label t) => Branch(0x0F80 + CcNo, t);
    public void jno(ulong t) => Branch(0x0F80 + CcNo, t);
    public void jb(Label t) => Branch(0x0F80 + CcB, t);
    public void jb(ulong t) => Branch(0x0F80 + CcB, t);
    public void jae(Label t) => Branch(0x0F80 + CcAe, t);
    public void jae(ulong t) => Branch(0x0F80 + CcAe, t);
    public void je(Label t) => Branch(0x0F80 + CcE, t);
    public void je(ulong t) => Branch(0x0F80 + CcE, t);
    public void jne(Label t) => Branch(0x0F80 + CcNe, t);
    public void jne(ulong t) => Branch(0x0F80 + CcNe, t);
    public void jbe(Label t) => Branch(0x0F80 + CcBe, t);
    public void jbe(ulong t) => Branch(0x0F80 + CcBe, t);
    public void ja(Label t) => Branch(0x0F80 + CcA, t);
    public void ja(ulong t) => Branch(0x0F80 + CcA, t);
    public void js(Label t) => Branch(0x0F80 + CcS, t);
    public void js(ulong t) => Branch(0x0F80 + CcS, t);
    public void jns(Label t) => Branch(0x0F80 + CcNs, t);
    public void jns(ulong t) => Branch(0x0F80 + CcNs, t);
    public void jp(Label t) => Branch(0x0F80 + CcP, t);
    public void jp(ulong t) => Branch(0x0F80 + CcP, t);
    public void jnp(Label t) => Branch(0x0F80 + CcNp, t);
    public void jnp(ulong t) => Branch(0x0F80 + CcNp, t);
    public void jl(Label t) => Branch(0x0F80 + CcL, t);
    public void jl(ulong t) => Branch(0x0F80 + CcL, t);
    public void jge(Label t) => Branch(0x0F80 + CcGe, t);
    public void jge(ulong t) => Branch(0x0F80 + CcGe, t);
    public void jle(Label t) => Branch(0x0F80 + CcLe, t);
    public void jle(ulong t) => Branch(0x0F80 + CcLe, t);
    public void jg(Label t) => Branch(0x0F80 + CcG, t);
    public void jg(ulong t) => Branch(0x0F80 + CcG, t);

    // ───────────── no operands, data ─────────────

    private void One(int b) { Ensure(); Byte(b); }
    public void lahf() => One(0x9F);
    public void sahf() => One(0x9E);
    public void cmc() => One(0xF5);
    public void stc() => One(0xF9);
    public void nop() => One(0x90);
    public void cdq() => One(0x99);
    public void cqo() { Ensure(); Byte(0x48); Byte(0x99); }
    public void rdtsc() { Ensure(); Byte(0x0F); Byte(0x31); }
    public void ldmxcsr(AssemblerMemoryOperand m) => RM(0, 0, 0x0FAE, 2, m);
    public void stmxcsr(AssemblerMemoryOperand m) => RM(0, 0, 0x0FAE, 3, m);

    public void db(byte b0, byte b1, byte b2, byte b3, byte b4) { Ensure(); Byte(b0); Byte(b1); Byte(b2); Byte(b3); Byte(b4); }
    public void db(byte b0, byte b1, byte b2, byte b3, byte b4, byte b5) { db(b0, b1, b2, b3, b4); Byte(b5); }
    public void dq(ulong q0, ulong q1) { Ensure(); Imm64((long)q0); Imm64((long)q1); }

    /// <summary>Pads with INT3 to a multiple of <paramref name="alignment"/> (a power of two; code starts 16-byte aligned).</summary>
    public void Align(int alignment) { Ensure(); while ((_pos & (alignment - 1)) != 0) Byte(0xCC); }

    /// <summary>The bytes emitted since <see cref="Reset"/>: position-independent code only (no labels or branches).</summary>
    public byte[] ToArray() => _buf.AsSpan(0, _pos).ToArray();

    // ───────────── SSE: the frequent forms ─────────────

    private void Sse(int prefix, int opc, AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => RR(prefix, 0, opc, N(dst), N(src));

    public void movdqa(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0F6F, dst, src);
    public void movdqa(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => RM(0x66, 0, 0x0F6F, N(dst), src);
    public void movdqa(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => RM(0x66, 0, 0x0F7F, N(src), dst);
    public void movdqu(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF3, 0x0F6F, dst, src);
    public void movdqu(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => RM(0xF3, 0, 0x0F6F, N(dst), src);
    public void movdqu(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => RM(0xF3, 0, 0x0F7F, N(src), dst);
    public void movq(AssemblerRegisterXMM dst, AssemblerRegister64 src) => RR(0x66, W, 0x0F6E, N(dst), N(src));
    public void movq(AssemblerRegister64 dst, AssemblerRegisterXMM src) => RR(0x66, W, 0x0F7E, N(src), N(dst));
    public void movq(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF3, 0x0F7E, dst, src);
    public void movq(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => RM(0xF3, 0, 0x0F7E, N(dst), src);
    public void movq(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => RM(0x66, 0, 0x0FD6, N(src), dst);
    public void movd(AssemblerRegisterXMM dst, AssemblerRegister32 src) => RR(0x66, 0, 0x0F6E, N(dst), N(src));
    public void movd(AssemblerRegister32 dst, AssemblerRegisterXMM src) => RR(0x66, 0, 0x0F7E, N(src), N(dst));
    public void movd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => RM(0x66, 0, 0x0F6E, N(dst), src);
    public void movd(AssemblerMemoryOperand dst, AssemblerRegisterXMM src) => RM(0x66, 0, 0x0F7E, N(src), dst);
    public void movaps(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0, 0x0F28, dst, src);
    public void xorps(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0, 0x0F57, dst, src);
    public void andpd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => RM(0x66, 0, 0x0F54, N(dst), src);

    public void pxor(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FEF, dst, src);
    public void pand(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FDB, dst, src);
    public void pandn(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FDF, dst, src);
    public void por(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FEB, dst, src);
    public void punpcklqdq(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0F6C, dst, src);
    public void punpckhqdq(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0F6D, dst, src);
    public void pcmpeqb(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0F74, dst, src);
    public void pcmpeqd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0F76, dst, src);
    public void paddb(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FFC, dst, src);
    public void paddw(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FFD, dst, src);
    public void paddd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FFE, dst, src);
    public void paddq(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FD4, dst, src);
    public void psubb(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0FF8, dst, src);
    public void pshufb(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0F3800, dst, src);

    public void addsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF2, 0x0F58, dst, src);
    public void addss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF3, 0x0F58, dst, src);
    public void subsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF2, 0x0F5C, dst, src);
    public void subss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF3, 0x0F5C, dst, src);
    public void mulsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF2, 0x0F59, dst, src);
    public void mulss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF3, 0x0F59, dst, src);
    public void divsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF2, 0x0F5E, dst, src);
    public void divss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF3, 0x0F5E, dst, src);
    public void sqrtsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF2, 0x0F51, dst, src);
    public void sqrtss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF3, 0x0F51, dst, src);
    public void ucomisd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0x66, 0x0F2E, dst, src);
    public void ucomiss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0, 0x0F2E, dst, src);
    public void ucomisd(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => RM(0x66, 0, 0x0F2E, N(dst), src);
    public void ucomiss(AssemblerRegisterXMM dst, AssemblerMemoryOperand src) => RM(0, 0, 0x0F2E, N(dst), src);
    public void cvtss2sd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF3, 0x0F5A, dst, src);
    public void cvtsd2ss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) => Sse(0xF2, 0x0F5A, dst, src);
    public void cvttsd2si(AssemblerRegister64 dst, AssemblerRegisterXMM src) => RR(0xF2, W, 0x0F2C, N(dst), N(src));
    public void cvttsd2si(AssemblerRegister32 dst, AssemblerRegisterXMM src) => RR(0xF2, 0, 0x0F2C, N(dst), N(src));
    public void cvttss2si(AssemblerRegister64 dst, AssemblerRegisterXMM src) => RR(0xF3, W, 0x0F2C, N(dst), N(src));
    public void cvttss2si(AssemblerRegister32 dst, AssemblerRegisterXMM src) => RR(0xF3, 0, 0x0F2C, N(dst), N(src));
    public void cvtsi2sd(AssemblerRegisterXMM dst, AssemblerRegister64 src) => RR(0xF2, W, 0x0F2A, N(dst), N(src));
    public void cvtsi2ss(AssemblerRegisterXMM dst, AssemblerRegister64 src) => RR(0xF3, W, 0x0F2A, N(dst), N(src));
    public void roundsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src, byte mode) { Sse(0x66, 0x0F3A0B, dst, src); Byte(mode); }
    public void roundss(AssemblerRegisterXMM dst, AssemblerRegisterXMM src, byte mode) { Sse(0x66, 0x0F3A0A, dst, src); Byte(mode); }

    // ───────────── SSE: the rarer forms, encoded by Iced ─────────────

    public void pminub(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.pminub(dst, src); Flush(); }
    public void pminud(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.pminud(dst, src); Flush(); }
    public void pminuw(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.pminuw(dst, src); Flush(); }
    public void pmulld(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.pmulld(dst, src); Flush(); }
    public void pmullw(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.pmullw(dst, src); Flush(); }
    public void psadbw(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.psadbw(dst, src); Flush(); }
    public void phaddd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.phaddd(dst, src); Flush(); }
    public void phaddw(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.phaddw(dst, src); Flush(); }
    public void cvtdq2ps(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.cvtdq2ps(dst, src); Flush(); }
    public void cvttps2dq(AssemblerRegisterXMM dst, AssemblerRegisterXMM src) { _fallback.cvttps2dq(dst, src); Flush(); }
    public void pshufd(AssemblerRegisterXMM dst, AssemblerRegisterXMM src, byte imm) { _fallback.pshufd(dst, src, imm); Flush(); }
    public void pshuflw(AssemblerRegisterXMM dst, AssemblerRegisterXMM src, byte imm) { _fallback.pshuflw(dst, src, imm); Flush(); }
    public void palignr(AssemblerRegisterXMM dst, AssemblerRegisterXMM src, byte imm) { _fallback.palignr(dst, src, imm); Flush(); }
    public void shufps(AssemblerRegisterXMM dst, AssemblerRegisterXMM src, byte imm) { _fallback.shufps(dst, src, imm); Flush(); }
    public void pslld(AssemblerRegisterXMM dst, byte imm) { _fallback.pslld(dst, imm); Flush(); }
    public void psllq(AssemblerRegisterXMM dst, byte imm) { _fallback.psllq(dst, imm); Flush(); }
    public void psllw(AssemblerRegisterXMM dst, byte imm) { _fallback.psllw(dst, imm); Flush(); }
    public void psrad(AssemblerRegisterXMM dst, byte imm) { _fallback.psrad(dst, imm); Flush(); }
    public void psraw(AssemblerRegisterXMM dst, byte imm) { _fallback.psraw(dst, imm); Flush(); }
    public void psrld(AssemblerRegisterXMM dst, byte imm) { _fallback.psrld(dst, imm); Flush(); }
    public void psrlq(AssemblerRegisterXMM dst, byte imm) { _fallback.psrlq(dst, imm); Flush(); }
    public void psrlw(AssemblerRegisterXMM dst, byte imm) { _fallback.psrlw(dst, imm); Flush(); }
    public void psrldq(AssemblerRegisterXMM dst, byte imm) { _fallback.psrldq(dst, imm); Flush(); }
    public void pslldq(AssemblerRegisterXMM dst, byte imm) { _fallback.pslldq(dst, imm); Flush(); }
    public void pextrb(AssemblerRegister32 dst, AssemblerRegisterXMM src, byte imm) { _fallback.pextrb(dst, src, imm); Flush(); }
    public void pextrd(AssemblerRegister32 dst, AssemblerRegisterXMM src, byte imm) { _fallback.pextrd(dst, src, imm); Flush(); }
    public void pextrw(AssemblerRegister32 dst, AssemblerRegisterXMM src, byte imm) { _fallback.pextrw(dst, src, imm); Flush(); }
    public void pextrq(AssemblerRegister64 dst, AssemblerRegisterXMM src, byte imm) { _fallback.pextrq(dst, src, imm); Flush(); }
    public void pinsrb(AssemblerRegisterXMM dst, AssemblerRegister32 src, byte imm) { _fallback.pinsrb(dst, src, imm); Flush(); }
    public void pinsrd(AssemblerRegisterXMM dst, AssemblerRegister32 src, byte imm) { _fallback.pinsrd(dst, src, imm); Flush(); }
    public void pinsrw(AssemblerRegisterXMM dst, AssemblerRegister32 src, byte imm) { _fallback.pinsrw(dst, src, imm); Flush(); }
    public void pinsrq(AssemblerRegisterXMM dst, AssemblerRegister64 src, byte imm) { _fallback.pinsrq(dst, src, imm); Flush(); }
    public void pinsrq(AssemblerRegisterXMM dst, AssemblerMemoryOperand src, byte imm) { _fallback.pinsrq(dst, src, imm); Flush(); }
    public void pmovmskb(AssemblerRegister32 dst, AssemblerRegisterXMM src) { _fallback.pmovmskb(dst, src); Flush(); }
    public void movmskps(AssemblerRegister32 dst, AssemblerRegisterXMM src) { _fallback.movmskps(dst, src); Flush(); }
    public void vaddsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vaddsd(dst, a, b); Flush(); }
    public void vaddss(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vaddss(dst, a, b); Flush(); }
    public void vsubsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vsubsd(dst, a, b); Flush(); }
    public void vsubss(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vsubss(dst, a, b); Flush(); }
    public void vmulsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vmulsd(dst, a, b); Flush(); }
    public void vmulss(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vmulss(dst, a, b); Flush(); }
    public void vdivsd(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vdivsd(dst, a, b); Flush(); }
    public void vdivss(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vdivss(dst, a, b); Flush(); }
    public void vfmadd231sd(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vfmadd231sd(dst, a, b); Flush(); }
    public void vfmadd231ss(AssemblerRegisterXMM dst, AssemblerRegisterXMM a, AssemblerRegisterXMM b) { _fallback.vfmadd231ss(dst, a, b); Flush(); }
}

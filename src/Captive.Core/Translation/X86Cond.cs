using Iced.Intel;

namespace Captive.Core.Translation;

/// <summary>x86 condition codes the code generator uses.</summary>
internal enum X86Cond { E, NE, AE, B, S, NS, O, NO, A, BE, GE, L, G, LE, Always }

/// <summary>Emits conditional instructions by <see cref="X86Cond"/>.</summary>
internal static class X86CondEmitter
{
    /// <summary>
    /// The x86 condition that tests an AArch64 condition, given the flag encoding the code generator
    /// keeps: x86 SF/ZF/OF equal N/Z/V and x86 CF is the inverse of the ARM C flag (x86 subtraction
    /// borrow). With that encoding every ARM condition is one x86 condition.
    /// </summary>
    public static X86Cond FromArm(int cc) => cc switch
    {
        0 => X86Cond.E, 1 => X86Cond.NE, 2 => X86Cond.AE, 3 => X86Cond.B,
        4 => X86Cond.S, 5 => X86Cond.NS, 6 => X86Cond.O, 7 => X86Cond.NO,
        8 => X86Cond.A, 9 => X86Cond.BE, 10 => X86Cond.GE, 11 => X86Cond.L,
        12 => X86Cond.G, 13 => X86Cond.LE, _ => X86Cond.Always,
    };

    /// <summary>The second opcode byte of the near form <c>0F 8x rel32</c>.</summary>
    public static byte JccOpcode(X86Cond c) => c switch
    {
        X86Cond.O => 0x80, X86Cond.NO => 0x81, X86Cond.B => 0x82, X86Cond.AE => 0x83,
        X86Cond.E => 0x84, X86Cond.NE => 0x85, X86Cond.BE => 0x86, X86Cond.A => 0x87,
        X86Cond.S => 0x88, X86Cond.NS => 0x89, X86Cond.L => 0x8C, X86Cond.GE => 0x8D,
        X86Cond.LE => 0x8E, X86Cond.G => 0x8F, _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    /// <summary>The rel32 form of the conditional jump (or <c>jmp</c> for <see cref="X86Cond.Always"/>).</summary>
    private static Code JccCode(X86Cond c) => c switch
    {
        X86Cond.E => Code.Je_rel32_64, X86Cond.NE => Code.Jne_rel32_64, X86Cond.AE => Code.Jae_rel32_64,
        X86Cond.B => Code.Jb_rel32_64, X86Cond.S => Code.Js_rel32_64, X86Cond.NS => Code.Jns_rel32_64,
        X86Cond.O => Code.Jo_rel32_64, X86Cond.NO => Code.Jno_rel32_64, X86Cond.A => Code.Ja_rel32_64,
        X86Cond.BE => Code.Jbe_rel32_64, X86Cond.GE => Code.Jge_rel32_64, X86Cond.L => Code.Jl_rel32_64,
        X86Cond.G => Code.Jg_rel32_64, X86Cond.LE => Code.Jle_rel32_64, _ => Code.Jmp_rel32_64,
    };

    public static void Jcc(Assembler a, X86Cond c, ulong target) => a.AddInstruction(Instruction.CreateBranch(JccCode(c), target));

    /// <summary>A conditional jump to a label (the encoder resolves a label id in the branch target).</summary>
    public static void Jcc(Assembler a, X86Cond c, Label target) => a.AddInstruction(Instruction.CreateBranch(JccCode(c), target.Id));

    public static void Setcc(Assembler a, X86Cond c, AssemblerRegister8 r)
    {
        switch (c)
        {
            case X86Cond.E: a.sete(r); break;
            case X86Cond.NE: a.setne(r); break;
            case X86Cond.AE: a.setae(r); break;
            case X86Cond.B: a.setb(r); break;
            case X86Cond.S: a.sets(r); break;
            case X86Cond.NS: a.setns(r); break;
            case X86Cond.O: a.seto(r); break;
            case X86Cond.NO: a.setno(r); break;
            case X86Cond.A: a.seta(r); break;
            case X86Cond.BE: a.setbe(r); break;
            case X86Cond.GE: a.setge(r); break;
            case X86Cond.L: a.setl(r); break;
            case X86Cond.G: a.setg(r); break;
            case X86Cond.LE: a.setle(r); break;
            default: a.mov(r, 1); break;
        }
    }
}

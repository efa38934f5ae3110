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

    public static void Jcc(X86Emitter a, X86Cond c, ulong target) => a.Jcc(Cc(c), target);

    public static void Jcc(X86Emitter a, X86Cond c, Label target) => a.Jcc(Cc(c), target);

    /// <summary>CMOVcc; <see cref="X86Cond.Always"/> is a MOV.</summary>
    public static void Cmovcc(X86Emitter a, X86Cond c, AssemblerRegister64 dst, AssemblerRegister64 src)
    {
        if (c == X86Cond.Always) a.mov(dst, src); else a.Cmovcc(Cc(c), dst, src);
    }

    /// <summary>CMOVcc at 32 bits (zero-extends); <see cref="X86Cond.Always"/> is a MOV.</summary>
    public static void Cmovcc(X86Emitter a, X86Cond c, AssemblerRegister32 dst, AssemblerRegister32 src)
    {
        if (c == X86Cond.Always) a.mov(dst, src); else a.Cmovcc(Cc(c), dst, src);
    }

    public static void Setcc(X86Emitter a, X86Cond c, AssemblerRegister8 r)
    {
        if (c == X86Cond.Always) a.mov(r, 1);
        else a.Setcc(Cc(c), r);
    }

    /// <summary>The x86 condition-code number (the low nibble of jcc, setcc and cmovcc opcodes); Always has none.</summary>
    private static int Cc(X86Cond c) => c == X86Cond.Always ? -1 : JccOpcode(c) - 0x80;
}

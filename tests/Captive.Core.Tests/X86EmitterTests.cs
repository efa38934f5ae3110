using System.Runtime.InteropServices;
using Captive.Core.Runtime;
using Captive.Core.Translation;
using Iced.Intel;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Tests;

/// <summary>
/// The code generator's emitter encodes as it is called, with the method names and operand types of Iced's
/// Assembler: every form it has must give exactly the bytes Iced's Assembler and Encoder give for the same call
/// (over registers that need REX, the RSP/RBP/R12/R13 base special cases, SPL–DIL, XMM8–15, displacement and
/// immediate size boundaries), and labels must resolve as Iced's block encoder resolves them (rel32 branches,
/// RIP-relative data). The same call goes to both through <c>dynamic</c>, so a form the emitter picks differently
/// from Iced (or one Iced does not have) fails here.
/// </summary>
public sealed unsafe class X86EmitterTests
{
    private static readonly AssemblerRegister64[] R64 = [rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15];
    private static readonly AssemblerRegister32[] R32 = [eax, ecx, edx, ebx, esp, ebp, esi, edi, r8d, r9d, r10d, r11d, r12d, r13d, r14d, r15d];
    private static readonly AssemblerRegister16[] R16 = [ax, cx, dx, bx, sp, bp, si, di, r8w, r9w, r10w, r11w, r12w, r13w, r14w, r15w];
    private static readonly AssemblerRegister8[] R8 = [al, cl, dl, bl, spl, bpl, sil, dil, r8b, r9b, r10b, r11b, r12b, r13b, r14b, r15b];
    private static readonly AssemblerRegisterXMM[] X = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15];
    private static readonly int[] Displacements = [0, 1, -1, 8, 32, 127, 128, -128, -129, 0x1000, 0x7FFF_FFF0, -0x1234_5678];
    private static readonly int[] Imm32s = [0, 1, -1, 2, 127, -128, 128, -129, 255, 256, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, int.MinValue, 0x1234_5678];
    private static readonly long[] Imm64s = [0, 1, -1, 127, 128, -129, 0x7FFF_FFFF, -0x8000_0000L, 0x8000_0000L, -0x8000_0001L, 0xFFFF_FFFFL, 0x1_0000_0000L, long.MaxValue, long.MinValue, 0x7FEF_FFFF_FFFF_FFFFL];
    private static readonly byte[] Imm8s = [0, 1, 2, 5, 8, 31, 32, 63, 0x7F, 0x80, 0xFF];

    /// <summary>Registers that stand for the encoding cases: plain, REX.B/R, RSP/RBP/R12/R13 (SIB, disp8).</summary>
    private static readonly int[] SomeRegs = [0, 1, 4, 5, 7, 8, 12, 13, 15];

    private static readonly Assembler Iced = new(64) { PreferShortBranch = false };
    private static readonly X86Emitter Mine = new();
    private static readonly byte[] IcedBytes = new byte[64];
    private int _checked;

    /// <summary>Memory operands of every size over the base/index/scale/displacement cases.</summary>
    private static IEnumerable<AssemblerMemoryOperand> Memory(Func<AssemblerMemoryOperand, AssemblerMemoryOperand> size)
    {
        foreach (var b in R64)
            foreach (int d in Displacements)
                yield return size(b + d);
        foreach (var b in R64)
            foreach (int i in SomeRegs)
            {
                if (i == 4) continue;
                foreach (int s in new[] { 1, 2, 4, 8 })
                    foreach (int d in new[] { 0, 8, 0x100 })
                        yield return size(b + R64[i] * s + d);
            }
    }

    private static IEnumerable<AssemblerMemoryOperand> Bytes => Memory(m => __byte_ptr[m]);
    private static IEnumerable<AssemblerMemoryOperand> Words => Memory(m => __word_ptr[m]);
    private static IEnumerable<AssemblerMemoryOperand> Dwords => Memory(m => __dword_ptr[m]);
    private static IEnumerable<AssemblerMemoryOperand> Qwords => Memory(m => __qword_ptr[m]);
    private static IEnumerable<AssemblerMemoryOperand> Xwords => Memory(m => __xmmword_ptr[m]);

    /// <summary>One call on both assemblers; the bytes must match.</summary>
    private void Same(Action<dynamic> call)
    {
        Iced.Reset();
        call(Iced);
        var writer = new ArrayWriter(IcedBytes);
        var encoder = Encoder.Create(64, writer);
        var ins = Iced.Instructions[0];
        Assert.Single(Iced.Instructions);
        encoder.Encode(ins, 0x1000);
        var iced = IcedBytes.AsSpan(0, writer.Position).ToArray();

        Mine.Reset();
        call(Mine);
        var mine = Encode(Mine, 0x1000);
        if (!iced.AsSpan().SequenceEqual(mine))
            Assert.Fail($"{ins} ({ins.Code}): emitter gives {Convert.ToHexString(mine)}, Iced gives {Convert.ToHexString(iced)}");
        _checked++;
    }

    private static byte[] Encode(X86Emitter e, ulong rip)
    {
        byte* buffer = (byte*)NativeMemory.Alloc(1 << 16);
        try
        {
            var writer = new SpanCodeWriter(buffer, 1 << 16);
            e.Encode(rip, writer);
            return new ReadOnlySpan<byte>(buffer, writer.Position).ToArray();
        }
        finally { NativeMemory.Free(buffer); }
    }

    private static readonly string[] Alu = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];

    [Fact]
    public void IntegerFormsMatchIced()
    {
        for (int d = 0; d < 16; d++)
        {
            var q = R64[d]; var w = R32[d]; var h = R16[d]; var b = R8[d];
            for (int s = 0; s < 16; s++)
            {
                var qs = R64[s]; var ws = R32[s]; var hs = R16[s]; var bs = R8[s];
                Same(a => a.mov(q, qs)); Same(a => a.mov(w, ws)); Same(a => a.mov(h, hs)); Same(a => a.mov(b, bs));
                Same(a => a.add(q, qs)); Same(a => a.add(w, ws)); Same(a => a.or(q, qs)); Same(a => a.or(w, ws));
                Same(a => a.adc(q, qs)); Same(a => a.adc(w, ws)); Same(a => a.sbb(q, qs)); Same(a => a.sbb(w, ws));
                Same(a => a.and(q, qs)); Same(a => a.and(w, ws)); Same(a => a.sub(q, qs)); Same(a => a.sub(w, ws));
                Same(a => a.xor(q, qs)); Same(a => a.xor(w, ws)); Same(a => a.cmp(q, qs)); Same(a => a.cmp(w, ws));
                Same(a => a.test(q, qs)); Same(a => a.test(w, ws)); Same(a => a.imul(q, qs)); Same(a => a.imul(w, ws));
                Same(a => a.lzcnt(q, qs)); Same(a => a.lzcnt(w, ws)); Same(a => a.bsr(q, qs)); Same(a => a.bsr(w, ws));
                Same(a => a.cmovne(q, qs)); Same(a => a.cmovne(w, ws)); Same(a => a.cmove(q, qs)); Same(a => a.cmove(w, ws));
                Same(a => a.cmovb(q, qs)); Same(a => a.cmovb(w, ws)); Same(a => a.cmova(q, qs)); Same(a => a.cmova(w, ws));
                Same(a => a.movzx(w, bs)); Same(a => a.movzx(w, hs)); Same(a => a.movsx(q, bs)); Same(a => a.movsx(q, hs));
                Same(a => a.movsx(w, bs)); Same(a => a.movsx(w, hs)); Same(a => a.movsxd(q, ws));
            }
            foreach (int imm in Imm32s)
            {
                foreach (var op in Alu)
                {
                    Same(a => Call(a, op, q, imm));
                    Same(a => Call(a, op, w, imm));
                }
                Same(a => a.test(q, imm)); Same(a => a.test(w, imm)); Same(a => a.mov(w, imm));
            }
            foreach (long imm in Imm64s) Same(a => a.mov(q, imm));
            foreach (byte imm in Imm8s)
            {
                Same(a => a.mov(b, imm)); Same(a => a.add(b, imm));
                byte n64 = (byte)(imm & 63), n32 = (byte)(imm & 31);
                Same(a => a.btr(q, n64));
                Same(a => a.rol(q, n64)); Same(a => a.rol(w, n32)); Same(a => a.ror(q, n64)); Same(a => a.ror(w, n32));
                Same(a => a.shl(q, n64)); Same(a => a.shl(w, n32)); Same(a => a.shr(q, n64)); Same(a => a.shr(w, n32));
                Same(a => a.sar(q, n64)); Same(a => a.sar(w, n32));
            }
            Same(a => a.ror(q, cl)); Same(a => a.ror(w, cl)); Same(a => a.shl(q, cl)); Same(a => a.shl(w, cl));
            Same(a => a.shr(q, cl)); Same(a => a.shr(w, cl)); Same(a => a.sar(q, cl)); Same(a => a.sar(w, cl));
            Same(a => a.not(q)); Same(a => a.not(w)); Same(a => a.neg(q)); Same(a => a.neg(w));
            Same(a => a.mul(q)); Same(a => a.mul(w)); Same(a => a.imul(q)); Same(a => a.imul(w));
            Same(a => a.div(q)); Same(a => a.div(w)); Same(a => a.idiv(q)); Same(a => a.idiv(w));
            Same(a => a.bswap(q)); Same(a => a.bswap(w));
            Same(a => a.seto(b)); Same(a => a.setno(b)); Same(a => a.setb(b)); Same(a => a.setae(b)); Same(a => a.sete(b));
            Same(a => a.setne(b)); Same(a => a.setbe(b)); Same(a => a.seta(b)); Same(a => a.sets(b)); Same(a => a.setns(b));
            Same(a => a.setl(b)); Same(a => a.setge(b)); Same(a => a.setle(b)); Same(a => a.setg(b));
        }
        Same(a => a.lahf()); Same(a => a.sahf()); Same(a => a.cmc()); Same(a => a.stc()); Same(a => a.nop());
        Same(a => a.cdq()); Same(a => a.cqo()); Same(a => a.rdtsc());
        Assert.True(_checked > 10_000);
    }

    [Fact]
    public void AluByGroupMatchesNamedForms()
    {
        for (int group = 0; group < 8; group++)
            for (int d = 0; d < 16; d++)
            {
                var q = R64[d]; var w = R32[d];
                foreach (int s in SomeRegs)
                {
                    Equal(e => e.Alu(group, true, q, R64[s]), e => Call(e, Alu[group], q, R64[s]));
                    Equal(e => e.Alu(group, false, q, R64[s]), e => Call(e, Alu[group], w, R32[s]));
                }
                foreach (int imm in Imm32s)
                {
                    Equal(e => e.Alu(group, true, q, imm), e => Call(e, Alu[group], q, imm));
                    Equal(e => e.Alu(group, false, q, imm), e => Call(e, Alu[group], w, imm));
                }
            }
    }

    /// <summary>Two ways of emitting on the emitter must give the same bytes (the named forms are checked against Iced above).</summary>
    private static void Equal(Action<X86Emitter> mine, Action<X86Emitter> named)
    {
        Mine.Reset(); mine(Mine); var a = Encode(Mine, 0x1000);
        Mine.Reset(); named(Mine); var b = Encode(Mine, 0x1000);
        Assert.Equal(Convert.ToHexString(b), Convert.ToHexString(a));
    }

    private static void Call(dynamic a, string op, dynamic dst, dynamic src)
    {
        switch (op)
        {
            case "add": a.add(dst, src); break;
            case "or": a.or(dst, src); break;
            case "adc": a.adc(dst, src); break;
            case "sbb": a.sbb(dst, src); break;
            case "and": a.and(dst, src); break;
            case "sub": a.sub(dst, src); break;
            case "xor": a.xor(dst, src); break;
            default: a.cmp(dst, src); break;
        }
    }

    [Fact]
    public void MemoryFormsMatchIced()
    {
        foreach (int r in SomeRegs)
        {
            var q = R64[r]; var w = R32[r]; var h = R16[r]; var b = R8[r]; var x = X[r + 3 & 15];
            foreach (var m in Qwords)
            {
                Same(a => a.mov(q, m)); Same(a => a.mov(m, q)); Same(a => a.add(q, m)); Same(a => a.add(m, q));
                Same(a => a.sub(q, m)); Same(a => a.or(m, q)); Same(a => a.lea(q, m)); Same(a => a.lea(w, m));
                Same(a => a.movq(x, m)); Same(a => a.movq(m, x)); Same(a => a.pinsrq(x, m, (byte)1));
                Same(a => a.cmp(m, q)); Same(a => a.jmp(m)); Same(a => a.ucomisd(x, m));
            }
            foreach (var m in Dwords)
            {
                Same(a => a.mov(w, m)); Same(a => a.mov(m, w)); Same(a => a.or(m, w)); Same(a => a.movsxd(q, m));
                Same(a => a.movd(x, m)); Same(a => a.movd(m, x)); Same(a => a.ucomiss(x, m));
            }
            foreach (var m in Words) { Same(a => a.mov(h, m)); Same(a => a.mov(m, h)); Same(a => a.movzx(w, m)); }
            foreach (var m in Bytes) { Same(a => a.mov(b, m)); Same(a => a.mov(m, b)); Same(a => a.movzx(w, m)); }
            foreach (var m in Xwords)
            {
                Same(a => a.movdqa(x, m)); Same(a => a.movdqa(m, x)); Same(a => a.movdqu(x, m)); Same(a => a.movdqu(m, x));
                Same(a => a.andpd(x, m));
            }
        }
        int[] small = [0, 1, -1, 127, -128], medium = [.. small, 128, -129, 0x1F80, 0x7FFF], large = [.. medium, 0x1_0000, 0x7FFF_FFFF, int.MinValue];
        foreach (var (sized, imms) in new[] { (Bytes, small), (Words, medium), (Dwords, large), (Qwords, large) })
            foreach (var m in sized)
                foreach (int imm in imms)
                {
                    int v = imm;
                    Same(a => a.mov(m, v)); Same(a => a.add(m, v)); Same(a => a.or(m, v)); Same(a => a.and(m, v)); Same(a => a.cmp(m, v));
                }
        foreach (var m in Dwords) { Same(a => a.ldmxcsr(m)); Same(a => a.stmxcsr(m)); }
    }

    [Fact]
    public void VectorFormsMatchIced()
    {
        for (int d = 0; d < 16; d++)
        {
            var x = X[d]; var q = R64[d]; var w = R32[d];
            for (int s = 0; s < 16; s++)
            {
                var xs = X[s]; var qs = R64[s]; var ws = R32[s];
                Same(a => a.movdqa(x, xs)); Same(a => a.movdqu(x, xs)); Same(a => a.movq(x, xs));
                Same(a => a.movq(x, qs)); Same(a => a.movq(q, xs)); Same(a => a.movd(x, ws)); Same(a => a.movd(w, xs));
                Same(a => a.pxor(x, xs)); Same(a => a.pand(x, xs)); Same(a => a.pandn(x, xs)); Same(a => a.por(x, xs));
                Same(a => a.punpcklqdq(x, xs)); Same(a => a.punpckhqdq(x, xs)); Same(a => a.pcmpeqb(x, xs)); Same(a => a.pcmpeqd(x, xs));
                Same(a => a.paddb(x, xs)); Same(a => a.paddw(x, xs)); Same(a => a.paddd(x, xs)); Same(a => a.paddq(x, xs));
                Same(a => a.psubb(x, xs)); Same(a => a.pshufb(x, xs));
                Same(a => a.addsd(x, xs)); Same(a => a.addss(x, xs)); Same(a => a.subsd(x, xs)); Same(a => a.subss(x, xs));
                Same(a => a.mulsd(x, xs)); Same(a => a.mulss(x, xs)); Same(a => a.divsd(x, xs)); Same(a => a.divss(x, xs));
                Same(a => a.sqrtsd(x, xs)); Same(a => a.sqrtss(x, xs)); Same(a => a.ucomisd(x, xs)); Same(a => a.ucomiss(x, xs));
                Same(a => a.cvtss2sd(x, xs)); Same(a => a.cvtsd2ss(x, xs));
                Same(a => a.cvttsd2si(q, xs)); Same(a => a.cvttsd2si(w, xs)); Same(a => a.cvttss2si(q, xs)); Same(a => a.cvttss2si(w, xs));
                Same(a => a.cvtsi2sd(x, qs)); Same(a => a.cvtsi2ss(x, qs));
                Same(a => a.pminub(x, xs)); Same(a => a.pminud(x, xs)); Same(a => a.pminuw(x, xs)); Same(a => a.pmulld(x, xs));
                Same(a => a.pmullw(x, xs)); Same(a => a.psadbw(x, xs)); Same(a => a.phaddd(x, xs)); Same(a => a.phaddw(x, xs));
                Same(a => a.cvtdq2ps(x, xs)); Same(a => a.cvttps2dq(x, xs));
                Same(a => a.pmovmskb(w, xs)); Same(a => a.movmskps(w, xs));
                Same(a => a.vfmadd231sd(x, xs, X[15 - s])); Same(a => a.vfmadd231ss(x, xs, X[15 - s]));
                Same(a => a.movaps(x, xs)); Same(a => a.xorps(x, xs));
                Same(a => a.vaddsd(x, xs, X[15 - s])); Same(a => a.vaddss(x, xs, X[15 - s])); Same(a => a.vsubsd(x, xs, X[15 - s])); Same(a => a.vsubss(x, xs, X[15 - s]));
                Same(a => a.vmulsd(x, xs, X[15 - s])); Same(a => a.vmulss(x, xs, X[15 - s])); Same(a => a.vdivsd(x, xs, X[15 - s])); Same(a => a.vdivss(x, xs, X[15 - s]));
                foreach (byte imm in new byte[] { 0, 1, 3, 8, 11, 0x4E, 0xFF })
                {
                    Same(a => a.roundsd(x, xs, imm)); Same(a => a.roundss(x, xs, imm));
                    Same(a => a.pshufd(x, xs, imm)); Same(a => a.pshuflw(x, xs, imm)); Same(a => a.palignr(x, xs, imm)); Same(a => a.shufps(x, xs, imm));
                    byte lane = (byte)(imm & 7);
                    Same(a => a.pextrb(w, xs, lane)); Same(a => a.pextrw(w, xs, lane)); Same(a => a.pextrd(w, xs, (byte)(lane & 3)));
                    Same(a => a.pextrq(q, xs, (byte)(lane & 1)));
                    Same(a => a.pinsrb(x, ws, lane)); Same(a => a.pinsrw(x, ws, lane)); Same(a => a.pinsrd(x, ws, (byte)(lane & 3)));
                    Same(a => a.pinsrq(x, qs, (byte)(lane & 1)));
                }
            }
            foreach (byte n in new byte[] { 0, 1, 4, 8, 15, 31, 63 })
            {
                Same(a => a.pslld(x, n)); Same(a => a.psllq(x, n)); Same(a => a.psllw(x, n)); Same(a => a.psrad(x, n)); Same(a => a.psraw(x, n));
                Same(a => a.psrld(x, n)); Same(a => a.psrlq(x, n)); Same(a => a.psrlw(x, n)); Same(a => a.psrldq(x, n)); Same(a => a.pslldq(x, n));
            }
        }
    }

    [Fact]
    public void CmovccMatchesIcedForEveryCondition()
    {
        for (int cc = 0; cc < 16; cc++)
            for (int d = 0; d < 16; d++)
                for (int s = 0; s < 16; s += 5)
                {
                    int c = cc, dd = d, ss = s;
                    var wide = Instruction.Create(Code.Cmovo_r64_rm64 + 3 * c, (Register)((int)Register.RAX + dd), (Register)((int)Register.RAX + ss));
                    var narrow = Instruction.Create(Code.Cmovo_r32_rm32 + 3 * c, (Register)((int)Register.EAX + dd), (Register)((int)Register.EAX + ss));
                    Assert.Equal(IcedEncoding(wide), EmitterBytes(e => e.Cmovcc(c, R64[dd], R64[ss])));
                    Assert.Equal(IcedEncoding(narrow), EmitterBytes(e => e.Cmovcc(c, R32[dd], R32[ss])));
                }
    }

    private static string IcedEncoding(Instruction instruction)
    {
        var writer = new ListWriter();
        Encoder.Create(64, writer).Encode(instruction, 0x7000_0000);
        return Convert.ToHexString(writer.ToArray());
    }

    private static string EmitterBytes(Action<X86Emitter> emit)
    {
        var e = new X86Emitter();
        emit(e);
        return Convert.ToHexString(e.ToArray());
    }

    [Fact]
    public void LabelsResolveLikeIcedBlockEncoder()
    {
        // The same program through Iced's block encoder and through the emitter.
        var a = new Assembler(64) { PreferShortBranch = false };
        var e = new X86Emitter();
        var back = a.CreateLabel(); var forward = a.CreateLabel(); var data = a.CreateLabel();
        var eback = e.CreateLabel(); var eforward = e.CreateLabel(); var edata = e.CreateLabel();
        a.Label(ref back); e.Label(ref eback);
        a.mov(rax, 1); e.mov(rax, 1);
        a.jne(forward); e.jne(eforward);
        a.je(back); e.je(eback);
        a.jmp(back); e.jmp(eback);
        a.call(0x7100_0000UL); e.call(0x7100_0000UL);
        a.movdqu(xmm9, __xmmword_ptr[data]); e.movdqu(xmm9, __xmmword_ptr[edata]);
        a.ucomisd(xmm3, __qword_ptr[data]); e.ucomisd(xmm3, __qword_ptr[edata]);
        a.andpd(xmm15, __xmmword_ptr[data]); e.andpd(xmm15, __xmmword_ptr[edata]);
        a.jb(0x6F00_0000UL); e.jb(0x6F00_0000UL);
        a.Label(ref forward); e.Label(ref eforward);
        a.jmp(0x7000_0000UL); e.jmp(0x7000_0000UL);
        a.Label(ref data); e.Label(ref edata);
        a.dq(0x0123_4567_89AB_CDEFUL, 0xFEDC_BA98_7654_3210UL); e.dq(0x0123_4567_89AB_CDEFUL, 0xFEDC_BA98_7654_3210UL);
        const ulong rip = 0x7000_1000;
        var icedWriter = new ListWriter();
        var result = a.Assemble(icedWriter, rip, BlockEncoderOptions.DontFixBranches | BlockEncoderOptions.ReturnNewInstructionOffsets);
        var mine = Encode(e, rip);
        Assert.Equal(Convert.ToHexString(icedWriter.ToArray()), Convert.ToHexString(mine));
        Assert.Equal(result.GetLabelRIP(forward), e.LabelRip(eforward));
        Assert.Equal(result.GetLabelRIP(data), e.LabelRip(edata));
    }

    [Fact]
    public void ResetForgetsLabelsAndCode()
    {
        var e = new X86Emitter();
        for (int round = 0; round < 3; round++)
        {
            e.Reset();
            var labels = new List<Label>();
            for (int k = 0; k < 100; k++) labels.Add(e.CreateLabel()); // more than the initial table
            for (int k = 0; k < labels.Count; k++) { var l = labels[k]; e.Label(ref l); e.jmp(labels[(k + 1) % labels.Count]); }
            var bytes = Encode(e, 0x40_0000);
            Assert.Equal(500, bytes.Length);
            Assert.Equal(0, BitConverter.ToInt32(bytes, 1)); // each jmp reaches the next one
        }
        var unbound = e.CreateLabel();
        e.jmp(unbound);
        Assert.Throws<InvalidOperationException>(() => Encode(e, 0x40_0000));
    }

    private sealed class ArrayWriter(byte[] bytes) : CodeWriter
    {
        public int Position;
        public override void WriteByte(byte value) => bytes[Position++] = value;
    }

    private sealed class ListWriter : CodeWriter
    {
        private readonly List<byte> _bytes = new();
        public override void WriteByte(byte value) => _bytes.Add(value);
        public byte[] ToArray() => _bytes.ToArray();
    }
}

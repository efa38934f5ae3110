using System.Runtime.InteropServices;
using Captive.Core.Runtime;
using Captive.Core.Translation;
using Iced.Intel;
using Xunit;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Tests;

/// <summary>
/// The code generator's encoder writes the frequent instruction forms itself: each must give exactly Iced's bytes
/// (Verify checks every directly encoded instruction against Iced's Encoder), and labels must resolve as Iced's
/// block encoder resolves them (rel32 branches, RIP-relative data).
/// </summary>
public sealed unsafe class X86InstructionEncoderTests
{
    private static readonly AssemblerRegister64[] R64 = [rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15];
    private static readonly AssemblerRegister32[] R32 = [eax, ecx, edx, ebx, esp, ebp, esi, edi, r8d, r9d, r10d, r11d, r12d, r13d, r14d, r15d];
    private static readonly AssemblerRegister16[] R16 = [ax, cx, dx, bx, sp, bp, si, di, r8w, r9w, r10w, r11w, r12w, r13w, r14w, r15w];
    private static readonly AssemblerRegister8[] R8 = [al, cl, dl, bl, spl, bpl, sil, dil, r8b, r9b, r10b, r11b, r12b, r13b, r14b, r15b];
    private static readonly int[] Displacements = [0, 1, -1, 8, 127, 128, -128, -129, 0x1000, 0x7FFF_FFF0, -0x1234_5678];

    private static byte[] Encode(Assembler a, ulong rip)
    {
        var encoder = new X86InstructionEncoder { Verify = true };
        byte* buffer = (byte*)NativeMemory.Alloc(1 << 20);
        try
        {
            var writer = new SpanCodeWriter(buffer, 1 << 20);
            encoder.Encode(a, rip, writer);
            return new ReadOnlySpan<byte>(buffer, writer.Position).ToArray();
        }
        finally { NativeMemory.Free(buffer); }
    }

    [Fact]
    public void DirectFormsMatchIced()
    {
        var a = new Assembler(64) { PreferShortBranch = false };
        for (int b = 0; b < 16; b++)
        {
            for (int r = 0; r < 16; r++)
            {
                a.mov(R64[b], R64[r]); a.mov(R32[b], R32[r]); a.mov(R16[b], R16[r]); a.mov(R8[b], R8[r]);
                a.add(R64[b], R64[r]); a.add(R32[b], R32[r]); a.or(R64[b], R64[r]); a.or(R32[b], R32[r]);
                a.and(R64[b], R64[r]); a.and(R32[b], R32[r]); a.sub(R64[b], R64[r]); a.sub(R32[b], R32[r]);
                a.xor(R64[b], R64[r]); a.xor(R32[b], R32[r]); a.cmp(R64[b], R64[r]); a.cmp(R32[b], R32[r]);
                a.test(R64[b], R64[r]); a.test(R32[b], R32[r]);
                a.movzx(R32[b], R8[r]); a.movzx(R32[b], R16[r]); a.movsxd(R64[b], R32[r]);
                foreach (int d in Displacements)
                {
                    a.mov(__qword_ptr[R64[b] + d], R64[r]); a.mov(R64[r], __qword_ptr[R64[b] + d]);
                    a.mov(__dword_ptr[R64[b] + d], R32[r]); a.mov(R32[r], __dword_ptr[R64[b] + d]);
                    a.mov(__word_ptr[R64[b] + d], R16[r]); a.mov(R16[r], __word_ptr[R64[b] + d]);
                    a.mov(__byte_ptr[R64[b] + d], R8[r]); a.mov(R8[r], __byte_ptr[R64[b] + d]);
                    a.movzx(R32[r], __byte_ptr[R64[b] + d]); a.movzx(R32[r], __word_ptr[R64[b] + d]);
                    a.movsxd(R64[r], __dword_ptr[R64[b] + d]); a.lea(R64[r], __[R64[b] + d]);
                    if (r != 4)
                        foreach (int s in new[] { 1, 2, 4, 8 })
                        {
                            a.mov(R64[b], __qword_ptr[R64[b] + R64[r] * s + d]);
                            if (b != 4) a.mov(__dword_ptr[R64[r] + R64[b] * 1 + d], R32[b]);
                        }
                }
            }
            foreach (int d in Displacements)
            {
                a.mov(__qword_ptr[R64[b] + d], 0x1234); a.mov(__dword_ptr[R64[b] + d], -5); a.mov(__word_ptr[R64[b] + d], (short)-3);
                a.mov(__byte_ptr[R64[b] + d], (byte)7); a.add(__qword_ptr[R64[b] + d], 1); a.add(__qword_ptr[R64[b] + d], 1000);
                a.cmp(__dword_ptr[R64[b] + d], 3);
            }
            foreach (int imm in new[] { 0, 1, -1, 127, -128, 128, 0x7FFF_FFFF, int.MinValue })
            {
                a.add(R64[b], imm); a.add(R32[b], imm); a.or(R64[b], imm); a.or(R32[b], imm); a.and(R64[b], imm); a.and(R32[b], imm);
                a.sub(R64[b], imm); a.sub(R32[b], imm); a.xor(R64[b], imm); a.xor(R32[b], imm); a.cmp(R64[b], imm); a.cmp(R32[b], imm);
                a.mov(R32[b], imm); a.mov(R64[b], (long)imm << 8); a.mov(R64[b], imm);
            }
            foreach (byte sh in new byte[] { 1, 5, 31, 63 })
            {
                a.shl(R64[b], sh); a.shl(R32[b], (byte)(sh & 31)); a.shr(R64[b], sh); a.shr(R32[b], (byte)(sh & 31)); a.sar(R64[b], sh); a.sar(R32[b], (byte)(sh & 31));
            }
            a.seto(R8[b]);
        }
        a.lahf(); a.sahf(); a.db(0x0F, 0x85, 0, 0, 0, 0);
        var bytes = Encode(a, 0x7000_0000);
        Assert.NotEmpty(bytes);
    }

    [Fact]
    public void LabelsResolveLikeIcedBlockEncoder()
    {
        var a = new Assembler(64) { PreferShortBranch = false };
        var back = a.CreateLabel();
        var forward = a.CreateLabel();
        var data = a.CreateLabel();
        a.Label(ref back);
        a.mov(rax, 1);
        a.jne(forward);
        a.jmp(back);
        a.call(0x7100_0000UL);
        a.movdqu(xmm1, __xmmword_ptr[data]);
        a.Label(ref forward);
        a.jmp(0x7000_0000UL);
        a.Label(ref data);
        a.dq(0x0123_4567_89AB_CDEFUL, 0xFEDC_BA98_7654_3210UL);
        const ulong rip = 0x7000_1000;
        var mine = Encode(a, rip);

        var icedWriter = new CodeWriterImpl();
        a.Assemble(icedWriter, rip, BlockEncoderOptions.DontFixBranches);
        Assert.Equal(icedWriter.ToArray(), mine);
    }

    private sealed class CodeWriterImpl : CodeWriter
    {
        private readonly List<byte> _bytes = new();
        public override void WriteByte(byte value) => _bytes.Add(value);
        public byte[] ToArray() => _bytes.ToArray();
    }
}

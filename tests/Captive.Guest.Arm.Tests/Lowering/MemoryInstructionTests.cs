using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// Loads and stores in every addressing mode. Expected results are the ARM ARM's (DDI 0487 C6) semantics,
// worked by hand; encodings come from the GNU assembler. D = the data area.
public sealed class MemoryInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("ldr x0, [x1, #8]", "x1=D m64@D+8=0x1122334455667788", "x0=0x1122334455667788")]
    [InlineData("ldr w0, [x1, #4]", "x1=D m64@D=0x1122334455667788", "x0=0x11223344")]
    [InlineData("ldrb w0, [x1, #1]", "x1=D m64@D=0x1122334455667788", "x0=0x77")]
    [InlineData("ldrh w0, [x1, #2]", "x1=D m32@D=0xabcd1234", "x0=0xabcd")]
    [InlineData("ldrsb x0, [x1]", "x1=D m8@D=0x80", "x0=0xffffffffffffff80")]
    [InlineData("ldrsb w0, [x1]", "x1=D m8@D=0x80", "x0=0xffffff80")]
    [InlineData("ldrsh x0, [x1]", "x1=D m16@D=0x8001", "x0=0xffffffffffff8001")]
    [InlineData("ldrsh w0, [x1]", "x1=D m16@D=0x8001", "x0=0xffff8001")]
    [InlineData("ldrsw x0, [x1]", "x1=D m32@D=0x80000000", "x0=0xffffffff80000000")]
    [InlineData("ldr x0, [sp, #16]", "sp=D m64@D+16=42", "x0=42")]
    [InlineData("ldr xzr, [x1]", "x1=D m64@D=42", "")]
    [InlineData("str x0, [x1, #16]", "x0=0x1122334455667788 x1=D", "m64@D+16=0x1122334455667788")]
    [InlineData("strb w0, [x1]", "x0=0x1234 x1=D", "m8@D=0x34")]
    [InlineData("strh w0, [x1, #2]", "x0=0x12345678 x1=D", "m16@D+2=0x5678")]
    [InlineData("str w0, [x1, #4]", "x0=0x1122334455667788 x1=D", "m32@D+4=0x55667788")]
    [InlineData("str xzr, [sp, #8]", "sp=D m64@D+8=-1", "m64@D+8=0")]
    public void Unsigned_offset(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ldur x0, [x1, #-8]", "x1=D+16 m64@D+8=5", "x0=5")]
    [InlineData("ldur w0, [x1, #1]", "x1=D m64@D=0x1122334455667788", "x0=0x44556677")]
    [InlineData("ldursb w0, [x1, #-1]", "x1=D+1 m8@D=0xff", "x0=0xffffffff")]
    [InlineData("ldursw x0, [x1, #3]", "x1=D m32@D+3=0x80000001", "x0=0xffffffff80000001")]
    [InlineData("stur w0, [x1, #-1]", "x0=0xaabbccdd x1=D+1", "m32@D=0xaabbccdd")]
    [InlineData("sturh w0, [x1, #255]", "x0=0xaabb x1=D", "m16@D+255=0xaabb")]
    [InlineData("ldr x0, [x1, #-8]!", "x1=D+16 m64@D+8=5", "x0=5 x1=D+8")]
    [InlineData("ldr x0, [x1], #8", "x1=D m64@D=6", "x0=6 x1=D+8")]
    [InlineData("ldrb w0, [x1], #-1", "x1=D+1 m8@D+1=0x99", "x0=0x99 x1=D")]
    [InlineData("str w0, [x1], #-4", "x0=0x1122334455667788 x1=D+4", "m32@D+4=0x55667788 x1=D")]
    [InlineData("str x0, [sp, #-16]!", "x0=7 sp=D+32", "m64@D+16=7 sp=D+16")]
    [InlineData("ldrsh x0, [x1, #2]!", "x1=D m16@D+2=0xfffe", "x0=-2 x1=D+2")]
    public void Unscaled_pre_and_post_index(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ldr x0, [x1, x2, lsl #3]", "x1=D x2=2 m64@D+16=7", "x0=7")]
    [InlineData("ldr x0, [x1, x2]", "x1=D+8 x2=-8 m64@D=3", "x0=3")]
    [InlineData("ldr w0, [x1, w2, sxtw #2]", "x1=D+16 x2=0xffffffff m32@D+12=9", "x0=9")]
    [InlineData("ldrb w0, [x1, w2, uxtw]", "x1=D x2=0x100000003 m8@D+3=0xaa", "x0=0xaa")]
    [InlineData("ldrsh w0, [x1, x2, lsl #1]", "x1=D x2=3 m16@D+6=0x8000", "x0=0xffff8000")]
    [InlineData("strb w0, [x1, x2]", "x0=0x55 x1=D x2=5", "m8@D+5=0x55")]
    [InlineData("str x0, [sp, x1, sxtx]", "x0=1 sp=D+8 x1=-8", "m64@D=1")]
    [InlineData("str w0, [x1, xzr]", "x0=4 x1=D", "m32@D=4")]
    public void Register_offset(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ldr x0, 1f; b 2f; 1: .quad 0x1122334455667788; 2:", "", "x0=0x1122334455667788")]
    [InlineData("ldr w0, 1f; b 2f; 1: .word 0x80000000; 2:", "", "x0=0x80000000")]
    [InlineData("ldrsw x0, 1f; b 2f; 1: .word 0x80000000; 2:", "", "x0=0xffffffff80000000")]
    [InlineData("prfm pldl1keep, [x1]", "x1=0", "")]
    [InlineData("prfm pstl2strm, [x1, x2, lsl #3]", "x1=0 x2=0", "")]
    [InlineData("prfum pldl3keep, [x1, #-1]", "x1=0", "")]
    [InlineData("prfm plil1keep, 1f; 1: nop", "", "")]
    public void Literal_and_prefetch(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("stp x0, x1, [sp, #-16]!", "x0=1 x1=2 sp=D+32", "sp=D+16 m64@D+16=1 m64@D+24=2")]
    [InlineData("ldp x0, x1, [sp], #16", "sp=D m64@D=1 m64@D+8=2", "x0=1 x1=2 sp=D+16")]
    [InlineData("ldp w0, w1, [x2, #8]", "x2=D m64@D+8=0x0000000200000001", "x0=1 x1=2")]
    [InlineData("ldp x2, x0, [x2]", "x2=D m64@D=1 m64@D+8=2", "x2=1 x0=2")]
    [InlineData("ldpsw x0, x1, [x2]", "x2=D m64@D=0x80000000ffffffff", "x0=-1 x1=0xffffffff80000000")]
    [InlineData("stp w0, w1, [x2, #-8]", "x0=1 x1=2 x2=D+8", "m64@D=0x0000000200000001")]
    [InlineData("stp xzr, xzr, [x2]", "x2=D m64@D=-1 m64@D+8=-1", "m64@D=0 m64@D+8=0")]
    [InlineData("stnp x0, x1, [x2, #16]", "x0=3 x1=4 x2=D", "m64@D+16=3 m64@D+24=4")]
    [InlineData("ldnp w0, w1, [x2]", "x2=D m64@D=0x0000000600000005", "x0=5 x1=6")]
    [InlineData("stp x29, x30, [sp, #-32]!; mov x29, sp; ldp x29, x30, [sp], #32",
        "x29=0x29 x30=0x30 sp=D+64", "m64@D+32=0x29 m64@D+40=0x30")]
    public void Pairs(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ldxr x0, [x1]; stxr w2, x3, [x1]", "x1=D x3=9 m64@D=5", "x0=5 x2=0 m64@D=9 $ExclusiveAddress=D")]
    [InlineData("ldxr w0, [x1]; clrex; stxr w2, w3, [x1]", "x1=D x3=9 m32@D=5", "x0=5 x2=1 $ExclusiveAddress=D")]
    [InlineData("ldaxr x0, [x1]; stlxr w2, x3, [x4]", "x1=D x4=D+8 x3=9 m64@D=5", "x0=5 x2=1 $ExclusiveAddress=D")]
    [InlineData("ldxrb w0, [x1]; stxrb w2, w3, [x1]", "x1=D x3=0x1ff m8@D=7", "x0=7 x2=0 m8@D=0xff $ExclusiveAddress=D")]
    [InlineData("ldaxrh w0, [x1]; stlxrh w2, w3, [x1]; stxrh w4, w3, [x1]", "x1=D x3=0x1234 m16@D=7", "x0=7 x2=0 x4=1 m16@D=0x1234 $ExclusiveAddress=D")]
    [InlineData("stxr w2, x3, [x1]", "x1=D x3=9", "x2=1")]
    [InlineData("ldar w0, [x1]", "x1=D m64@D=0x1122334455667788", "x0=0x55667788")]
    [InlineData("ldarb w0, [x1]", "x1=D m8@D=0x88", "x0=0x88")]
    [InlineData("stlr x0, [x1]", "x0=0x1122334455667788 x1=D", "m64@D=0x1122334455667788")]
    [InlineData("stlrh w0, [sp]", "x0=0x12345678 sp=D", "m16@D=0x5678")]
    [InlineData("1: ldaxr w0, [x1]; add w0, w0, #1; stlxr w2, w0, [x1]; cbnz w2, 1b", "x1=D m32@D=41", "x0=42 x2=0 m32@D=42 $ExclusiveAddress=D")]
    public void Exclusive_and_ordered(string asm, string setup, string expect) => Check(asm, setup, expect);
}

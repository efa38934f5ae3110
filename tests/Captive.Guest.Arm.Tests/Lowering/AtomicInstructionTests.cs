using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// ARMv8.1 LSE atomics, exclusive pairs and unprivileged accesses. Expected results are the ARM ARM's (DDI 0487 C6.2: CAS, CASP, LDADD, LDCLR, LDEOR,
// LDSET, LDSMAX, LDSMIN, LDUMAX, LDUMIN, SWP) worked by hand: the register gets the old memory value,
// zero-extended from the access size; memory gets the operation's result. D = the data area.
public sealed class AtomicInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("ldadd x0, x1, [x2]", "x0=5 x2=D m64@D=10", "x1=10 m64@D=15")]
    [InlineData("ldaddal w0, w1, [x2]", "x0=1 x2=D m64@D=0x11223344ffffffff", "x1=0xffffffff m64@D=0x1122334400000000")]
    [InlineData("ldaddb w0, w1, [x2]", "x0=0x101 x2=D m16@D=0x12ff", "x1=0xff m16@D=0x1200")]
    [InlineData("ldclrh w0, w1, [x2]", "x0=0x00ff x2=D m16@D=0x1234", "x1=0x1234 m16@D=0x1200")]
    [InlineData("ldeora x0, x1, [x2]", "x0=0xff x2=D m64@D=0x0f", "x1=0x0f m64@D=0xf0")]
    [InlineData("ldsetl w0, w1, [sp]", "x0=0x80 sp=D m32@D=1", "x1=1 m32@D=0x81")]
    [InlineData("ldsmax w0, w1, [x2]", "x0=0xffffffff x2=D m32@D=5", "x1=5 m32@D=5")]
    [InlineData("ldsmin w0, w1, [x2]", "x0=0xffffffff x2=D m32@D=5", "x1=5 m32@D=0xffffffff")]
    [InlineData("ldsmaxb w0, w1, [x2]", "x0=0x7f x2=D m8@D=0x80", "x1=0x80 m8@D=0x7f")]
    [InlineData("ldsminh w0, w1, [x2]", "x0=0x7fff x2=D m16@D=0x8000", "x1=0x8000 m16@D=0x8000")]
    [InlineData("ldumax x0, x1, [x2]", "x0=-1 x2=D m64@D=5", "x1=5 m64@D=-1")]
    [InlineData("ldumin x0, x1, [x2]", "x0=-1 x2=D m64@D=5", "x1=5 m64@D=5")]
    [InlineData("stadd w0, [x2]", "x0=3 x1=99 x2=D m32@D=4", "m32@D=7")]
    [InlineData("swp x0, x1, [x2]", "x0=7 x2=D m64@D=9", "x1=9 m64@D=7")]
    [InlineData("swpalb w0, w1, [x2]", "x0=0x1ab x1=-1 x2=D m16@D=0x1234", "x1=0x34 m16@D=0x12ab")]
    [InlineData("ldadd x0, x0, [x2]", "x0=5 x2=D m64@D=10", "x0=10 m64@D=15")]
    public void Atomic_memory_operations(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("cas x0, x1, [x2]", "x0=10 x1=20 x2=D m64@D=10", "x0=10 m64@D=20")]
    [InlineData("cas x0, x1, [x2]", "x0=11 x1=20 x2=D m64@D=10", "x0=10 m64@D=10")]
    [InlineData("casal w0, w1, [x2]", "x0=0x100000005 x1=6 x2=D m64@D=0xaaaaaaaa00000005", "x0=5 m64@D=0xaaaaaaaa00000006")]
    [InlineData("casb w0, w1, [x2]", "x0=0x1ff x1=0x11 x2=D m16@D=0x22ff", "x0=0xff m16@D=0x2211")]
    [InlineData("casp x0, x1, x2, x3, [x4]", "x0=1 x1=2 x2=3 x3=4 x4=D m64@D=1 m64@D+8=2", "x0=1 x1=2 m64@D=3 m64@D+8=4")]
    [InlineData("caspl w0, w1, w2, w3, [x4]", "x0=1 x1=9 x2=3 x3=4 x4=D m32@D=1 m32@D+4=2", "x0=1 x1=2 m32@D=1 m32@D+4=2")]
    public void Compare_and_swap(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ldtr x0, [x1, #8]", "x1=D m64@D+8=0x1122334455667788", "x0=0x1122334455667788")]
    [InlineData("ldtrsb x0, [x1, #-1]", "x1=D+1 m8@D=0x80", "x0=0xffffffffffffff80")]
    [InlineData("ldtrh w0, [x1]", "x1=D m16@D=0xbeef", "x0=0xbeef")]
    [InlineData("sttr w0, [x1, #4]", "x0=0x1122334455667788 x1=D", "m32@D+4=0x55667788")]
    [InlineData("sttrb w0, [sp, #255]", "x0=0x1ff sp=D", "m8@D+255=0xff")]
    public void Unprivileged_loads_and_stores_at_EL1_with_the_MMU_off(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("ldxp x0, x1, [x2]; stxp w3, x4, x5, [x2]", "x2=D x4=7 x5=8 m64@D=1 m64@D+8=2", "x0=1 x1=2 x3=0 m64@D=7 m64@D+8=8 $ExclusiveAddress=D")]
    [InlineData("ldaxp w0, w1, [x2]; stlxp w3, w4, w5, [x2]", "x2=D x4=7 x5=8 m64@D=0x0000000200000001", "x0=1 x1=2 x3=0 m64@D=0x0000000800000007 $ExclusiveAddress=D")]
    [InlineData("stxp w3, x4, x5, [x2]", "x2=D x3=9 x4=7 x5=8 m64@D=1 m64@D+8=2", "x3=1")]
    [InlineData("ldxp x0, x1, [x2]; clrex; stxp w3, x4, x5, [x2]", "x2=D x4=7 x5=8 m64@D=1 m64@D+8=2", "x0=1 x1=2 x3=1 $ExclusiveAddress=D")]
    public void Exclusive_pairs(string asm, string setup, string expect) => Check(asm, setup, expect);
}

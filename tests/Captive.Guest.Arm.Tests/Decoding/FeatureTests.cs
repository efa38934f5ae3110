using Captive.Guest.Arm.Decoding;
using Captive.Guest.Arm.Tests.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Decoding;

// The ID registers must say exactly what is implemented (ARM ARM D17.2: field positions of
// ID_AA64ISAR0_EL1 and ID_AA64PFR0_EL1).
public sealed class FeatureTests : InstructionTestBase
{
    [Fact]
    public void ISAR0_advertises_CRC32_LSE_atomics_and_the_crypto_extension()
    {
        ulong isar0 = A64Features.IdAa64Isar0(A64Features.Implemented);
        Assert.Equal(1UL, (isar0 >> 16) & 0xF);  // CRC32
        Assert.Equal(2UL, (isar0 >> 20) & 0xF);  // Atomic: LSE
        Assert.Equal(2UL, (isar0 >> 4) & 0xF);   // AES with PMULL
        Assert.Equal(1UL, (isar0 >> 8) & 0xF);   // SHA1
        Assert.Equal(1UL, (isar0 >> 12) & 0xF);  // SHA2 (SHA256)
    }

    [Fact]
    public void PFR0_reports_AArch64_EL0_and_EL1_only_with_FP_and_AdvSIMD()
    {
        ulong pfr0 = A64Features.IdAa64Pfr0(A64Features.Implemented);
        Assert.Equal(1UL, pfr0 & 0xF);          // EL0: AArch64 only
        Assert.Equal(1UL, (pfr0 >> 4) & 0xF);   // EL1: AArch64 only
        Assert.Equal(0UL, (pfr0 >> 8) & 0xFF);  // no EL2, no EL3
        Assert.Equal(0UL, (pfr0 >> 16) & 0xF);  // FP implemented, without half-precision arithmetic (0, not 1)
        Assert.Equal(0UL, (pfr0 >> 20) & 0xF);  // AdvSIMD likewise
        Assert.Equal(0xFUL << 16 | 0xFUL << 20, A64Features.IdAa64Pfr0(A64Features.Implemented & ~(A64Feature.FP | A64Feature.AdvSimd)) & (0xFFUL << 16));
    }

    [Theory]
    [InlineData("mrs x0, id_aa64isar0_el1", "", "x0=0x211120")]
    [InlineData("mrs x1, id_aa64pfr0_el1", "", "x1=0x11")]
    [InlineData("mrs x2, id_aa64isar1_el1", "x2=5", "x2=0")]
    public void ID_registers_read_as_advertised(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Fact]
    public void Every_implemented_encoding_class_of_an_optional_feature_is_tagged()
    {
        Assert.Equal(A64Feature.Crc32, A64Features.Of(A64Op.Crc32));
        Assert.Equal(A64Feature.Aes, A64Features.Of(A64Op.CryptoAes));
        Assert.Equal(A64Feature.Pmull, A64Features.Of(A64Op.CryptoPmull64));
        Assert.Equal(A64Feature.Sha1, A64Features.Of(A64Op.CryptoSha1Three));
        Assert.Equal(A64Feature.Sha256, A64Features.Of(A64Op.CryptoSha256Three));
        Assert.Equal(A64Feature.Sha1 | A64Feature.Sha256, A64Features.Of(A64Op.CryptoShaTwo));
        foreach (var op in new[] { A64Op.CryptoAes, A64Op.CryptoPmull64, A64Op.CryptoSha1Three, A64Op.CryptoSha256Three, A64Op.CryptoShaTwo })
            Assert.Equal(A64Features.Of(op), A64Features.Of(op) & A64Features.Implemented);
        foreach (var op in new[] { A64Op.Cas, A64Op.Casp, A64Op.AtomicOp, A64Op.Swp })
            Assert.Equal(A64Feature.Atomics, A64Features.Of(op));
        foreach (var op in Enum.GetValues<A64Op>())
            Assert.Equal(A64Features.Of(op), A64Features.Of(op) & A64Features.Implemented); // every tagged class is complete
        Assert.Equal(A64Feature.AdvSimd, A64Features.Of(A64Op.AdvSimdScalar3Same));
        Assert.Equal(A64Feature.AdvSimd, A64Features.Of(A64Op.AdvSimdByElement));
        Assert.Equal(A64Feature.FP, A64Features.Of(A64Op.FpDataProc2));
        Assert.Equal(A64Feature.Base, A64Features.Of(A64Op.AddImm));
    }
}

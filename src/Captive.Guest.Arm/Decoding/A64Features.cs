namespace Captive.Guest.Arm.Decoding;

/// <summary>Architecture features an encoding belongs to (ARM ARM names, A2.2 and the ID register fields).</summary>
[Flags]
internal enum A64Feature : uint
{
    /// <summary>The mandatory ARMv8.0 A64 base.</summary>
    Base = 0,
    /// <summary>Floating point (ID_AA64PFR0_EL1.FP).</summary>
    FP = 1 << 0,
    /// <summary>Advanced SIMD (ID_AA64PFR0_EL1.AdvSIMD).</summary>
    AdvSimd = 1 << 1,
    /// <summary>CRC32 instructions (ID_AA64ISAR0_EL1.CRC32).</summary>
    Crc32 = 1 << 2,
    /// <summary>AES instructions (ID_AA64ISAR0_EL1.AES ≥ 1).</summary>
    Aes = 1 << 3,
    /// <summary>PMULL/PMULL2 of 64-bit elements (ID_AA64ISAR0_EL1.AES = 2).</summary>
    Pmull = 1 << 4,
    /// <summary>SHA1 instructions (ID_AA64ISAR0_EL1.SHA1).</summary>
    Sha1 = 1 << 5,
    /// <summary>SHA256 instructions (ID_AA64ISAR0_EL1.SHA2).</summary>
    Sha256 = 1 << 6,
    /// <summary>ARMv8.1 LSE atomics (ID_AA64ISAR0_EL1.Atomic = 2).</summary>
    Atomics = 1 << 7,
}

/// <summary>
/// Which feature each encoding class belongs to, which features are implemented completely, and the ID
/// register values that say so: software reading ID_AA64ISAR0_EL1 / ID_AA64PFR0_EL1 sees exactly what the
/// emulator implements, no more.
/// </summary>
internal static class A64Features
{
    /// <summary>
    /// Features whose every instruction is implemented (and checked against QEMU): ARMv8.0 FP and AdvSIMD
    /// (without the half-precision arithmetic of FEAT_FP16), CRC32, the Cryptographic Extension and LSE.
    /// </summary>
    public const A64Feature Implemented = A64Feature.FP | A64Feature.AdvSimd | A64Feature.Crc32 | A64Feature.Atomics
        | A64Feature.Aes | A64Feature.Pmull | A64Feature.Sha1 | A64Feature.Sha256;

    /// <summary>The feature an encoding class belongs to.</summary>
    public static A64Feature Of(A64Op op) => op switch
    {
        A64Op.Crc32 => A64Feature.Crc32,
        A64Op.Cas or A64Op.Casp or A64Op.AtomicOp or A64Op.Swp => A64Feature.Atomics,
        A64Op.FmovGen or A64Op.FmovImm => A64Feature.FP,
        >= A64Op.FpCompare and <= A64Op.FpFixedConvert => A64Feature.FP,
        A64Op.LdrLitSimd or A64Op.LdStPairSimd => A64Feature.FP,
        A64Op.LdStMultiple or A64Op.LdStMultiplePost or A64Op.LdStSingle or A64Op.LdStSinglePost => A64Feature.AdvSimd,
        A64Op.SimdModImm or A64Op.DupElem or A64Op.DupGen or A64Op.Smov or A64Op.Umov or A64Op.Ins or A64Op.InsElem
            or A64Op.SimdLogic => A64Feature.AdvSimd,
        A64Op.CryptoAes => A64Feature.Aes,
        A64Op.CryptoPmull64 => A64Feature.Pmull,
        A64Op.CryptoSha1Three => A64Feature.Sha1,
        A64Op.CryptoSha256Three => A64Feature.Sha256,
        A64Op.CryptoShaTwo => A64Feature.Sha1 | A64Feature.Sha256, // SHA1H and SHA1SU1 are SHA1, SHA256SU0 is SHA256
        >= A64Op.AdvSimd3Same and <= A64Op.AdvSimdTbl => A64Feature.AdvSimd,
        >= A64Op.AdvSimdScalar3Same and <= A64Op.AdvSimdScalarShiftImm => A64Feature.AdvSimd,
        A64Op.AdvSimdByElement or A64Op.AdvSimdScalarByElement => A64Feature.AdvSimd,
        _ => A64Feature.Base,
    };

    /// <summary>ID_AA64ISAR0_EL1 for a feature set: AES [7:4], SHA1 [11:8], SHA2 [15:12], CRC32 [19:16], Atomic [23:20].</summary>
    public static ulong IdAa64Isar0(A64Feature features)
    {
        ulong v = 0;
        if ((features & A64Feature.Pmull) != 0) v |= 2UL << 4;
        else if ((features & A64Feature.Aes) != 0) v |= 1UL << 4;
        if ((features & A64Feature.Sha1) != 0) v |= 1UL << 8;
        if ((features & A64Feature.Sha256) != 0) v |= 1UL << 12;
        if ((features & A64Feature.Crc32) != 0) v |= 1UL << 16;
        if ((features & A64Feature.Atomics) != 0) v |= 2UL << 20;
        return v;
    }

    /// <summary>
    /// ID_AA64PFR0_EL1 for a feature set: EL0 and EL1 AArch64 only (1), no EL2 or EL3 (0), FP [19:16] and
    /// AdvSIMD [23:20] 0 when implemented and 0xF when not, no GIC system-register interface.
    /// </summary>
    public static ulong IdAa64Pfr0(A64Feature features)
    {
        ulong v = 1 | 1UL << 4;
        if ((features & A64Feature.FP) == 0) v |= 0xFUL << 16;
        if ((features & A64Feature.AdvSimd) == 0) v |= 0xFUL << 20;
        return v;
    }
}

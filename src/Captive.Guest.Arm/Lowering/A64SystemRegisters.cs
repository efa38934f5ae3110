namespace Captive.Guest.Arm.Lowering;

/// <summary>
/// System-register encodings as the front end reports them in
/// <see cref="Captive.Core.IR.IrTrapKind.SystemRegisterWrite"/> traps (<c>Info</c>): the 16-bit
/// <c>op0:op1:CRn:CRm:op2</c> value, which is bits 20:5 of the MRS/MSR word. Also the constant values
/// the lowering returns for the identification registers.
/// </summary>
public static class A64SystemRegisters
{
    /// <summary>The encoding of (op0, op1, CRn, CRm, op2).</summary>
    public static int Encode(int op0, int op1, int crn, int crm, int op2) => (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;

    /// <summary>SCTLR_EL1 (3, 0, 1, 0, 0): MSR ends the block with a SystemRegisterWrite trap; the host checks and stores the value.</summary>
    public const int SctlrEl1 = (3 << 14) | (0 << 11) | (1 << 7) | (0 << 3) | 0;

    /// <summary>MIDR_EL1 (3, 0, 0, 0, 0).</summary>
    public const int MidrEl1 = (3 << 14) | (0 << 11) | (0 << 7) | (0 << 3) | 0;

    /// <summary>MPIDR_EL1 (3, 0, 0, 0, 5).</summary>
    public const int MpidrEl1 = (3 << 14) | (0 << 11) | (0 << 7) | (0 << 3) | 5;

    /// <summary>The value MRS MIDR_EL1 reads: a Cortex-A57 r1p0.</summary>
    public const ulong MidrValue = 0x411F_D070;

    /// <summary>The value MRS MPIDR_EL1 reads: bit 31 RES1, uniprocessor affinity 0.0.0.0.</summary>
    public const ulong MpidrValue = 0x8000_0000;

    /// <summary>
    /// The value MRS CTR_EL0 reads, a Cortex-A57's: 64-byte instruction and data cache lines (IminLine, DminLine 4),
    /// PIPT instruction cache (L1Ip 3), exclusives reservation granule and writeback granule 16 words (ERG, CWG 4).
    /// </summary>
    public const ulong CtrValue = 0x8444_C004;

    /// <summary>The value MRS DCZID_EL0 reads: DC ZVA permitted, block size 2^4 words (64 bytes).</summary>
    public const ulong DczidValue = 0x4;

    /// <summary>Bytes DC ZVA zeroes (from <see cref="DczidValue"/>).</summary>
    public const int ZvaBlockBytes = 64;
}

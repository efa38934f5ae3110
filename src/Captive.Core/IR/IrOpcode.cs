namespace Captive.Core.IR;

/// <summary>
/// IR operations. Each instruction defines at most one value (its own index in the block).
/// Unless stated otherwise, <see cref="IrInstruction.Size"/> is the operation width in bytes,
/// 4 or 8; a 4-byte result is zero-extended to 64 bits (like an AArch64 W register write).
/// Operands A, B, C are value indices (instructions earlier in the same block).
/// </summary>
public enum IrOpcode : byte
{
    /// <summary>Value = Immediate (truncated to Size).</summary>
    Const,

    /// <summary>Value = guest state at byte offset Immediate, Size bytes (zero-extended).</summary>
    GetReg,

    /// <summary>Guest state at byte offset Immediate = A (low Size bytes). No value.</summary>
    SetReg,

    /// <summary>A + B.</summary>
    Add,
    /// <summary>A - B.</summary>
    Sub,
    /// <summary>A * B (low half).</summary>
    Mul,
    /// <summary>High 64 bits of the unsigned 128-bit product A * B (Size 8).</summary>
    UMulHigh,
    /// <summary>High 64 bits of the signed 128-bit product A * B (Size 8).</summary>
    SMulHigh,
    /// <summary>A / B unsigned; B = 0 gives 0 (AArch64 UDIV).</summary>
    UDiv,
    /// <summary>A / B signed, rounding toward zero; B = 0 gives 0; MIN / -1 gives MIN (AArch64 SDIV).</summary>
    SDiv,
    /// <summary>A &amp; B.</summary>
    And,
    /// <summary>A | B.</summary>
    Or,
    /// <summary>A ^ B.</summary>
    Xor,
    /// <summary>~A.</summary>
    Not,
    /// <summary>-A.</summary>
    Neg,
    /// <summary>A &lt;&lt; (B mod width).</summary>
    Shl,
    /// <summary>A &gt;&gt; (B mod width), logical.</summary>
    Lsr,
    /// <summary>A &gt;&gt; (B mod width), arithmetic.</summary>
    Asr,
    /// <summary>A rotated right by (B mod width).</summary>
    Ror,
    /// <summary>Count of leading zero bits of A (width when A = 0).</summary>
    Clz,
    /// <summary>Count of leading bits of A equal to the sign bit, not counting the sign bit itself (AArch64 CLS).</summary>
    Cls,
    /// <summary>A with its bit order reversed.</summary>
    Rbit,
    /// <summary>A with its byte order reversed (AArch64 REV).</summary>
    ByteSwap,
    /// <summary>Bytes swapped within each 16-bit halfword (AArch64 REV16).</summary>
    ByteSwap16,
    /// <summary>Bytes reversed within each 32-bit word (AArch64 REV32, Size 8).</summary>
    ByteSwap32,
    /// <summary>A's low Immediate bits (8, 16 or 32) sign-extended to Size.</summary>
    SignExtend,
    /// <summary>A's low Immediate bits (8, 16 or 32) zero-extended to Size.</summary>
    ZeroExtend,

    /// <summary>1 if A == B, else 0.</summary>
    CmpEq,
    /// <summary>1 if A != B, else 0.</summary>
    CmpNe,
    /// <summary>1 if A &lt; B unsigned, else 0.</summary>
    CmpUlt,
    /// <summary>1 if A &lt; B signed, else 0.</summary>
    CmpSlt,
    /// <summary>A != 0 ? B : C.</summary>
    Select,

    /// <summary>1 if the AArch64 condition Immediate (0–15, EQ..NV) holds for the current NZCV, else 0.</summary>
    CondHolds,
    /// <summary>A + B; sets NZCV as AArch64 ADDS does.</summary>
    AddFlags,
    /// <summary>A - B; sets NZCV as AArch64 SUBS does.</summary>
    SubFlags,
    /// <summary>A + B + C-flag; sets NZCV as AArch64 ADCS does.</summary>
    AdcFlags,
    /// <summary>A - B - 1 + C-flag; sets NZCV as AArch64 SBCS does.</summary>
    SbcFlags,
    /// <summary>A + B + C-flag (AArch64 ADC); flags unchanged.</summary>
    Adc,
    /// <summary>A - B - 1 + C-flag (AArch64 SBC); flags unchanged.</summary>
    Sbc,
    /// <summary>Sets N and Z from A (at Size), C = V = 0, as AArch64 ANDS/TST do. No value.</summary>
    SetLogicFlags,
    /// <summary>Value = NZCV in bits 31:28 (AArch64 NZCV register format).</summary>
    GetNzcv,
    /// <summary>NZCV = bits 31:28 of A. No value.</summary>
    SetNzcv,

    /// <summary>Value = Size bytes (1, 2, 4 or 8) loaded from guest address A, zero-extended to 64 bits.</summary>
    Load,
    /// <summary>Stores the low Size bytes (1, 2, 4 or 8) of B at guest address A. No value.</summary>
    Store,

    /// <summary>Value = the guest's virtual counter (CNTVCT_EL0).</summary>
    ReadCounter,
}

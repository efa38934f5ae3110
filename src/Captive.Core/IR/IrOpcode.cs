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

    // ───── Floating point (ARM semantics). Values are bit patterns in the low Size bytes. Size is the
    // FP format: 2 half, 4 single, 8 double. Every FP op reads FPCR (rounding mode, FZ, DN, AHP) and
    // ORs its exceptions into FPSR (IOC, DZC, OFC, UFC, IXC, IDC), both in the register file at
    // GuestStateLayout.FpcrOffset / FpsrOffset. See IrFp for how Immediate is packed.

    /// <summary>A + B, rounded per FPCR (FADD).</summary>
    FpAdd,
    /// <summary>A - B (FSUB).</summary>
    FpSub,
    /// <summary>A * B (FMUL).</summary>
    FpMul,
    /// <summary>A / B (FDIV).</summary>
    FpDiv,
    /// <summary>ARM FPMax (FMAX): NaN operands propagate.</summary>
    FpMax,
    /// <summary>ARM FPMin (FMIN).</summary>
    FpMin,
    /// <summary>ARM FPMaxNum (FMAXNM): a quiet NaN loses to a number.</summary>
    FpMaxNum,
    /// <summary>ARM FPMinNum (FMINNM).</summary>
    FpMinNum,
    /// <summary>A + B * C with a single rounding (ARM FPMulAdd; FMADD Rd = Ra + Rn*Rm is FpMulAdd(Ra, Rn, Rm)).</summary>
    FpMulAdd,
    /// <summary>Square root of A (FSQRT).</summary>
    FpSqrt,
    /// <summary>NZCV (bits 31:28) of comparing A with B (FCMP); Immediate = FP format | 0x100 when signalling (FCMPE: any NaN raises IOC).</summary>
    FpCompare,
    /// <summary>A converted from FP format Immediate (2, 4, 8) to FP format Size (FCVT); honours AHP for half.</summary>
    FpConvert,
    /// <summary>A rounded to an integral value in the same format (FRINT*); Immediate packed by IrFp.Pack: IrFp.Rounding, IrFp.RaisesInexact (FRINTX).</summary>
    FpRoundInt,
    /// <summary>
    /// FP A (format IrFp.SourceSize(Immediate)) to an integer of Size bytes (4 or 8), saturating, with
    /// IrFp.Rounding(Immediate), IrFp.IsSigned and IrFp.FractionBits (FCVT[NPMZA][SU], FCVTZ[SU] fixed-point).
    /// </summary>
    FpToInt,
    /// <summary>
    /// Integer A (IrFp.SourceSize(Immediate) bytes, IrFp.IsSigned, IrFp.FractionBits) to FP format Size,
    /// rounded per FPCR ([SU]CVTF).
    /// </summary>
    IntToFp,
}

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
    /// <summary>
    /// AArch64 CCMP/CCMN: if the condition Immediate bits 3:0 holds for the current NZCV, NZCV := the flags of A - B
    /// (A + B when Immediate bit 8 is set) at Size; otherwise NZCV := Immediate bits 7:4. No value.
    /// </summary>
    CondCompare,

    /// <summary>
    /// Value = Size bytes (1, 2, 4 or 8) loaded from guest address A, zero-extended to 64 bits. Immediate is the guest
    /// PC of the instruction the access belongs to (every memory access carries it: a fault is reported there), with
    /// bit 0 set for an unprivileged access (checked with translation mode 0's permissions; see
    /// <see cref="IrBuilder.Unprivileged"/>).
    /// </summary>
    Load,
    /// <summary>Stores the low Size bytes (1, 2, 4 or 8) of B at guest address A. No value. Immediate: the guest PC, as for <see cref="Load"/>.</summary>
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
    /// <summary>A converted to FP format Size (FCVT), Immediate packed by IrFp.Pack: the source format and the rounding (Dynamic for FPCR; Odd for FCVTXN); honours AHP for half.</summary>
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

    // ───── Vectors (AdvSIMD). An instruction whose Size is 16 defines a 128-bit vector value; lanes are
    // little-endian (lane 0 in the low bits). Immediate is packed by IrVec: element size in bytes, an extra
    // field (lane, shift, index or container size) and the data size in bytes (8 for the 64-bit forms, 16 for
    // the full width). Lane-wise, pairwise, permute and reduction ops use only the low data-size bytes of their
    // operands and leave the rest of a vector result zero (the 64-bit forms' write of zeros to bits 127:64).

    /// <summary>Value = the 16 bytes of guest state at offset Immediate.</summary>
    GetVec,
    /// <summary>Guest state at offset Immediate (16 bytes) = vector A. No value.</summary>
    SetVec,
    /// <summary>Value = 16 bytes loaded from guest address A (scalar). Immediate: the guest PC, as for <see cref="Load"/>.</summary>
    LoadVec,
    /// <summary>Stores vector B at guest address A (scalar), 16 bytes. No value. Immediate: the guest PC, as for <see cref="Load"/>.</summary>
    StoreVec,
    /// <summary>Vector whose low 64 bits are scalar A and high 64 bits scalar B.</summary>
    VecFromHalves,
    /// <summary>Scalar (Size 8) = lane IrVec.Extra of vector A, element size IrVec.ElementSize, zero-extended.</summary>
    VecExtractLane,
    /// <summary>Vector A with lane IrVec.Extra (element size IrVec.ElementSize) replaced by the low bits of scalar B.</summary>
    VecInsertLane,
    /// <summary>The low IrVec.ElementSize bytes of scalar A in every lane (DUP).</summary>
    VecFromScalar,
    /// <summary>Vector A with bits 127:64 cleared.</summary>
    VecZeroUpper,

    /// <summary>A + B per lane.</summary>
    VecAdd,
    /// <summary>A - B per lane.</summary>
    VecSub,
    /// <summary>A * B per lane (low half of the product).</summary>
    VecMul,
    /// <summary>A &amp; B.</summary>
    VecAnd,
    /// <summary>A | B.</summary>
    VecOr,
    /// <summary>A ^ B.</summary>
    VecXor,
    /// <summary>A &amp; ~B.</summary>
    VecBic,
    /// <summary>~A.</summary>
    VecNot,
    /// <summary>Each lane of A shifted left by IrVec.Extra (0 to lane bits - 1).</summary>
    VecShlImm,
    /// <summary>Each lane of A shifted right logically by IrVec.Extra (1 to lane bits; lane bits gives 0).</summary>
    VecLsrImm,
    /// <summary>Each lane of A shifted right arithmetically by IrVec.Extra (1 to lane bits).</summary>
    VecAsrImm,
    /// <summary>SSHL: lane of A (signed) shifted by the signed low byte of the lane of B; negative shifts right arithmetically.</summary>
    VecSshl,
    /// <summary>USHL: lane of A (unsigned) shifted by the signed low byte of the lane of B; negative shifts right logically.</summary>
    VecUshl,
    /// <summary>All ones where A == B, else zero.</summary>
    VecCmpEq,
    /// <summary>All ones where A &gt; B signed (CMGT).</summary>
    VecCmpGt,
    /// <summary>All ones where A &gt;= B signed (CMGE).</summary>
    VecCmpGe,
    /// <summary>All ones where A &gt; B unsigned (CMHI).</summary>
    VecCmpHi,
    /// <summary>All ones where A &gt;= B unsigned (CMHS).</summary>
    VecCmpHs,
    /// <summary>All ones where (A &amp; B) != 0 (CMTST).</summary>
    VecCmpTst,
    /// <summary>Signed minimum.</summary>
    VecSMin,
    /// <summary>Signed maximum.</summary>
    VecSMax,
    /// <summary>Unsigned minimum.</summary>
    VecUMin,
    /// <summary>Unsigned maximum.</summary>
    VecUMax,
    /// <summary>Absolute value (the most negative value stays itself).</summary>
    VecAbs,
    /// <summary>Negation.</summary>
    VecNeg,
    /// <summary>Signed saturating A + B; a saturated lane sets FPSR.QC.</summary>
    VecSQAdd,
    /// <summary>Unsigned saturating A + B; sets FPSR.QC on saturation.</summary>
    VecUQAdd,
    /// <summary>Signed saturating A - B; sets FPSR.QC on saturation.</summary>
    VecSQSub,
    /// <summary>Unsigned saturating A - B; sets FPSR.QC on saturation.</summary>
    VecUQSub,
    /// <summary>|A - B| of signed lanes (SABD).</summary>
    VecSAbsDiff,
    /// <summary>|A - B| of unsigned lanes (UABD).</summary>
    VecUAbsDiff,
    /// <summary>
    /// The low (IrVec.Extra = 0) or high (1) 64 bits of A, lanes of IrVec.ElementSize widened to twice that,
    /// sign-extended when IrVec.Flags bit 0 is set (SXTL/UXTL and the long forms).
    /// </summary>
    VecWiden,
    /// <summary>
    /// Lanes of A (twice IrVec.ElementSize) narrowed to IrVec.ElementSize into the low 64 bits, high bits zero.
    /// IrVec.Flags: 0 truncate (XTN), 1 signed saturate (SQXTN), 2 unsigned saturate (UQXTN), 3 signed to unsigned
    /// saturate (SQXTUN); saturation sets FPSR.QC.
    /// </summary>
    VecNarrow,
    /// <summary>ADDP: lane j of the concatenation B:A (data size IrVec.DataSize each) pairs summed.</summary>
    VecAddPairwise,
    /// <summary>Scalar = sum of the lanes of A (ADDV), truncated to the element size.</summary>
    VecAddAcross,
    /// <summary>Scalar = signed maximum lane of A, zero-extended from the element size.</summary>
    VecSMaxAcross,
    /// <summary>Scalar = unsigned maximum lane of A.</summary>
    VecUMaxAcross,
    /// <summary>Scalar = signed minimum lane of A.</summary>
    VecSMinAcross,
    /// <summary>Scalar = unsigned minimum lane of A.</summary>
    VecUMinAcross,
    /// <summary>Scalar = sum of the sign-extended lanes of A, truncated to twice the element size (SADDLV).</summary>
    VecSAddLongAcross,
    /// <summary>Scalar = sum of the zero-extended lanes of A, truncated to twice the element size (UADDLV).</summary>
    VecUAddLongAcross,
    /// <summary>ZIP1: interleave the low halves (of the data size) of A and B.</summary>
    VecZip1,
    /// <summary>ZIP2: interleave the high halves of A and B.</summary>
    VecZip2,
    /// <summary>UZP1: the even lanes of the concatenation B:A.</summary>
    VecUzp1,
    /// <summary>UZP2: the odd lanes of B:A.</summary>
    VecUzp2,
    /// <summary>TRN1: even lanes of A into even lanes, even lanes of B into odd lanes.</summary>
    VecTrn1,
    /// <summary>TRN2: odd lanes of A into even lanes, odd lanes of B into odd lanes.</summary>
    VecTrn2,
    /// <summary>EXT: bytes IrVec.Extra onward of the concatenation B:A (data size IrVec.DataSize each).</summary>
    VecExt,
    /// <summary>
    /// One table register of TBL/TBX: each byte of the result is byte (i - IrVec.Extra) of B, where i is the
    /// same byte of A, when that is 0–15; otherwise it is the same byte of C. Chained over 1–4 registers.
    /// </summary>
    VecTbl,
    /// <summary>Elements of IrVec.ElementSize reversed within each container of IrVec.Extra bytes (REV16/32/64).</summary>
    VecRev,
    /// <summary>Number of set bits in each byte (CNT).</summary>
    VecCnt,

    /// <summary>FP lanes (format = IrVec.ElementSize, 2, 4 or 8) A + B, as FpAdd per lane.</summary>
    VecFpAdd,
    /// <summary>A - B per FP lane.</summary>
    VecFpSub,
    /// <summary>A * B per FP lane.</summary>
    VecFpMul,
    /// <summary>A / B per FP lane.</summary>
    VecFpDiv,
    /// <summary>FpMax per lane.</summary>
    VecFpMax,
    /// <summary>FpMin per lane.</summary>
    VecFpMin,
    /// <summary>FpMaxNum per lane.</summary>
    VecFpMaxNum,
    /// <summary>FpMinNum per lane.</summary>
    VecFpMinNum,
    /// <summary>A + B * C per lane, fused (FMLA; FMLS passes a negated B).</summary>
    VecFpMulAdd,
    /// <summary>Square root per lane.</summary>
    VecFpSqrt,
    /// <summary>Sign bit cleared per lane (FABS; no exceptions).</summary>
    VecFpAbs,
    /// <summary>Sign bit flipped per lane (FNEG; no exceptions).</summary>
    VecFpNeg,
    /// <summary>All ones where A == B (quiet compare, FCMEQ).</summary>
    VecFpCmpEq,
    /// <summary>All ones where A &gt;= B (signalling compare, FCMGE).</summary>
    VecFpCmpGe,
    /// <summary>All ones where A &gt; B (signalling compare, FCMGT).</summary>
    VecFpCmpGt,
    /// <summary>FP lanes to integers of the same size, Immediate packed by IrFp.Pack (FCVTZS/FCVTZU vector).</summary>
    VecFpToInt,
    /// <summary>Integer lanes to FP of the same size, Immediate packed by IrFp.Pack (SCVTF/UCVTF vector).</summary>
    VecIntToFp,
    /// <summary>
    /// Saturating left shift of each lane of A by IrVec.Extra (0 to lane bits - 1), setting FPSR.QC on saturation.
    /// IrVec.Flags: 0 signed (SQSHL), 1 unsigned (UQSHL), 2 signed lanes to an unsigned result (SQSHLU).
    /// </summary>
    VecQShlImm,
    /// <summary>Count of leading zero bits of each lane (CLZ vector).</summary>
    VecClz,
    /// <summary>Count of leading bits equal to the sign bit, not counting it, of each lane (CLS vector).</summary>
    VecCls,
    /// <summary>Each lane with its bit order reversed (RBIT vector, bytes).</summary>
    VecRbit,
    /// <summary>SUQADD: signed lane of A plus unsigned lane of B, saturated to signed; sets FPSR.QC on saturation.</summary>
    VecSUQAdd,
    /// <summary>USQADD: unsigned lane of A plus signed lane of B, saturated to unsigned; sets FPSR.QC on saturation.</summary>
    VecUSQAdd,
    /// <summary>
    /// PMULL (8-bit): carry-less products of the byte lanes of the low (IrVec.Extra = 0) or high (1) 64 bits of A
    /// and B, each into a 16-bit lane of the result.
    /// </summary>
    VecPolyMulLong8,
    /// <summary>
    /// Halving add or subtract of the lanes of A and B in one more bit than the lane ([SU]HADD, [SU]RHADD, [SU]HSUB).
    /// IrVec.Flags: bit 0 unsigned, bit 1 rounding (adds 1 before halving), bit 2 subtract.
    /// </summary>
    VecHalving,
    /// <summary>
    /// Each lane of A shifted by the signed low byte of the lane of B (negative: right), the SSHL family exactly:
    /// IrVec.Flags bit 0 unsigned, bit 1 rounding ([SU]RSHL), bit 2 saturating ([SU]QSHL, [SU]QRSHL; sets FPSR.QC).
    /// </summary>
    VecShiftReg,
    /// <summary>PMUL: the low 8 bits of the carry-less product of each byte lane of A and B.</summary>
    VecPolyMul8,
    /// <summary>FRECPS: 2.0 − A × B per FP lane, fused (0 × ∞ gives 2.0), format IrVec.ElementSize.</summary>
    VecFpRecipStep,
    /// <summary>FRSQRTS: (3.0 − A × B) / 2 per FP lane, fused with one rounding (0 × ∞ gives 1.5).</summary>
    VecFpRSqrtStep,
    /// <summary>FRECPE: the ARM reciprocal estimate (8 bits) of each FP lane.</summary>
    VecFpRecipEstimate,
    /// <summary>FRSQRTE: the ARM reciprocal square root estimate (8 bits) of each FP lane.</summary>
    VecFpRSqrtEstimate,
    /// <summary>FRECPX: the reciprocal exponent of each FP lane (exponent inverted, fraction zero).</summary>
    VecFpRecipExponent,
    /// <summary>URECPE: unsigned reciprocal estimate of each 32-bit lane (ARM UnsignedRecipEstimate).</summary>
    VecURecpe,
    /// <summary>URSQRTE: unsigned reciprocal square root estimate of each 32-bit lane (ARM UnsignedRSqrtEstimate).</summary>
    VecURsqrte,
    /// <summary>
    /// SQDMULH/SQRDMULH: the signed lanes (2 or 4 bytes) of A and B, 2 * a * b (plus 1 &lt;&lt; (lane bits - 1) when
    /// IrVec.Flags bit 0 is set, SQRDMULH) shifted right by the lane bits and saturated to signed; sets FPSR.QC on saturation.
    /// </summary>
    VecSQDMulHigh,
    /// <summary>FMULX per FP lane: as VecFpMul, except that 0 × ∞ gives 2.0 with the sign the product would have (no IOC).</summary>
    VecFpMulX,

    // ───── Cryptographic Extension (ARMv8.0 AES, SHA1, SHA256, PMULL .1q), from the ARM ARM pseudocode. Keep
    // together, AesEncrypt first and PolyMul64 last: the verifier and the interpreter dispatch on the range.
    // A vector's 32-bit words are its lanes 0–3 (word 0 in bits 31:0).

    /// <summary>AESE: ShiftRows(SubBytes(A ^ B)); A is the state (Vd), B the round key (Vn).</summary>
    AesEncrypt,
    /// <summary>AESD: InvShiftRows(InvSubBytes(A ^ B)).</summary>
    AesDecrypt,
    /// <summary>AESMC: MixColumns of A.</summary>
    AesMixColumns,
    /// <summary>AESIMC: InvMixColumns of A.</summary>
    AesInvMixColumns,
    /// <summary>SHA1C: four SHA-1 rounds with Choose; A = hash abcd (Qd), B = scalar e (low 32 bits), C = schedule words (Vm).</summary>
    Sha1Choose,
    /// <summary>SHA1P: as Sha1Choose with Parity.</summary>
    Sha1Parity,
    /// <summary>SHA1M: as Sha1Choose with Majority.</summary>
    Sha1Majority,
    /// <summary>SHA1H: word 0 = word 0 of A rotated left by 30, words 1–3 zero.</summary>
    Sha1Hash,
    /// <summary>SHA1SU0: (B[63:0] : A[127:64]) ^ A ^ C, A = Vd, B = Vn, C = Vm.</summary>
    Sha1Su0,
    /// <summary>SHA1SU1: schedule update 1, A = Vd, B = Vn.</summary>
    Sha1Su1,
    /// <summary>SHA256H: SHA256hash(A, B, C, part1), A = Qd (abcd), B = Qn (efgh), C = Vm (schedule words).</summary>
    Sha256H,
    /// <summary>SHA256H2: SHA256hash(B, A, C, part2), A = Qd (efgh), B = Qn (abcd), C = Vm.</summary>
    Sha256H2,
    /// <summary>SHA256SU0: schedule update 0, A = Vd, B = Vn.</summary>
    Sha256Su0,
    /// <summary>SHA256SU1: schedule update 1, A = Vd, B = Vn, C = Vm.</summary>
    Sha256Su1,
    /// <summary>PMULL/PMULL2 .1q: 128-bit carry-less product of the 64-bit halves IrVec.Extra (0 low, 1 high) of A and B.</summary>
    PolyMul64,
}

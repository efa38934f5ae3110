namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// What a decoder table line stands for. One member per encoding class; variants selected by a field
/// (size, addressing mode, register kind) share a member and are told apart by the lowering.
/// </summary>
internal enum A64Op : ushort
{
    /// <summary>Unallocated in ARMv8.0, or reserved field values: the architecture says UNDEFINED.</summary>
    Undefined,
    /// <summary>A defined ARMv8.0 encoding that is not implemented yet.</summary>
    Unsupported,

    // Data processing — immediate
    Adr, Adrp,
    AddImm, AddsImm, SubImm, SubsImm,
    AndImm, OrrImm, EorImm, AndsImm,
    Movn, Movz, Movk,
    Sbfm, Bfm, Ubfm,
    Extr,

    // Branches, exception generation, system
    BCond,
    Svc, Hvc, Smc, Brk, Hlt, Dcps, Udf,
    MsrImm, Hint, Clrex, Dsb, Dmb, Isb,
    Sys, Sysl, MsrReg, Mrs,
    Br, Blr, Ret, Eret, Drps,
    B, Bl, Cbz, Cbnz, Tbz, Tbnz,

    // Loads and stores
    Stxr, Stlxr, Ldxr, Ldaxr,
    Stxp, Stlxp, Ldxp, Ldaxp,
    Stlr, Ldar,
    LdrLit, LdrLitSimd,
    LdStPair, LdStPairSimd,
    LdStImm9, LdStReg, LdStUImm,
    // AdvSIMD load/store multiple structures and single structure (offset and post-indexed)
    LdStMultiple, LdStMultiplePost, LdStSingle, LdStSinglePost,
    // ARMv8.1 LSE atomics
    Cas, Casp, AtomicOp, Swp,

    // Data processing — register
    AndReg, BicReg, OrrReg, OrnReg, EorReg, EonReg, AndsReg, BicsReg,
    AddShift, AddsShift, SubShift, SubsShift,
    AddExt, AddsExt, SubExt, SubsExt,
    Adc, Adcs, Sbc, Sbcs,
    CcmnReg, CcmpReg, CcmnImm, CcmpImm,
    Csel, Csinc, Csinv, Csneg,
    Madd, Msub, Smaddl, Smsubl, Smulh, Umaddl, Umsubl, Umulh,
    Udiv, Sdiv, Lslv, Lsrv, Asrv, Rorv, Crc32,
    Rbit, Rev16, Rev32, Rev64, Clz, Cls,

    // SIMD & FP — the subset integer code uses
    SimdModImm, FmovGen, FmovImm,
    DupElem, DupGen, Smov, Umov, Ins, InsElem,
    SimdLogic,
    // AdvSIMD vector classes lowered to vector IR
    AdvSimd3Same, AdvSimdAcross, AdvSimdPermute, AdvSimdExt,
    AdvSimdShiftImm, AdvSimd2RegMisc, AdvSimd3Diff, // (inside the AdvSimd3Same..AdvSimdTbl range the decoder, disassembler and tests use)
    AdvSimdTbl,
    // AdvSIMD scalar classes (keep together, AdvSimdScalar3Same first and AdvSimdScalarShiftImm last: the decoder,
    // lowering and disassembler dispatch on the range)
    AdvSimdScalar3Same, AdvSimdScalar3Diff, AdvSimdScalar2RegMisc, AdvSimdScalarPairwise, AdvSimdScalarCopy, AdvSimdScalarShiftImm,
    // AdvSIMD vector and scalar x indexed element
    AdvSimdByElement, AdvSimdScalarByElement,
    // ARMv8.0 Cryptographic Extension (keep together, CryptoAes first and CryptoPmull64 last: the decoder,
    // lowering and disassembler dispatch on the range)
    CryptoAes, CryptoSha1Three, CryptoSha256Three, CryptoShaTwo, CryptoPmull64,

    // SIMD & FP — scalar floating point (keep together, FpCompare first and FpFixedConvert last: the
    // decoder and lowering dispatch on the range)
    FpCompare, FpCondCompare, FpCondSelect, FpDataProc1, FpDataProc2, FpDataProc3, FpIntConvert, FpFixedConvert,
}

using System.Buffers.Binary;
using Captive.Core.Interpreter;
using Captive.Core.IR;
using Xunit;

namespace Captive.Core.Tests;

/// <summary>
/// The vector opcodes in the interpreter. Expectations are the ARM ARM results of the AdvSIMD instruction each
/// opcode stands for, worked by hand (lanes little-endian: lane 0 in the low bits of the low half).
/// </summary>
public sealed class InterpreterVectorTests
{
    private const int Flags = 8, Fpcr = 24, Fpsr = 32, Result = 40;
    private static readonly GuestStateLayout Layout = new(64, 0, Flags, Fpcr, Fpsr);

    private sealed class NoMemory : IGuestMemoryAccess
    {
        public ulong Read(ulong address, int size) => throw new InvalidOperationException();
        public void Write(ulong address, int size, ulong value) => throw new InvalidOperationException();
        public ulong ReadCounter() => 0;
    }

    private static (ulong Lo, ulong Hi, ulong Fpsr) Run(Func<IrBuilder, IrValue> body)
    {
        var state = new byte[64];
        var block = new IrBlock();
        block.Reset(0x1000);
        var b = new IrBuilder(block);
        b.SetVec(Result, body(b));
        b.Jump(0x2000);
        IrVerifier.Verify(block);
        new IrInterpreter(Layout).Execute(block, state, new NoMemory());
        return (BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(Result)), BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(Result + 8)),
            BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(Fpsr)));
    }

    private static IrValue V(IrBuilder b, ulong lo, ulong hi) => b.VecFromHalves(b.Const(lo), b.Const(hi));

    [Fact]
    public void VecAdd_bytes_wrap_per_lane()
        => Assert.Equal((0x0000000000000100ul, 0x02ul, 0ul), Run(b => b.Vec(IrOpcode.VecAdd, V(b, 0x00000000000001ffu, 1), V(b, 0x0000000000000001, 1), 1)));

    [Fact]
    public void VecSQAdd_saturates_and_sets_QC()
        => Assert.Equal((0x7fff_8000_0003ul, 0ul, 0x800_0000ul), Run(b => b.Vec(IrOpcode.VecSQAdd, V(b, 0x7fff_8000_0001, 0), V(b, 0x0001_ffff_0002, 0), 2)));

    [Fact]
    public void Data_size_8_leaves_the_upper_half_zero()
        => Assert.Equal((2ul, 0ul, 0ul), Run(b => b.Vec(IrOpcode.VecAdd, V(b, 1, 5), V(b, 1, 5), 8, dataSize: 8)));

    [Fact]
    public void VecNarrow_SQXTN_saturates_halfwords_to_bytes()
        => Assert.Equal((0x7f_8005_7f80ul, 0ul, 0x800_0000ul), Run(b => b.Vec(IrOpcode.VecNarrow, V(b, 0xfe00_0005_0100_ff80, 0x1234), 1, flags: 1)));

    [Fact]
    public void VecNarrow_XTN_truncates_without_QC()
        => Assert.Equal((0x00050080ul, 0ul, 0ul), Run(b => b.Vec(IrOpcode.VecNarrow, V(b, 0xfe00_0005_0100_ff80, 0), 1)));

    [Fact]
    public void VecWiden_signed_high_half()
        => Assert.Equal((0xffffffff_00000001ul, 0x00007fff_ffff8000ul, 0ul), Run(b => b.Vec(IrOpcode.VecWiden, V(b, 0, 0x7fff_8000_ffff_0001), 2, extra: 1, flags: 1)));

    [Fact]
    public void VecUshl_negative_amount_shifts_right_and_large_amounts_clear()
        => Assert.Equal((0x00000000_08000000ul, 0ul, 0ul), Run(b => b.Vec(IrOpcode.VecUshl, V(b, 0x00000001_80000000, 0), V(b, 0x00000020_000000fc, 0), 4)));

    [Fact]
    public void VecRev_bytes_within_words()
        => Assert.Equal((0x0405060700010203ul, 0ul, 0ul), Run(b => b.Vec(IrOpcode.VecRev, V(b, 0x0706050403020100, 0), 1, extra: 4, dataSize: 8)));

    [Fact]
    public void VecCnt_counts_bits_per_byte()
        => Assert.Equal((0x0801000000000302ul, 0ul, 0ul), Run(b => b.Vec(IrOpcode.VecCnt, V(b, 0xff01000000000705, 0), 1)));

    [Fact]
    public void VecTbl_takes_fallback_bytes_for_indices_outside_its_register()
        => Assert.Equal((0xaaaa_aaaa_aaaa_2122ul, 0xaaaa_aaaa_aaaa_aaaaul, 0ul),
            Run(b => b.Vec(IrOpcode.VecTbl, V(b, 0x0000_0000_0000_1011, 0), V(b, 0x2221, 0), V(b, 0xaaaa_aaaa_aaaa_aaaa, 0xaaaa_aaaa_aaaa_aaaa), 1, extra: 16)));

    [Fact]
    public void VecExt_64_bit_takes_bytes_of_the_concatenation()
        => Assert.Equal((0x1110_0706_0504_0302ul, 0ul, 0ul), Run(b => b.Vec(IrOpcode.VecExt, V(b, 0x0706050403020100, 0xee), V(b, 0x1716151413121110, 0xff), 1, extra: 2, dataSize: 8)));

    [Fact]
    public void VecUMaxAcross_of_a_64_bit_vector_ignores_the_upper_half()
        => Assert.Equal((0x90ul, 0ul, 0ul), Run(b => b.VecFromHalves(b.VecReduce(IrOpcode.VecUMaxAcross, V(b, 0x0102_9003_0405_0607, 0xffff), 1, 8), b.Const(0))));

    [Fact]
    public void Lane_insert_extract_and_dup()
        => Assert.Equal((0xbeef_beef_beef_beeful, 0xbeef_beef_beef_1234ul, 0ul),
            Run(b => b.VecInsertLane(b.VecFromScalar(b.VecExtractLane(V(b, 0, 0xdead_beef_0000), 5, 2), 2), 4, 2, b.Const(0x1234))));

    [Fact]
    public void VecFpAdd_rounds_each_lane_and_sets_IXC()
        => Assert.Equal((0x3e99999a_3f800000ul, 0ul, 0x10ul), Run(b => b.Vec(IrOpcode.VecFpAdd, V(b, 0x3dcccccd_3f000000, 0), V(b, 0x3e4ccccd_3f000000, 0), 4, dataSize: 8)));

    [Fact]
    public void VecFpToInt_saturates_with_IOC_and_rounds_with_IXC()
        => Assert.Equal((0x7fffffff_00000002ul, 0ul, 0x11ul), Run(b => b.VecZeroUpper(b.VecFpToInt(V(b, 0x7f800000_40200000, 0), 4, FpRounding.Zero, signed: true))));

    [Fact]
    public void Verifier_rejects_a_scalar_where_a_vector_is_expected()
    {
        var block = new IrBlock();
        block.Reset(0);
        var b = new IrBuilder(block);
        var s = b.Const(1);
        b.SetVec(Result, b.Vec(IrOpcode.VecAdd, s, s, 1));
        b.Jump(0);
        Assert.Throws<InvalidOperationException>(() => IrVerifier.Verify(block));
    }

    [Fact]
    public void Verifier_rejects_a_vector_where_a_scalar_is_expected()
    {
        var block = new IrBlock();
        block.Reset(0);
        var b = new IrBuilder(block);
        var v = b.GetVec(Result);
        b.SetReg(Result, b.Add(v, v));
        b.Jump(0);
        Assert.Throws<InvalidOperationException>(() => IrVerifier.Verify(block));
    }

    [Fact]
    public void VecQShlImm_signed_saturates_both_ways()
        => Assert.Equal((0x80807f70ul, 0ul, 0x800_0000ul), Run(b => b.Vec(IrOpcode.VecQShlImm, V(b, 0xf7f80807, 0x1234), 1, extra: 4, dataSize: 8)));

    [Fact]
    public void VecQShlImm_unsigned_saturates_to_all_ones()
        => Assert.Equal((0x00fffff0ul, 0ul, 0x800_0000ul), Run(b => b.Vec(IrOpcode.VecQShlImm, V(b, 0x00f8100f, 0), 1, extra: 4, flags: 1)));

    [Fact]
    public void VecQShlImm_signed_to_unsigned_clamps_negatives_to_zero()
        => Assert.Equal((0x0002_fffe_7ffe_0000ul, 0ul, 0x800_0000ul), Run(b => b.Vec(IrOpcode.VecQShlImm, V(b, 0x0001_7fff_3fff_8000, 0), 2, extra: 1, flags: 2)));

    [Fact]
    public void VecQShlImm_without_saturation_leaves_QC_clear()
        => Assert.Equal((0x0000_0004_ffff_fff8ul, 0x8000_0000ul, 0ul), Run(b => b.Vec(IrOpcode.VecQShlImm, V(b, 0x0000_0001_ffff_fffe, 0xe000_0000), 4, extra: 2)));

    [Fact]
    public void VecClz_counts_per_byte_and_zero_lanes_give_the_width()
        => Assert.Equal((0x0808080803000807ul, 0ul, 0ul), Run(b => b.Vec(IrOpcode.VecClz, V(b, 0x10800001, 0xff), 1, dataSize: 8)));

    [Fact]
    public void VecCls_counts_sign_bits_after_the_sign_bit()
        => Assert.Equal((0x0001_000e_000f_000ful, 0x0000_000f_000f_000ful, 0ul), Run(b => b.Vec(IrOpcode.VecCls, V(b, 0xc000_0001_0000_ffff, 0x8000_0000_0000_0000), 2)));

    [Fact]
    public void VecRbit_reverses_each_byte()
        => Assert.Equal((0x3c05f080ul, 0x01ul, 0ul), Run(b => b.Vec(IrOpcode.VecRbit, V(b, 0x3ca00f01, 0x80), 1)));

    [Fact]
    public void VecSUQAdd_adds_unsigned_to_signed_with_signed_saturation()
        => Assert.Equal((0xff7f7ful, 0ul, 0x800_0000ul), Run(b => b.Vec(IrOpcode.VecSUQAdd, V(b, 0xfe807f, 0), V(b, 0x01ff01, 0), 1)));

    [Fact]
    public void VecUSQAdd_adds_signed_to_unsigned_with_unsigned_saturation()
        => Assert.Equal((0x00ff00ul, 0ul, 0x800_0000ul), Run(b => b.Vec(IrOpcode.VecUSQAdd, V(b, 0x10f001, 0), V(b, 0xf07ffe, 0), 1)));

    [Fact]
    public void VecPolyMulLong8_multiplies_carry_less_bytes_of_the_chosen_half()
        => Assert.Equal((0x0009_0009_5555_0055ul, 0ul, 0ul),
            Run(b => b.Vec(IrOpcode.VecPolyMulLong8, V(b, 0x77, 0x0000_0000_0703_ff01), V(b, 0x55, 0x0000_0000_0307_ff55), 1, extra: 1)));

    [Fact]
    public void VecURecpe_estimates_per_word()
        => Assert.Equal((0x80000000_ff800000ul, 0xaa800000_fffffffful, 0ul), Run(b => b.Vec(IrOpcode.VecURecpe, V(b, 0xffffffff_80000000, 0xc0000000_7fffffff), 4)));

    [Fact]
    public void VecURsqrte_estimates_per_word()
        => Assert.Equal((0xff800000_fffffffful, 0x80000000_b4800000ul, 0ul), Run(b => b.Vec(IrOpcode.VecURsqrte, V(b, 0x40000000_3fffffff, 0xffffffff_80000000), 4)));

    // SQDMULH: 2ab >> 16 per halfword, floor; MIN * MIN saturates to MAX and sets QC
    [Fact]
    public void VecSQDMulHigh_halfwords_truncates_and_saturates()
        => Assert.Equal((0x1233_ffff_2000_7ffful, 0ul, 0x800_0000ul),
            Run(b => b.Vec(IrOpcode.VecSQDMulHigh, V(b, 0x1234_ffff_4000_8000, 0x1111), V(b, 0x7fff_0001_4000_8000, 0x2222), 2, dataSize: 8)));

    // SQRDMULH: (2ab + 2^31) >> 32 per word: 3·2^31 → 2 (1 without rounding), 2^32 - 2 → 1, -2^31 → 0, MIN · MIN saturates
    [Fact]
    public void VecSQDMulHigh_rounding_words()
        => Assert.Equal((0x00000001_00000002ul, 0x7fffffff_00000000ul, 0x800_0000ul),
            Run(b => b.Vec(IrOpcode.VecSQDMulHigh, V(b, 0x00000001_40000000, 0x80000000_ffffffff), V(b, 0x7fffffff_00000003, 0x80000000_40000000), 4, flags: 1)));

    [Fact]
    public void VecSQDMulHigh_without_rounding_floors_words()
        => Assert.Equal((0x00000000_00000001ul, 0xffffffff_fffffffful, 0ul),
            Run(b => b.Vec(IrOpcode.VecSQDMulHigh, V(b, 0x00000001_40000000, 0xffffffff_ffffffff), V(b, 0x7fffffff_00000003, 0x00000001_40000000), 4)));

    [Fact]
    public void VecSQDMulHigh_scalar_data_size_is_one_lane()
        => Assert.Equal((0x7ffful, 0ul, 0x800_0000ul),
            Run(b => b.Vec(IrOpcode.VecSQDMulHigh, V(b, 0x1111_2222_3333_8000, 0x44), V(b, 0x5555_6666_7777_8000, 0x88), 2, dataSize: 2)));

    // FMULX: 0 × ∞ = ±2.0 without IOC; other lanes as FMUL; a signalling NaN is quieted with IOC
    [Fact]
    public void VecFpMulX_zero_times_infinity_is_two()
        => Assert.Equal((0xc0000000_40000000ul, 0x7fc00001_40400000ul, 0x1ul),
            Run(b => b.Vec(IrOpcode.VecFpMulX, V(b, 0x80000000_00000000, 0x7f800001_3fc00000), V(b, 0x7f800000_7f800000, 0x00000000_40000000), 4)));

    [Fact]
    public void VecFpMulX_double_scalar_data_size()
        => Assert.Equal((0xc000000000000000ul, 0ul, 0ul),
            Run(b => b.Vec(IrOpcode.VecFpMulX, V(b, 0x7ff0000000000000, 0x3ff0000000000000), V(b, 0x8000000000000000, 0x3ff0000000000000), 8, dataSize: 8)));
}

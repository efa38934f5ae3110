using System.Buffers.Binary;
using Captive.Core.Interpreter;
using Captive.Core.IR;
using Xunit;

namespace Captive.Core.Tests;

/// <summary>
/// The FP opcodes in the interpreter: operands and immediates reach <see cref="ArmFloat"/>, FPCR is read from the
/// layout's slot and exceptions accumulate in FPSR. Numerical expectations are IEEE/ARM ARM values.
/// </summary>
public sealed class InterpreterFpTests
{
    private const int Flags = 8, Result = 16, Fpcr = 24, Fpsr = 32;
    private static readonly GuestStateLayout Layout = new(64, 0, Flags, Fpcr, Fpsr);
    private static readonly GuestStateLayout NoFpLayout = new(64, 0, Flags);

    private sealed class NoMemory : IGuestMemoryAccess
    {
        public ulong Read(ulong address, int size) => throw new InvalidOperationException();
        public void Write(ulong address, int size, ulong value) => throw new InvalidOperationException();
        public ulong ReadCounter() => 0;
    }

    private static (ulong Result, ulong Fpsr) Run(Func<IrBuilder, IrValue> body, ulong fpcr = 0, ulong fpsr = 0, GuestStateLayout? layout = null)
    {
        var state = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(state.AsSpan(Fpcr), fpcr);
        BinaryPrimitives.WriteUInt64LittleEndian(state.AsSpan(Fpsr), fpsr);
        var block = new IrBlock();
        block.Reset(0x1000);
        var b = new IrBuilder(block);
        b.SetReg(Result, body(b));
        b.Jump(0x2000);
        IrVerifier.Verify(block);
        new IrInterpreter(layout ?? Layout).Execute(block, state, new NoMemory());
        return (BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(Result)), BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(Fpsr)));
    }

    [Fact]
    public void FpAdd_single_ignores_upper_bits_and_sets_IXC()
    {
        var (r, fpsr) = Run(b => b.FpAdd(b.Const(0xFFFF_FFFF_3DCC_CCCD), b.Const(0x1234_5678_3E4C_CCCD), 4), fpsr: 0x8000_0000);
        Assert.Equal(0x3E99_999Aul, r);
        Assert.Equal(0x8000_0010ul, fpsr); // cumulative: earlier bits stay
    }

    [Theory]
    [InlineData(0ul, 0x3EAA_AAABul)]
    [InlineData(2ul << 22, 0x3EAA_AAAAul)]
    public void FpDiv_rounds_per_FPCR(ulong fpcr, ulong expected)
        => Assert.Equal(expected, Run(b => b.FpDiv(b.Const(0x3F80_0000), b.Const(0x4040_0000), 4), fpcr).Result);

    [Fact]
    public void Without_FP_slots_FPCR_is_zero_and_flags_are_dropped()
    {
        var (r, fpsr) = Run(b => b.FpDiv(b.Const(0x3F80_0000), b.Const(0x4040_0000), 4), fpcr: 2ul << 22, layout: NoFpLayout);
        Assert.Equal(0x3EAA_AAABul, r);
        Assert.Equal(0ul, fpsr);
    }

    [Fact]
    public void FpMulAdd_operand_order_is_addend_first()
        => Assert.Equal(0x4110_0000ul, Run(b => b.FpMulAdd(b.Const(0x3F80_0000), b.Const(0x4000_0000), b.Const(0x4080_0000), 4)).Result); // 1 + 2·4

    [Fact]
    public void FpCompare_signalling_sets_IOC()
    {
        var (r, fpsr) = Run(b => b.FpCompare(b.Const(0x7FF8_0000_0000_0000), b.Const(0), 8, signalling: true));
        Assert.Equal(0x3000_0000ul, r);
        Assert.Equal(1ul, fpsr);
    }

    [Fact]
    public void FpConvert_reads_the_source_format_from_the_immediate()
        => Assert.Equal(0x3FF8_0000_0000_0000ul, Run(b => b.FpConvert(b.Const(0x3E00), 2, 8)).Result);

    [Fact]
    public void FpRoundInt_exact_uses_FPCR_when_dynamic()
    {
        var (r, fpsr) = Run(b => b.FpRoundInt(b.Const(0x4030_0000), 4, FpRounding.Dynamic, exact: true), fpcr: 3ul << 22);
        Assert.Equal(0x4000_0000ul, r);
        Assert.Equal(0x10ul, fpsr);
        Assert.Equal((0x4040_0000ul, 0ul), Run(b => b.FpRoundInt(b.Const(0x4030_0000), 4, FpRounding.TieAway, exact: false), fpcr: 3ul << 22));
    }

    [Fact]
    public void FpToInt_saturates_and_zero_extends_32_bits()
    {
        Assert.Equal((0x8000_0000ul, 1ul), Run(b => b.FpToInt(b.Const(0xFFF0_0000_0000_0000), 8, 4, FpRounding.Zero, signed: true)));
        Assert.Equal((0xFFFF_FFFEul, 0ul), Run(b => b.FpToInt(b.Const(0xC000_0000), 4, 4, FpRounding.Zero, signed: true)));
        Assert.Equal((28ul, 0ul), Run(b => b.FpToInt(b.Const(0x3FE0_0000), 4, 8, FpRounding.Zero, signed: false, fractionBits: 4)));
    }

    [Fact]
    public void IntToFp_takes_source_size_and_signedness()
    {
        Assert.Equal(0xBF80_0000ul, Run(b => b.IntToFp(b.Const(0xFFFF_FFFF), 4, 4, signed: true)).Result);
        Assert.Equal(0x4F80_0000ul, Run(b => b.IntToFp(b.Const(0xFFFF_FFFF), 4, 4, signed: false)).Result);
        Assert.Equal(0x3FF8_0000_0000_0000ul, Run(b => b.IntToFp(b.Const(3), 8, 8, signed: true, fractionBits: 1)).Result);
    }

    [Fact]
    public void FpMax_FpMinNum_FpSqrt_FpSub_FpMul()
    {
        Assert.Equal(0ul, Run(b => b.FpMax(b.Const(0x8000_0000), b.Const(0), 4)).Result);
        Assert.Equal(0x4000_0000ul, Run(b => b.FpMinNum(b.Const(0x7FC0_0000), b.Const(0x4000_0000), 4)).Result);
        Assert.Equal(0x4000_0000ul, Run(b => b.FpSqrt(b.Const(0x4080_0000), 4)).Result);
        Assert.Equal(0xBF80_0000ul, Run(b => b.FpSub(b.Const(0x3F80_0000), b.Const(0x4000_0000), 4)).Result);
        Assert.Equal(0x4018_0000_0000_0000ul, Run(b => b.FpMul(b.Const(0x4000_0000_0000_0000), b.Const(0x4008_0000_0000_0000), 8)).Result);
        Assert.Equal(0x3C00ul, Run(b => b.FpMin(b.Const(0x3C00), b.Const(0x4000), 2)).Result);
        Assert.Equal(0x3F80_0000ul, Run(b => b.FpMaxNum(b.Const(0x3F80_0000), b.Const(0xBF80_0000), 4)).Result);
    }

    [Fact]
    public void Execute_allocates_nothing_for_FP_blocks()
    {
        var state = new byte[64];
        var block = new IrBlock();
        block.Reset(0);
        var b = new IrBuilder(block);
        var x = b.FpMulAdd(b.Const(0x3F80_0000), b.Const(0x4000_0000), b.Const(0x4080_0000), 4);
        b.SetReg(Result, b.FpToInt(b.FpSqrt(b.FpDiv(x, b.Const(0x4040_0000), 4), 4), 4, 8, FpRounding.TieAway, true));
        b.Jump(0);
        var interpreter = new IrInterpreter(Layout);
        var memory = new NoMemory();
        interpreter.Execute(block, state, memory);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 100; k++) interpreter.Execute(block, state, memory);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

using System.Buffers.Binary;
using Captive.Core.Interpreter;
using Captive.Core.IR;
using Xunit;

namespace Captive.Core.Tests;

/// <summary>
/// The IR interpreter, one opcode at a time. Expected values come from the IR's documented semantics and,
/// for flags and conditions, from the ARM ARM's AddWithCarry and ConditionHolds pseudocode.
/// </summary>
public sealed class InterpreterTests
{
    private const int FlagsOffset = 8, Result = 16, Scratch = 24;
    private const uint N = 1u << 31, Z = 1u << 30, C = 1u << 29, V = 1u << 28;
    private static readonly GuestStateLayout Layout = new(64, 0, FlagsOffset);

    private sealed class Memory : IGuestMemoryAccess
    {
        public readonly Dictionary<ulong, byte> Bytes = new();
        public ulong Counter = 0x1234;

        public ulong Read(ulong address, int size)
        {
            ulong v = 0;
            for (int k = 0; k < size; k++)
                v |= (ulong)Bytes.GetValueOrDefault(address + (ulong)k) << (8 * k);
            return v;
        }

        public void Write(ulong address, int size, ulong value)
        {
            for (int k = 0; k < size; k++)
                Bytes[address + (ulong)k] = (byte)(value >> (8 * k));
        }

        public ulong ReadCounter() => Counter;
    }

    private sealed class Run
    {
        public readonly byte[] State = new byte[Layout.Size];
        public readonly Memory Memory = new();
        public BlockOutcome Outcome;

        public ulong Result => BinaryPrimitives.ReadUInt64LittleEndian(State.AsSpan(InterpreterTests.Result));
        public uint Nzcv => (uint)BinaryPrimitives.ReadUInt64LittleEndian(State.AsSpan(FlagsOffset));
    }

    /// <summary>Builds a block that stores the value <paramref name="body"/> returns at <see cref="Result"/>, and runs it.</summary>
    private static Run Execute(Func<IrBuilder, IrValue?> body, uint nzcv = 0, Action<Run>? setup = null)
    {
        var run = new Run();
        BinaryPrimitives.WriteUInt64LittleEndian(run.State.AsSpan(FlagsOffset), nzcv);
        BinaryPrimitives.WriteUInt64LittleEndian(run.State.AsSpan(Result), 0xDEAD_BEEF_DEAD_BEEF);
        setup?.Invoke(run);
        var block = new IrBlock();
        block.Reset(0x1000);
        var b = new IrBuilder(block);
        var v = body(b);
        if (v is { } value) b.SetReg(Result, value);
        b.Jump(0x2000);
        IrVerifier.Verify(block);
        run.Outcome = new IrInterpreter(Layout).Execute(block, run.State, run.Memory);
        return run;
    }

    private static ulong Binary(Func<IrBuilder, IrValue, IrValue, IrValue> op, ulong a, ulong bValue, int size = 8, uint nzcv = 0)
        => Execute(b => op(b, b.Const(a), b.Const(bValue)), nzcv).Result;

    private static ulong Unary(Func<IrBuilder, IrValue, IrValue> op, ulong a)
        => Execute(b => op(b, b.Const(a))).Result;

    [Fact]
    public void Const_of_size_4_is_truncated_to_32_bits()
        => Assert.Equal(0x89AB_CDEFul, Execute(b => b.Const(0x0123_4567_89AB_CDEF, 4)).Result);

    [Theory]
    [InlineData(1, 0x88ul)]
    [InlineData(2, 0x7788ul)]
    [InlineData(4, 0x5566_7788ul)]
    [InlineData(8, 0x1122_3344_5566_7788ul)]
    public void GetReg_zero_extends_its_size(int size, ulong expected)
        => Assert.Equal(expected, Execute(b => b.GetReg(Scratch, size),
            setup: r => BinaryPrimitives.WriteUInt64LittleEndian(r.State.AsSpan(Scratch), 0x1122_3344_5566_7788)).Result);

    [Fact]
    public void SetReg_writes_only_its_size()
    {
        var run = Execute(b => { b.SetReg(Result, b.Const(0xAABB_CCDD), 2); return null; });
        Assert.Equal(0xDEAD_BEEF_DEAD_CCDDul, run.Result);
    }

    [Fact]
    public void Add_of_size_4_wraps_and_zero_extends()
        => Assert.Equal(0ul, Execute(b => b.Add(b.Const(0x1_FFFF_FFFF), b.Const(1), 4)).Result);

    [Fact]
    public void Add_of_size_8_wraps() => Assert.Equal(1ul, Binary((b, x, y) => b.Add(x, y), ulong.MaxValue, 2));

    [Fact]
    public void Sub_of_size_4_zero_extends() => Assert.Equal(0xFFFF_FFFFul, Execute(b => b.Sub(b.Const(0), b.Const(1), 4)).Result);

    [Fact]
    public void Mul_keeps_the_low_half()
    {
        Assert.Equal(0xFFFF_FFFEul, Execute(b => b.Mul(b.Const(0xFFFF_FFFF), b.Const(2), 4)).Result);
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFEul, Binary((b, x, y) => b.Mul(x, y), ulong.MaxValue, 2));
    }

    [Fact]
    public void UMulHigh_is_the_high_half_of_the_unsigned_product()
        => Assert.Equal(1ul, Binary((b, x, y) => b.UMulHigh(x, y), ulong.MaxValue, 2));

    [Fact]
    public void SMulHigh_is_the_high_half_of_the_signed_product()
    {
        Assert.Equal(ulong.MaxValue, Binary((b, x, y) => b.SMulHigh(x, y), ulong.MaxValue, 2)); // -1 * 2 = -2
        Assert.Equal(0x3FFF_FFFF_FFFF_FFFFul, Binary((b, x, y) => b.SMulHigh(x, y), 0x7FFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF));
    }

    [Theory]
    [InlineData(8, 7ul, 0ul, 0ul)]
    [InlineData(4, 7ul, 0x1_0000_0000ul, 0ul)] // divisor's low 32 bits are zero
    [InlineData(8, ulong.MaxValue, 2ul, 0x7FFF_FFFF_FFFF_FFFFul)]
    [InlineData(4, 0xFFFF_FFFFul, 2ul, 0x7FFF_FFFFul)]
    public void UDiv_matches_AArch64_UDIV(int size, ulong a, ulong b, ulong expected)
        => Assert.Equal(expected, Execute(x => x.UDiv(x.Const(a), x.Const(b), size)).Result);

    [Theory]
    [InlineData(8, 7ul, 0ul, 0ul)]
    [InlineData(8, 0x8000_0000_0000_0000ul, ulong.MaxValue, 0x8000_0000_0000_0000ul)]
    [InlineData(4, 0x8000_0000ul, 0xFFFF_FFFFul, 0x8000_0000ul)]
    [InlineData(8, unchecked((ulong)-7L), 2ul, unchecked((ulong)-3L))]
    [InlineData(4, 0xFFFF_FFF9ul, 2ul, 0xFFFF_FFFDul)]
    public void SDiv_matches_AArch64_SDIV(int size, ulong a, ulong b, ulong expected)
        => Assert.Equal(expected, Execute(x => x.SDiv(x.Const(a), x.Const(b), size)).Result);

    [Fact]
    public void Logical_operations()
    {
        Assert.Equal(0x0F00ul, Binary((b, x, y) => b.And(x, y), 0x0FF0, 0xFF00));
        Assert.Equal(0xFFF0ul, Binary((b, x, y) => b.Or(x, y), 0x0FF0, 0xFF00));
        Assert.Equal(0xF0F0ul, Binary((b, x, y) => b.Xor(x, y), 0x0FF0, 0xFF00));
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFEul, Unary((b, x) => b.Not(x), 1));
        Assert.Equal(0xFFFF_FFFEul, Execute(b => b.Not(b.Const(1), 4)).Result);
        Assert.Equal(0xFFFF_FFFFul, Execute(b => b.Neg(b.Const(1), 4)).Result);
        Assert.Equal(ulong.MaxValue, Unary((b, x) => b.Neg(x), 1));
    }

    [Theory]
    [InlineData(4, 33ul, 2ul)]      // amount mod 32
    [InlineData(8, 65ul, 2ul)]      // amount mod 64
    [InlineData(4, 31ul, 0x8000_0000ul)]
    public void Shl_takes_the_amount_modulo_the_width(int size, ulong amount, ulong expected)
        => Assert.Equal(expected, Execute(b => b.Shl(b.Const(1), b.Const(amount), size)).Result);

    [Fact]
    public void Lsr_is_logical_and_Asr_is_arithmetic()
    {
        Assert.Equal(0x4000_0000ul, Execute(b => b.Lsr(b.Const(0x8000_0000), b.Const(1), 4)).Result);
        Assert.Equal(0xC000_0000ul, Execute(b => b.Asr(b.Const(0x8000_0000), b.Const(1), 4)).Result);
        Assert.Equal(0xC000_0000_0000_0000ul, Binary((b, x, y) => b.Asr(x, y), 0x8000_0000_0000_0000, 1));
        Assert.Equal(0x8000_0000ul, Execute(b => b.Asr(b.Const(0x8000_0000), b.Const(32), 4)).Result); // 32 mod 32 = 0
    }

    [Fact]
    public void Ror_rotates_within_the_width()
    {
        Assert.Equal(0x8000_0000ul, Execute(b => b.Ror(b.Const(1), b.Const(1), 4)).Result);
        Assert.Equal(0x8000_0000_0000_0000ul, Binary((b, x, y) => b.Ror(x, y), 1, 65));
    }

    [Fact]
    public void Clz_and_Cls_match_AArch64()
    {
        Assert.Equal(32ul, Execute(b => b.Clz(b.Const(0), 4)).Result);
        Assert.Equal(64ul, Unary((b, x) => b.Clz(x), 0));
        Assert.Equal(31ul, Execute(b => b.Clz(b.Const(0x1_0000_0001), 4)).Result);
        Assert.Equal(31ul, Execute(b => b.Cls(b.Const(0), 4)).Result);
        Assert.Equal(63ul, Unary((b, x) => b.Cls(x), ulong.MaxValue));
        Assert.Equal(62ul, Unary((b, x) => b.Cls(x), 1));
        Assert.Equal(0ul, Execute(b => b.Cls(b.Const(0x4000_0000), 4)).Result);
        Assert.Equal(1ul, Execute(b => b.Cls(b.Const(0xC000_0000), 4)).Result);
    }

    [Fact]
    public void Bit_and_byte_reversals()
    {
        Assert.Equal(0x8000_0000ul, Execute(b => b.Rbit(b.Const(1), 4)).Result);
        Assert.Equal(0x8000_0000_0000_0000ul, Unary((b, x) => b.Rbit(x), 1));
        Assert.Equal(0x4433_2211ul, Execute(b => b.ByteSwap(b.Const(0x1122_3344), 4)).Result);
        Assert.Equal(0x8877_6655_4433_2211ul, Unary((b, x) => b.ByteSwap(x), 0x1122_3344_5566_7788));
        Assert.Equal(0x2211_4433_6655_8877ul, Unary((b, x) => b.ByteSwap16(x), 0x1122_3344_5566_7788));
        Assert.Equal(0x6655_8877ul, Execute(b => b.ByteSwap16(b.Const(0x1122_3344_5566_7788), 4)).Result);
        Assert.Equal(0x4433_2211_8877_6655ul, Unary((b, x) => b.ByteSwap32(x), 0x1122_3344_5566_7788));
    }

    [Fact]
    public void SignExtend_and_ZeroExtend()
    {
        Assert.Equal(0xFFFF_FFFF_FFFF_FF80ul, Execute(b => b.SignExtend(b.Const(0x1280), 8)).Result);
        Assert.Equal(0xFFFF_FF80ul, Execute(b => b.SignExtend(b.Const(0x1280), 8, 4)).Result);
        Assert.Equal(0xFFFF_FFFF_8000_0000ul, Execute(b => b.SignExtend(b.Const(0x1_8000_0000), 32)).Result);
        Assert.Equal(0x7FFFul, Execute(b => b.SignExtend(b.Const(0xF_7FFF), 16)).Result);
        Assert.Equal(0x80ul, Execute(b => b.ZeroExtend(b.Const(0xFF80), 8)).Result);
        Assert.Equal(0x8000_0000ul, Execute(b => b.ZeroExtend(b.Const(0xF_8000_0000), 32)).Result);
    }

    [Fact]
    public void Comparisons_use_the_operation_width()
    {
        Assert.Equal(1ul, Execute(b => b.CmpEq(b.Const(0x1_0000_0005), b.Const(5), 4)).Result);
        Assert.Equal(0ul, Execute(b => b.CmpEq(b.Const(0x1_0000_0005), b.Const(5))).Result);
        Assert.Equal(1ul, Execute(b => b.CmpNe(b.Const(1), b.Const(2))).Result);
        Assert.Equal(0ul, Execute(b => b.CmpUlt(b.Const(ulong.MaxValue), b.Const(0))).Result);
        Assert.Equal(1ul, Execute(b => b.CmpSlt(b.Const(ulong.MaxValue), b.Const(0))).Result);
        Assert.Equal(1ul, Execute(b => b.CmpSlt(b.Const(0x8000_0000), b.Const(0), 4)).Result);
        Assert.Equal(0ul, Execute(b => b.CmpSlt(b.Const(0x8000_0000), b.Const(0))).Result);
        Assert.Equal(1ul, Execute(b => b.CmpUlt(b.Const(0x1_0000_0000), b.Const(1), 4)).Result);
    }

    [Fact]
    public void Select_picks_by_a_nonzero_condition()
    {
        Assert.Equal(10ul, Execute(b => b.Select(b.Const(0x1_0000_0000), b.Const(10), b.Const(20))).Result);
        Assert.Equal(20ul, Execute(b => b.Select(b.Const(0), b.Const(10), b.Const(20))).Result);
        Assert.Equal(0x2345_6789ul, Execute(b => b.Select(b.Const(0), b.Const(10), b.Const(0x1_2345_6789), 4)).Result);
    }

    // ConditionHolds (ARM ARM J1, shared pseudocode): cond<3:1> picks the test, cond<0> inverts it except for 1111.
    [Theory]
    [InlineData(0x0, Z, true)] [InlineData(0x0, 0u, false)]          // EQ
    [InlineData(0x1, Z, false)] [InlineData(0x1, 0u, true)]          // NE
    [InlineData(0x2, C, true)] [InlineData(0x3, C, false)]           // CS, CC
    [InlineData(0x4, N, true)] [InlineData(0x5, N, false)]           // MI, PL
    [InlineData(0x6, V, true)] [InlineData(0x7, V, false)]           // VS, VC
    [InlineData(0x8, C, true)] [InlineData(0x8, C | Z, false)]       // HI
    [InlineData(0x9, C | Z, true)] [InlineData(0x9, C, false)]       // LS
    [InlineData(0xA, N | V, true)] [InlineData(0xA, N, false)]       // GE
    [InlineData(0xB, N, true)] [InlineData(0xB, 0u, false)]          // LT
    [InlineData(0xC, 0u, true)] [InlineData(0xC, Z, false)] [InlineData(0xC, V, false)] // GT
    [InlineData(0xD, Z, true)] [InlineData(0xD, V, true)] [InlineData(0xD, 0u, false)]  // LE
    [InlineData(0xE, 0u, true)] [InlineData(0xE, N | Z | C | V, true)] // AL
    [InlineData(0xF, 0u, true)] [InlineData(0xF, N | Z | C | V, true)] // NV also holds
    public void CondHolds_follows_ConditionHolds(int cond, uint nzcv, bool holds)
        => Assert.Equal(holds ? 1ul : 0ul, Execute(b => b.CondHolds(cond), nzcv).Result);

    // Flag results as the ARM ARM's AddWithCarry gives them.
    [Theory]
    [InlineData(4, 0x7FFF_FFFFul, 1ul, 0x8000_0000ul, N | V)]          // signed overflow
    [InlineData(4, 0xFFFF_FFFFul, 1ul, 0ul, Z | C)]                   // unsigned carry out
    [InlineData(4, 0x1_0000_0001ul, 0x1_0000_0001ul, 2ul, 0u)]        // upper halves ignored
    [InlineData(8, 0x7FFF_FFFF_FFFF_FFFFul, 1ul, 0x8000_0000_0000_0000ul, N | V)]
    [InlineData(8, 0x8000_0000_0000_0000ul, 0x8000_0000_0000_0000ul, 0ul, Z | C | V)]
    [InlineData(8, ulong.MaxValue, ulong.MaxValue, 0xFFFF_FFFF_FFFF_FFFEul, N | C)]
    public void AddFlags_sets_NZCV_like_ADDS(int size, ulong a, ulong b, ulong result, uint nzcv)
    {
        var run = Execute(x => x.AddFlags(x.Const(a), x.Const(b), size), V); // V set before: must be recomputed
        Assert.Equal(result, run.Result);
        Assert.Equal(nzcv, run.Nzcv);
    }

    [Theory]
    [InlineData(4, 0ul, 1ul, 0xFFFF_FFFFul, N)]                       // borrow: C = 0
    [InlineData(4, 5ul, 5ul, 0ul, Z | C)]                             // equal: no borrow
    [InlineData(4, 0x8000_0000ul, 1ul, 0x7FFF_FFFFul, C | V)]         // MIN - 1 overflows
    [InlineData(8, 0ul, 1ul, ulong.MaxValue, N)]
    [InlineData(8, 3ul, 2ul, 1ul, C)]
    [InlineData(8, 0x7FFF_FFFF_FFFF_FFFFul, ulong.MaxValue, 0x8000_0000_0000_0000ul, N | V)] // MAX - (-1)
    public void SubFlags_sets_NZCV_like_SUBS(int size, ulong a, ulong b, ulong result, uint nzcv)
    {
        var run = Execute(x => x.SubFlags(x.Const(a), x.Const(b), size));
        Assert.Equal(result, run.Result);
        Assert.Equal(nzcv, run.Nzcv);
    }

    [Theory]
    [InlineData(4, 0xFFFF_FFFFul, 0ul, C, 0ul, Z | C)]                // carry in wraps to zero
    [InlineData(4, 0x7FFF_FFFFul, 0ul, C, 0x8000_0000ul, N | V)]
    [InlineData(8, 1ul, 2ul, 0u, 3ul, 0u)]
    [InlineData(8, ulong.MaxValue, 0ul, C, 0ul, Z | C)]
    [InlineData(8, ulong.MaxValue, ulong.MaxValue, C, ulong.MaxValue, N | C)]
    public void AdcFlags_sets_NZCV_like_ADCS(int size, ulong a, ulong b, uint carryIn, ulong result, uint nzcv)
    {
        var run = Execute(x => x.AdcFlags(x.Const(a), x.Const(b), size), carryIn);
        Assert.Equal(result, run.Result);
        Assert.Equal(nzcv, run.Nzcv);
    }

    [Theory]
    [InlineData(4, 5ul, 5ul, 0u, 0xFFFF_FFFFul, N)]                   // 5 - 5 - 1 borrows
    [InlineData(4, 5ul, 5ul, C, 0ul, Z | C)]
    [InlineData(8, 0ul, 0ul, 0u, ulong.MaxValue, N)]
    [InlineData(8, 0x8000_0000_0000_0000ul, 0ul, 0u, 0x7FFF_FFFF_FFFF_FFFFul, C | V)]
    public void SbcFlags_sets_NZCV_like_SBCS(int size, ulong a, ulong b, uint carryIn, ulong result, uint nzcv)
    {
        var run = Execute(x => x.SbcFlags(x.Const(a), x.Const(b), size), carryIn);
        Assert.Equal(result, run.Result);
        Assert.Equal(nzcv, run.Nzcv);
    }

    [Fact]
    public void Adc_and_Sbc_use_the_carry_and_leave_the_flags()
    {
        var adc = Execute(b => b.Adc(b.Const(0xFFFF_FFFF), b.Const(0), 4), C | N);
        Assert.Equal(0ul, adc.Result);
        Assert.Equal(C | N, adc.Nzcv);
        var sbc = Execute(b => b.Sbc(b.Const(10), b.Const(3)), 0);
        Assert.Equal(6ul, sbc.Result);
        Assert.Equal(0u, sbc.Nzcv);
        Assert.Equal(7ul, Execute(b => b.Sbc(b.Const(10), b.Const(3)), C).Result);
    }

    [Fact]
    public void SetLogicFlags_sets_N_and_Z_and_clears_C_and_V()
    {
        Assert.Equal(N, Execute(b => { b.SetLogicFlags(b.Const(0x8000_0000), 4); return null; }, C | V).Nzcv);
        Assert.Equal(Z, Execute(b => { b.SetLogicFlags(b.Const(0x1_0000_0000), 4); return null; }, C | V).Nzcv);
        Assert.Equal(0u, Execute(b => { b.SetLogicFlags(b.Const(0x8000_0000)); return null; }, C).Nzcv);
    }

    [Fact]
    public void GetNzcv_and_SetNzcv_use_bits_31_to_28()
    {
        Assert.Equal((ulong)(N | C), Execute(b => b.GetNzcv(), N | C).Result);
        var run = Execute(b => { b.SetNzcv(b.Const(0xFFFF_FFFF_F123_4567)); return null; });
        Assert.Equal(0xF000_0000u, run.Nzcv);
    }

    [Fact]
    public void Load_and_Store_access_guest_memory()
    {
        var run = Execute(b =>
        {
            b.Store(b.Const(0x100), b.Const(0x1122_3344_5566_7788), 4);
            return b.Load(b.Const(0x101), 2);
        });
        Assert.Equal(0x6677ul, run.Result); // bytes 88 77 66 55 from 0x100
        Assert.Equal(0x88, run.Memory.Bytes[0x100]);
        Assert.False(run.Memory.Bytes.ContainsKey(0x104));
    }

    [Fact]
    public void ReadCounter_reads_the_engine_counter() => Assert.Equal(0x1234ul, Execute(b => b.ReadCounter()).Result);

    private static BlockOutcome Terminate(Action<IrBuilder> terminal)
    {
        var block = new IrBlock();
        block.Reset(0x1000);
        var b = new IrBuilder(block);
        terminal(b);
        IrVerifier.Verify(block);
        return new IrInterpreter(Layout).Execute(block, new byte[Layout.Size], new Memory());
    }

    [Fact]
    public void Jump_continues_at_its_target()
        => Assert.Equal(new BlockOutcome(0x4000, IrTrapKind.None, 0, 0, 0), Terminate(b => b.Jump(0x4000)));

    [Fact]
    public void Branch_follows_its_condition()
    {
        Assert.Equal(0x4000ul, Terminate(b => b.Branch(b.Const(1), 0x4000, 0x1004)).NextPc);
        Assert.Equal(0x1004ul, Terminate(b => b.Branch(b.Const(0), 0x4000, 0x1004)).NextPc);
    }

    [Fact]
    public void JumpIndirect_continues_at_the_value() => Assert.Equal(0x8888ul, Terminate(b => b.JumpIndirect(b.Const(0x8888))).NextPc);

    [Fact]
    public void Trap_reports_kind_info_value_and_addresses()
    {
        var outcome = Terminate(b => b.Trap(IrTrapKind.SystemRegisterWrite, 0x1008, 0x100C, 0xC080, b.Const(0x30D0_0801)));
        Assert.Equal(new BlockOutcome(0x100C, IrTrapKind.SystemRegisterWrite, 0xC080, 0x30D0_0801, 0x1008), outcome);
        var svc = Terminate(b => b.Trap(IrTrapKind.Svc, 0x1000, 0x1004, 0x42));
        Assert.Equal(new BlockOutcome(0x1004, IrTrapKind.Svc, 0x42, 0, 0x1000), svc);
    }

    [Fact]
    public void Blocks_longer_than_the_initial_value_array_run()
    {
        var run = Execute(b =>
        {
            var v = b.Const(0);
            for (int k = 0; k < 1000; k++) v = b.Add(v, b.Const(1));
            return v;
        });
        Assert.Equal(1000ul, run.Result);
    }

    [Fact]
    public void Execute_allocates_nothing_once_warm()
    {
        var block = new IrBlock();
        block.Reset(0x1000);
        var b = new IrBuilder(block);
        var sum = b.Add(b.GetReg(Scratch), b.Load(b.Const(0x100), 8));
        b.SubFlags(sum, b.Const(3));
        b.Store(b.Const(0x200), sum, 8);
        b.Branch(b.CondHolds(0), 0x1000, 0x2000);
        var interpreter = new IrInterpreter(Layout);
        var state = new byte[Layout.Size];
        var memory = new Memory();
        memory.Write(0x100, 8, 1);
        memory.Write(0x200, 8, 1);
        interpreter.Execute(block, state, memory);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 100; k++)
            interpreter.Execute(block, state, memory);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_state_smaller_than_the_layout_is_rejected()
    {
        var block = new IrBlock();
        block.Reset(0);
        new IrBuilder(block).Jump(0);
        Assert.Throws<ArgumentException>(() => new IrInterpreter(Layout).Execute(block, new byte[8], new Memory()));
    }
}

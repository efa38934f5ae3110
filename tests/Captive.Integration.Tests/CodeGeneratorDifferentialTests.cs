using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;
using Captive.Core.Devices;
using Captive.Core.Execution;
using Captive.Core.IR;

namespace Captive.Integration.Tests;

/// <summary>
/// The interpreter is the oracle for the x86-64 code generator: seeded random IR blocks (every
/// opcode, both widths, flags, loads and stores) run on both engines from the same random state,
/// and the register files, NZCV and memory must come out identical. The FP blocks do the same over ARM's
/// FP corner cases (NaNs with payloads, infinities, denormals, zeros, rounding ties, conversion limits),
/// with FPCR and FPSR in the register file and compared too.
/// </summary>
public sealed class CodeGeneratorDifferentialTests
{
    private const int Slots = 31;
    private const int PcOffset = 256, FlagsOffset = 264, FpcrOffset = 272, FpsrOffset = 280, VBase = 288, VRegs = 13, StateBytes = VBase + 16 * VRegs;
    private const ulong RamBase = 0x4000_0000, RamSize = 1 << 20, Window = 0x1000;

    private sealed class ScriptedSystem(IrBlock script) : IGuestSystem, IGuestFrontEnd
    {
        public IGuestFrontEnd FrontEnd => this;
        public IDeviceBus Bus { get; } = new DeviceBus();
        public GuestStateLayout StateLayout => new(512, PcOffset, FlagsOffset, FpcrOffset, FpsrOffset);
        public TrapResult HandleTrap(in GuestTrap trap, GuestRegisters registers) => TrapResult.Halt(StopReason.PowerOff);
        public string? Disassemble(uint word, ulong address) => null;

        public void LowerBlock(ulong address, IInstructionFetcher fetcher, IrBlock block, int maxInstructions)
        {
            if (address != RamBase) { new IrBuilder(block).Trap(IrTrapKind.Undefined, address, address + 4); return; }
            foreach (var i in script.Instructions) block.Append(i);
            block.Terminal = script.Terminal;
            block.IsTerminated = true;
            block.GuestInstructionCount = 1;
        }
    }

    private static readonly IrOpcode[] Binary =
        [IrOpcode.Add, IrOpcode.Sub, IrOpcode.Mul, IrOpcode.UDiv, IrOpcode.SDiv, IrOpcode.And, IrOpcode.Or, IrOpcode.Xor,
         IrOpcode.Shl, IrOpcode.Lsr, IrOpcode.Asr, IrOpcode.Ror, IrOpcode.CmpEq, IrOpcode.CmpNe, IrOpcode.CmpUlt, IrOpcode.CmpSlt,
         IrOpcode.AddFlags, IrOpcode.SubFlags, IrOpcode.AdcFlags, IrOpcode.SbcFlags, IrOpcode.Adc, IrOpcode.Sbc];
    private static readonly IrOpcode[] Unary =
        [IrOpcode.Not, IrOpcode.Neg, IrOpcode.Clz, IrOpcode.Cls, IrOpcode.Rbit, IrOpcode.ByteSwap, IrOpcode.ByteSwap16];
    private static readonly ulong[] Interesting =
        [0, 1, 2, 31, 32, 63, 64, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF,
         0x8000_0000_0000_0000, ulong.MaxValue, ulong.MaxValue - 1, 0xFF, 0x8000, 0x1234_5678_9ABC_DEF0];

    private static IrBlock RandomBlock(Random rng, int length)
    {
        var block = new IrBlock();
        block.Reset(RamBase);
        var b = new IrBuilder(block);
        var values = new List<IrValue>();
        IrValue Pick() => values.Count > 0 && rng.Next(4) != 0 ? values[rng.Next(values.Count)] : NewConst();
        IrValue NewConst()
        {
            ulong v = rng.Next(3) == 0 ? (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40) : Interesting[rng.Next(Interesting.Length)];
            var c = b.Const(v); values.Add(c); return c;
        }
        int W() => rng.Next(2) == 0 ? 4 : 8;
        for (int n = 0; n < 4; n++) values.Add(b.GetReg(8 * rng.Next(Slots), 8));
        for (int n = 0; n < length; n++)
        {
            int kind = rng.Next(20);
            IrValue v;
            if (kind < 8) { var op = Binary[rng.Next(Binary.Length)]; v = Emit(b, op, W(), Pick(), Pick()); }
            else if (kind < 11) { var op = Unary[rng.Next(Unary.Length)]; v = Emit(b, op, W(), Pick(), default); }
            else if (kind == 11) v = rng.Next(2) == 0 ? b.UMulHigh(Pick(), Pick()) : b.SMulHigh(Pick(), Pick());
            else if (kind == 12) { int[] from = [8, 16, 32]; v = rng.Next(2) == 0 ? b.SignExtend(Pick(), from[rng.Next(3)], W()) : b.ZeroExtend(Pick(), from[rng.Next(3)], W()); }
            else if (kind == 13) v = b.Select(Pick(), Pick(), Pick(), W());
            else if (kind == 14) v = b.CondHolds(rng.Next(16));
            else if (kind == 15) { b.SetLogicFlags(Pick(), W()); continue; }
            else if (kind == 16) { if (rng.Next(2) == 0) b.SetNzcv(Pick()); else values.Add(b.GetNzcv()); continue; }
            else if (kind == 17) v = b.GetReg(8 * rng.Next(Slots), 8);
            else if (kind == 18) { b.SetReg(8 * rng.Next(Slots), Pick(), 8); continue; }
            else
            {
                int size = 1 << rng.Next(4);
                var address = b.Add(b.Const(RamBase), b.And(Pick(), b.Const(Window - 8)));
                if (rng.Next(2) == 0) v = b.Load(address, size); else { b.Store(address, Pick(), size); continue; }
            }
            values.Add(v);
            if (rng.Next(3) == 0) b.SetReg(8 * rng.Next(Slots), v, 8);
        }
        b.Trap(IrTrapKind.Hvc, RamBase, RamBase + 4);
        IrVerifier.Verify(block);
        return block;
    }

    private static IrValue Emit(IrBuilder b, IrOpcode op, int w, IrValue x, IrValue y) => op switch
    {
        IrOpcode.Add => b.Add(x, y, w), IrOpcode.Sub => b.Sub(x, y, w), IrOpcode.Mul => b.Mul(x, y, w),
        IrOpcode.UDiv => b.UDiv(x, y, w), IrOpcode.SDiv => b.SDiv(x, y, w), IrOpcode.And => b.And(x, y, w),
        IrOpcode.Or => b.Or(x, y, w), IrOpcode.Xor => b.Xor(x, y, w), IrOpcode.Shl => b.Shl(x, y, w),
        IrOpcode.Lsr => b.Lsr(x, y, w), IrOpcode.Asr => b.Asr(x, y, w), IrOpcode.Ror => b.Ror(x, y, w),
        IrOpcode.CmpEq => b.CmpEq(x, y, w), IrOpcode.CmpNe => b.CmpNe(x, y, w), IrOpcode.CmpUlt => b.CmpUlt(x, y, w),
        IrOpcode.CmpSlt => b.CmpSlt(x, y, w), IrOpcode.AddFlags => b.AddFlags(x, y, w), IrOpcode.SubFlags => b.SubFlags(x, y, w),
        IrOpcode.AdcFlags => b.AdcFlags(x, y, w), IrOpcode.SbcFlags => b.SbcFlags(x, y, w), IrOpcode.Adc => b.Adc(x, y, w),
        IrOpcode.Sbc => b.Sbc(x, y, w), IrOpcode.Not => b.Not(x, w), IrOpcode.Neg => b.Neg(x, w), IrOpcode.Clz => b.Clz(x, w),
        IrOpcode.Cls => b.Cls(x, w), IrOpcode.Rbit => b.Rbit(x, w), IrOpcode.ByteSwap => b.ByteSwap(x, w),
        _ => b.ByteSwap16(x, w),
    };

    private static (byte[] State, uint Nzcv, byte[] Memory) Execute(IrBlock script, Func<IGuestSystem, EngineOptions, ExecutionEngine> create, Random init,
        uint fpcr = 0, Dictionary<string, long>? requests = null)
    {
        var system = new ScriptedSystem(script);
        using var engine = create(system, new EngineOptions { RamBase = RamBase, RamSize = RamSize });
        var regs = engine.RegisterFile;
        for (int s = 0; s < Slots; s++) BinaryPrimitives.WriteUInt64LittleEndian(regs[(8 * s)..], (ulong)init.NextInt64() ^ ((ulong)init.Next(4) << 62));
        BinaryPrimitives.WriteUInt64LittleEndian(regs[PcOffset..], RamBase);
        init.NextBytes(regs[VBase..StateBytes]);
        BinaryPrimitives.WriteUInt64LittleEndian(regs[FpcrOffset..], fpcr);
        BinaryPrimitives.WriteUInt64LittleEndian(regs[FpsrOffset..], init.Next(4) == 0 ? 0x9Fu & (uint)init.Next() : 0);
        engine.WriteNzcv((uint)init.Next(16) << 28);
        init.NextBytes(engine.Ram[..(int)Window]);
        var result = engine.Run();
        Assert.True(result.Reason == StopReason.PowerOff, $"{engine.Name}: {result.Reason} {result.Message}\n{script}");
        if (requests is not null)
            foreach (var (reason, count) in engine.Statistics.ChannelRequests) requests[reason] = requests.GetValueOrDefault(reason) + count;
        var state = engine.RegisterFile[..StateBytes].ToArray();
        state.AsSpan(PcOffset, 16).Clear(); // PC and the engine's own NZCV form: compared through ReadNzcv
        return (state, engine.ReadNzcv(), engine.Ram[..(int)Window].ToArray());
    }

    private static void AssertSame(string what, IrBlock block, (byte[] State, uint Nzcv, byte[] Memory) expected, (byte[] State, uint Nzcv, byte[] Memory) actual)
    {
        for (int s = 0; s < StateBytes / 8; s++)
        {
            ulong e = BinaryPrimitives.ReadUInt64LittleEndian(expected.State.AsSpan(8 * s));
            ulong a = BinaryPrimitives.ReadUInt64LittleEndian(actual.State.AsSpan(8 * s));
            Assert.True(e == a, $"{what}: slot {s} (offset {8 * s}) interpreter 0x{e:x} translated 0x{a:x}\n{block}");
        }
        Assert.True(expected.Nzcv == actual.Nzcv, $"{what}: NZCV interpreter 0x{expected.Nzcv:x8} translated 0x{actual.Nzcv:x8}\n{block}");
        Assert.True(expected.Memory.AsSpan().SequenceEqual(actual.Memory), $"{what}: memory differs\n{block}");
    }

    [Theory]
    [InlineData(1, 12)]
    [InlineData(2, 24)]
    [InlineData(3, 40)]
    [InlineData(4, 60)]
    public void Random_IR_blocks_give_the_interpreters_results(int seed, int length)
    {
        TestEnvironment.RequireKvm();
        using var backend = TestEnvironment.Backend("kvm")!;
        var rng = new Random(seed);
        for (int round = 0; round < 40; round++)
        {
            var block = RandomBlock(rng, length);
            int stateSeed = rng.Next();
            var expected = Execute(block, (s, o) => new InterpreterEngine(s, o), new Random(stateSeed));
            var actual = Execute(block, (s, o) => new AcceleratedEngine(backend, s, o), new Random(stateSeed));
            AssertSame($"seed {seed} round {round}", block, expected, actual);
        }
    }

    // ───── FP: edge-case values (as tools/Captive.Differential/FpValues), every scalar FP op and format.

    private static readonly uint[] SingleValues =
    [
        0x0000_0000, 0x8000_0000, 0x0000_0001, 0x807F_FFFF, 0x0080_0000, 0x0080_0001, 0x3F80_0000, 0xBF80_0001, 0x3F7F_FFFF,
        0x7F7F_FFFF, 0xFF7F_FFFF, 0x7F80_0000, 0xFF80_0000, 0x7FC0_0000, 0x7FC1_2345, 0xFFFF_FFFF, 0x7F80_0001, 0x7FA0_0000,
        0x3F00_0000, 0xBFC0_0000, 0x4020_0000, 0x3400_0000, 0x3380_0000, 0x4B00_0001, 0x4EFF_FFFF, 0xCF00_0000, 0x4F00_0000,
        0x4F80_0000, 0x5EFF_FFFF, 0x5F00_0000, 0xDF00_0000, 0x5F80_0000, 0x0040_0000, 0x2000_0000, 0x1F80_0000, 0x1F00_0001,
        0x4049_0FDB, 0xC2F6_E979,
    ];

    private static readonly ulong[] DoubleValues =
    [
        0, 0x8000_0000_0000_0000, 1, 0x000F_FFFF_FFFF_FFFF, 0x8010_0000_0000_0000, 0x0010_0000_0000_0001, 0x0008_0000_0000_0000,
        0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0001, 0x3FEF_FFFF_FFFF_FFFF, 0x7FEF_FFFF_FFFF_FFFF, 0xFFEF_FFFF_FFFF_FFFF,
        0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x7FF8_0000_0000_ABCD, 0xFFFF_FFFF_FFFF_FFFF,
        0x7FF0_0000_0000_0001, 0x7FF4_0000_0000_1234, 0x3FE0_0000_0000_0000, 0xBFF8_0000_0000_0000, 0x4004_0000_0000_0000,
        0x3CA0_0000_0000_0000, 0x4330_0000_0000_0001, 0x41DF_FFFF_FFC0_0000, 0x41DF_FFFF_FFE0_0000, 0xC1E0_0000_0000_0000,
        0x41E0_0000_0000_0000, 0x41EF_FFFF_FFE0_0000, 0x41F0_0000_0000_0000, 0x43DF_FFFF_FFFF_FFFF, 0x43E0_0000_0000_0000,
        0xC3E0_0000_0000_0000, 0x43EF_FFFF_FFFF_FFFF, 0x43F0_0000_0000_0000, 0x47EF_FFFF_E000_0000, 0x47F0_0000_0000_0000,
        0x36A0_0000_0000_0000, 0x3690_0000_0000_0001, 0x380F_FFFF_FFFF_FFFF, 0x380F_FFFF_F000_0000, 0x2000_0000_0000_0000,
        0x1FF0_0000_0000_0001, 0x5FF0_0000_0000_0000, 0x3FD5_5555_5555_5555, 0x4009_21FB_5444_2D18, 0xC05E_DD2F_1A9F_BE77,
    ];

    private static readonly FpRounding[] Roundings =
        [FpRounding.TieEven, FpRounding.PlusInfinity, FpRounding.MinusInfinity, FpRounding.Zero, FpRounding.TieAway, FpRounding.Dynamic];

    private static IrBlock RandomFpBlock(Random rng, int length)
    {
        var block = new IrBlock();
        block.Reset(RamBase);
        var b = new IrBuilder(block);
        var singles = new List<IrValue>();
        var doubles = new List<IrValue>();
        var ints = new List<IrValue>();
        IrValue Value(int format)
        {
            var list = format == 8 ? doubles : singles;
            if (list.Count > 0 && rng.Next(3) != 0) return list[rng.Next(list.Count)];
            ulong v = rng.Next(6) switch
            {
                0 => format == 8 ? (ulong)rng.NextInt64() : (uint)rng.Next() | (uint)rng.Next(2) << 31,
                1 => format == 8 ? BitConverter.DoubleToUInt64Bits((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-80, 80)))
                                 : BitConverter.SingleToUInt32Bits((float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-40, 40)))),
                _ => format == 8 ? DoubleValues[rng.Next(DoubleValues.Length)] : SingleValues[rng.Next(SingleValues.Length)],
            };
            var c = b.Const(v); list.Add(c); return c;
        }
        IrValue Int() => ints.Count > 0 && rng.Next(2) == 0 ? ints[rng.Next(ints.Count)]
            : b.Const(rng.Next(3) == 0 ? (ulong)rng.NextInt64() : Interesting[rng.Next(Interesting.Length)]);
        // One block in four may hold ops the code generator leaves to the interpreter (half precision, ties-away).
        bool anything = rng.Next(4) == 0;
        FpRounding Rounding(bool dynamic)
        {
            var r = Roundings[rng.Next(Roundings.Length - (dynamic ? 0 : 1))];
            return r == FpRounding.TieAway && !anything ? FpRounding.Zero : r;
        }
        for (int n = 0; n < 2; n++) ints.Add(b.GetReg(8 * rng.Next(Slots), 8));
        for (int n = 0; n < length; n++)
        {
            int format = rng.Next(2) == 0 ? 4 : 8;
            int kind = rng.Next(16);
            IrValue v;
            switch (kind)
            {
                case 0: v = b.FpAdd(Value(format), Value(format), format); break;
                case 1: v = b.FpSub(Value(format), Value(format), format); break;
                case 2: v = b.FpMul(Value(format), Value(format), format); break;
                case 3: v = b.FpDiv(Value(format), Value(format), format); break;
                case 4: v = b.FpMulAdd(Value(format), Value(format), Value(format), format); break;
                case 5: v = b.FpSqrt(Value(format), format); break;
                case 6:
                    v = rng.Next(4) switch
                    {
                        0 => b.FpMax(Value(format), Value(format), format), 1 => b.FpMin(Value(format), Value(format), format),
                        2 => b.FpMaxNum(Value(format), Value(format), format), _ => b.FpMinNum(Value(format), Value(format), format),
                    };
                    break;
                case 7:
                    b.SetNzcv(b.FpCompare(Value(format), rng.Next(4) == 0 ? b.Const(0) : Value(format), format, rng.Next(2) == 0));
                    continue;
                case 8: v = b.FpRoundInt(Value(format), format, Rounding(true), rng.Next(2) == 0); break;
                case 9: v = b.FpConvert(Value(12 - format), 12 - format, format); break;
                case 10:
                {
                    var r = b.FpToInt(Value(format), format, rng.Next(2) == 0 ? 4 : 8, Rounding(false), rng.Next(2) == 0);
                    ints.Add(r); b.SetReg(8 * rng.Next(Slots), r, 8);
                    continue;
                }
                case 11: v = b.IntToFp(Int(), rng.Next(2) == 0 ? 4 : 8, format, rng.Next(2) == 0); break;
                case 12:
                    if (rng.Next(2) == 0) ints.Add(b.GetReg(FpsrOffset, 8));
                    else b.SetReg(FpsrOffset, b.Const((ulong)rng.Next(2) << 4), 8);
                    continue;
                case 13:
                    if (!anything) continue;
                    v = b.FpAdd(Value(format), Value(format), 2); // half precision: stays with the interpreter
                    break;
                default:
                    b.SetReg(8 * rng.Next(Slots), Value(format), 8);
                    continue;
            }
            (format == 8 ? doubles : singles).Add(v);
            if (rng.Next(3) == 0) b.SetReg(8 * rng.Next(Slots), v, 8);
        }
        b.Trap(IrTrapKind.Hvc, RamBase, RamBase + 4);
        IrVerifier.Verify(block);
        return block;
    }

    [Theory]
    [InlineData(11, 4)]
    [InlineData(12, 10)]
    [InlineData(13, 24)]
    [InlineData(14, 48)]
    public void Random_FP_blocks_give_the_interpreters_results(int seed, int length)
        // Mostly FPCR = 0 (the fast path); sometimes a rounding mode, FZ or DN (the guard sends the block to the interpreter).
        => RunRandomBlocks(seed, rng => RandomFpBlock(rng, length), fpcrOneIn: 6, exactPrefix: length >= 10 ? "fp-exact:" : null);

    /// <summary>
    /// Scalar FP the way the A64 lowering produces it: D and S registers read from and written to the low halves
    /// of V registers (zeroing the upper halves), FP values loaded and stored, negated with integer XORs, selected,
    /// read back as whole vectors, with FPSR read and written in between. This exercises FP values held in XMM
    /// registers, the V-register cache in XMM (hits, write-backs, spills under pressure) and the MXCSR flags left
    /// pending until the block's trap.
    /// </summary>
    private static IrBlock RandomFpRegisterBlock(Random rng, int length)
    {
        var block = new IrBlock();
        block.Reset(RamBase);
        var b = new IrBuilder(block);
        var values = new List<(IrValue Value, int Format)>();
        int VReg() => VBase + 16 * rng.Next(VRegs);
        IrValue Address(int size) => b.Const(RamBase + (ulong)(rng.Next((int)Window / size) * size));
        IrValue Operand(int format)
        {
            var same = values.Where(v => v.Format == format).ToList();
            switch (rng.Next(6))
            {
                case 0: case 1: return b.GetReg(VReg(), format);
                case 2: return b.Load(Address(format), format);
                case 3:
                {
                    ulong c = format == 8 ? DoubleValues[rng.Next(DoubleValues.Length)] : SingleValues[rng.Next(SingleValues.Length)];
                    return b.Const(c);
                }
                default: return same.Count > 0 ? same[rng.Next(same.Count)].Value : b.GetReg(VReg(), format);
            }
        }
        void SetFp(int offset, IrValue v) { b.SetReg(offset, v, 8); b.SetReg(offset + 8, b.Const(0), 8); }
        for (int n = 0; n < length; n++)
        {
            int format = rng.Next(3) == 0 ? 4 : 8;
            IrValue v;
            switch (rng.Next(20))
            {
                case 0: case 1: v = b.FpAdd(Operand(format), Operand(format), format); break;
                case 2: v = b.FpSub(Operand(format), Operand(format), format); break;
                case 3: case 4: v = b.FpMul(Operand(format), Operand(format), format); break;
                case 5: v = b.FpDiv(Operand(format), Operand(format), format); break;
                case 6: case 7:
                    // FMA has a fast path only on FMA3 hosts; elsewhere it would send most of these blocks to the interpreter.
                    v = Fma.IsSupported ? b.FpMulAdd(Operand(format), Operand(format), Operand(format), format) : b.FpMul(Operand(format), Operand(format), format);
                    break;
                case 8: v = b.FpSqrt(Operand(format), format); break;
                case 9: v = b.FpConvert(Operand(12 - format), 12 - format, format); break;
                case 10: v = b.Xor(Operand(format), b.Const(1UL << (format * 8 - 1)), format); break; // FNEG
                case 11: v = b.Select(b.CondHolds(rng.Next(14)), Operand(format), Operand(format), format); break; // FCSEL
                case 12:
                    b.SetNzcv(b.FpCompare(Operand(format), rng.Next(4) == 0 ? b.Const(0) : Operand(format), format, rng.Next(2) == 0));
                    continue;
                case 13:
                {
                    var r = b.FpToInt(Operand(format), format, rng.Next(2) == 0 ? 4 : 8, FpRounding.Zero, rng.Next(2) == 0);
                    b.SetReg(8 * rng.Next(Slots), r, 8);
                    continue;
                }
                case 14: v = b.IntToFp(b.GetReg(8 * rng.Next(Slots), 8), 8, format, rng.Next(2) == 0); break;
                case 15: b.Store(Address(format), Operand(format), format); continue;
                case 16: b.SetVec(VReg(), b.GetVec(VReg())); continue;
                case 17:
                    if (rng.Next(2) == 0) b.SetReg(8 * rng.Next(Slots), b.GetReg(FpsrOffset, 8), 8);
                    else b.SetReg(FpsrOffset, b.Const((ulong)rng.Next(32)), 8);
                    continue;
                default: SetFp(VReg(), Operand(format)); continue;
            }
            values.Add((v, format));
            if (rng.Next(3) != 0) SetFp(VReg(), v);
        }
        b.Trap(IrTrapKind.Hvc, RamBase, RamBase + 4);
        IrVerifier.Verify(block);
        return block;
    }

    [Theory]
    [InlineData(21, 8)]
    [InlineData(22, 20)]
    [InlineData(23, 40)]
    [InlineData(24, 80)]
    [InlineData(25, 160)]
    public void Random_FP_register_blocks_give_the_interpreters_results(int seed, int length)
        => RunRandomBlocks(seed, rng => RandomFpRegisterBlock(rng, length), fpcrOneIn: 10, exactPrefix: length >= 20 ? "fp-exact:" : null);

    /// <summary>
    /// Runs 60 random blocks on the interpreter (the oracle) and compiled in the VM, from the same state, and
    /// asserts the same results; then that the fast path really ran (most blocks compiled) and, when
    /// <paramref name="exactPrefix"/> is given, that the exact path was taken at least once.
    /// </summary>
    private static void RunRandomBlocks(int seed, Func<Random, IrBlock> generate, int fpcrOneIn, string? exactPrefix)
    {
        TestEnvironment.RequireKvm();
        using var backend = TestEnvironment.Backend("kvm")!;
        var rng = new Random(seed);
        var requests = new Dictionary<string, long>();
        int rounds = 60;
        for (int round = 0; round < rounds; round++)
        {
            var block = generate(rng);
            int stateSeed = rng.Next();
            uint fpcr = rng.Next(fpcrOneIn) == 0 ? (uint)rng.Next(8) << 22 : 0;
            var expected = Execute(block, (s, o) => new InterpreterEngine(s, o), new Random(stateSeed), fpcr);
            var actual = Execute(block, (s, o) => new AcceleratedEngine(backend, s, o), new Random(stateSeed), fpcr, requests);
            AssertSame($"seed {seed} round {round} fpcr 0x{fpcr:x}", block, expected, actual);
        }
        long interpreted = requests.Where(r => r.Key.StartsWith("interpret:", StringComparison.Ordinal)).Sum(r => r.Value);
        Assert.True(interpreted < rounds / 2, $"{interpreted} of {rounds} blocks interpreted: {string.Join(", ", requests)}");
        if (exactPrefix is not null) Assert.True(requests.Keys.Any(k => k.StartsWith(exactPrefix, StringComparison.Ordinal)), string.Join(", ", requests));
    }

    // ───── Vectors: V registers in the register file, vector values over saturation boundaries and random bytes.

    private static readonly ulong[] VectorHalves =
        [0, ulong.MaxValue, 0x7F80_7FFF_80FF_0001, 0x8000_7FFF_0000_FFFF, 0x7FFF_FFFF_8000_0000, 0x0102_0304_0506_0708,
         0x0F1E_2D3C_4B5A_6978, 0x8080_8080_7F7F_7F7F, 0x0010_2030_4050_60F0, 0x8000_0000_0000_0000];

    private static readonly IrOpcode[] VectorUnary =
        [IrOpcode.VecNot, IrOpcode.VecNeg, IrOpcode.VecAbs, IrOpcode.VecShlImm, IrOpcode.VecLsrImm, IrOpcode.VecAsrImm, IrOpcode.VecCnt,
         IrOpcode.VecRev, IrOpcode.VecWiden, IrOpcode.VecNarrow];

    private static readonly IrOpcode[] VectorBinary =
        [IrOpcode.VecAdd, IrOpcode.VecSub, IrOpcode.VecMul, IrOpcode.VecAnd, IrOpcode.VecOr, IrOpcode.VecXor, IrOpcode.VecBic,
         IrOpcode.VecCmpEq, IrOpcode.VecCmpGt, IrOpcode.VecCmpGe, IrOpcode.VecCmpHi, IrOpcode.VecCmpHs, IrOpcode.VecCmpTst,
         IrOpcode.VecSMin, IrOpcode.VecSMax, IrOpcode.VecUMin, IrOpcode.VecUMax, IrOpcode.VecSQAdd, IrOpcode.VecUQAdd,
         IrOpcode.VecSQSub, IrOpcode.VecUQSub, IrOpcode.VecZip1, IrOpcode.VecZip2, IrOpcode.VecUzp1, IrOpcode.VecUzp2, IrOpcode.VecExt,
         IrOpcode.VecSAbsDiff, IrOpcode.VecUAbsDiff, IrOpcode.VecTrn1, IrOpcode.VecTrn2];

    private static IrBlock RandomVectorBlock(Random rng, int length)
    {
        var block = new IrBlock();
        block.Reset(RamBase);
        var b = new IrBuilder(block);
        var vectors = new List<IrValue>();
        var scalars = new List<IrValue>();
        bool anything = rng.Next(4) == 0; // may hold ops the code generator leaves to the interpreter
        IrValue Half() => rng.Next(3) == 0 ? b.Const((ulong)rng.NextInt64()) : b.Const(VectorHalves[rng.Next(VectorHalves.Length)]);
        IrValue Scalar() => scalars.Count > 0 && rng.Next(2) == 0 ? scalars[rng.Next(scalars.Count)] : Half();
        IrValue Address() => b.Add(b.Const(RamBase), b.And(Scalar(), b.Const(Window - 16)));
        IrValue Vector()
        {
            if (vectors.Count > 0 && rng.Next(4) != 0) return vectors[rng.Next(vectors.Count)];
            var v = rng.Next(3) switch
            {
                0 => b.GetVec(VBase + 16 * rng.Next(VRegs)),
                1 => b.VecFromHalves(Half(), Half()),
                _ => b.LoadVec(Address()),
            };
            vectors.Add(v);
            return v;
        }
        int Es(params int[] sizes) => sizes[rng.Next(sizes.Length)];
        int Ds(int es) => rng.Next(6) switch { 0 => es, 1 or 2 => 8 > es ? 8 : 16, _ => 16 };
        IrValue FpVector(int es)
        {
            if (vectors.Count > 0 && rng.Next(3) == 0) return vectors[rng.Next(vectors.Count)];
            ulong Fp() => es == 8 ? DoubleValues[rng.Next(DoubleValues.Length)]
                : SingleValues[rng.Next(SingleValues.Length)] | (ulong)SingleValues[rng.Next(SingleValues.Length)] << 32;
            ulong Normal() => es == 8 ? BitConverter.DoubleToUInt64Bits(rng.NextDouble() * 100 - 50)
                : BitConverter.SingleToUInt32Bits((float)(rng.NextDouble() * 100 - 50)) | (ulong)BitConverter.SingleToUInt32Bits((float)rng.NextDouble()) << 32;
            var v = b.VecFromHalves(b.Const(rng.Next(2) == 0 ? Fp() : Normal()), b.Const(rng.Next(2) == 0 ? Fp() : Normal()));
            vectors.Add(v);
            return v;
        }
        IrOpcode[] fpOps = [IrOpcode.VecFpAdd, IrOpcode.VecFpSub, IrOpcode.VecFpMul, IrOpcode.VecFpDiv, IrOpcode.VecFpSqrt,
            IrOpcode.VecFpMulAdd, IrOpcode.VecFpAbs, IrOpcode.VecFpNeg, IrOpcode.VecFpCmpEq, IrOpcode.VecFpCmpGe, IrOpcode.VecFpCmpGt,
            IrOpcode.VecFpToInt, IrOpcode.VecIntToFp, IrOpcode.VecAddAcross, IrOpcode.VecAddPairwise];
        for (int n = 0; n < length; n++)
        {
            IrValue v;
            int kind = rng.Next(17);
            if (kind >= 14)
            {
                var op = fpOps[rng.Next(fpOps.Length)];
                int es = rng.Next(2) == 0 || (!anything && op is IrOpcode.VecFpToInt or IrOpcode.VecIntToFp) ? 4 : 8;
                int ds = rng.Next(4) switch { 0 => es, 1 => 8, _ => 16 };
                if (op == IrOpcode.VecAddAcross)
                {
                    var sum = b.VecReduce(op, Vector(), rng.Next(3) switch { 0 => 1, 1 => 2, _ => 4 }, Es(8, 16));
                    scalars.Add(sum); b.SetReg(8 * rng.Next(Slots), sum, 8);
                    continue;
                }
                v = op switch
                {
                    IrOpcode.VecAddPairwise => es == 8 ? b.Vec(op, Vector(), Vector(), 8, 0, 16) : b.Vec(op, Vector(), Vector(), Es(2, 4), 0, Es(8, 16)),
                    IrOpcode.VecFpToInt => b.VecFpToInt(FpVector(es), es, anything ? Roundings[rng.Next(5)] : FpRounding.Zero, rng.Next(4) != 0 || !anything, 0, ds),
                    IrOpcode.VecIntToFp => b.VecIntToFp(rng.Next(2) == 0 ? FpVector(es) : Vector(), es, rng.Next(4) != 0 || !anything, 0, ds),
                    IrOpcode.VecFpSqrt or IrOpcode.VecFpAbs or IrOpcode.VecFpNeg => b.Vec(op, FpVector(es), es, 0, ds),
                    IrOpcode.VecFpMulAdd => b.Vec(op, FpVector(es), FpVector(es), FpVector(es), es, 0, ds),
                    _ => b.Vec(op, FpVector(es), FpVector(es), es, 0, ds),
                };
                vectors.Add(v);
                if (rng.Next(2) == 0) b.SetVec(VBase + 16 * rng.Next(VRegs), v);
                continue;
            }
            if (kind < 6)
            {
                var op = VectorBinary[rng.Next(VectorBinary.Length)];
                int es = op switch
                {
                    IrOpcode.VecMul => Es(1, 2, 4),
                    IrOpcode.VecCmpGt or IrOpcode.VecCmpGe or IrOpcode.VecCmpHi or IrOpcode.VecCmpHs or IrOpcode.VecSMin or IrOpcode.VecSMax
                        or IrOpcode.VecUMin or IrOpcode.VecUMax or IrOpcode.VecSAbsDiff or IrOpcode.VecUAbsDiff => anything ? Es(1, 2, 4, 8) : Es(1, 2, 4),
                    IrOpcode.VecSQAdd or IrOpcode.VecUQAdd or IrOpcode.VecSQSub or IrOpcode.VecUQSub => anything ? Es(1, 2, 4, 8) : Es(1, 2),
                    IrOpcode.VecExt => 1,
                    _ => Es(1, 2, 4, 8),
                };
                int ds = op switch
                {
                    IrOpcode.VecZip1 or IrOpcode.VecZip2 or IrOpcode.VecTrn1 or IrOpcode.VecTrn2 or IrOpcode.VecUzp1 or IrOpcode.VecUzp2
                        or IrOpcode.VecExt => es == 8 ? 16 : Es(8, 16),
                    _ => Ds(es),
                };
                v = b.Vec(op, Vector(), Vector(), es, op == IrOpcode.VecExt ? rng.Next(ds) : 0, ds);
            }
            else if (kind < 9)
            {
                var op = VectorUnary[rng.Next(VectorUnary.Length)];
                int es, extra = 0, flags = 0;
                switch (op)
                {
                    case IrOpcode.VecAbs: es = Es(1, 2, 4); break;
                    case IrOpcode.VecShlImm: es = Es(2, 4, 8); extra = rng.Next(es * 8); break;
                    case IrOpcode.VecLsrImm: es = Es(2, 4, 8); extra = 1 + rng.Next(es * 8); break;
                    case IrOpcode.VecAsrImm: es = Es(2, 4); extra = 1 + rng.Next(es * 8); break;
                    case IrOpcode.VecCnt: es = 1; break;
                    case IrOpcode.VecRev: es = Es(1, 2, 4); extra = es == 4 ? 8 : es == 2 ? Es(4, 8) : Es(2, 4, 8); break;
                    case IrOpcode.VecWiden: es = Es(1, 2, 4); extra = rng.Next(2); flags = rng.Next(2); break;
                    case IrOpcode.VecNarrow: es = Es(1, 2, 4); flags = anything || es < 4 ? rng.Next(4) : 0; break;
                    default: es = Es(1, 2, 4, 8); break;
                }
                int ds = op is IrOpcode.VecWiden or IrOpcode.VecNarrow ? 16 : op == IrOpcode.VecRev ? Es(8, 16) : Ds(es);
                v = b.Vec(op, Vector(), es, extra, ds, flags);
            }
            else if (kind == 9)
            {
                int ds = Es(8, 16);
                v = b.Vec(IrOpcode.VecTbl, Vector(), Vector(), Vector(), 1, 16 * rng.Next(4), ds);
            }
            else if (kind == 10)
            {
                int es = Es(1, 2, 4, 8);
                switch (rng.Next(4))
                {
                    case 0: { var s = b.VecExtractLane(Vector(), rng.Next(16 / es), es); scalars.Add(s); b.SetReg(8 * rng.Next(Slots), s, 8); continue; }
                    case 1: v = b.VecInsertLane(Vector(), rng.Next(16 / es), es, Scalar()); break;
                    case 2: v = b.VecFromScalar(Scalar(), es); break;
                    default: v = b.VecZeroUpper(Vector()); break;
                }
            }
            else if (kind == 11) { b.StoreVec(Address(), Vector()); continue; }
            else if (kind == 12) { b.SetVec(VBase + 16 * rng.Next(VRegs), Vector()); continue; }
            else
            {
                // Scalar traffic on the V registers' halves (as the scalar FP lowering does) and on FPSR.
                int off = VBase + 8 * rng.Next(2 * VRegs);
                if (rng.Next(2) == 0) scalars.Add(b.GetReg(off, 8)); else b.SetReg(off, Scalar(), 8);
                if (rng.Next(4) == 0) scalars.Add(b.GetReg(FpsrOffset, 8));
                continue;
            }
            vectors.Add(v);
            if (rng.Next(3) == 0) b.SetVec(VBase + 16 * rng.Next(VRegs), v);
        }
        b.Trap(IrTrapKind.Hvc, RamBase, RamBase + 4);
        IrVerifier.Verify(block);
        return block;
    }

    [Theory]
    [InlineData(21, 4)]
    [InlineData(22, 12)]
    [InlineData(23, 30)]
    [InlineData(24, 60)]
    public void Random_vector_blocks_give_the_interpreters_results(int seed, int length)
        => RunRandomBlocks(seed, rng => RandomVectorBlock(rng, length), fpcrOneIn: 8, exactPrefix: length >= 12 ? "fp-exact:vecfp" : null);
}

using System.Buffers.Binary;
using Captive.Core.Devices;
using Captive.Core.Execution;
using Captive.Core.IR;

namespace Captive.Integration.Tests;

/// <summary>
/// The interpreter is the oracle for the x86-64 code generator: seeded random IR blocks (every
/// opcode, both widths, flags, loads and stores) run on both engines from the same random state,
/// and the register files, NZCV and memory must come out identical.
/// </summary>
public sealed class CodeGeneratorDifferentialTests
{
    private const int Slots = 31;
    private const int PcOffset = 256, FlagsOffset = 264;
    private const ulong RamBase = 0x4000_0000, RamSize = 1 << 20, Window = 0x1000;

    private sealed class ScriptedSystem(IrBlock script) : IGuestSystem, IGuestFrontEnd
    {
        public IGuestFrontEnd FrontEnd => this;
        public IDeviceBus Bus { get; } = new DeviceBus();
        public GuestStateLayout StateLayout => new(512, PcOffset, FlagsOffset);
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

    private static (byte[] State, uint Nzcv, byte[] Memory) Execute(IrBlock script, Func<IGuestSystem, EngineOptions, ExecutionEngine> create, Random init)
    {
        var system = new ScriptedSystem(script);
        using var engine = create(system, new EngineOptions { RamBase = RamBase, RamSize = RamSize });
        var regs = engine.RegisterFile;
        for (int s = 0; s < Slots; s++) BinaryPrimitives.WriteUInt64LittleEndian(regs[(8 * s)..], (ulong)init.NextInt64() ^ ((ulong)init.Next(4) << 62));
        BinaryPrimitives.WriteUInt64LittleEndian(regs[PcOffset..], RamBase);
        engine.WriteNzcv((uint)init.Next(16) << 28);
        init.NextBytes(engine.Ram[..(int)Window]);
        var result = engine.Run();
        Assert.True(result.Reason == StopReason.PowerOff, $"{engine.Name}: {result.Reason} {result.Message}\n{script}");
        return (engine.RegisterFile[..(8 * Slots)].ToArray(), engine.ReadNzcv(), engine.Ram[..(int)Window].ToArray());
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
            for (int s = 0; s < Slots; s++)
            {
                ulong e = BinaryPrimitives.ReadUInt64LittleEndian(expected.State.AsSpan(8 * s));
                ulong a = BinaryPrimitives.ReadUInt64LittleEndian(actual.State.AsSpan(8 * s));
                Assert.True(e == a, $"seed {seed} round {round}: slot {s} (offset {8 * s}) interpreter 0x{e:x} translated 0x{a:x}\n{block}");
            }
            Assert.True(expected.Nzcv == actual.Nzcv, $"seed {seed} round {round}: NZCV interpreter 0x{expected.Nzcv:x8} translated 0x{actual.Nzcv:x8}\n{block}");
            Assert.True(expected.Memory.AsSpan().SequenceEqual(actual.Memory), $"seed {seed} round {round}: memory differs\n{block}");
        }
    }
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Captive.Core.Devices;
using Captive.Core.Interpreter;
using Captive.Core.IR;
using Captive.Core.Memory;

namespace Captive.Core.Execution;

/// <summary>
/// Runs guest code with the IR interpreter: no accelerator needed. The same IR the translator
/// compiles, so it is also the reference the translator is tested against.
/// </summary>
public sealed class InterpreterEngine : ExecutionEngine
{
    private readonly HostMemoryVirtualizer _memory;
    private readonly PhysicalMemoryAccess _access;
    private readonly VirtualMemoryAccess? _virtual; // with the guest MMU on
    private readonly byte[] _state;
    private readonly IrInterpreter _interpreter;
    private readonly WatchedMemoryAccess? _watched; // with watchpoints armed
    private readonly Dictionary<ulong, IrBlock> _blocks = new();
    private readonly Dictionary<IrBlock, long>? _profile;
    private readonly long _counterStart = Stopwatch.GetTimestamp();
    private volatile bool _cancel;
    private bool _disposed;

    /// <summary>Creates the engine with zeroed RAM.</summary>
    public InterpreterEngine(IGuestSystem system, EngineOptions options) : base(system, options)
    {
        _memory = new HostMemoryVirtualizer(new GuestPhysicalAddress(options.RamBase), options.RamSize);
        AttachPhysicalMemory(_memory.RamHostAddress);
        _access = new PhysicalMemoryAccess(_memory, system.Bus, () => (ulong)(Stopwatch.GetTimestamp() - _counterStart));
        if (system.Mmu is not null) _virtual = new VirtualMemoryAccess(_access, system.Mmu);
        _state = new byte[Layout.Size];
        _interpreter = new IrInterpreter(Layout);
        if (system.Debug is not null) _watched = new WatchedMemoryAccess(system.Debug, Statistics);
        if (options.ProfileBlocks) _profile = new(ReferenceEqualityComparer.Instance);
        WriteNzcv(0);
    }

    /// <inheritdoc/>
    public override string Name => "interpreter";

    /// <inheritdoc/>
    public override Span<byte> Ram => _memory.Ram;

    /// <inheritdoc/>
    public override Span<byte> RegisterFile => _state;

    /// <inheritdoc/>
    public override ulong CounterFrequency => (ulong)Stopwatch.Frequency;

    /// <inheritdoc/>
    public override uint ReadNzcv() => (uint)BinaryPrimitives.ReadUInt64LittleEndian(_state.AsSpan(Layout.FlagsOffset)) & 0xF000_0000;

    /// <inheritdoc/>
    public override void WriteNzcv(uint nzcv) => BinaryPrimitives.WriteUInt64LittleEndian(_state.AsSpan(Layout.FlagsOffset), nzcv & 0xF000_0000);

    /// <inheritdoc/>
    public override void Cancel()
    {
        _cancel = true;
        WakeWaiters();
    }

    /// <inheritdoc/>
    public override ulong ReadCounter() => (ulong)(Stopwatch.GetTimestamp() - _counterStart);

    /// <inheritdoc/>
    protected override RunResult RunCore()
    {
        var wall = Stopwatch.StartNew();
        Statistics.StartRun();
        long instructions = 0, blocks = 0;
        try
        {
            return Loop(ref instructions, ref blocks);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Statistics.CountFault("internal-error");
            ulong pc = BinaryPrimitives.ReadUInt64LittleEndian(_state.AsSpan(Layout.PcOffset));
            return new RunResult(StopReason.Error, $"Internal error at {DescribeInstruction(pc)}: {e}");
        }
        finally
        {
            Statistics.EndRun();
            Statistics.InstructionsExecuted = instructions;
            Statistics.BlocksExecuted = blocks;
            Statistics.WallTime = wall.Elapsed;
            Statistics.TlbWalks = _virtual?.Walks ?? 0;
            if (_profile is not null)
                Statistics.BlockProfile = [.. _profile.Select(kv => new BlockProfileEntry(kv.Key.GuestAddress, kv.Key.GuestInstructionCount, kv.Value))];
        }
    }

    private RunResult Loop(ref long instructions, ref long blocks)
    {
        {
            while (true)
            {
                if (_cancel) { _cancel = false; ResetWaiters(); return new RunResult(StopReason.Cancelled, null); }
                ApplyDeviceWrites(); // between blocks: code that devices overwrote goes
                ulong pc = BinaryPrimitives.ReadUInt64LittleEndian(_state.AsSpan(Layout.PcOffset));
                if (InterruptTakeable(_state))
                {
                    // An interrupt at the block boundary, as translated code takes it at block entry.
                    Statistics.CountRequest("interrupt");
                    var taken = Machine.HandleTrap(new GuestTrap(IrTrapKind.Interrupt, pc, pc, 0, 0), new GuestRegisters(_state));
                    if (taken.Stop) return new RunResult(taken.Reason, taken.Message);
                    BinaryPrimitives.WriteUInt64LittleEndian(_state.AsSpan(Layout.PcOffset), taken.NextPc);
                    continue;
                }
                int mode = CurrentMode(_state);
                // An unaligned PC has no key (and no instruction: the fetch fails); it is never cached.
                ulong key = (pc & 3) == 0 ? IrBlock.KeyOf(pc, mode) : ulong.MaxValue;
                ulong context = CurrentContext(_state);
                IGuestMemoryAccess memory = _access;
                IInstructionFetcher fetcher = _access;
                if (_virtual is not null && Machine.Mmu!.IsEnabled(context))
                {
                    _virtual.Mode = mode;
                    memory = _virtual;
                    fetcher = _virtual;
                }
                if (_watched is not null && Machine.Debug!.WatchesAccesses(context)) memory = _watched.For(memory, mode);
                if (key == ulong.MaxValue || !_blocks.TryGetValue(key, out var block))
                {
                    long t0 = Stopwatch.GetTimestamp();
                    block = new IrBlock();
                    block.Reset(pc, mode, context);
                    Machine.FrontEnd.LowerBlock(pc, fetcher, block, Options.MaxBlockInstructions);
                    // A block that could not fetch its first instruction is not kept: the guest may map the page next.
                    if (key != ulong.MaxValue && block.GuestInstructionCount > 0) _blocks[key] = block;
                    Statistics.CountTranslation(1, block.GuestInstructionCount, Stopwatch.GetTimestamp() - t0, 0);
                }
                BlockOutcome outcome;
                try
                {
                    outcome = _interpreter.Execute(block, _state, memory);
                }
                catch (GuestMemoryFault fault)
                {
                    Statistics.CountFault("guest-memory");
                    return new RunResult(StopReason.Error, $"{fault.Message} in the block at {DescribeInstruction(pc)}");
                }
                catch (GuestAbortException abort)
                {
                    // A precise abort: the instructions before the access are complete, the access's own is not.
                    Statistics.CountRequest("trap:memoryabort");
                    ulong at = _interpreter.AccessPc;
                    BinaryPrimitives.WriteUInt64LittleEndian(_state.AsSpan(Layout.PcOffset), at);
                    var abortResult = Machine.HandleTrap(new GuestTrap(IrTrapKind.MemoryAbort, at, at, abort.FaultInfo, abort.VirtualAddress), new GuestRegisters(_state));
                    if (abortResult.Stop) return new RunResult(abortResult.Reason, abortResult.Message);
                    BinaryPrimitives.WriteUInt64LittleEndian(_state.AsSpan(Layout.PcOffset), abortResult.NextPc);
                    continue;
                }
                blocks++;
                instructions += block.GuestInstructionCount;
                if (_profile is not null) CollectionsMarshal.GetValueRefOrAddDefault(_profile, block, out _)++;
                if (outcome.Trap == IrTrapKind.None)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(_state.AsSpan(Layout.PcOffset), outcome.NextPc);
                    continue;
                }
                Statistics.CountRequest("trap:" + outcome.Trap.ToString().ToLowerInvariant());
                BinaryPrimitives.WriteUInt64LittleEndian(_state.AsSpan(Layout.PcOffset), outcome.NextPc);
                var trap = new GuestTrap(outcome.Trap, outcome.TrapPc, outcome.NextPc, outcome.TrapInfo, outcome.TrapValue);
                var result = Machine.HandleTrap(trap, new GuestRegisters(_state));
                if (result.Stop) return new RunResult(result.Reason, result.Message);
                if (result.Wait) WaitForInterrupt();
                BinaryPrimitives.WriteUInt64LittleEndian(_state.AsSpan(Layout.PcOffset), result.NextPc);
            }
        }
    }

    /// <summary>Drops every lowered block (after the guest changed code).</summary>
    public void InvalidateAll() => _blocks.Clear();

    /// <inheritdoc/>
    public override void InvalidateTranslations()
    {
        _blocks.Clear();
        _virtual?.ForgetCodePages();
    }

    /// <inheritdoc/>
    private protected override VirtualMemoryAccess? GuestMmuAccess => _virtual;

    /// <inheritdoc/>
    public override void InvalidateTranslationsOfMode(int mode)
    {
        foreach (var key in _blocks.Keys)
            if (IrBlock.ModeOf(key) == mode) _blocks.Remove(key);
    }

    /// <inheritdoc/>
    public override void InvalidateTranslations(ulong first, ulong last)
    {
        foreach (var key in _blocks.Keys)
            if (IrBlock.AddressOf(key) - first <= last - first) _blocks.Remove(key);
    }

    /// <inheritdoc/>
    public override void FlushTlb() => _virtual?.Flush();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        DetachPhysicalMemory();
        if (disposing) _memory.Dispose();
    }

}

/// <summary>The guest accessed a physical address where there is neither RAM nor a device.</summary>
public sealed class GuestMemoryFault : Exception
{
    /// <summary>Creates the fault.</summary>
    public GuestMemoryFault(ulong address, int size, bool write)
        : base($"guest {(write ? "write to" : "read from")} unmapped physical address 0x{address:x} ({size} bytes)")
    {
        Address = address; Size = size; IsWrite = write;
    }

    /// <summary>The address.</summary>
    public ulong Address { get; }

    /// <summary>Access size in bytes.</summary>
    public int Size { get; }

    /// <summary>True for a write.</summary>
    public bool IsWrite { get; }
}

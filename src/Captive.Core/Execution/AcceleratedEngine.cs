using System.Buffers.Binary;
using System.Diagnostics;
using Captive.Core.Backends;
using Captive.Core.Devices;
using Captive.Core.IR;
using Captive.Core.Memory;
using Captive.Core.Runtime;
using Captive.Core.Translation;

namespace Captive.Core.Execution;

/// <summary>
/// An optional capability of a vCPU: the frequency of the time-stamp counter the VM reads with
/// <c>rdtsc</c> (the guest's CNTVCT is derived from it).
/// </summary>
public interface ITimestampCounterInfo
{
    /// <summary>TSC frequency in Hz.</summary>
    ulong TscFrequency { get; }
}

/// <summary>
/// Runs guest code translated to x86-64 inside a hardware VM (ARCHITECTURE §3). The translated
/// blocks, the dispatcher and the channel run at CPL3 in the VM; the host answers channel
/// requests (translate, traps) from a service thread while the vCPU polls, and the vCPU leaves
/// the VM only through the exit page: to ring the doorbell when the service thread sleeps, to stop,
/// for MMIO to devices, or after an x86 exception.
/// </summary>
public sealed unsafe partial class AcceleratedEngine : ExecutionEngine
{
    /// <summary>How long the service thread polls after its last request before it sleeps.</summary>
    public static readonly TimeSpan ServiceIdleSpin = TimeSpan.FromMilliseconds(2);

    private readonly ICpuBackend _backend;
    private readonly IAcceleratedVm _vm;
    private readonly IdentityMemoryVirtualizer _memory;
    private readonly PhysicalMemoryAccess _access;
    private readonly VirtualMemoryAccess? _virtual; // host-side accesses with the guest MMU on
    private readonly Interpreter.IrInterpreter _interpreter;
    private readonly WatchedMemoryAccess? _watched;
    private readonly Dictionary<ulong, IrBlock> _interpreted = new();
    private readonly long _started0 = Stopwatch.GetTimestamp();
    private readonly IVmMemoryBlock _runtime;
    private readonly IVirtualCpu _vcpu;
    private readonly byte* _area;              // vCPU 0's area: register file, then control block
    private readonly CodeCache _cache;
    private readonly BlockTranslator _translator;
    private readonly RuntimeCode _code;
    private readonly ulong _counterFrequency;
    private readonly int _counterShift;
    private readonly ManualResetEventSlim _wake = new(false);
    private volatile bool _serviceStop;
    private RunResult? _stopResult;
    private bool _started;
    private bool _disposed;

    /// <summary>Creates the VM, maps RAM and the runtime, and prepares vCPU 0 to enter the dispatcher.</summary>
    public AcceleratedEngine(ICpuBackend backend, IGuestSystem system, EngineOptions options) : base(system, options)
    {
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        if (Layout.Size > VmLayout.RegisterFileSize)
            throw new ArgumentException("The guest register file does not fit the vCPU area.", nameof(system));

        _vm = backend.CreateVirtualMachine();
        try
        {
            _runtime = _vm.AllocateMemory(VmLayout.RuntimeVmPhysicalBase, VmLayout.RuntimeRegionSize);
            byte* rt = (byte*)_runtime.HostAddress;
            _area = rt + VmLayout.VcpuAreaOffset(0);

            _code = RuntimeCode.Generate(VmLayout.RuntimeVirtualBase + VmLayout.RuntimeCodeOffset, rt + VmLayout.RuntimeCodeOffset,
                (int)VmLayout.RuntimeCodeSize, VmLayout.RuntimeVirtualBase + VmLayout.LookupTableOffset, VmLayout.LookupEntries, Layout.PcOffset,
                Layout.FpsrOffset, Layout.ModeOffset, Layout.FaultInfoOffset, Layout.FaultAddressOffset);
            X86SystemTables.Write(new Span<byte>(rt, (int)VmLayout.SystemTablesSize), _code.Stubs,
                VmLayout.VcpuAreaVirtual(0) + VmLayout.Cpl0StackTop);
            var tables = BuildPageTables(rt);
            _memory = new IdentityMemoryVirtualizer(_vm, tables, new GuestPhysicalAddress(options.RamBase), options.RamSize);
            AttachPhysicalMemory(_memory.RamHostAddress);
            _access = new PhysicalMemoryAccess(_memory, system.Bus, ReadCounter);
            if (system.Mmu is not null) _virtual = new VirtualMemoryAccess(_access, system.Mmu);
            _interpreter = new Interpreter.IrInterpreter(Layout);
            if (system.Debug is not null) _watched = new WatchedMemoryAccess(system.Debug, Statistics);

            _cache = new CodeCache((nint)(rt + VmLayout.CodeCacheOffset), VmLayout.RuntimeVirtualBase + VmLayout.CodeCacheOffset,
                VmLayout.CodeCacheSize, (nint)(rt + VmLayout.LookupTableOffset), VmLayout.LookupEntries,
                (nint)(rt + VmLayout.CodeLineFilterOffset), (nint)(rt + VmLayout.CodeBlockFilterOffset));
            if (_virtual is not null)
            {
                _virtual.CodeFetchedThroughBlock = _cache.MarkCodeMapping;
                _virtual.NewCodePage = NewCodePage;
            }
            var compilerOptions = new CompilerOptions(options.CountInstructions, System.Runtime.Intrinsics.X86.Lzcnt.IsSupported, options.RamBase,
                options.RamSize, UseFma: System.Runtime.Intrinsics.X86.Fma.IsSupported, MmuEnabled: system.Mmu is { } mmu ? mmu.IsEnabled : null,
                InVmMaintenance: true, CodePageSelectBit: system.Mmu?.SwitchedHalfSelectBit ?? -1);
            var entryPoints = new RuntimeEntryPoints(_code.Dispatch, _code.Channel, _code.ChannelCall, _code.TlbWalk);
            entryPoints = entryPoints with { FaultEntry = CompileFaultEntry(rt, new X86BlockCompiler(Layout, compilerOptions, entryPoints)) };
            var compiler = new X86BlockCompiler(Layout, compilerOptions, entryPoints);

            _translator = new BlockTranslator(system.FrontEnd, compiler, _cache, _access, Statistics, options.MaxBlockInstructions, options.TranslationLog, Logger, options.InterpretAllBlocks,
                context => system.Debug?.WatchesAccesses(context) == true && system.Mmu?.IsEnabled(context) != true);
            if (compilerOptions.CodePageSelectBit >= 0 && _virtual is not null)
            {
                _compilerChecksPages = compiler;
                _translator.CodeEpoch = () => Control<ulong>(ControlBlock.CodeEpoch);
                _keepUnmapped = KeepUnmapped;
            }

            _vcpu = _vm.CreateVirtualCpu(0);
            _vcpu.SetSpecialRegisters(X86SystemTables.LongModeUser(_vcpu.GetSpecialRegisters(), tables.Root));
            _vcpu.SetRegisters(new X86Registers
            {
                Rip = _code.Entry,
                Rsp = VmLayout.VcpuAreaVirtual(0) + VmLayout.Cpl3StackTop,
                R15 = VmLayout.VcpuAreaVirtual(0) + VmLayout.RegisterFileOffset,
                Rflags = 0x2,
            });

            ulong tsc = (_vcpu as ITimestampCounterInfo)?.TscFrequency ?? 0;
            if (tsc == 0) tsc = 1_000_000_000; // unknown: the guest still sees a monotonic counter
            while ((tsc >> _counterShift) > uint.MaxValue) _counterShift++;
            _counterFrequency = tsc >> _counterShift;
            Control<ulong>(ControlBlock.CounterShift) = (ulong)_counterShift;
            ClearVmTlb();
            ClearDeviceReadTable();
            ForgetAddressSpaces();
            ResetCodePages();
            Control<uint>(ControlBlock.ServiceState) = 1;
            WriteNzcv(0);
        }
        catch
        {
            _vm.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Compiles the front end's fault entry (<see cref="IGuestFrontEnd.LowerFaultEntry"/>) after the runtime code, where
    /// code-cache flushes do not reach it; returns its address, or 0 when the front end has none or the layout lacks the
    /// fault slots (then the in-VM walker leaves every fault to the host).
    /// </summary>
    private ulong CompileFaultEntry(byte* rt, X86BlockCompiler compiler)
    {
        if (Layout.FaultInfoOffset < 0 || Layout.FaultAddressOffset < 0) return 0;
        var block = new IrBlock();
        block.Reset(0);
        if (!Machine.FrontEnd.LowerFaultEntry(block) || !compiler.CanCompile(block)) return 0;
        int offset = (_code.Size + 63) & ~63;
        ulong rip = VmLayout.RuntimeVirtualBase + VmLayout.RuntimeCodeOffset + (ulong)offset;
        var writer = new SpanCodeWriter(rt + VmLayout.RuntimeCodeOffset + offset, (int)VmLayout.RuntimeCodeSize - offset);
        compiler.CompileRuntimeEntry(block, rip, writer);
        return rip;
    }

    private X86PageTables BuildPageTables(byte* rt)
    {
        var pt = new X86PageTables((nint)(rt + VmLayout.PageTablesOffset), VmLayout.RuntimeVmPhysicalBase + VmLayout.PageTablesOffset, VmLayout.PageTablesSize);
        const PageFlags data = PageFlags.User | PageFlags.Writable | PageFlags.NoExecute;
        // The guest window is the memory virtualizer's; this maps the runtime.
        void Runtime(ulong offset, ulong size, PageFlags flags) =>
            pt.Map(VmLayout.RuntimeVirtualBase + offset, VmLayout.RuntimeVmPhysicalBase + offset, size, flags);
        Runtime(0, VmLayout.SystemTablesSize, PageFlags.Writable | PageFlags.NoExecute);
        Runtime(VmLayout.VcpuAreasOffset, (ulong)VmLayout.MaxVcpus * VmLayout.VcpuAreaSize, data);
        Runtime(VmLayout.RuntimeCodeOffset, VmLayout.RuntimeCodeSize, PageFlags.User);
        Runtime(VmLayout.LookupTableOffset, (ulong)VmLayout.LookupEntries * 16, PageFlags.User | PageFlags.NoExecute);
        Runtime(VmLayout.CodeLineFilterOffset, (ulong)CodeCache.LineFilterBytes, PageFlags.User | PageFlags.NoExecute);
        Runtime(VmLayout.CodeBlockFilterOffset, 0x1000, PageFlags.User | PageFlags.NoExecute);
        Runtime(VmLayout.CodeCacheOffset, VmLayout.CodeCacheSize, PageFlags.User);
        Runtime(VmLayout.PageTablesOffset, VmLayout.PageTablesSize, PageFlags.Writable | PageFlags.NoExecute);
        Runtime(VmLayout.ExitPageOffset, 0x1000, data);
        return pt;
    }

    private ref T Control<T>(int offset) where T : unmanaged => ref *(T*)(_area + offset);

    /// <inheritdoc/>
    public override string Name => _backend.Name;

    /// <inheritdoc/>
    public override Span<byte> Ram => _memory.Ram;

    /// <summary>The memory virtualizer (guest RAM and its mapping in the VM).</summary>
    public IMemoryVirtualizer Memory => _memory;

    /// <inheritdoc/>
    public override Span<byte> RegisterFile => new(_area, Layout.Size);

    /// <inheritdoc/>
    public override ulong CounterFrequency => _counterFrequency;

    /// <summary>Code-cache flushes so far.</summary>
    public int CodeCacheFlushes => _cache.Flushes;

    /// <inheritdoc/>
    public override uint ReadNzcv()
    {
        ushort f = *(ushort*)(_area + Layout.FlagsOffset);
        uint n = (uint)(f >> 15) & 1, z = (uint)(f >> 14) & 1, c = ((uint)(f >> 8) & 1) ^ 1, v = (uint)f & 1;
        return n << 31 | z << 30 | c << 29 | v << 28;
    }

    /// <inheritdoc/>
    public override void WriteNzcv(uint nzcv)
    {
        uint n = nzcv >> 31 & 1, z = nzcv >> 30 & 1, c = nzcv >> 29 & 1, v = nzcv >> 28 & 1;
        *(ulong*)(_area + Layout.FlagsOffset) = (ulong)(n << 15 | z << 14 | (c ^ 1) << 8 | 0x200 | v);
    }

    /// <inheritdoc/>
    public override void Cancel()
    {
        _vcpu.Cancel();
        WakeWaiters();
    }

    /// <inheritdoc/>
    protected override RunResult RunCore()
    {
        if (_started) throw new InvalidOperationException("This engine has already run; create a new machine to run again.");
        _started = true;
        var wall = Stopwatch.StartNew();
        Statistics.StartRun();
        _serviceStop = false;
        SetUpDeviceMirrors();
        _vcpuThreadId = Environment.CurrentManagedThreadId;
        var service = new Thread(ServiceLoop) { IsBackground = true, Name = "captive-service" };
        service.Start();
        try
        {
            return RunLoop();
        }
        finally
        {
            _serviceStop = true;
            _wake.Set();
            service.Join();
            Statistics.EndRun();
            Statistics.WallTime = wall.Elapsed;
            Statistics.TlbWalks = (long)Control<ulong>(ControlBlock.WalkRefills);
            Statistics.AbortsInVm = (long)Control<ulong>(ControlBlock.WalkFaults);
            Statistics.TlbMaintenanceInVm = (long)Control<ulong>(ControlBlock.TlbMaintenanceInVm);
            Statistics.CodePageChecksInVm = (long)Control<ulong>(ControlBlock.CodePageChecks);
            Statistics.CodeMaintenanceInVm = (long)Control<ulong>(ControlBlock.CodeMaintenanceInVm);
            Statistics.AddressSpaceSwitchesInVm = (long)Control<ulong>(ControlBlock.SpaceSwitchesInVm);
            if (Options.CountInstructions)
            {
                Statistics.InstructionsExecuted = (long)Control<ulong>(ControlBlock.InstructionsExecuted);
                Statistics.BlocksExecuted = (long)Control<ulong>(ControlBlock.BlocksExecuted);
            }
            else
            {
                Statistics.InstructionsExecuted = -1;
                Statistics.BlocksExecuted = -1;
            }
        }
    }

    private RunResult RunLoop()
    {
        var bus = Machine.Bus as DeviceBus;
        while (true)
        {
            var exit = _vcpu.Run();
            switch (exit.Kind)
            {
                case VcpuExitKind.MmioWrite when exit.Address >> 12 == VmLayout.ExitPagePhysical >> 12:
                {
                    var reason = (ExitReason)Volatile.Read(ref Control<uint>(ControlBlock.ExitReason));
                    switch (reason)
                    {
                        case ExitReason.Doorbell:
                            Statistics.CountExit("doorbell");
                            AnswerOnVcpuThread();
                            continue;
                        case ExitReason.Stop:
                            Statistics.CountExit("stop");
                            return _stopResult ?? new RunResult(StopReason.Error, "The vCPU stopped without a reason.");
                        case ExitReason.Wait:
                            Statistics.CountExit("wfi");
                            WaitForInterrupt();
                            continue;
                        case ExitReason.X86Exception:
                            Statistics.CountExit("x86-exception");
                            return X86ExceptionResult();
                        default:
                            Statistics.CountExit("exit-page?");
                            return new RunResult(StopReason.Error, $"Exit page written with unknown reason {(uint)reason}.");
                    }
                }
                case VcpuExitKind.MmioRead:
                case VcpuExitKind.MmioWrite:
                {
                    bool write = exit.Kind == VcpuExitKind.MmioWrite;
                    var pa = new GuestPhysicalAddress(exit.Address);
                    string device = bus is not null && bus.TryFind(pa, out var m) ? m.Device.Name : "unmapped";
                    Statistics.CountExit((write ? "mmio-write:" : "mmio-read:") + device);
                    bool ok = write ? Machine.Bus.TryWrite(pa, exit.Data) : Machine.Bus.TryRead(pa, exit.Data);
                    if (!ok)
                    {
                        Statistics.CountFault("guest-memory");
                        return new RunResult(StopReason.Error,
                            $"guest {(write ? "write to" : "read from")} unmapped physical address 0x{exit.Address:x} ({exit.Data.Length} bytes){BlockContext()}");
                    }
                    continue;
                }
                case VcpuExitKind.Cancelled:
                    Statistics.CountExit("cancelled");
                    return new RunResult(StopReason.Cancelled, null);
                default:
                    Statistics.CountExit(exit.Kind.ToString().ToLowerInvariant());
                    return new RunResult(StopReason.Error, $"Unexpected VM exit: {exit.ToString()}{BlockContext()}");
            }
        }
    }

    private string BlockContext()
    {
        var regs = _vcpu.GetRegisters();
        ulong? pc = _cache.GuestPcAt(regs.Rip);
        return pc is { } p ? $" in the block at {DescribeInstruction(p)}" : $" (x86 RIP 0x{regs.Rip:x})";
    }

    private RunResult X86ExceptionResult()
    {
        ulong vector = Control<ulong>(ControlBlock.ExceptionVector);
        ulong error = Control<ulong>(ControlBlock.ExceptionError);
        ulong rip = Control<ulong>(ControlBlock.ExceptionRip);
        ulong cr2 = Control<ulong>(ControlBlock.ExceptionCr2);
        Statistics.CountFault($"x86-vector-{vector}");
        ulong? pc = _cache.GuestPcAt(rip);
        string where = pc is { } p ? $"in the block at {DescribeInstruction(p)}" : $"at x86 RIP 0x{rip:x} (runtime code)";
        string what = vector == 14
            ? $"the guest accessed unmapped address 0x{cr2:x} (x86 page fault, error code 0x{error:x})"
            : $"x86 exception {vector} (error code 0x{error:x})";
        return new RunResult(StopReason.Error, $"{what} {where}");
    }

    // ───────────────────────── the channel, host side ─────────────────────────

    private bool Pending(out uint seq)
    {
        seq = Volatile.Read(ref Control<uint>(ControlBlock.RequestSequence));
        return seq != Volatile.Read(ref Control<uint>(ControlBlock.ResponseSequence));
    }

    private bool TryClaim(uint seq)
    {
        ref uint claim = ref Control<uint>(ControlBlock.RequestClaim);
        uint current = Volatile.Read(ref claim);
        return current != seq && Interlocked.CompareExchange(ref claim, seq, current) == current;
    }

    private void ServiceLoop()
    {
        long lastWork = Stopwatch.GetTimestamp();
        ref uint state = ref Control<uint>(ControlBlock.ServiceState);
        while (!_serviceStop)
        {
            if (Pending(out uint seq))
            {
                if (TryClaim(seq)) Answer(seq);
                lastWork = Stopwatch.GetTimestamp();
                continue;
            }
            if (Stopwatch.GetElapsedTime(lastWork) < ServiceIdleSpin)
            {
                Thread.SpinWait(32);
                continue;
            }
            // Sleep. Announce it first, then look once more: a request posted before the vCPU saw
            // the announcement is ours to answer; one posted after it rings the doorbell.
            Volatile.Write(ref state, 0);
            Interlocked.MemoryBarrier();
            if (Pending(out _)) { Volatile.Write(ref state, 1); continue; }
            _wake.Wait();
            _wake.Reset();
            Volatile.Write(ref state, 1);
            lastWork = Stopwatch.GetTimestamp();
        }
    }

    private void AnswerOnVcpuThread()
    {
        if (Pending(out uint seq))
        {
            if (TryClaim(seq)) Answer(seq);
            else
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref Control<uint>(ControlBlock.ResponseSequence)) != seq) spin.SpinOnce();
            }
        }
        _wake.Set(); // requests come in bursts: have the service thread poll for the next ones
    }

    private void Answer(uint seq)
    {
        var kind = (ChannelRequest)Control<uint>(ControlBlock.RequestKind);
        ChannelAction action;
        try
        {
            // The vCPU waits for this answer, so translations may be dropped now: code that devices overwrote goes.
            ApplyDeviceWrites();
            action = kind switch
            {
                ChannelRequest.Translate => Translate(),
                ChannelRequest.Trap => HandleTrap(),
                ChannelRequest.Interpret => Interpret(),
                ChannelRequest.DeviceAccess => DeviceAccess(),
                ChannelRequest.FpOp => FpOp(),
                ChannelRequest.MemoryAccess => MemoryAccess(),
                ChannelRequest.Interrupt => TakeInterrupt(),
                _ => Stop(StopReason.Error, $"Unknown channel request {(uint)kind}.", "unknown"),
            };
        }
        catch (Exception e)
        {
            action = Stop(StopReason.Error, $"Internal error while answering a {kind} request: {e}", "internal-error");
        }
        Control<uint>(ControlBlock.ResponseAction) = (uint)action;
        Volatile.Write(ref Control<uint>(ControlBlock.ResponseSequence), seq);
    }

    private ChannelAction Stop(StopReason reason, string? message, string? fault = null)
    {
        if (fault is not null) Statistics.CountFault(fault);
        _stopResult = new RunResult(reason, message);
        return ChannelAction.Stop;
    }

    /// <summary>
    /// Runs one block with the IR interpreter on the vCPU's own register file. The flags slot holds
    /// NZCV in the translated code's x86 form; the interpreter wants ARM form, so it is converted on
    /// the way in and out.
    /// </summary>
    private ChannelAction Interpret()
    {
        uint reason = Control<uint>(ControlBlock.Arg0);
        Statistics.CountRequest(InterpretReasons[Math.Min(reason, (uint)InterpretReasons.Length - 1)]);
        return InterpretCurrentBlock();
    }

    /// <summary>Runs the block at the guest's PC with the host's IR interpreter (an unaligned PC's block is never cached: it has no key).</summary>
    private ChannelAction InterpretCurrentBlock()
    {
        var regs = new GuestRegisters(RegisterFile);
        ulong pc = regs.Read(Layout.PcOffset);
        int mode = CurrentMode(RegisterFile);
        bool aligned = (pc & 3) == 0;
        if (InterruptTakeable(RegisterFile)) return TakeInterrupt(); // the block's entry, as translated code checks it
        ulong key = IrBlock.KeyOf(pc, mode);
        ulong context = CurrentContext(RegisterFile);
        // An interpret stub has no code page check of its own: the block it stands for may be another space's code.
        // Not mapped now: IR kept from when it was (KeepUnmapped) must not run; lowering it afresh takes the abort.
        bool mapped = !(aligned && _compilerChecksPages is { } checks && checks.ChecksCodePageAt(pc, context)) || CheckCodePages(pc, mode);
        var (memory, fetcher) = AccessFor(context, mode);
        if (!aligned || !mapped || !_interpreted.TryGetValue(key, out var block))
        {
            block = new IrBlock();
            block.Reset(pc, mode, context);
            Machine.FrontEnd.LowerBlock(pc, fetcher, block, Options.MaxBlockInstructions);
            // A block that could not fetch its first instruction is not kept: the guest may map the page next.
            if (aligned && block.GuestInstructionCount > 0) _interpreted[key] = block;
        }
        // The IR kept for this block is a translation too: instruction cache maintenance of its lines must reach the host
        // (noted at every run, as a full code cache's flush clears the filter).
        if (aligned) _cache.MarkCode(pc, pc + 4 * (ulong)Math.Max(block.GuestInstructionCount, 1) - 1);
        regs.Write(Layout.FlagsOffset, ReadNzcv());
        Interpreter.BlockOutcome outcome;
        ulong abortAddress = 0, abortInfo = 0;
        bool aborted = false;
        try
        {
            outcome = _interpreter.Execute(block, RegisterFile, memory);
        }
        catch (GuestMemoryFault fault)
        {
            return Stop(StopReason.Error, $"{fault.Message} in the block at {DescribeInstruction(pc)}", "guest-memory");
        }
        catch (GuestAbortException abort)
        {
            outcome = default;
            aborted = true;
            abortAddress = abort.VirtualAddress;
            abortInfo = abort.FaultInfo;
        }
        finally
        {
            WriteNzcv((uint)regs.Read(Layout.FlagsOffset) & 0xF000_0000);
        }
        if (aborted)
        {
            // A precise abort: the instructions before the access are complete, the access's own is not.
            Statistics.CountRequest("trap:memoryabort");
            ulong at = _interpreter.AccessPc;
            regs.Write(Layout.PcOffset, at);
            return Dispatch(new GuestTrap(IrTrapKind.MemoryAbort, at, at, abortInfo, abortAddress));
        }
        if (Options.CountInstructions)
        {
            Control<ulong>(ControlBlock.InstructionsExecuted) += (ulong)block.GuestInstructionCount;
            Control<ulong>(ControlBlock.BlocksExecuted) += 1;
        }
        regs.Write(Layout.PcOffset, outcome.NextPc);
        if (outcome.Trap == IrTrapKind.None) return ChannelAction.Continue;
        Statistics.CountRequest("trap:" + outcome.Trap.ToString().ToLowerInvariant());
        return Dispatch(new GuestTrap(outcome.Trap, outcome.TrapPc, outcome.NextPc, outcome.TrapInfo, outcome.TrapValue));
    }

    /// <summary>A guest load or store outside RAM, from translated code: answered from the device bus, no exit.</summary>
    private ChannelAction DeviceAccess()
    {
        ulong address = Control<ulong>(ControlBlock.Arg0);
        uint info = Control<uint>(ControlBlock.Arg2);
        int size = (int)(info & 0xFF);
        bool write = (info & 0x100) != 0;
        var pa = new GuestPhysicalAddress(address);
        string device = Machine.Bus is DeviceBus bus && bus.TryFind(pa, out var m) ? m.Device.Name : "unmapped";
        Statistics.CountRequest((write ? "mmio-write:" : "mmio-read:") + device);
        Span<byte> data = stackalloc byte[8];
        data.Clear();
        bool ok;
        if (write)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(data, Control<ulong>(ControlBlock.Arg1));
            ok = Machine.Bus.TryWrite(pa, data[..size]);
        }
        else
        {
            ok = Machine.Bus.TryRead(pa, data[..size]);
            Control<ulong>(ControlBlock.Arg1) = BinaryPrimitives.ReadUInt64LittleEndian(data);
        }
        RefreshMirrorAt(address);
        if (ok) return ChannelAction.Continue;
        return Stop(StopReason.Error, $"guest {(write ? "write to" : "read from")} unmapped physical address 0x{address:x} ({size} bytes){BlockContextFromStack()}", "guest-memory");
    }

    private static readonly string[] FpOpReasons = BuildFpOpReasons();

    /// <summary>"interpret:" and why the block is interpreted: its first op without code generation, "fpcr" (the FPCR guard), …</summary>
    private static readonly string[] InterpretReasons =
        Enumerable.Range(0, X86BlockCompiler.ReasonFpcrGuard + 2).Select(r => "interpret:" + X86BlockCompiler.ReasonName(r)).ToArray();

    private static string[] BuildFpOpReasons()
    {
        var names = new string[256];
        for (int op = 0; op < names.Length; op++) names[op] = "fp-exact:" + ((IrOpcode)op).ToString().ToLowerInvariant();
        return names;
    }

    /// <summary>
    /// The exact path of a translated scalar FP operation: <see cref="Interpreter.ArmFloat"/> computes the ARM result and
    /// exceptions (the SSE fast path met a NaN, a tiny or infinite result, or an out-of-range conversion). No exit.
    /// </summary>
    private ChannelAction FpOp()
    {
        ulong desc = Control<ulong>(ControlBlock.Arg0);
        var op = (IrOpcode)(byte)desc;
        Statistics.CountRequest(FpOpReasons[(byte)desc]);
        var regs = new GuestRegisters(RegisterFile);
        uint fpcr = Layout.FpcrOffset >= 0 ? (uint)regs.Read(Layout.FpcrOffset) : 0;
        var exceptions = Interpreter.FpExceptions.None;
        if (op >= IrOpcode.VecFpAdd)
        {
            VectorFpOp(op, (long)(desc >> 32), fpcr, ref exceptions);
            if (exceptions != Interpreter.FpExceptions.None && Layout.FpsrOffset >= 0)
                regs.Write(Layout.FpsrOffset, regs.Read(Layout.FpsrOffset) | (uint)exceptions);
            return ChannelAction.Continue;
        }
        ulong result = Interpreter.IrInterpreter.EvaluateFloatingPoint(op, (int)((desc >> 8) & 0xFF), (long)(desc >> 32),
            Control<ulong>(ControlBlock.Arg1), Control<ulong>(ControlBlock.Arg2), Control<ulong>(ControlBlock.Arg3), fpcr, ref exceptions);
        if (exceptions != Interpreter.FpExceptions.None && Layout.FpsrOffset >= 0)
            regs.Write(Layout.FpsrOffset, regs.Read(Layout.FpsrOffset) | (uint)exceptions);
        Control<ulong>(ControlBlock.Arg1) = result;
        return ChannelAction.Continue;
    }

    /// <summary>The exact path of a vector FP op: lane by lane through the scalar ARM semantics, zero above the data size.</summary>
    private void VectorFpOp(IrOpcode op, long imm, uint fpcr, ref Interpreter.FpExceptions exceptions)
    {
        bool conversion = op is IrOpcode.VecFpToInt or IrOpcode.VecIntToFp;
        int es = conversion ? IrFp.SourceSize(imm) : IrVec.ElementSize(imm), ds = conversion ? IrFp.DataSize(imm) : IrVec.DataSize(imm);
        var scalar = op switch
        {
            IrOpcode.VecFpAdd => IrOpcode.FpAdd, IrOpcode.VecFpSub => IrOpcode.FpSub, IrOpcode.VecFpMul => IrOpcode.FpMul,
            IrOpcode.VecFpDiv => IrOpcode.FpDiv, IrOpcode.VecFpSqrt => IrOpcode.FpSqrt, IrOpcode.VecFpMulAdd => IrOpcode.FpMulAdd,
            IrOpcode.VecFpCmpEq or IrOpcode.VecFpCmpGe or IrOpcode.VecFpCmpGt => IrOpcode.FpCompare,
            IrOpcode.VecFpToInt => IrOpcode.FpToInt, IrOpcode.VecIntToFp => IrOpcode.IntToFp,
            _ => throw new InvalidOperationException($"No exact path for {op}."),
        };
        // The scalar op's immediate: the conversions share the vector's IrFp fields; a compare wants format | signalling.
        long scalarImm = conversion ? imm : scalar == IrOpcode.FpCompare ? es | (op == IrOpcode.VecFpCmpEq ? 0 : 0x100) : 0;
        Span<byte> result = stackalloc byte[16];
        result.Clear();
        ulong mask = es == 8 ? ulong.MaxValue : (1UL << (es * 8)) - 1;
        for (int k = 0; k < ds / es; k++)
        {
            ulong Lane(int vector) => BinaryPrimitives.ReadUInt64LittleEndian(
                new ReadOnlySpan<byte>(_area + ControlBlock.VectorArgs + 16 * vector + k * es, 8)) & mask;
            ulong r = Interpreter.IrInterpreter.EvaluateFloatingPoint(scalar, es, scalarImm, Lane(0), Lane(1), Lane(2), fpcr, ref exceptions);
            if (scalar == IrOpcode.FpCompare)
            {
                bool z = (r & (1u << 30)) != 0, nv = ((r >> 31) & 1) == ((r >> 28) & 1);
                r = op switch { IrOpcode.VecFpCmpEq => z, IrOpcode.VecFpCmpGe => nv, _ => nv && !z } ? mask : 0;
            }
            for (int j = 0; j < es; j++) result[k * es + j] = (byte)(r >> (8 * j));
        }
        result.CopyTo(new Span<byte>(_area + ControlBlock.VectorArgs, 16));
    }

    /// <summary>The guest block of the access being answered: the channel subroutine's return address is on the CPL3 stack.</summary>
    private string BlockContextFromStack()
    {
        // The vCPU is inside ChannelCall, called from the block's out-of-line access code.
        ulong rsp = VmLayout.VcpuAreaVirtual(0) + VmLayout.Cpl3StackTop - 8;
        ulong returnAddress = *(ulong*)(_area + (rsp - VmLayout.VcpuAreaVirtual(0)));
        ulong? pc = _cache.GuestPcAt(returnAddress);
        return pc is { } p ? $" in the block at {DescribeInstruction(p)}" : "";
    }

    /// <inheritdoc/>
    public override void InvalidateTranslations()
    {
        _translator.InvalidateAll();
        _interpreted.Clear();
        _virtual?.ForgetCodePages();
    }

    /// <inheritdoc/>
    public override void InvalidateTranslationsOfMode(int mode)
    {
        _translator.InvalidateMode(mode);
        foreach (var key in _interpreted.Keys)
            if (IrBlock.ModeOf(key) == mode) _interpreted.Remove(key);
    }

    /// <inheritdoc/>
    public override void RevalidateCode()
    {
        _interpreted.Clear(); // (lowered again when next needed: these are rare)
        ulong context = CurrentContext(RegisterFile);
        _translator.RevalidateCode(mode => AccessFor(context, mode).Fetcher);
    }

    /// <inheritdoc/>
    public override void NoteAddressSpace(ulong value)
    {
        if (value == ulong.MaxValue || Control<uint>(ControlBlock.WalkEnabled) == 0) return;
        ulong walkBase = Control<ulong>(ControlBlock.WalkLower + ControlBlock.WalkHalfBase);
        for (int k = 0; k < ControlBlock.SpaceEntries; k++)
            if (Control<ulong>(ControlBlock.SpaceTable + 16 * k) == value) { Control<ulong>(ControlBlock.SpaceTable + 16 * k + 8) = walkBase; return; }
        int at = ControlBlock.SpaceTable + 16 * _nextSpace;
        _nextSpace = (_nextSpace + 1) % ControlBlock.SpaceEntries;
        Control<ulong>(at + 8) = walkBase;
        Control<ulong>(at) = value;
    }

    private int _nextSpace;

    /// <inheritdoc/>
    public override void ForgetAddressSpaces()
    {
        for (int k = 0; k < ControlBlock.SpaceEntries; k++) Control<ulong>(ControlBlock.SpaceTable + 16 * k) = ulong.MaxValue;
        _nextSpace = 0;
    }

    /// <summary>
    /// A lower-half code page was fetched from for the first time, or through a new mapping: the known spaces may map it
    /// differently, so only the current one (under which it was just translated) stays known.
    /// </summary>
    private void NewCodePage(ulong address)
    {
        if ((address >> 55 & 1) != 0 || Layout.AddressSpaceOffset < 0) return;
        if (_compilerChecksPages is not null) return; // code page checks find what other spaces map there, as it runs
        ulong current = new GuestRegisters(RegisterFile).Read(Layout.AddressSpaceOffset);
        ForgetAddressSpaces();
        NoteAddressSpace(current);
    }

    /// <inheritdoc/>
    private protected override VirtualMemoryAccess? GuestMmuAccess => _virtual;

    /// <inheritdoc/>
    public override void InvalidateTranslations(ulong first, ulong last)
    {
        _translator.Invalidate(first, last);
        ForgetInterpreted(first, last);
    }

    /// <inheritdoc/>
    public override void ParkTranslations(ulong first, ulong last)
    {
        // The frame recorded for translated code's own checks is not what the pages' translations came from any more.
        if (_compilerChecksPages is not null && last - first < 0x10_0000)
            for (ulong page = first >> 12; page <= last >> 12; page++)
            {
                int entry = VmLayout.CodePageEntry(page);
                if (Control<ulong>(entry + 8) >> 1 == VmLayout.CodePageTag(page, 0) >> 1) // (either mode)
                    Control<ulong>(entry) = Control<ulong>(entry + 8) = 0;
            }
        else if (_compilerChecksPages is not null) ClearCodePageTable();
        _translator.Park(first, last);
        ForgetInterpreted(first, last);
    }

    private void ForgetInterpreted(ulong first, ulong last)
    {
        foreach (var key in _interpreted.Keys)
            if (IrBlock.AddressOf(key) - first <= last - first) _interpreted.Remove(key);
    }

    private ChannelAction Translate()
    {
        Statistics.CountRequest("translate");
        var regs = new GuestRegisters(RegisterFile);
        ulong pc = regs.Read(Layout.PcOffset);
        if ((pc & 3) != 0)
        {
            // No key, no translation: the front end's block for it (the PC alignment fault) runs on the host.
            Statistics.CountFault("pc-alignment");
            return InterpretCurrentBlock();
        }
        int mode = CurrentMode(RegisterFile);
        ulong context = CurrentContext(RegisterFile);
        // (Before anything fetches from the page: the check compares what was fetched from it with what is mapped now.)
        if (_compilerChecksPages is { } checks && checks.ChecksCodePageAt(pc, context)) CheckCodePages(pc, mode);
        var fetcher = AccessFor(context, mode).Fetcher;
        if (!fetcher.TryFetch(pc, out _))
        {
            // Nothing to fetch (an instruction abort with the MMU on): the front end's block for it runs on the host, uncached.
            return InterpretCurrentBlock();
        }
        _translator.Translate(IrBlock.KeyOf(pc, mode), context, fetcher);
        return ChannelAction.Continue;
    }

    // ───── code page checks (VmLayout.CodePageTableOffset, X86BlockCompiler.CodePages.cs) ─────

    private X86BlockCompiler? _compilerChecksPages; // the compiler, when it emits code page checks
    private Func<ulong, bool>? _keepUnmapped;       // KeepUnmapped, when there are code page checks

    /// <summary>
    /// A switched-half page whose translations stay while it is not mapped: its code page entry is made stale (each of its
    /// blocks starts with the check, and a block of another page that runs into it checks it too), so nothing runs there
    /// before the host checks it again. False for the other half.
    /// </summary>
    private bool KeepUnmapped(ulong page)
    {
        if (Machine.Mmu is not { SwitchedHalfSelectBit: >= 0 and var bit } || (page >> bit & 1) != 0) return false;
        Control<ulong>(VmLayout.CodePageEntry(page >> 12)) = 0;
        return true;
    }

    /// <summary>Empties the code page table and starts epoch 1 (no entry, all zeros, matches a tag XOR a non-zero epoch).</summary>
    private void ResetCodePages()
    {
        ClearCodePageTable();
        Control<ulong>(ControlBlock.CodeEpoch) = 1UL << VmLayout.CodePageEpochShift;
    }

    private void ClearCodePageTable() => new Span<byte>(_area + VmLayout.CodePageTableOffset, VmLayout.CodePageEntries * VmLayout.CodePageEntrySize).Clear();

    /// <summary>
    /// Starts a new code page epoch: every page of the switched half must be checked again before its translations run
    /// (the table is emptied when the epoch would wrap).
    /// </summary>
    private void NewCodeEpoch()
    {
        ulong epoch = (Control<ulong>(ControlBlock.CodeEpoch) >> VmLayout.CodePageEpochShift) + 1;
        if (epoch >= VmLayout.CodePageEpochLimit) { ResetCodePages(); return; }
        Control<ulong>(ControlBlock.CodeEpoch) = epoch << VmLayout.CodePageEpochShift;
    }

    /// <summary>
    /// The block at <paramref name="pc"/> (mode <paramref name="mode"/>) is about to run, or be translated, in the current
    /// epoch: the translations of its page and the next (a block may run into it) are checked against what is mapped
    /// there now — those whose page maps elsewhere are parked — and each page that is mapped is marked current. Returns
    /// whether the page of <paramref name="pc"/> is mapped.
    /// </summary>
    private bool CheckCodePages(ulong pc, int mode)
    {
        bool mapped = false;
        if ((Control<ulong>(ControlBlock.CodeEpoch) >> VmLayout.CodePageEpochShift) >= VmLayout.CodePageEpochLimit)
            ResetCodePages(); // in-VM switches ran the epoch up to the wrap
        ulong reach = (ulong)Options.MaxBlockInstructions * 4;
        ulong epoch = Control<ulong>(ControlBlock.CodeEpoch);
        for (ulong page = pc & ~0xFFFUL, n = 0; n < 2; n++, page += 0x1000)
        {
            // A page not mapped now keeps its translations, unreachable while its entry is stale: if the guest maps the
            // same frame there again (the usual case: another process of the same program faults it in), they are valid.
            _virtual!.RevalidatePage(page, p => ParkTranslations(p >= reach ? p - reach : 0, p + 0xFFF), _keepUnmapped);
            var mapping = Machine.Mmu!.Translate(page, GuestAccessKind.Fetch, mode);
            if (mapping.IsFault) continue;
            int entry = VmLayout.CodePageEntry(page >> 12);
            ulong tag = VmLayout.CodePageTag(page >> 12, mode);
            Control<ulong>(entry) = tag ^ epoch;
            Control<ulong>(entry + 8) = tag;                                 // the frame its translations are valid for,
            Control<ulong>(entry + 16) = mapping.PhysicalAddress & ~0xFFFUL; // for translated code's own checks
            Statistics.CodePageChecks++;
            if (n == 0) mapped = true;
        }
        return mapped;
    }

    /// <inheritdoc/>
    private protected override Func<ulong, bool>? KeepUnmappedCode => _keepUnmapped;

    /// <inheritdoc/>
    private protected override ulong RevalidateLazily(ulong first, ulong last)
    {
        // The whole switched half at once (a context switch, TLBI by ASID): a new epoch, each page checked when it runs.
        if (_compilerChecksPages is null || Machine.Mmu is not { SwitchedHalfSelectBit: >= 0 and var bit }) return first;
        ulong halfLast = (1UL << bit) - 1;
        if (first != 0 || last < halfLast) return first;
        NewCodeEpoch();
        return halfLast + 1;
    }

    /// <summary>How host code reaches guest memory in translation context <paramref name="context"/> and mode <paramref name="mode"/>.</summary>
    private (Interpreter.IGuestMemoryAccess Memory, IInstructionFetcher Fetcher) AccessFor(ulong context, int mode)
    {
        Interpreter.IGuestMemoryAccess memory = _access;
        IInstructionFetcher fetcher = _access;
        if (_virtual is not null && Machine.Mmu!.IsEnabled(context))
        {
            SyncHostTlb();
            _virtual.Mode = mode;
            (memory, fetcher) = (_virtual, _virtual);
        }
        // Watchpoints armed: host-side accesses are checked here (with the MMU off every block runs on the host).
        if (_watched is not null && Machine.Debug!.WatchesAccesses(context)) memory = _watched.For(memory, mode);
        return (memory, fetcher);
    }

    /// <inheritdoc/>
    public override void FlushTlb()
    {
        _virtual?.Flush();
        ClearVmTlb();
        DescribeTablesForTheWalker();
    }

    /// <summary>Tells the in-VM walker (<see cref="RuntimeCode.TlbWalk"/>) the tables now in force, or turns it off.</summary>
    private void DescribeTablesForTheWalker()
    {
        Control<uint>(ControlBlock.WalkEnabled) = 0;
        Control<ulong>(ControlBlock.WalkLowerBaseMask) = 0;
        // Watchpoints armed: every TLB miss goes to the host, which keeps watched pages out of the TLB.
        if (Machine.Debug is { } debug && debug.WatchesAccesses(CurrentContext(RegisterFile))) return;
        if (Machine.Mmu is not { } mmu || !mmu.TryDescribeTables(out var walk) || walk.Format != GuestTableFormat.Vmsav8Granule4K) return;
        void Half(int at, in GuestTableHalf h)
        {
            Control<ulong>(at + ControlBlock.WalkHalfBase) = h.TableBase;
            Control<uint>(at + ControlBlock.WalkHalfLevel) = (uint)h.StartLevel;
            Control<uint>(at + ControlBlock.WalkHalfBits) = (uint)h.InputBits;
            Control<uint>(at + ControlBlock.WalkHalfTbi) = h.TopByteIgnored ? 1u : 0;
            Control<uint>(at + ControlBlock.WalkHalfEnabled) = h.Enabled && h.StartLevel is >= 0 and <= 3 && h.InputBits is > 12 and < 64 ? 1u : 0;
        }
        Half(ControlBlock.WalkLower, walk.Lower);
        Half(ControlBlock.WalkUpper, walk.Upper);
        Control<ulong>(ControlBlock.WalkRamBase) = Options.RamBase;
        Control<ulong>(ControlBlock.WalkRamLimit) = Options.RamSize - 0x1000;
        if (_compilerChecksPages is not null && Control<uint>(ControlBlock.WalkLower + ControlBlock.WalkHalfEnabled) != 0)
        {
            // The first table is aligned to its size (4 KiB granule: 9 bits a level below the start level, 12 in the page):
            // the table base register's bits from there up to 47 are the base (ARM DDI 0487 D8.2, the TTBR's BADDR).
            int lowerBound = 3 + walk.Lower.InputBits - ((3 - walk.Lower.StartLevel) * 9 + 12);
            if (lowerBound is >= 1 and < 48)
                Control<ulong>(ControlBlock.WalkLowerBaseMask) = ((1UL << 48) - 1) & ~((1UL << lowerBound) - 1);
        }
        Control<uint>(ControlBlock.WalkEnabled) = 1;
    }

    // ───────────────────────── fast device reads ─────────────────────────

    private readonly (ulong Page, IMmioReadMirror Device, Action Refresh)?[] _mirrors = new (ulong, IMmioReadMirror, Action)?[VmLayout.DeviceMirrorEntries];

    private void ClearDeviceReadTable()
    {
        for (int k = 0; k < VmLayout.DeviceMirrorEntries; k++)
            *(ulong*)(_area + (int)VmLayout.DeviceReadTableOffset + k * 2048) = 1; // matches no page
    }

    /// <summary>
    /// Enters the first page of every mapped <see cref="IMmioReadMirror"/> device in the fast device-read table (one
    /// device per entry; the entry is chosen by bits 13:12 of the page, so two devices may compete and the second one
    /// keeps asking the host) and copies its registers.
    /// </summary>
    private void SetUpDeviceMirrors()
    {
        if (Machine.Bus is not DeviceBus bus) return;
        foreach (var m in bus.Mappings)
        {
            if (m.Device is not IMmioReadMirror device || m.Size < 0x1000 || (m.Base.Value & 0xFFF) != 0) continue;
            ulong page = m.Base.Value;
            int k = (int)((page >> 12) & (VmLayout.DeviceMirrorEntries - 1));
            if (_mirrors[k] is not null) continue;
            byte* entry = _area + (int)VmLayout.DeviceReadTableOffset + k * 2048;
            new Span<byte>(entry + 16, 1024).Clear();
            foreach (int offset in device.MirroredRegisters)
                if (offset >= 0 && offset < 0x1000 && (offset & 3) == 0) entry[16 + offset / 4] = 1;
            var dev = m.Device;
            byte* copy = _area + (int)VmLayout.DeviceMirrorOffset + k * 4096;
            Action refresh = () => RefreshMirror(dev, device, copy);
            _mirrors[k] = (page, device, refresh);
            device.MirroredRegistersChanged += refresh;
            refresh();
            Volatile.Write(ref *(ulong*)entry, page);
        }
    }

    /// <summary>Copies the device's fast registers (reads without side effects) into the page translated code reads.</summary>
    private static void RefreshMirror(IMmioDevice device, IMmioReadMirror mirror, byte* copy)
    {
        Span<byte> value = stackalloc byte[4];
        foreach (int offset in mirror.MirroredRegisters)
        {
            if (offset < 0 || offset >= 0x1000 || (offset & 3) != 0) continue;
            device.Read((ulong)offset, value);
            Volatile.Write(ref *(uint*)(copy + offset), BinaryPrimitives.ReadUInt32LittleEndian(value)); // one aligned store: never torn
        }
    }

    /// <summary>
    /// A read through the MMU reached a mirrored device page: the mode's virtual device table learns the page, so that
    /// translated code reads the page's fast registers itself from now on (until the next TLB flush).
    /// </summary>
    private void NoteMirroredPage(ulong address, ulong physical, int mode)
    {
        int k = (int)((physical >> 12) & (VmLayout.DeviceMirrorEntries - 1));
        if (_mirrors[k] is not { } m || m.Page != (physical & ~0xFFFUL)) return;
        byte* entry = _area + (int)VmLayout.DeviceVirtualTableOffset + ((mode & 1) * VmLayout.DeviceMirrorEntries + (int)((address >> 12) & 3)) * 16;
        *(ulong*)(entry + 8) = (ulong)k * 2048;
        *(ulong*)entry = address & ~0xFFFUL;
    }

    /// <summary>After the host accessed a device: its copy follows whatever the access changed.</summary>
    private void RefreshMirrorAt(ulong physical)
    {
        var mirror = _mirrors[(int)((physical >> 12) & (VmLayout.DeviceMirrorEntries - 1))];
        if (mirror is { } m && m.Page == (physical & ~0xFFFUL)) m.Refresh();
    }

    /// <summary>Empties the in-VM software TLB: tag 1 matches no access (the compared value is page-aligned).</summary>
    private ulong _tlbGenerationSeen;

    /// <summary>
    /// Empties the host's TLB when translated code has carried out TLB maintenance by itself since the host last looked
    /// (<see cref="ControlBlock.TlbGeneration"/>): the host's cached translations may be the stale ones.
    /// </summary>
    private void SyncHostTlb()
    {
        ulong generation = Volatile.Read(ref Control<ulong>(ControlBlock.TlbGeneration));
        if (generation == _tlbGenerationSeen) return;
        _tlbGenerationSeen = generation;
        _virtual?.Flush();
    }

    private void ClearVmTlb()
    {
        var tlb = new Span<ulong>(_area + X86BlockCompiler.TlbOffset, (int)VmLayout.TlbSize / 8);
        for (int k = 0; k < tlb.Length; k += 2) tlb[k] = 1;
        var devices = new Span<ulong>(_area + (int)VmLayout.DeviceVirtualTableOffset, 2 * VmLayout.DeviceMirrorEntries * 2);
        for (int k = 0; k < devices.Length; k += 2) devices[k] = 1;
        Control<uint>(ControlBlock.TlbHasBlocks) = 0;
    }

    /// <summary>
    /// A guest access from translated code with the MMU on that the TLB did not serve (see
    /// <see cref="ChannelRequest.MemoryAccess"/>): translated and made on the host, the TLB entry filled when the page is
    /// RAM, or the abort taken. No exit.
    /// </summary>
    private ChannelAction MemoryAccess()
    {
        ulong address = Control<ulong>(ControlBlock.Arg0);
        uint info = Control<uint>(ControlBlock.Arg2);
        int size = (int)(info & 0xFF), mode = (int)(info >> 16 & 1);
        bool write = (info & 0x100) != 0, unprivileged = (info >> 17 & 1) != 0;
        var virt = _virtual ?? throw new InvalidOperationException("A memory access request without a guest MMU.");
        SyncHostTlb();
        // An unprivileged access from mode 1 (LDTR/STTR at EL1): mode 0's permissions and TLB, faults taken from mode 1.
        virt.Mode = unprivileged ? 1 : mode;
        virt.Unprivileged = unprivileged;
        try { return MemoryAccess(virt, address, size, write, mode); }
        finally { virt.Unprivileged = false; }
    }

    private ChannelAction MemoryAccess(VirtualMemoryAccess virt, ulong address, int size, bool write, int mode)
    {
        Control<uint>(ControlBlock.Arg3) = 0;
        if (!virt.TryTranslate(address, write ? GuestAccessKind.Write : GuestAccessKind.Read, out ulong physical, out ulong fault))
        {
            Statistics.CountRequest(write ? "mmu-abort:write" : "mmu-abort:read");
            var regs = new GuestRegisters(RegisterFile);
            ulong pc = regs.Read(Layout.PcOffset);
            Control<uint>(ControlBlock.Arg3) = 1;
            return Dispatch(new GuestTrap(IrTrapKind.MemoryAbort, pc, pc, fault, address));
        }
        bool watching = Machine.Debug is { } debug && debug.WatchesAccesses(CurrentContext(RegisterFile));
        if (watching && Machine.Debug!.TryHitWatchpoint(address, size, write, mode, virt.Unprivileged, out ulong hit, out ulong hitAddress))
        {
            // A watchpoint: refused before the access, like an abort, once the translation succeeded (QEMU's order); the
            // in-VM TLB never holds a watched page.
            Statistics.CountFault("watchpoint");
            ulong at = new GuestRegisters(RegisterFile).Read(Layout.PcOffset);
            Control<uint>(ControlBlock.Arg3) = 1;
            return Dispatch(new GuestTrap(IrTrapKind.MemoryAbort, at, at, hit, hitAddress));
        }
        bool ram = ((IMemoryVirtualizer)_memory).IsRam(physical & ~0xFFFUL, 0x1000);
        if (ram) Statistics.CountRequest(write ? "tlb-miss:write" : "tlb-miss:read");
        else
        {
            var pa = new GuestPhysicalAddress(physical);
            string device = Machine.Bus is DeviceBus bus && bus.TryFind(pa, out var m) ? m.Device.Name : "unmapped";
            Statistics.CountRequest((write ? "mmio-write:" : "mmio-read:") + device);
        }
        try
        {
            // The whole access (both pages, if it crosses) through the host's translation; it may still abort on the second page.
            if (write) virt.Write(address, size, Control<ulong>(ControlBlock.Arg1));
            else Control<ulong>(ControlBlock.Arg1) = virt.Read(address, size);
        }
        catch (GuestAbortException abort)
        {
            var regs = new GuestRegisters(RegisterFile);
            ulong pc = regs.Read(Layout.PcOffset);
            Control<uint>(ControlBlock.Arg3) = 1;
            return Dispatch(new GuestTrap(IrTrapKind.MemoryAbort, pc, pc, abort.FaultInfo, abort.VirtualAddress));
        }
        catch (GuestMemoryFault f)
        {
            return Stop(StopReason.Error, $"{f.Message}{BlockContextFromStack()}", "guest-memory");
        }
        if (ram)
        {
            if (!(watching && Machine.Debug!.Watches(address & ~0xFFFUL, address | 0xFFF))) FillVmTlb(virt, address, mode);
        }
        else
        {
            RefreshMirrorAt(physical);
            if (!write) NoteMirroredPage(address, physical, mode);
        }
        return ChannelAction.Continue;
    }

    /// <summary>Enters the RAM page of <paramref name="address"/> in the in-VM TLB of <paramref name="mode"/>, for reads and for writes as its permissions allow.</summary>
    private void FillVmTlb(VirtualMemoryAccess virt, ulong address, int mode)
    {
        ulong page = address & ~0xFFFUL;
        int index = (int)((address >> 12) & (X86BlockCompiler.TlbEntries - 1)) * X86BlockCompiler.TlbEntrySize;
        foreach (bool write in (ReadOnlySpan<bool>)[false, true])
        {
            if (!virt.TryTranslate(page, write ? GuestAccessKind.Write : GuestAccessKind.Read, out ulong physical, out _)) continue;
            if (virt.LastMappingSize > 0x1000) Control<uint>(ControlBlock.TlbHasBlocks) = 1; // see the in-VM TLBI
            byte* entry = _area + X86BlockCompiler.TlbTable(mode, write) + index;
            *(ulong*)(entry + 8) = (physical & ~0xFFFUL) - page; // x86 address = guest physical address (identity-mapped RAM)
            *(ulong*)entry = page;
        }
    }

    private ChannelAction HandleTrap()
    {
        var kind = (IrTrapKind)Control<ulong>(ControlBlock.Arg0);
        Statistics.CountRequest("trap:" + kind.ToString().ToLowerInvariant());
        var regs = new GuestRegisters(RegisterFile);
        return Dispatch(new GuestTrap(kind, Control<ulong>(ControlBlock.Arg3), regs.Read(Layout.PcOffset),
            Control<ulong>(ControlBlock.Arg1), Control<ulong>(ControlBlock.Arg2)));
    }

    private ChannelAction Dispatch(in GuestTrap trap)
    {
        var regs = new GuestRegisters(RegisterFile);
        var result = Machine.HandleTrap(trap, regs);
        if (result.Stop) return Stop(result.Reason, result.Message);
        regs.Write(Layout.PcOffset, result.NextPc);
        return result.Wait ? Wait() : ChannelAction.Continue;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        DetachPhysicalMemory();
        if (disposing)
        {
            foreach (var m in _mirrors) if (m is { } mirror) mirror.Device.MirroredRegistersChanged -= mirror.Refresh;
            _vcpu.Dispose();
            _memory.Dispose();
            _vm.Dispose();
            _wake.Dispose();
        }
    }
}

using System.IO.Pipelines;
using Captive.Core.Backends;
using Captive.Core.Devices;
using Captive.Core.Execution;
using Captive.Core.IR;
using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Captive.Guest.Arm.Devices;
using Captive.Guest.Arm.Lowering;

namespace Captive.Guest.Arm.Machine;

/// <summary>What to build a <see cref="VirtMachine"/> with.</summary>
public sealed record VirtMachineOptions
{
    /// <summary>RAM size in bytes (default 128 MiB, like QEMU).</summary>
    public ulong RamSize { get; init; } = 128UL << 20;

    /// <summary>The kernel or bare-metal program: ELF, Linux arm64 Image, or raw binary.</summary>
    public byte[]? Kernel { get; init; }

    /// <summary>An initial ramdisk, or null.</summary>
    public byte[]? Initrd { get; init; }

    /// <summary>The kernel command line (/chosen/bootargs), or null.</summary>
    public string? BootArgs { get; init; }

    /// <summary>A device tree blob to pass instead of the generated one, or null.</summary>
    public byte[]? DeviceTree { get; init; }

    /// <summary>Where the PL011 UART's output goes; null discards it.</summary>
    public PipeWriter? ConsoleOutput { get; init; }

    /// <summary>Count executed guest instructions (the interpreter always does; translated code pays a little for it).</summary>
    public bool CountInstructions { get; init; }

    /// <summary>Maximum guest instructions per translated block.</summary>
    public int MaxBlockInstructions { get; init; } = 64;

    /// <summary>When set, every translated block's IR and host code is written here (a debugging aid).</summary>
    public TextWriter? TranslationLog { get; init; }

    /// <summary>Count executions per guest block (<see cref="Captive.Core.Execution.ExecutionStatistics.BlockProfile"/>; interpreter engine).</summary>
    public bool ProfileBlocks { get; init; }

    /// <summary>Translating engines: interpret every block on the host instead (a debugging aid; see <see cref="EngineOptions.InterpretAllBlocks"/>).</summary>
    public bool InterpretAllBlocks { get; init; }

    /// <summary>Where the machine logs; null logs nothing.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The interrupt controller: 2 (GICv2, the default, as QEMU's) or 3 (GICv3 with the ICC system registers).</summary>
    public int GicVersion { get; init; } = 2;
}

/// <summary>
/// QEMU's <c>-M virt</c> board with one Cortex-A57-class CPU: RAM at 0x4000_0000, a GICv2 or GICv3 at 0x0800_0000, the
/// generic timer on PPIs 30 and 27, a PL011 UART at 0x0900_0000, PSCI over HVC and a generated device tree in X0. The guest starts at EL1h with the
/// MMU off and DAIF masked. Runs on a hardware accelerator when one is given, else on the IR
/// interpreter.
/// </summary>
public sealed partial class VirtMachine : IGuestSystem, IDisposable
{
    private readonly A64FrontEnd _frontEnd;
    private readonly DeviceBus _bus = new();
    private readonly Psci _psci = new();
    private readonly Pipe? _discard;
    private readonly PerformanceMonitors _pmu = null!;

    private VirtMachine(VirtMachineOptions options, ICpuBackend? backend)
    {
        if (options.RamSize > VirtBoard.RamMaxSize)
            throw new ArgumentException($"RAM size 0x{options.RamSize:x} exceeds the board's maximum 0x{VirtBoard.RamMaxSize:x}.", nameof(options));
        _frontEnd = new A64FrontEnd(gicSystemRegisters: options.GicVersion == 3);
        PipeWriter console = options.ConsoleOutput ?? (_discard = new Pipe()).Writer;
        Gic = CreateInterruptController(options.GicVersion);
        // Wired to its SPI as the device tree says: Linux's pl011 driver takes console input (and
        // paces user-space output) by interrupt only.
        Uart = new Pl011(console, Gic.SpiLine(VirtBoard.UartSpi));
        _bus.Map(new GuestPhysicalAddress(VirtBoard.UartBase), VirtBoard.UartSize, Uart);
        Rtc = new Pl031(Gic.SpiLine(VirtBoard.RtcSpi));
        _bus.Map(new GuestPhysicalAddress(VirtBoard.RtcBase), VirtBoard.RtcSize, Rtc);

        var engineOptions = new EngineOptions
        {
            RamBase = VirtBoard.RamBase,
            RamSize = options.RamSize,
            CountInstructions = options.CountInstructions,
            MaxBlockInstructions = options.MaxBlockInstructions,
            TranslationLog = options.TranslationLog,
            ProfileBlocks = options.ProfileBlocks,
            LoggerFactory = options.LoggerFactory,
            InterpretAllBlocks = options.InterpretAllBlocks,
        };
        Engine = backend is null ? new InterpreterEngine(this, engineOptions) : new AcceleratedEngine(backend, this, engineOptions);
        try
        {
            Timer = CreateTimer();
            _pmu = new PerformanceMonitors(Engine.ReadCounter, Engine.CounterFrequency);
            Boot = BootLoader.Load(Engine.Ram, VirtBoard.RamBase, options);
            ResetCpu();
        }
        catch
        {
            Engine.Dispose();
            throw;
        }
    }

    /// <summary>Builds a machine and loads its kernel. <paramref name="backend"/> null selects the IR interpreter.</summary>
    public static VirtMachine Create(VirtMachineOptions options, ICpuBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kernel is null) throw new ArgumentException("A kernel image is required.", nameof(options));
        return new VirtMachine(options, backend);
    }

    /// <summary>The engine that runs the guest.</summary>
    public ExecutionEngine Engine { get; }

    /// <summary>The UART.</summary>
    public Pl011 Uart { get; }

    /// <summary>The PL031 real-time clock (0x0901_0000, SPI 2).</summary>
    public Pl031 Rtc { get; }

    /// <summary>Where the kernel, device tree and initrd were placed.</summary>
    public BootInfo Boot { get; }

    /// <summary>The run's counters.</summary>
    public ExecutionStatistics Statistics => Engine.Statistics;

    /// <inheritdoc/>
    public IGuestFrontEnd FrontEnd => _frontEnd;

    /// <inheritdoc/>
    public IDeviceBus Bus => _bus;

    /// <summary>Adds an embedder's device to the bus (before <see cref="Run"/>).</summary>
    public void AddDevice(GuestPhysicalAddress address, ulong size, IMmioDevice device) => _bus.Map(address, size, device);

    /// <summary>Runs the guest until it powers off, fails, or <see cref="Cancel"/> is called.</summary>
    public RunResult Run() => Engine.Run();

    /// <summary>Stops a running guest soon; safe from any thread.</summary>
    public void Cancel() => Engine.Cancel();

    private void ResetCpu()
    {
        var regs = new GuestRegisters(Engine.RegisterFile);
        Engine.RegisterFile.Clear();
        regs.Write(ArmState.Pc, Boot.Entry);
        regs.Write(ArmState.X(0), Boot.DeviceTreeAddress);
        regs.Write(ArmState.CntfrqEl0, Engine.CounterFrequency);
        regs.Write(ArmState.SctlrEl1, SctlrResetValue);
        regs.Write(ArmState.Daif, 0x3C0);     // D, A, I, F masked
        regs.Write(ArmState.SpSel, 1);        // EL1h
        regs.Write(ArmState.CurrentEl, 1);
        regs.Write(ArmState.OslsrEl1, Decoding.A64IdRegisters.OslsrReset); // the OS Lock is locked at cold reset
        regs.Write(ArmState.TranslationContext, SctlrResetValue | 3ul << 34); // CPACR_EL1.FPEN = 0: SIMD&FP trap
        Engine.WriteNzcv(0);
    }

    /// <summary>SCTLR_EL1 at reset as a Cortex-A57 reports it: MMU and caches off, RES1 bits set.</summary>
    public const ulong SctlrResetValue = 0x30D0_0800;

    /// <inheritdoc/>
    public TrapResult HandleTrap(in GuestTrap trap, GuestRegisters registers)
    {
        switch (trap.Kind)
        {
            case IrTrapKind.Hvc:
            {
                var call = _psci.Handle(registers.Read(ArmState.X(0)), registers.Read(ArmState.X(1)),
                    registers.Read(ArmState.X(2)), registers.Read(ArmState.X(3)));
                switch (call.Action)
                {
                    case PsciAction.PowerOff: return TrapResult.Halt(StopReason.PowerOff);
                    case PsciAction.Reset: return TrapResult.Halt(StopReason.Reset);
                    case PsciAction.CpuOff: return TrapResult.Halt(StopReason.PowerOff, "the only CPU called PSCI CPU_OFF");
                    default:
                        registers.Write(ArmState.X(0), call.ReturnValue);
                        return TrapResult.Continue(trap.NextPc);
                }
            }
            case IrTrapKind.Wfi:
                // Nothing pending: the engine blocks until an interrupt or the timer's deadline.
                return TrapResult.WaitForInterrupt(trap.NextPc);
            case IrTrapKind.Interrupt:
                return TakeInterrupt(trap, registers);
            case IrTrapKind.SystemRegisterRead:
                return ReadSystemRegister(trap, registers);
            case IrTrapKind.SystemRegisterWrite:
                return WriteSystemRegister(trap, registers);
            case IrTrapKind.FetchFault:
                return FetchFault(trap.Pc, registers);
            case IrTrapKind.MemoryAbort:
                return TakeAbort(trap.Info, trap.Value, trap.Pc, registers);
            case IrTrapKind.SystemInstruction:
                return SystemInstruction(trap, registers);
            case IrTrapKind.Unsupported:
                return TrapResult.Halt(StopReason.Error, $"unsupported instruction {Describe(trap)}");
            default:
                return TrapResult.Halt(StopReason.Error,
                    $"unexpected {trap.Kind} trap (info 0x{trap.Info:x}) {Describe(trap)}: this front end takes such exceptions in translated code");
        }
    }

    /// <summary>
    /// Why the run stops at a PC with no code. The usual cause is an exception taken with no vector table installed
    /// (VBAR_EL1 still 0), so the message names the exception and the instruction that took it.
    /// </summary>
    private string FetchFaultMessage(ulong pc, GuestRegisters registers)
    {
        string message = $"no instruction to fetch at 0x{pc:x} (no RAM there)";
        ulong vbar = registers.Read(ArmState.VbarEl1);
        if (pc - vbar >= 0x800) return message;
        ulong esr = registers.Read(ArmState.EsrEl1), elr = registers.Read(ArmState.ElrEl1);
        string culprit = Describe((esr >> 26) == 0x15 ? elr - 4 : elr); // SVC returns after itself
        return $"{message}: it is the exception vector 0x{pc - vbar:x} of VBAR_EL1 0x{vbar:x}, entered for ESR_EL1 0x{esr:x} taken by {culprit}";
    }

    private TrapResult WriteSystemRegister(in GuestTrap trap, GuestRegisters registers)
    {
        if (trap.Info == A64SystemRegisters.SctlrEl1)
        {
            const ulong alignment = 1UL << 1, bigEndian = 1UL << 25 | 1UL << 24; // A; EE, E0E
            if ((trap.Value & (alignment | bigEndian)) != 0)
                return TrapResult.Halt(StopReason.Error,
                    $"SCTLR_EL1 := 0x{trap.Value:x} {Describe(trap)}: alignment checks and big-endian data are not implemented yet");
            bool changed = registers.Read(ArmState.SctlrEl1) != trap.Value;
            registers.Write(ArmState.SctlrEl1, trap.Value);
            UpdateTranslationContext(registers);
            if (changed) { _regimeValid = false; Engine.FlushTlb(); } // M, WXN and EE change translations
            return TrapResult.Continue(trap.NextPc);
        }
        if (TryWriteMmuRegister(trap.Info, trap.Value, registers))
            return TrapResult.Continue(trap.NextPc);
        if (TryWriteInterruptRegister(trap, registers, out var written))
            return written;
        if (PerformanceMonitors.IsPmuRegister((int)trap.Info) && _pmu.TryWrite((int)trap.Info, trap.Value, (int)registers.Read(ArmState.CurrentEl)))
            return TrapResult.Continue(trap.NextPc);
        int offset = -1;
        ulong mask = ulong.MaxValue;
        if (trap.Info == (ulong)A64SystemRegisters.Encode(3, 0, 14, 1, 0)) offset = ArmState.CntkctlEl1;
        else if (trap.Info == (ulong)A64SystemRegisters.Encode(3, 0, 1, 0, 2)) offset = ArmState.CpacrEl1;
        else if (trap.Info == (ulong)A64SystemRegisters.Encode(3, 3, 9, 14, 0)) (offset, mask) = (ArmState.PmuserenrEl0, 0xF); // EN, SW, CR, ER
        if (offset >= 0) // registers the translation context follows
        {
            registers.Write(offset, trap.Value & mask);
            UpdateTranslationContext(registers);
            return TrapResult.Continue(trap.NextPc);
        }
        return TrapResult.Halt(StopReason.Error, $"write to system register 0x{trap.Info:x} {Describe(trap)} is not implemented");
    }

    /// <summary>
    /// Recomputes <see cref="ArmState.TranslationContext"/> from SCTLR_EL1, CNTKCTL_EL1, CPACR_EL1 and PMUSERENR_EL0; when it changed, the EL0
    /// translations lowered under the old controls are wrong, so every translation goes.
    /// </summary>
    private void UpdateTranslationContext(GuestRegisters registers)
    {
        ulong cntkctl = registers.Read(ArmState.CntkctlEl1);
        ulong context = (registers.Read(ArmState.SctlrEl1) & 0xFFFF_FFFF) | (cntkctl & 3) << 32
            | ((registers.Read(ArmState.CpacrEl1) >> 20 & 3) ^ 3) << 34 | (cntkctl >> 8 & 3) << 36
            | (registers.Read(ArmState.PmuserenrEl0) & 0xF) << 38;
        if (context == registers.Read(ArmState.TranslationContext)) return;
        registers.Write(ArmState.TranslationContext, context);
        Engine.InvalidateTranslations();
    }

    private string Describe(in GuestTrap trap) => Describe(trap.Pc);

    private string Describe(ulong pc)
    {
        Span<byte> b = stackalloc byte[4];
        if (!Engine.TryReadGuest(pc, b)) return $"at PC 0x{pc:x}";
        uint word = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b);
        string? text = _frontEnd.Disassemble(word, pc);
        return $"0x{word:x8}{(text is null ? "" : $" ({text})")} at PC 0x{pc:x}";
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Engine.Dispose();
        Rtc.Dispose();
        _discard?.Writer.Complete();
    }
}

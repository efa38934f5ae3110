using System.IO.Pipelines;
using Captive.Core.Backends;
using Captive.Core.Devices;
using Captive.Core.Execution;
using Captive.Core.IR;
using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Captive.Guest.Arm.Devices;
using Captive.Guest.Arm.Devices.Gic;
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

    /// <summary>
    /// Put random seeds from the host's cryptographic generator in the generated device tree, as QEMU's 'virt' does:
    /// /chosen/kaslr-seed (8 bytes; with it Linux randomises its address, KASLR, which on arm64 also turns on kernel page
    /// table isolation) and /chosen/rng-seed (<see cref="VirtBoardDeviceTree.RngSeedSize"/> bytes for its random pool),
    /// fresh for every machine, so for every reboot. False leaves both out, as QEMU's <c>-M virt,dtb-randomness=off</c>
    /// (or its older name <c>dtb-kaslr-seed=off</c>). Not used with <see cref="DeviceTree"/>. Default true.
    /// </summary>
    public bool DeviceTreeRandomness { get; init; } = true;

    /// <summary>The interrupt controller: 2 (GICv2, the default, as QEMU's) or 3 (GICv3 with the ICC system registers).</summary>
    public int GicVersion { get; init; } = 2;

    /// <summary>Raw disk images, each a virtio-blk device (the first is the guest's /dev/vda).</summary>
    public IReadOnlyList<VirtioDrive> Drives { get; init; } = [];

    /// <summary>Add a virtio-rng entropy device fed from the host's cryptographic generator.</summary>
    public bool VirtioRng { get; init; }

    /// <summary>
    /// Where a virtio-console's port 0 (the guest's /dev/hvc0) writes, or null for no virtio-console. Placed after the
    /// drives and the RNG; a <see cref="Pipe"/> whose writer does not pause, as for <see cref="ConsoleOutput"/>.
    /// </summary>
    public PipeWriter? VirtioConsoleOutput { get; init; }

    /// <summary>Network cards (virtio-net), each plugged into its endpoint, placed after the drives and the RNG.</summary>
    public IReadOnlyList<VirtioNetworkCard> NetworkCards { get; init; } = [];

    /// <summary>
    /// Further virtio devices of the embedder's, placed on the transports after the drives, the RNG and the network
    /// cards. The machine does not dispose them.
    /// </summary>
    public IReadOnlyList<Devices.Virtio.IVirtioDevice> VirtioDevices { get; init; } = [];
}

/// <summary>A network card for a <see cref="VirtMachine"/>: virtio-net on an endpoint (a TAP, a cable, the embedder's own).</summary>
/// <param name="Endpoint">Where the card's frames go and come from; the embedder disposes it after the machine.</param>
/// <param name="Mac">The card's MAC address (6 bytes), or null for QEMU's default 52:54:00:12:34:56 plus the card's index.</param>
public sealed record VirtioNetworkCard(Core.Devices.Network.INetworkEndpoint Endpoint, byte[]? Mac = null);

/// <summary>A disk for a <see cref="VirtMachine"/>: a raw image file behind virtio-blk.</summary>
/// <param name="Path">The image file.</param>
/// <param name="ReadOnly">Offer the disk read-only (VIRTIO_BLK_F_RO); the file is opened for reading only.</param>
/// <param name="Serial">What the disk reports as its ID (up to 20 ASCII characters), or null.</param>
public sealed record VirtioDrive(string Path, bool ReadOnly = false, string? Serial = null);

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
    private readonly List<Devices.Virtio.VirtioMmio> _virtio = new();
    private readonly List<IDisposable> _ownedDevices = new();

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
            _pmu = new PerformanceMonitors(Engine.ReadCounter, Engine.CounterFrequency, Gic.PpiLine(0, GicIntIds.PmuPpi),
                deadline => SetAlarm(ref _pmuDeadline, deadline));
            AddVirtioDevices(options);
            Boot = BootLoader.Load(Engine.Ram, VirtBoard.RamBase, options);
            ResetCpu();
        }
        catch
        {
            foreach (var d in _ownedDevices) d.Dispose();
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

    /// <summary>
    /// The 32 virtio-mmio transports, in address order (0x0A00_0000 + n × 0x200, SPI 16 + n). As QEMU does, devices take the
    /// highest free transport first: the first drive sits at 0x0A00_3E00.
    /// </summary>
    public IReadOnlyList<Devices.Virtio.VirtioMmio> VirtioTransports => _virtio;

    /// <summary>The virtio-console (input goes in through <see cref="Devices.Virtio.VirtioConsole.EnqueueInput"/>), or null.</summary>
    public Devices.Virtio.VirtioConsole? VirtioConsole { get; private set; }

    /// <summary>Puts the configured virtio devices on the transports, from the highest down (QEMU's order), and maps all 32.</summary>
    private void AddVirtioDevices(VirtMachineOptions options)
    {
        var devices = new List<Devices.Virtio.IVirtioDevice>();
        foreach (var drive in options.Drives)
        {
            ArgumentNullException.ThrowIfNull(drive);
            var block = new Devices.Virtio.VirtioBlock(drive.Path, drive.ReadOnly, drive.Serial);
            _ownedDevices.Add(block);
            devices.Add(block);
        }
        if (options.VirtioRng) devices.Add(new Devices.Virtio.VirtioRng());
        if (options.VirtioConsoleOutput is { } hvc) devices.Add(VirtioConsole = new Devices.Virtio.VirtioConsole(hvc));
        for (int i = 0; i < options.NetworkCards.Count; i++)
        {
            var card = options.NetworkCards[i];
            ArgumentNullException.ThrowIfNull(card);
            byte[] mac = card.Mac ?? [0x52, 0x54, 0x00, 0x12, 0x34, (byte)(0x56 + i)];
            devices.Add(new Devices.Virtio.VirtioNet(card.Endpoint, mac));
        }
        devices.AddRange(options.VirtioDevices);
        if (devices.Count > VirtBoard.VirtioMmioCount)
            throw new ArgumentException($"{devices.Count} virtio devices; the board has {VirtBoard.VirtioMmioCount} transports.", nameof(options));
        var region = VirtBoard.MemoryMap[VirtBoard.Names.VirtioMmio];
        for (int n = 0; n < region.Count; n++)
        {
            int index = region.Count - 1 - n;
            var device = index < devices.Count ? devices[index] : null;
            var transport = new Devices.Virtio.VirtioMmio(device, Engine.PhysicalMemory, Gic.SpiLine(region.InstanceSpi(n)!.Value));
            _virtio.Add(transport);
            _bus.Map(region.InstanceBase(n), region.Size, transport);
        }
    }

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
        => StepAfterHostInstruction(trap, HandleTrapCore(trap, registers), registers);

    private TrapResult HandleTrapCore(in GuestTrap trap, GuestRegisters registers)
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
            case IrTrapKind.AddressSpaceSwitch:
                return SwitchAddressSpace(trap);
            case IrTrapKind.FetchFault:
                return FetchFault(trap.Pc, registers);
            case IrTrapKind.MemoryAbort:
                return TakeAbort(trap.Info, trap.Value, trap.Pc, registers);
            case IrTrapKind.SystemInstruction or IrTrapKind.TlbInvalidateByAddress or IrTrapKind.CodeInvalidateByAddress:
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
            if (changed) { _regimeValid = false; Engine.ForgetAddressSpaces(); Engine.FlushTlb(); } // M, WXN and EE change translations
            return TrapResult.Continue(trap.NextPc);
        }
        if (TryWriteMmuRegister(trap.Info, trap.Value, registers))
            return TrapResult.Continue(trap.NextPc);
        if (TryWriteInterruptRegister(trap, registers, out var written))
            return written;
        if (TryWriteDebugRegister(trap.Info, trap.Value, registers))
            return TrapResult.Continue(trap.NextPc);
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
    /// Recomputes <see cref="ArmState.TranslationContext"/> from SCTLR_EL1, CNTKCTL_EL1, CPACR_EL1, PMUSERENR_EL0 and the debug
    /// registers; when it changed, the translations lowered under the old controls are wrong: EL0's alone when only EL0's
    /// controls changed, else every one.
    /// </summary>
    private void UpdateTranslationContext(GuestRegisters registers)
    {
        ulong cntkctl = registers.Read(ArmState.CntkctlEl1);
        ulong context = (registers.Read(ArmState.SctlrEl1) & 0xFFFF_FFFF) | (cntkctl & 3) << 32
            | ((registers.Read(ArmState.CpacrEl1) >> 20 & 3) ^ 3) << 34 | (cntkctl >> 8 & 3) << 36
            | (registers.Read(ArmState.PmuserenrEl0) & 0xF) << 38 | DebugContext(registers);
        ulong old = registers.Read(ArmState.TranslationContext);
        if (context != old)
        {
            registers.Write(ArmState.TranslationContext, context);
            if (((context ^ old) & ~El0OnlyContextBits) == 0) Engine.InvalidateTranslationsOfMode(A64FrontEnd.ModeEl0);
            else Engine.InvalidateTranslations();
        }
        FlushTlbIfWatchpointsChanged();
    }

    /// <summary>
    /// The bits of <see cref="ArmState.TranslationContext"/> only EL0's lowering reads (A64Lowerer.Privilege.cs): SCTLR_EL1's
    /// UMA, DZE, UCT, nTWI, nTWE and UCI, CNTKCTL_EL1's four EL0 enables, PMUSERENR_EL0. A change in them alone leaves
    /// EL1's translations valid (Linux turns EL0's counter access on when its timer starts, with thousands of kernel
    /// blocks translated).
    /// </summary>
    private const ulong El0OnlyContextBits = 1UL << 9 | 1UL << 14 | 1UL << 15 | 1UL << 16 | 1UL << 18 | 1UL << 26
        | 3UL << 32 | 3UL << 36 | 0xFUL << 38;

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
        foreach (var t in _virtio) t.Dispose();
        foreach (var d in _ownedDevices) d.Dispose(); // the disks flush here
        Rtc.Dispose();
        _discard?.Writer.Complete();
    }
}

using System.Collections.Immutable;
using System.Numerics;
using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// The interrupt state and prioritisation logic shared by <see cref="GicV2"/> and
/// <see cref="GicV3"/>: per-interrupt enable, pending (edge latch and level line), active,
/// priority, group and trigger configuration; SPI targets (v2) and routes (v3); per-CPU priority
/// mask, binary points and active priorities; and the highest-priority pending interrupt of each
/// CPU, from which the IRQ outputs follow.
/// </summary>
/// <remarks>
/// <para>
/// Interrupts live in "slots": CPU c's private INTIDs 0–31 are slots c × 32 … c × 32 + 31 and SPI
/// n is slot cpuCount × 32 + n.
/// </para>
/// <para>
/// Priorities have <see cref="PriorityBits"/> implemented bits (5, as QEMU's GICs and the
/// Cortex-A57's GIC CPU interface): the low 3 bits of every priority field and of the priority
/// mask read as zero, giving 32 levels, and the smallest binary point is 2 (Group 0) / 3 (Group 1).
/// Active priorities are kept as the architecture's APR registers are: one bit per group-priority
/// level; the running priority is the lowest set bit, and a priority drop clears it.
/// </para>
/// <para>
/// Every member expects <see cref="Gate"/> to be held by the caller; the front ends take it once
/// per register access. The IRQ outputs are recomputed after every change (a scan of at most
/// 32 + SPI count interrupts per CPU) and signalled only when they change.
/// </para>
/// </remarks>
internal sealed class GicCore
{
    /// <summary>Implemented priority bits.</summary>
    public const int PriorityBits = 5;
    /// <summary>Mask of the implemented priority bits.</summary>
    public const byte PriorityFieldMask = unchecked((byte)(0xFF << (8 - PriorityBits)));
    /// <summary>Smallest Group 0 binary point (GICC_BPR, ICC_BPR0_EL1).</summary>
    public const byte MinBinaryPoint0 = 7 - PriorityBits;
    /// <summary>Smallest Group 1 binary point (GICC_ABPR, ICC_BPR1_EL1).</summary>
    public const byte MinBinaryPoint1 = MinBinaryPoint0 + 1;
    /// <summary>Idle running priority.</summary>
    public const int IdlePriority = 0xFF;

    /// <summary>GICD_CTLR.EnableGrp0.</summary>
    public const uint DistributorEnableGroup0 = 1u << 0;
    /// <summary>GICD_CTLR.EnableGrp1 (v2, and v3 with DS = 1).</summary>
    public const uint DistributorEnableGroup1 = 1u << 1;

    /// <summary>GICv2 GICC_CTLR.EnableGrp0.</summary>
    public const uint CpuEnableGroup0 = 1u << 0;
    /// <summary>GICv2 GICC_CTLR.EnableGrp1.</summary>
    public const uint CpuEnableGroup1 = 1u << 1;
    /// <summary>GICv2 GICC_CTLR.AckCtl.</summary>
    public const uint CpuAckCtl = 1u << 2;
    /// <summary>GICv2 GICC_CTLR.CBPR.</summary>
    public const uint CpuCbpr = 1u << 4;
    /// <summary>GICv2 GICC_CTLR.EOImode (bit 9 in a GIC without the Security Extensions).</summary>
    public const uint CpuEoiModeV2 = 1u << 9;
    /// <summary>GICv3 ICC_CTLR_EL1.EOImode.</summary>
    public const uint CpuEoiModeV3 = 1u << 1;

    /// <summary>GICD_IROUTER.Interrupt_Routing_Mode: any participating PE.</summary>
    public const ulong RouteAny = 1UL << 31;
    /// <summary>GICD_IROUTER writable bits: Aff3 [39:32], IRM [31], Aff2..Aff0 [23:0].</summary>
    public const ulong RouteWritableMask = 0xFF_80FF_FFFFUL;

    private const byte Enabled = (byte)GicInterruptFlags.Enabled;
    private const byte Latch = (byte)GicInterruptFlags.PendingLatch;
    private const byte Level = (byte)GicInterruptFlags.LineLevel;
    private const byte Active = (byte)GicInterruptFlags.Active;
    private const byte Group1 = (byte)GicInterruptFlags.Group1;
    private const byte Edge = (byte)GicInterruptFlags.EdgeTriggered;
    private const byte AllFlags = Enabled | Latch | Level | Active | Group1 | Edge;

    private readonly byte[] _flags;
    private readonly byte[] _priority;
    private readonly byte[] _sgiSources;
    private readonly byte[] _targets;
    private readonly ulong[] _routes;
    private readonly Cpu[] _cpus;

    /// <summary>The lock of this GIC instance.</summary>
    public readonly object Gate = new();

    /// <summary>Per-CPU interface state.</summary>
    public sealed class Cpu
    {
        public uint Control;
        public byte PriorityMask;
        public byte BinaryPoint0 = MinBinaryPoint0;
        public byte BinaryPoint1 = MinBinaryPoint1;
        public uint ActivePriorities;
        public bool Group1Enabled;
        public bool ProcessorSleep = true;
        public bool IrqLevel;
        public IGicCpuSignal? Signal;
    }

    public GicCore(bool isV3, int cpuCount, int spiCount, IReadOnlyList<IGicCpuSignal?>? signals)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpuCount, 1);
        if (!isV3)
            ArgumentOutOfRangeException.ThrowIfGreaterThan(cpuCount, 8);   // GICv2: at most 8 CPU interfaces
        ArgumentOutOfRangeException.ThrowIfNegative(spiCount);
        if (spiCount % 32 != 0)
            throw new ArgumentOutOfRangeException(nameof(spiCount), "The number of SPIs must be a multiple of 32 (GICD_TYPER.ITLinesNumber counts blocks of 32 INTIDs).");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spiCount, 960);   // ITLinesNumber ≤ 30: INTIDs up to 1019
        if (signals is not null && signals.Count != cpuCount)
            throw new ArgumentException($"Expected one CPU signal per CPU ({cpuCount}), got {signals.Count}.", nameof(signals));
        IsV3 = isV3;
        CpuCount = cpuCount;
        SpiCount = spiCount;
        int slots = cpuCount * 32 + spiCount;
        _flags = new byte[slots];
        _priority = new byte[slots];
        _sgiSources = new byte[cpuCount * GicIntIds.SgiCount];
        _targets = new byte[spiCount];
        _routes = new ulong[spiCount];
        _cpus = new Cpu[cpuCount];
        for (int c = 0; c < cpuCount; c++)
            _cpus[c] = new Cpu { Signal = signals?[c] };
        ResetState();
    }

    public bool IsV3 { get; }
    public int CpuCount { get; }
    public int SpiCount { get; }

    /// <summary>Number of INTIDs the distributor implements (32 + SPIs).</summary>
    public int IntIdCount => GicIntIds.FirstSpi + SpiCount;

    /// <summary>GICD_CTLR's stored bits.</summary>
    public uint DistributorControl;

    public Cpu CpuAt(int cpu) => _cpus[cpu];

    private void ResetState()
    {
        Array.Clear(_flags);
        Array.Clear(_priority);
        Array.Clear(_sgiSources);
        Array.Clear(_targets);
        Array.Clear(_routes);
        for (int c = 0; c < CpuCount; c++)
        {
            for (int i = 0; i < GicIntIds.SgiCount; i++)
                _flags[c * 32 + i] = Edge;   // SGIs are always edge-triggered
            // GICv3 with one security state: all interrupts are Group 1 (IGROUPR RAO/WI).
            if (IsV3)
                for (int i = 0; i < 32; i++)
                    _flags[c * 32 + i] |= Group1;
        }
        if (IsV3)
            for (int n = 0; n < SpiCount; n++)
                _flags[CpuCount * 32 + n] |= Group1;
        DistributorControl = 0;
        foreach (var cpu in _cpus)
        {
            cpu.Control = 0;
            cpu.PriorityMask = 0;
            cpu.BinaryPoint0 = MinBinaryPoint0;
            cpu.BinaryPoint1 = MinBinaryPoint1;
            cpu.ActivePriorities = 0;
            cpu.Group1Enabled = false;
            cpu.ProcessorSleep = true;
        }
    }

    /// <summary>Returns everything to its reset state and updates the outputs.</summary>
    public void Reset()
    {
        // The input lines are wires from devices, not GIC state: keep their levels.
        var levels = new bool[_flags.Length];
        for (int i = 0; i < levels.Length; i++)
            levels[i] = (_flags[i] & Level) != 0;
        ResetState();
        for (int i = 0; i < levels.Length; i++)
            if (levels[i])
                _flags[i] |= Level;
        Update();
    }

    // ---- Addressing ----

    public bool IsImplemented(int intId) => (uint)intId < (uint)IntIdCount;

    private int Slot(int cpu, int intId) => intId < GicIntIds.FirstSpi ? cpu * 32 + intId : CpuCount * 32 + intId - GicIntIds.FirstSpi;

    private bool IsPendingSlot(int slot)
    {
        byte f = _flags[slot];
        return (f & Latch) != 0 || (f & (Level | Edge)) == Level;
    }

    // ---- Per-interrupt state ----

    public bool IsEnabled(int cpu, int intId) => (_flags[Slot(cpu, intId)] & Enabled) != 0;
    public bool IsPending(int cpu, int intId) => IsPendingSlot(Slot(cpu, intId));
    public bool IsActive(int cpu, int intId) => (_flags[Slot(cpu, intId)] & Active) != 0;
    public bool IsGroup1(int cpu, int intId) => (_flags[Slot(cpu, intId)] & Group1) != 0;
    public bool IsEdgeTriggered(int cpu, int intId) => (_flags[Slot(cpu, intId)] & Edge) != 0;

    public void SetEnabled(int cpu, int intId, bool value) => SetFlag(Slot(cpu, intId), Enabled, value);

    public void SetActive(int cpu, int intId, bool value) => SetFlag(Slot(cpu, intId), Active, value);

    public void SetGroup1(int cpu, int intId, bool value)
    {
        if (!IsV3)
            SetFlag(Slot(cpu, intId), Group1, value);   // v3: Group 1 only (RAO/WI)
    }

    /// <summary>ISPENDR: an SGI (v3), PPI or SPI becomes pending; a level interrupt stays so until acknowledged or cleared.</summary>
    public void SetPendingLatch(int cpu, int intId)
    {
        if (intId < GicIntIds.SgiCount && !IsV3)
            return;   // GICv2: SGI pending bits are read-only here; GICD_SPENDSGIR sets them (IHI 0048B §4.3.7)
        _flags[Slot(cpu, intId)] |= Latch;
    }

    /// <summary>ICPENDR: clears the latch; a level interrupt whose line is high stays pending.</summary>
    public void ClearPendingLatch(int cpu, int intId)
    {
        if (intId < GicIntIds.SgiCount && !IsV3)
            return;   // GICv2: GICD_CPENDSGIR clears SGIs
        _flags[Slot(cpu, intId)] &= unchecked((byte)~Latch);
    }

    private void SetFlag(int slot, byte flag, bool value)
    {
        if (value) _flags[slot] |= flag;
        else _flags[slot] &= unchecked((byte)~flag);
    }

    public byte GetPriority(int cpu, int intId) => _priority[Slot(cpu, intId)];

    public void SetPriority(int cpu, int intId, byte value) => _priority[Slot(cpu, intId)] = (byte)(value & PriorityFieldMask);

    /// <summary>The two ICFGR bits of an interrupt: 0b10 edge-triggered, 0b00 level-sensitive.</summary>
    public uint GetConfig(int cpu, int intId) => IsEdgeTriggered(cpu, intId) ? 0b10u : 0b00u;

    /// <summary>Sets the ICFGR bits. SGIs are always edge-triggered; PPIs and SPIs are programmable.</summary>
    public void SetConfig(int cpu, int intId, uint bits)
    {
        if (intId < GicIntIds.SgiCount)
            return;
        SetFlag(Slot(cpu, intId), Edge, (bits & 0b10) != 0);
    }

    public byte GetTarget(int spi) => _targets[spi];

    public void SetTarget(int spi, byte value) => _targets[spi] = (byte)(value & ((1 << CpuCount) - 1));

    public ulong GetRoute(int spi) => _routes[spi];

    public void SetRoute(int spi, ulong value) => _routes[spi] = value & RouteWritableMask;

    // ---- SGIs ----

    /// <summary>Makes SGI <paramref name="sgi"/> pending on <paramref name="target"/>, from <paramref name="source"/> (GICv2 records the source).</summary>
    public void SendSgi(int source, int target, int sgi)
    {
        if (!IsV3)
            _sgiSources[target * GicIntIds.SgiCount + sgi] |= (byte)(1 << source);
        _flags[target * 32 + sgi] |= Latch;
    }

    /// <summary>GICv2 GICD_CPENDSGIR/SPENDSGIR byte: the source CPUs with SGI pending on <paramref name="cpu"/>.</summary>
    public byte GetSgiSources(int cpu, int sgi) => _sgiSources[cpu * GicIntIds.SgiCount + sgi];

    public void SetSgiSources(int cpu, int sgi, byte sources)
    {
        byte s = (byte)(sources & ((1 << CpuCount) - 1));
        ref byte slot = ref _sgiSources[cpu * GicIntIds.SgiCount + sgi];
        slot = s;
        SetFlag(cpu * 32 + sgi, Latch, s != 0);
    }

    // ---- Input lines ----

    /// <summary>Drives the input line of a PPI (<paramref name="cpu"/>'s bank) or SPI.</summary>
    public void SetLine(int cpu, int intId, bool asserted)
    {
        int slot = Slot(cpu, intId);
        byte f = _flags[slot];
        bool wasHigh = (f & Level) != 0;
        if (asserted == wasHigh)
            return;
        if (asserted)
        {
            f |= Level;
            if ((f & Edge) != 0)
                f |= Latch;   // rising edge
        }
        else
        {
            f &= unchecked((byte)~Level);
        }
        _flags[slot] = f;
        Update();
    }

    // ---- Prioritisation ----

    private bool DistributorGroupEnabled(bool group1) =>
        (DistributorControl & (group1 ? DistributorEnableGroup1 : DistributorEnableGroup0)) != 0;

    private bool CpuGroupEnabled(Cpu c, bool group1) =>
        IsV3 ? group1 && c.Group1Enabled
             : (c.Control & (group1 ? CpuEnableGroup1 : CpuEnableGroup0)) != 0;

    /// <summary>The mask giving an interrupt's group priority under the CPU's binary point (IHI 0048B §3.3.3, IHI 0069 §4.8.3).</summary>
    public byte GroupPriorityMask(int cpu, bool group1)
    {
        var c = _cpus[cpu];
        int shift;
        if (IsV3)
            shift = group1 ? c.BinaryPoint1 : c.BinaryPoint0 + 1;
        else if (group1 && (c.Control & CpuCbpr) == 0)
            shift = c.BinaryPoint1;     // GICC_ABPR: group priority is bits [7:ABPR]
        else
            shift = c.BinaryPoint0 + 1; // GICC_BPR: group priority is bits [7:BPR+1]
        return (byte)(0xFF << shift);
    }

    public int RunningPriority(int cpu)
    {
        uint ap = _cpus[cpu].ActivePriorities;
        return ap == 0 ? IdlePriority : BitOperations.TrailingZeroCount(ap) << (8 - PriorityBits);
    }

    private int SpiTargetCpu(int spi, int anyTarget)
    {
        if (IsV3)
        {
            ulong route = _routes[spi];
            if ((route & RouteAny) != 0)
                return anyTarget;
            ulong affinity = route & ~RouteAny;
            return affinity < (ulong)CpuCount ? (int)affinity : -1;   // CPU n has affinity 0.0.0.n
        }
        return -2;   // v2: a target mask, see TargetsCpu
    }

    private bool SpiTargetsCpu(int spi, int cpu, int anyTarget)
    {
        if (IsV3)
            return SpiTargetCpu(spi, anyTarget) == cpu;
        // IHI 0048B §4.3.12: a uniprocessor GIC's ITARGETSR are RAZ/WI and every SPI targets the one CPU.
        return CpuCount == 1 || (_targets[spi] & (1 << cpu)) != 0;
    }

    /// <summary>
    /// GICv3 1-of-N routing (IROUTER.IRM = 1): the lowest-numbered CPU that is awake and has
    /// Group 1 enabled, else CPU 0. A deterministic choice the architecture allows (IHI 0069 §4.6.2).
    /// </summary>
    private int AnyTarget()
    {
        for (int c = 0; c < CpuCount; c++)
            if (!_cpus[c].ProcessorSleep && _cpus[c].Group1Enabled)
                return c;
        return 0;
    }

    /// <summary>
    /// The highest-priority interrupt that is enabled, pending, not active, of an enabled group
    /// in the distributor and targeted at <paramref name="cpu"/>; lower INTIDs win ties.
    /// </summary>
    /// <returns>The INTID, or -1 when there is none.</returns>
    public int HighestPending(int cpu) => HighestPending(cpu, IsV3 ? AnyTarget() : 0);

    private int HighestPending(int cpu, int anyTarget)
    {
        int best = -1, bestPriority = 0x100;
        bool g0 = DistributorGroupEnabled(false), g1 = DistributorGroupEnabled(true);
        if (!g0 && !g1)
            return -1;
        int bank = cpu * 32;
        for (int i = 0; i < 32; i++)
        {
            int slot = bank + i;
            if (Eligible(slot, g0, g1) && _priority[slot] < bestPriority)
            {
                best = i;
                bestPriority = _priority[slot];
            }
        }
        int spiBase = CpuCount * 32;
        for (int n = 0; n < SpiCount; n++)
        {
            int slot = spiBase + n;
            if (_priority[slot] < bestPriority && Eligible(slot, g0, g1) && SpiTargetsCpu(n, cpu, anyTarget))
            {
                best = GicIntIds.FirstSpi + n;
                bestPriority = _priority[slot];
            }
        }
        return best;
    }

    private bool Eligible(int slot, bool g0, bool g1)
    {
        byte f = _flags[slot];
        if ((f & (Enabled | Active)) != Enabled || !IsPendingSlot(slot))
            return false;
        return (f & Group1) != 0 ? g1 : g0;
    }

    /// <summary>Whether <paramref name="intId"/>, pending for <paramref name="cpu"/>, passes the CPU interface's checks: group enabled, priority mask, running priority.</summary>
    private bool CanSignal(int cpu, int intId)
    {
        var c = _cpus[cpu];
        if (IsV3 && c.ProcessorSleep)
            return false;
        bool group1 = IsGroup1(cpu, intId);
        if (!CpuGroupEnabled(c, group1))
            return false;
        int priority = GetPriority(cpu, intId);
        return priority < c.PriorityMask
            && (priority & GroupPriorityMask(cpu, group1)) < RunningPriority(cpu);
    }

    /// <summary>Recomputes every CPU's IRQ output and signals the ones that changed.</summary>
    public void Update()
    {
        int anyTarget = IsV3 ? AnyTarget() : 0;
        for (int cpu = 0; cpu < CpuCount; cpu++)
        {
            int hp = HighestPending(cpu, anyTarget);
            bool level = hp >= 0 && CanSignal(cpu, hp);
            var c = _cpus[cpu];
            if (level != c.IrqLevel)
            {
                c.IrqLevel = level;
                c.Signal?.SetIrq(level);
            }
        }
    }

    // ---- Acknowledge and end of interrupt ----

    /// <summary>
    /// Acknowledges <paramref name="cpu"/>'s highest-priority pending interrupt if it may be
    /// signalled and <paramref name="accept"/> says so.
    /// </summary>
    /// <returns>The INTID (GICv2 SGIs: with the source CPU in bits [12:10]), 1023 when nothing
    /// is signalled, or what <paramref name="accept"/> returned to refuse.</returns>
    public int Acknowledge(int cpu, Func<bool, int>? accept = null)
    {
        int intId = HighestPending(cpu);
        if (intId < 0 || !CanSignal(cpu, intId))
            return GicIntIds.Spurious;
        bool group1 = IsGroup1(cpu, intId);
        if (accept is not null)
        {
            int refusal = accept(group1);
            if (refusal >= 0)
                return refusal;
        }
        int slot = Slot(cpu, intId);
        int result = intId;
        if (intId < GicIntIds.SgiCount && !IsV3)
        {
            // IHI 0048B §3.2.4: each source's SGI is acknowledged separately, lowest CPU first;
            // it stays pending while other sources have it pending.
            ref byte sources = ref _sgiSources[cpu * GicIntIds.SgiCount + intId];
            int source = sources == 0 ? 0 : BitOperations.TrailingZeroCount(sources);
            sources &= (byte)(sources - 1);
            result |= source << 10;
            SetFlag(slot, Latch, sources != 0);
        }
        else
        {
            _flags[slot] &= unchecked((byte)~Latch);   // a level interrupt whose line is high becomes active and pending
        }
        _flags[slot] |= Active;
        int groupPriority = _priority[slot] & GroupPriorityMask(cpu, group1);
        _cpus[cpu].ActivePriorities |= 1u << (groupPriority >> (8 - PriorityBits));
        Update();
        return result;
    }

    /// <summary>Priority drop (the highest active priority) and, unless <paramref name="split"/>, deactivation of <paramref name="intId"/>.</summary>
    public void EndOfInterrupt(int cpu, int intId, bool split)
    {
        if (intId >= 1020)
            return;   // special INTIDs are ignored
        ref uint ap = ref _cpus[cpu].ActivePriorities;
        ap &= ap - 1;
        if (!split && IsImplemented(intId))
            _flags[Slot(cpu, intId)] &= unchecked((byte)~Active);
        Update();
    }

    /// <summary>GICC_DIR / ICC_DIR_EL1: deactivation alone.</summary>
    public void Deactivate(int cpu, int intId)
    {
        if (!IsImplemented(intId))
            return;
        _flags[Slot(cpu, intId)] &= unchecked((byte)~Active);
        Update();
    }

    // ---- Snapshots ----

    public GicState Save() => new(
        GicState.CurrentVersion, IsV3 ? 3 : 2, CpuCount, SpiCount, DistributorControl,
        ImmutableArray.Create(_flags), ImmutableArray.Create(_priority), ImmutableArray.Create(_sgiSources),
        ImmutableArray.Create(_targets), ImmutableArray.Create(_routes),
        [.. _cpus.Select(c => new GicCpuInterfaceState(c.Control, c.PriorityMask, c.BinaryPoint0, c.BinaryPoint1,
            c.ActivePriorities, c.Group1Enabled, c.ProcessorSleep))]);

    public void Restore(GicState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Version != GicState.CurrentVersion)
            throw new ArgumentException($"GIC state version {state.Version} is not supported (expected {GicState.CurrentVersion}).", nameof(state));
        if (state.ArchitectureVersion != (IsV3 ? 3 : 2) || state.CpuCount != CpuCount || state.SpiCount != SpiCount)
            throw new ArgumentException(
                $"The state is of a GICv{state.ArchitectureVersion} with {state.CpuCount} CPUs and {state.SpiCount} SPIs; this is a GICv{(IsV3 ? 3 : 2)} with {CpuCount} CPUs and {SpiCount} SPIs.",
                nameof(state));
        if (state.InterruptFlags.Length != _flags.Length || state.Priorities.Length != _priority.Length
            || state.SgiSources.Length != _sgiSources.Length || state.SpiTargets.Length != _targets.Length
            || state.SpiRoutes.Length != _routes.Length || state.CpuInterfaces.Length != CpuCount)
            throw new ArgumentException("The state's arrays do not fit this GIC.", nameof(state));
        for (int i = 0; i < _flags.Length; i++)
            _flags[i] = (byte)(state.InterruptFlags[i] & AllFlags | (IsV3 ? Group1 : 0));
        for (int c = 0; c < CpuCount; c++)
            for (int i = 0; i < GicIntIds.SgiCount; i++)
                _flags[c * 32 + i] |= Edge;
        for (int i = 0; i < _priority.Length; i++)
            _priority[i] = (byte)(state.Priorities[i] & PriorityFieldMask);
        state.SgiSources.CopyTo(_sgiSources);
        state.SpiTargets.CopyTo(_targets);
        for (int i = 0; i < _routes.Length; i++)
            _routes[i] = state.SpiRoutes[i] & RouteWritableMask;
        DistributorControl = state.DistributorControl;
        for (int c = 0; c < CpuCount; c++)
        {
            var s = state.CpuInterfaces[c];
            var cpu = _cpus[c];
            cpu.Control = s.Control;
            cpu.PriorityMask = (byte)(s.PriorityMask & PriorityFieldMask);
            cpu.BinaryPoint0 = Math.Clamp(s.BinaryPoint0, MinBinaryPoint0, (byte)7);
            cpu.BinaryPoint1 = Math.Clamp(s.BinaryPoint1, MinBinaryPoint1, (byte)7);
            cpu.ActivePriorities = s.ActivePriorities;
            cpu.Group1Enabled = s.Group1Enabled;
            cpu.ProcessorSleep = s.ProcessorSleep;
        }
        Update();
    }

    // ---- Lines handed to devices ----

    /// <summary>An input line: a PPI of one CPU or an SPI.</summary>
    public sealed class Line(GicCore core, int cpu, int intId) : IInterruptLine
    {
        public void Set(bool asserted)
        {
            lock (core.Gate)
                core.SetLine(cpu, intId, asserted);
        }
    }
}

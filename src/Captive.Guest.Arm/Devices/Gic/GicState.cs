using System.Collections.Immutable;

namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// The guest-visible state of a GIC (<see cref="GicV2"/> or <see cref="GicV3"/>), for snapshots.
/// Produced by <c>Save</c>, consumed by <c>Restore</c> of a GIC with the same architecture
/// version, CPU count and SPI count. The IRQ outputs are not part of it: they are recomputed and
/// signalled on restore.
/// </summary>
/// <param name="Version">Layout version; <see cref="CurrentVersion"/> for this release.</param>
/// <param name="ArchitectureVersion">2 or 3.</param>
/// <param name="CpuCount">Number of CPU interfaces.</param>
/// <param name="SpiCount">Number of SPIs (INTIDs 32 … 32 + SpiCount − 1).</param>
/// <param name="DistributorControl">GICD_CTLR (the stored bits).</param>
/// <param name="InterruptFlags">Per interrupt, in bank order — CPU 0's INTIDs 0–31, CPU 1's 0–31, …,
/// then the SPIs — a byte of <see cref="GicInterruptFlags"/>.</param>
/// <param name="Priorities">Priority of each interrupt, in the same order.</param>
/// <param name="SgiSources">GICv2: for each target CPU and SGI (cpu × 16 + sgi) the mask of source CPUs with it pending.</param>
/// <param name="SpiTargets">GICv2: GICD_ITARGETSR byte of each SPI.</param>
/// <param name="SpiRoutes">GICv3: GICD_IROUTER of each SPI.</param>
/// <param name="CpuInterfaces">Per CPU interface (and, for GICv3, redistributor) state.</param>
public sealed record GicState(
    int Version,
    int ArchitectureVersion,
    int CpuCount,
    int SpiCount,
    uint DistributorControl,
    ImmutableArray<byte> InterruptFlags,
    ImmutableArray<byte> Priorities,
    ImmutableArray<byte> SgiSources,
    ImmutableArray<byte> SpiTargets,
    ImmutableArray<ulong> SpiRoutes,
    ImmutableArray<GicCpuInterfaceState> CpuInterfaces)
{
    /// <summary>The layout version this release writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <inheritdoc/>
    public bool Equals(GicState? other) =>
        other is not null
        && Version == other.Version && ArchitectureVersion == other.ArchitectureVersion
        && CpuCount == other.CpuCount && SpiCount == other.SpiCount
        && DistributorControl == other.DistributorControl
        && InterruptFlags.AsSpan().SequenceEqual(other.InterruptFlags.AsSpan())
        && Priorities.AsSpan().SequenceEqual(other.Priorities.AsSpan())
        && SgiSources.AsSpan().SequenceEqual(other.SgiSources.AsSpan())
        && SpiTargets.AsSpan().SequenceEqual(other.SpiTargets.AsSpan())
        && SpiRoutes.AsSpan().SequenceEqual(other.SpiRoutes.AsSpan())
        && CpuInterfaces.AsSpan().SequenceEqual(other.CpuInterfaces.AsSpan());

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Version);
        hash.Add(ArchitectureVersion);
        hash.Add(CpuCount);
        hash.Add(SpiCount);
        hash.Add(DistributorControl);
        hash.AddBytes(InterruptFlags.AsSpan());
        hash.AddBytes(Priorities.AsSpan());
        return hash.ToHashCode();
    }
}

/// <summary>The state bits of one interrupt in <see cref="GicState.InterruptFlags"/>.</summary>
[Flags]
public enum GicInterruptFlags : byte
{
    /// <summary>No bit set.</summary>
    None = 0,
    /// <summary>Forwarding enabled (ISENABLER).</summary>
    Enabled = 1,
    /// <summary>Pending latch: set by an edge, ISPENDR or an SGI; cleared by acknowledge or ICPENDR.</summary>
    PendingLatch = 2,
    /// <summary>The input line is high (a level-sensitive interrupt is pending while it is).</summary>
    LineLevel = 4,
    /// <summary>Active.</summary>
    Active = 8,
    /// <summary>Group 1 (IGROUPR bit set).</summary>
    Group1 = 16,
    /// <summary>Edge-triggered (ICFGR bit [2n+1] set).</summary>
    EdgeTriggered = 32,
}

/// <summary>One CPU interface's state in a <see cref="GicState"/>.</summary>
/// <param name="Control">GICC_CTLR (v2) or ICC_CTLR_EL1 (v3) stored bits.</param>
/// <param name="PriorityMask">GICC_PMR / ICC_PMR_EL1.</param>
/// <param name="BinaryPoint0">GICC_BPR / ICC_BPR0_EL1.</param>
/// <param name="BinaryPoint1">GICC_ABPR / ICC_BPR1_EL1.</param>
/// <param name="ActivePriorities">Active priorities, one bit per group-priority level (GICC_APR0 / ICC_AP1R0_EL1).</param>
/// <param name="Group1Enabled">GICv3 ICC_IGRPEN1_EL1.Enable.</param>
/// <param name="ProcessorSleep">GICv3 GICR_WAKER.ProcessorSleep.</param>
public readonly record struct GicCpuInterfaceState(
    uint Control,
    byte PriorityMask,
    byte BinaryPoint0,
    byte BinaryPoint1,
    uint ActivePriorities,
    bool Group1Enabled,
    bool ProcessorSleep);

using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// What a board and its devices need of an interrupt controller whatever its version: the inputs
/// devices drive, the CPUs' IRQ levels, reset and snapshots. Register windows differ between
/// versions (GICv2's CPU interface is MMIO, GICv3's is system registers) and stay on
/// <see cref="GicV2"/> and <see cref="GicV3"/>.
/// </summary>
public interface IGic
{
    /// <summary>2 or 3.</summary>
    int ArchitectureVersion { get; }

    /// <summary>Number of CPU interfaces.</summary>
    int CpuCount { get; }

    /// <summary>Number of SPIs (INTIDs 32 … 32 + SpiCount − 1).</summary>
    int SpiCount { get; }

    /// <summary>The input of SPI <paramref name="spi"/> (INTID 32 + spi).</summary>
    IInterruptLine SpiLine(int spi);

    /// <summary>The input of PPI <paramref name="intId"/> (16–31) of CPU <paramref name="cpu"/>.</summary>
    IInterruptLine PpiLine(int cpu, int intId);

    /// <summary>The current level of CPU <paramref name="cpu"/>'s IRQ output.</summary>
    bool IsIrqAsserted(int cpu);

    /// <summary>Returns every register to its reset value (input line levels are kept).</summary>
    void Reset();

    /// <summary>Captures the guest-visible state.</summary>
    GicState Save();

    /// <summary>Restores state captured by <see cref="Save"/> of a GIC of the same version and size.</summary>
    void Restore(GicState state);
}

/// <summary>Creates the GIC a board asks for (<c>-machine gic-version=2|3</c>).</summary>
public static class GicFactory
{
    /// <summary>Creates a GICv2 or GICv3 in its reset state.</summary>
    /// <param name="version">2 or 3.</param>
    /// <param name="cpuCount">CPUs (at most 8 for GICv2).</param>
    /// <param name="spiCount">SPIs, a multiple of 32.</param>
    /// <param name="cpuSignals">Each CPU's IRQ input, or null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An unsupported version or size.</exception>
    public static IGic Create(int version, int cpuCount = 1, int spiCount = GicIntIds.VirtBoardSpiCount,
        IReadOnlyList<IGicCpuSignal?>? cpuSignals = null) => version switch
    {
        2 => new GicV2(cpuCount, spiCount, cpuSignals),
        3 => new GicV3(cpuCount, spiCount, cpuSignals),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "The GIC version must be 2 or 3."),
    };
}

using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// What GICv2 and GICv3 share around their common core: the device input lines, the IRQ output levels,
/// reset and snapshots. All under the instance's one lock.
/// </summary>
public abstract class GicBase : IGic
{
    private readonly IInterruptLine[] _spiLines;
    private readonly IInterruptLine[] _ppiLines;

    private protected GicBase(GicCore core)
    {
        Core = core;
        _spiLines = [.. Enumerable.Range(0, core.SpiCount).Select(n => new GicCore.Line(core, 0, GicIntIds.FirstSpi + n))];
        _ppiLines = [.. Enumerable.Range(0, core.CpuCount * 16).Select(i => new GicCore.Line(core, i / 16, GicIntIds.FirstPpi + i % 16))];
    }

    private protected GicCore Core { get; }

    /// <inheritdoc/>
    public abstract int ArchitectureVersion { get; }

    /// <summary>Number of CPUs (CPU interfaces).</summary>
    public int CpuCount => Core.CpuCount;

    /// <summary>Number of SPIs.</summary>
    public int SpiCount => Core.SpiCount;

    /// <summary>The input of SPI <paramref name="spi"/> (INTID 32 + spi), for a device's interrupt output.</summary>
    public IInterruptLine SpiLine(int spi) => _spiLines[spi];

    /// <summary>The input of PPI <paramref name="intId"/> (16–31) of CPU <paramref name="cpu"/>.</summary>
    public IInterruptLine PpiLine(int cpu, int intId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intId, GicIntIds.FirstPpi);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(intId, GicIntIds.FirstSpi);
        return _ppiLines[cpu * 16 + intId - GicIntIds.FirstPpi];
    }

    /// <summary>The current level of CPU <paramref name="cpu"/>'s IRQ output.</summary>
    public bool IsIrqAsserted(int cpu)
    {
        lock (Core.Gate)
            return Core.CpuAt(cpu).IrqLevel;
    }

    /// <summary>Returns every register to its reset value (input line levels are kept) and updates the outputs.</summary>
    public void Reset()
    {
        lock (Core.Gate)
            Core.Reset();
    }

    /// <summary>Captures the guest-visible state.</summary>
    public GicState Save()
    {
        lock (Core.Gate)
            return Core.Save();
    }

    /// <summary>Restores state captured by <see cref="Save"/> and drives the IRQ outputs to match.</summary>
    /// <exception cref="ArgumentException">The state is of another version or does not fit this GIC.</exception>
    public void Restore(GicState state)
    {
        lock (Core.Gate)
            Core.Restore(state);
    }
}

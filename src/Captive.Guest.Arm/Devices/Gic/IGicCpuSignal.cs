namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// The GIC's output to one CPU: the IRQ line of that CPU interface. The GIC asserts it while the
/// CPU's highest-priority pending interrupt is eligible to be signalled — its group is enabled in
/// the distributor and the CPU interface, its priority is higher than the priority mask (PMR), and
/// its group priority is higher than the running priority — and deasserts it when that stops
/// being true. Calls come only on changes (never two equal levels in a row).
/// </summary>
/// <remarks>
/// Called with the GIC's lock held, from whichever thread changed the state (a vCPU's MMIO or
/// ICC access, or a device thread raising a line): an implementation must be quick and must not
/// call back into the GIC. The vCPU side will implement it by writing the shared-memory flag that
/// translated code checks at block boundaries (ARCHITECTURE §6) and waking the vCPU from WFI.
/// </remarks>
public interface IGicCpuSignal
{
    /// <summary>Sets the level of the CPU's IRQ input.</summary>
    void SetIrq(bool asserted);
}

/// <summary>
/// A register window whose contents depend on which CPU accesses it (GICv2's banked distributor
/// registers and its CPU interface). The bus-facing <see cref="Core.Devices.IMmioDevice"/> views
/// returned by <see cref="GicV2.DistributorView"/> and <see cref="GicV2.CpuInterfaceView"/> fix
/// the CPU; an SMP machine whose MMIO path knows the accessing vCPU can call these directly.
/// </summary>
public interface ICpuBankedMmioDevice
{
    /// <summary>Name for diagnostics.</summary>
    string Name { get; }

    /// <summary>Handles a read by CPU <paramref name="cpu"/>; fills <paramref name="data"/>. Never throws for a bad offset or size.</summary>
    void Read(int cpu, ulong offset, Span<byte> data);

    /// <summary>Handles a write by CPU <paramref name="cpu"/>. Never throws for a bad offset or size.</summary>
    void Write(int cpu, ulong offset, ReadOnlySpan<byte> data);
}

namespace Captive.Guest.Arm.Devices.Virtio;

/// <summary>
/// A virtio device behind a <see cref="VirtioMmio"/> transport (VIRTIO 1.2 §5): what it is, what it offers, its
/// configuration space and what it does when the driver notifies a queue. The transport owns feature negotiation, the
/// queues and the interrupt; calls come under the transport's lock, so a device needs no locking of its own for them.
/// </summary>
public interface IVirtioDevice
{
    /// <summary>Short name for diagnostics and statistics (for example <c>virtio-blk</c>).</summary>
    string Name { get; }

    /// <summary>The virtio device ID (§5: 1 network, 2 block, 3 console, 4 entropy).</summary>
    uint DeviceId { get; }

    /// <summary>The device-specific feature bits it offers (bits 0–23); the transport adds its own (VERSION_1 and the ring features).</summary>
    ulong DeviceFeatures { get; }

    /// <summary>Number of virtqueues.</summary>
    int QueueCount { get; }

    /// <summary>QueueNumMax of every queue (at most 32768).</summary>
    ushort MaxQueueSize { get; }

    /// <summary>Reads the device configuration space at <paramref name="offset"/>; bytes past its end read as zero.</summary>
    void ReadConfig(int offset, Span<byte> data);

    /// <summary>A driver write to the configuration space (most fields are read-only and ignore it).</summary>
    void WriteConfig(int offset, ReadOnlySpan<byte> data);

    /// <summary>The driver set DRIVER_OK: the device may use <paramref name="context"/> (its queues, negotiated features) from now on, also from its own threads.</summary>
    void Activate(VirtioContext context);

    /// <summary>The driver notified queue <paramref name="queue"/> (on the vCPU's service path): take and complete its chains.</summary>
    void QueueNotified(int queue);

    /// <summary>The driver reset the device: forget everything <see cref="Activate"/> gave.</summary>
    void Reset();
}

/// <summary>What an activated device works with: its queues and the negotiated features, and the way to tell the driver.</summary>
public sealed class VirtioContext
{
    private readonly VirtioMmio _transport;

    internal VirtioContext(VirtioMmio transport, IReadOnlyList<VirtQueue> queues, ulong features, Core.Memory.IGuestPhysicalMemory memory)
    {
        _transport = transport;
        Queues = queues;
        NegotiatedFeatures = features;
        Memory = memory;
    }

    /// <summary>Guest RAM, for a device that finishes a request outside <see cref="IVirtioDevice.QueueNotified"/> (checked accesses only).</summary>
    public Core.Memory.IGuestPhysicalMemory Memory { get; }

    /// <summary>The device's queues.</summary>
    public IReadOnlyList<VirtQueue> Queues { get; }

    /// <summary>The features the driver accepted.</summary>
    public ulong NegotiatedFeatures { get; }

    /// <summary>Raises the used-buffer interrupt for <paramref name="queue"/> if the driver wants one. Call after completing chains.</summary>
    public void NotifyUsed(int queue) => _transport.NotifyUsed(queue);

    /// <summary>
    /// Runs <paramref name="work"/> under the transport's lock (a device's own thread, such as a network receiver, uses the
    /// queues only inside it); false when the device was reset or disabled meanwhile and <paramref name="work"/> did not run.
    /// </summary>
    public bool Run(Action work) => _transport.RunForDevice(this, work);
}

/// <summary>Virtio device IDs (§5).</summary>
public static class VirtioDeviceId
{
    /// <summary>Network card.</summary>
    public const uint Network = 1;
    /// <summary>Block device.</summary>
    public const uint Block = 2;
    /// <summary>Console.</summary>
    public const uint Console = 3;
    /// <summary>Entropy source.</summary>
    public const uint Entropy = 4;
}

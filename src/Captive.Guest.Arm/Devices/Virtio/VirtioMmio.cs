using System.Buffers.Binary;
using Captive.Core.Devices;
using Captive.Core.Memory;

namespace Captive.Guest.Arm.Devices.Virtio;

/// <summary>The saved state of a <see cref="VirtioMmio"/> transport (the device's own state is the device's).</summary>
/// <param name="Status">Device status.</param>
/// <param name="DeviceFeaturesSelect">DeviceFeaturesSel.</param>
/// <param name="DriverFeatures">The features the driver wrote.</param>
/// <param name="DriverFeaturesSelect">DriverFeaturesSel.</param>
/// <param name="QueueSelect">QueueSel.</param>
/// <param name="InterruptStatus">InterruptStatus.</param>
/// <param name="ConfigGeneration">ConfigGeneration.</param>
/// <param name="Queues">Every queue's state.</param>
public sealed record VirtioMmioState(uint Status, uint DeviceFeaturesSelect, ulong DriverFeatures, uint DriverFeaturesSelect,
    uint QueueSelect, uint InterruptStatus, uint ConfigGeneration, IReadOnlyList<VirtQueueState> Queues);

/// <summary>
/// The virtio-mmio transport, version 2 (VIRTIO 1.2 §4.2.2), as QEMU's 'virt' board has 32 of at 0x0A00_0000 + n × 0x200
/// on SPI 16 + n. With no device behind it, it answers with device ID 0 and the driver skips it. Feature negotiation
/// requires VIRTIO_F_VERSION_1 (legacy drivers are refused at FEATURES_OK); split virtqueues with indirect descriptors and
/// VIRTIO_F_EVENT_IDX. A driver that breaks the queue rules puts the device in DEVICE_NEEDS_RESET (§2.1.2) with a
/// configuration-change interrupt, never a host error. Thread-safe: one lock serialises the guest's accesses and the
/// device's own threads.
/// </summary>
public sealed class VirtioMmio : IMmioDevice, IDisposable
{
    /// <summary>Size of the register window.</summary>
    public const ulong WindowSize = 0x200;

    /// <summary>"virt" little-endian.</summary>
    public const uint Magic = 0x7472_6976;

    /// <summary>QEMU's vendor ID ("QEMU"), which drivers accept everywhere.</summary>
    public const uint VendorId = 0x554D_4551;

    /// <summary>VIRTIO_F_INDIRECT_DESC.</summary>
    public const int FeatureIndirectDescriptors = 28;
    /// <summary>VIRTIO_F_EVENT_IDX.</summary>
    public const int FeatureEventIndex = 29;
    /// <summary>VIRTIO_F_VERSION_1.</summary>
    public const int FeatureVersion1 = 32;

    /// <summary>Device status bits (§2.1).</summary>
    public const uint StatusAcknowledge = 1, StatusDriver = 2, StatusDriverOk = 4, StatusFeaturesOk = 8, StatusNeedsReset = 64, StatusFailed = 128;

    /// <summary>InterruptStatus bits: a used buffer, a configuration change.</summary>
    public const uint InterruptUsedBuffer = 1, InterruptConfigChange = 2;

    private const ulong RegMagic = 0x000, RegVersion = 0x004, RegDeviceId = 0x008, RegVendorId = 0x00C, RegDeviceFeatures = 0x010,
        RegDeviceFeaturesSel = 0x014, RegDriverFeatures = 0x020, RegDriverFeaturesSel = 0x024, RegQueueSel = 0x030,
        RegQueueNumMax = 0x034, RegQueueNum = 0x038, RegQueueReady = 0x044, RegQueueNotify = 0x050, RegInterruptStatus = 0x060,
        RegInterruptAck = 0x064, RegStatus = 0x070, RegQueueDescLow = 0x080, RegQueueDescHigh = 0x084, RegQueueDriverLow = 0x090,
        RegQueueDriverHigh = 0x094, RegQueueDeviceLow = 0x0A0, RegQueueDeviceHigh = 0x0A4, RegShmSel = 0x0AC, RegShmLenLow = 0x0B0,
        RegShmLenHigh = 0x0B4, RegShmBaseLow = 0x0B8, RegShmBaseHigh = 0x0BC, RegConfigGeneration = 0x0FC,
        RegConfig = 0x100;

    private readonly object _gate = new();
    private readonly IGuestPhysicalMemory _memory;
    private readonly IVirtioDevice? _device;
    private readonly IInterruptLine? _interrupt;
    private readonly VirtQueue[] _queues;
    private readonly ulong _offered;
    private uint _status, _deviceFeaturesSel, _driverFeaturesSel, _queueSel, _interruptStatus, _configGeneration;
    private ulong _driverFeatures;
    private VirtioContext? _context;

    /// <summary>
    /// Creates a transport for <paramref name="device"/> (null: an empty slot, device ID 0) that reaches guest RAM through
    /// <paramref name="memory"/> and interrupts on <paramref name="interrupt"/>.
    /// </summary>
    public VirtioMmio(IVirtioDevice? device, IGuestPhysicalMemory memory, IInterruptLine? interrupt)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _memory = memory;
        _device = device;
        _interrupt = interrupt;
        if (device is not null)
        {
            if (device.QueueCount is < 0 or > 1024) throw new ArgumentException($"{device.Name}: {device.QueueCount} queues.", nameof(device));
            if (device.MaxQueueSize is 0 or > 32768) throw new ArgumentException($"{device.Name}: queue size {device.MaxQueueSize} must be 1 to 32768.", nameof(device));
            _offered = (device.DeviceFeatures & 0xFF_FFFF) | 1UL << FeatureVersion1 | 1UL << FeatureIndirectDescriptors | 1UL << FeatureEventIndex;
        }
        _queues = new VirtQueue[device?.QueueCount ?? 0];
        for (int i = 0; i < _queues.Length; i++) _queues[i] = new VirtQueue(memory, device!.MaxQueueSize);
    }

    /// <inheritdoc/>
    public string Name => _device is null ? "virtio-mmio" : $"virtio-mmio:{_device.Name}";

    /// <summary>The device behind the transport, or null.</summary>
    public IVirtioDevice? Device => _device;

    /// <summary>The device status as the driver set it (with <see cref="StatusNeedsReset"/> when the device failed).</summary>
    public uint Status { get { lock (_gate) return _status; } }

    /// <summary>Why the device last entered DEVICE_NEEDS_RESET, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>Driver-device errors so far (each put the device in DEVICE_NEEDS_RESET).</summary>
    public int Errors { get; private set; }

    /// <inheritdoc/>
    public void Read(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (offset >= WindowSize) return;
        lock (_gate)
        {
            if (offset >= RegConfig)
            {
                _device?.ReadConfig((int)(offset - RegConfig), data);
                return;
            }
            if ((offset & 3) != 0 || data.Length != 4) return; // §4.2.2.2: 32-bit registers, 32-bit accesses
            uint value = _device is null
                ? offset switch { RegMagic => Magic, RegVersion => 2, RegVendorId => VendorId, _ => 0 }
                : ReadRegister(offset);
            BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        }
    }

    private uint ReadRegister(ulong offset)
    {
        var q = _queueSel < _queues.Length ? _queues[_queueSel] : null;
        return offset switch
        {
            RegMagic => Magic,
            RegVersion => 2,
            RegDeviceId => _device!.DeviceId,
            RegVendorId => VendorId,
            RegDeviceFeatures => _deviceFeaturesSel < 2 ? (uint)(_offered >> (int)(32 * _deviceFeaturesSel)) : 0,
            RegQueueNumMax => q?.MaxSize ?? 0u,
            RegQueueNum => q?.Size ?? 0u,
            RegQueueReady => q is { Ready: true } ? 1u : 0u,
            RegInterruptStatus => _interruptStatus,
            RegStatus => _status,
            RegQueueDescLow => (uint)(q?.DescriptorTable ?? 0),
            RegQueueDescHigh => (uint)((q?.DescriptorTable ?? 0) >> 32),
            RegQueueDriverLow => (uint)(q?.AvailableRing ?? 0),
            RegQueueDriverHigh => (uint)((q?.AvailableRing ?? 0) >> 32),
            RegQueueDeviceLow => (uint)(q?.UsedRing ?? 0),
            RegQueueDeviceHigh => (uint)((q?.UsedRing ?? 0) >> 32),
            RegShmLenLow or RegShmLenHigh => uint.MaxValue, // no shared memory regions (§4.2.2.1: length -1)
            RegConfigGeneration => _configGeneration,
            _ => 0,
        };
    }

    /// <inheritdoc/>
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset >= WindowSize || _device is null) return;
        int notify = -1;
        lock (_gate)
        {
            if (offset >= RegConfig)
            {
                _device.WriteConfig((int)(offset - RegConfig), data);
                return;
            }
            if ((offset & 3) != 0 || data.Length != 4) return;
            uint value = BinaryPrimitives.ReadUInt32LittleEndian(data);
            var q = _queueSel < _queues.Length ? _queues[_queueSel] : null;
            bool configurable = q is { Ready: false }; // §4.2.3.2: a queue is set up before it is made ready
            switch (offset)
            {
                case RegDeviceFeaturesSel: _deviceFeaturesSel = value; break;
                case RegDriverFeaturesSel: _driverFeaturesSel = value; break;
                case RegDriverFeatures:
                    if ((_status & StatusFeaturesOk) != 0 || _driverFeaturesSel >= 2) break; // §3.1.1: features are fixed once accepted
                    int shift = (int)(32 * _driverFeaturesSel);
                    _driverFeatures = (_driverFeatures & ~(0xFFFF_FFFFUL << shift)) | (ulong)value << shift;
                    break;
                case RegQueueSel: _queueSel = value; break;
                case RegQueueNum when configurable:
                    // §4.2.2.2: a size up to QueueNumMax; anything else leaves the queue unusable, which CheckRings reports.
                    q!.Size = value <= q.MaxSize ? (ushort)value : (ushort)0;
                    break;
                case RegQueueReady when q is not null:
                    if ((value & 1) == 0) { q.Ready = false; break; }
                    if (q.Ready) break;
                    q.EventIndex = (_driverFeatures >> FeatureEventIndex & 1) != 0;
                    q.IndirectDescriptors = (_driverFeatures >> FeatureIndirectDescriptors & 1) != 0;
                    try { q.CheckRings(); q.Ready = true; }
                    catch (VirtqueueException e) { Fail(e.Message); }
                    break;
                case RegQueueDescLow when configurable: q!.DescriptorTable = (q.DescriptorTable & ~0xFFFF_FFFFUL) | value; break;
                case RegQueueDescHigh when configurable: q!.DescriptorTable = (q.DescriptorTable & 0xFFFF_FFFFUL) | (ulong)value << 32; break;
                case RegQueueDriverLow when configurable: q!.AvailableRing = (q.AvailableRing & ~0xFFFF_FFFFUL) | value; break;
                case RegQueueDriverHigh when configurable: q!.AvailableRing = (q.AvailableRing & 0xFFFF_FFFFUL) | (ulong)value << 32; break;
                case RegQueueDeviceLow when configurable: q!.UsedRing = (q.UsedRing & ~0xFFFF_FFFFUL) | value; break;
                case RegQueueDeviceHigh when configurable: q!.UsedRing = (q.UsedRing & 0xFFFF_FFFFUL) | (ulong)value << 32; break;
                case RegQueueNotify:
                    notify = (int)(value & 0xFFFF);
                    break;
                case RegInterruptAck:
                    _interruptStatus &= ~value;
                    UpdateInterrupt();
                    break;
                case RegStatus:
                    WriteStatus(value);
                    break;
                case RegShmSel: break;
            }
            if (notify >= 0) Notify(notify);
        }
    }

    private void WriteStatus(uint value)
    {
        if (value == 0) { ResetDevice(); return; }
        // §2.1.2: the driver only sets bits; FEATURES_OK is kept only when the device accepts the features.
        if ((value & StatusFeaturesOk) != 0 && (_status & StatusFeaturesOk) == 0)
        {
            bool subset = (_driverFeatures & ~_offered) == 0, modern = (_driverFeatures >> FeatureVersion1 & 1) != 0;
            if (!subset || !modern) value &= ~StatusFeaturesOk;
        }
        uint previous = _status;
        _status = (value & ~StatusNeedsReset) | (_status & StatusNeedsReset);
        if ((_status & StatusDriverOk) != 0 && (previous & StatusDriverOk) == 0 && (_status & StatusFeaturesOk) != 0 && _context is null)
        {
            _context = new VirtioContext(this, _queues, _driverFeatures, _memory);
            _device!.Activate(_context);
        }
    }

    private void ResetDevice()
    {
        _status = 0;
        _deviceFeaturesSel = _driverFeaturesSel = _queueSel = 0;
        _driverFeatures = 0;
        _interruptStatus = 0;
        foreach (var q in _queues) q.Reset();
        _context = null;
        _device!.Reset();
        UpdateInterrupt();
    }

    private void Notify(int queue)
    {
        if (_context is null || (_status & StatusNeedsReset) != 0 || queue >= _queues.Length || !_queues[queue].Ready) return;
        try
        {
            _device!.QueueNotified(queue);
            NotifyUsed(queue);
        }
        catch (VirtqueueException e)
        {
            Fail(e.Message);
        }
    }

    /// <summary>
    /// §2.1.2: the device met an error it cannot recover from; it sets DEVICE_NEEDS_RESET and, once the driver is up,
    /// tells it with a configuration-change interrupt.
    /// </summary>
    private void Fail(string message)
    {
        LastError = $"{Name}: {message}";
        Errors++;
        _status |= StatusNeedsReset;
        if ((_status & StatusDriverOk) != 0)
        {
            _interruptStatus |= InterruptConfigChange;
            UpdateInterrupt();
        }
    }

    internal void NotifyUsed(int queue)
    {
        lock (_gate)
        {
            if (_context is null || queue >= _queues.Length) return;
            bool due;
            try { due = _queues[queue].TakeInterruptDue(); }
            catch (VirtqueueException e) { Fail(e.Message); return; }
            if (!due) return;
            _interruptStatus |= InterruptUsedBuffer;
            UpdateInterrupt();
        }
    }

    internal bool RunForDevice(VirtioContext context, Action work)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(context, _context) || (_status & StatusNeedsReset) != 0) return false;
            try { work(); }
            catch (VirtqueueException e) { Fail(e.Message); return false; }
            return true;
        }
    }

    /// <summary>The device changed its configuration space: bumps ConfigGeneration and interrupts (§2.5.1, §4.2.2.1).</summary>
    public void ConfigChanged()
    {
        lock (_gate)
        {
            _configGeneration++;
            if ((_status & StatusDriverOk) == 0) return;
            _interruptStatus |= InterruptConfigChange;
            UpdateInterrupt();
        }
    }

    private void UpdateInterrupt() => _interrupt?.Set(_interruptStatus != 0);

    /// <summary>The transport's state.</summary>
    public VirtioMmioState Save()
    {
        lock (_gate)
            return new VirtioMmioState(_status, _deviceFeaturesSel, _driverFeatures, _driverFeaturesSel, _queueSel, _interruptStatus,
                _configGeneration, [.. _queues.Select(q => q.Save())]);
    }

    /// <summary>Restores a saved state; the device is activated again when the state has DRIVER_OK.</summary>
    public void Restore(VirtioMmioState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Queues.Count != _queues.Length) throw new ArgumentException($"The state has {state.Queues.Count} queues; the device has {_queues.Length}.", nameof(state));
        lock (_gate)
        {
            if (_device is not null) ResetDevice();
            (_status, _deviceFeaturesSel, _driverFeatures, _driverFeaturesSel, _queueSel, _interruptStatus, _configGeneration) =
                (state.Status, state.DeviceFeaturesSelect, state.DriverFeatures, state.DriverFeaturesSelect, state.QueueSelect,
                 state.InterruptStatus, state.ConfigGeneration);
            for (int i = 0; i < _queues.Length; i++)
            {
                _queues[i].Restore(state.Queues[i]);
                _queues[i].EventIndex = (_driverFeatures >> FeatureEventIndex & 1) != 0;
                _queues[i].IndirectDescriptors = (_driverFeatures >> FeatureIndirectDescriptors & 1) != 0;
            }
            if (_device is not null && (_status & (StatusDriverOk | StatusFeaturesOk)) == (StatusDriverOk | StatusFeaturesOk))
            {
                _context = new VirtioContext(this, _queues, _driverFeatures, _memory);
                _device.Activate(_context);
            }
            UpdateInterrupt();
        }
    }

    /// <summary>Detaches the device (it stops being called; whoever created it disposes it).</summary>
    public void Dispose()
    {
        lock (_gate) _context = null;
    }
}

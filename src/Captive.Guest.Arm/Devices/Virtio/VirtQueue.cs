using System.Buffers.Binary;
using Captive.Core.Memory;

namespace Captive.Guest.Arm.Devices.Virtio;

/// <summary>One buffer of a descriptor chain: guest RAM the device reads (driver to device) or writes (device to driver).</summary>
/// <param name="Address">Guest-physical address, checked to lie in RAM with its whole length.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="DeviceWritable">True for a buffer the device writes (VIRTQ_DESC_F_WRITE).</param>
public readonly record struct VirtqBuffer(GuestPhysicalAddress Address, uint Length, bool DeviceWritable);

/// <summary>
/// A descriptor chain taken from a queue's available ring, checked: every buffer inside RAM, device-readable buffers
/// before device-writable ones, no loops. The device reads the readable part and writes the writable part as two flat byte
/// streams, then hands the chain back with <see cref="VirtQueue.Complete"/>.
/// </summary>
public sealed class DescriptorChain
{
    private readonly IGuestPhysicalMemory _memory;
    private readonly List<VirtqBuffer> _buffers = new();

    internal DescriptorChain(IGuestPhysicalMemory memory) => _memory = memory;

    /// <summary>The head descriptor's index (the id the used ring returns).</summary>
    public ushort Head { get; internal set; }

    /// <summary>The buffers, in chain order.</summary>
    public IReadOnlyList<VirtqBuffer> Buffers => _buffers;

    /// <summary>Total bytes of the device-readable buffers.</summary>
    public ulong ReadableLength { get; private set; }

    /// <summary>Total bytes of the device-writable buffers.</summary>
    public ulong WritableLength { get; private set; }

    internal void Clear()
    {
        _buffers.Clear();
        ReadableLength = WritableLength = 0;
    }

    internal void Add(VirtqBuffer buffer)
    {
        _buffers.Add(buffer);
        if (buffer.DeviceWritable) WritableLength += buffer.Length;
        else ReadableLength += buffer.Length;
    }

    /// <summary>Copies readable bytes from <paramref name="offset"/> (within the readable part) into <paramref name="destination"/>; false when the part is shorter.</summary>
    public bool TryRead(ulong offset, Span<byte> destination) => Copy(false, offset, destination, default);

    /// <summary>Copies <paramref name="source"/> into the writable part at <paramref name="offset"/>; false when the part is shorter.</summary>
    public bool TryWrite(ulong offset, ReadOnlySpan<byte> source) => Copy(true, offset, default, source);

    private bool Copy(bool write, ulong offset, Span<byte> destination, ReadOnlySpan<byte> source)
    {
        int length = write ? source.Length : destination.Length;
        if (offset + (ulong)length > (write ? WritableLength : ReadableLength)) return false;
        int done = 0;
        foreach (var b in _buffers)
        {
            if (b.DeviceWritable != write) continue;
            if (offset >= b.Length) { offset -= b.Length; continue; }
            int n = (int)Math.Min(b.Length - offset, (ulong)(length - done));
            var at = b.Address + offset;
            bool ok = write ? _memory.TryWrite(at, source.Slice(done, n)) : _memory.TryRead(at, destination.Slice(done, n));
            if (!ok) return false;
            done += n;
            offset = 0;
            if (done == length) break;
        }
        return done == length;
    }
}

/// <summary>The driver broke the virtqueue rules (a loop, an address outside RAM, a bad index): the device needs a reset.</summary>
public sealed class VirtqueueException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VirtqueueException(string message) : base(message) { }
}

/// <summary>The saved state of one <see cref="VirtQueue"/>.</summary>
/// <param name="Size">QueueNum.</param>
/// <param name="Ready">QueueReady.</param>
/// <param name="Descriptors">Descriptor table address.</param>
/// <param name="Driver">Available ring address.</param>
/// <param name="Device">Used ring address.</param>
/// <param name="LastAvailable">The next available-ring index the device will take.</param>
/// <param name="Used">The used ring's index as the device last wrote it.</param>
/// <param name="SignalledUsed">The used index at the last interrupt (VIRTIO_F_EVENT_IDX).</param>
public sealed record VirtQueueState(ushort Size, bool Ready, ulong Descriptors, ulong Driver, ulong Device, ushort LastAvailable, ushort Used, ushort SignalledUsed);

/// <summary>
/// A split virtqueue (VIRTIO 1.2 §2.7) in guest RAM: the device side. Takes available descriptor chains, checks them
/// (§2.7.5 and §2.7.5.3: chain no longer than the queue, indirect tables well formed, buffers in RAM), and returns them on
/// the used ring, with VIRTIO_F_EVENT_IDX's notification suppression when negotiated. A malformed ring throws
/// <see cref="VirtqueueException"/>; nothing here touches memory outside RAM. Not thread-safe: the transport serialises
/// access under its lock.
/// </summary>
public sealed class VirtQueue
{
    private const ushort DescNext = 1, DescWrite = 2, DescIndirect = 4;
    private const ushort AvailNoInterrupt = 1;
    private const int DescriptorSize = 16;
    /// <summary>The largest indirect table accepted (entries), as Linux's and QEMU's limits.</summary>
    public const int MaxIndirectEntries = 1024;

    private readonly IGuestPhysicalMemory _memory;
    private readonly DescriptorChain _chain;

    internal VirtQueue(IGuestPhysicalMemory memory, ushort maxSize)
    {
        _memory = memory;
        MaxSize = maxSize;
        _chain = new DescriptorChain(memory);
        Size = maxSize;
    }

    /// <summary>QueueNumMax.</summary>
    public ushort MaxSize { get; }

    /// <summary>QueueNum: entries in the rings.</summary>
    public ushort Size { get; internal set; }

    /// <summary>QueueReady.</summary>
    public bool Ready { get; internal set; }

    /// <summary>Guest-physical address of the descriptor table.</summary>
    public ulong DescriptorTable { get; internal set; }

    /// <summary>Guest-physical address of the available (driver) ring.</summary>
    public ulong AvailableRing { get; internal set; }

    /// <summary>Guest-physical address of the used (device) ring.</summary>
    public ulong UsedRing { get; internal set; }

    internal bool EventIndex { get; set; }
    internal bool IndirectDescriptors { get; set; }

    private ushort _lastAvail, _used, _signalledUsed;

    internal void Reset()
    {
        Size = MaxSize;
        Ready = false;
        DescriptorTable = AvailableRing = UsedRing = 0;
        _lastAvail = _used = _signalledUsed = 0;
        EventIndex = IndirectDescriptors = false;
    }

    internal VirtQueueState Save() => new(Size, Ready, DescriptorTable, AvailableRing, UsedRing, _lastAvail, _used, _signalledUsed);

    internal void Restore(VirtQueueState s)
    {
        Size = s.Size is 0 || s.Size > MaxSize ? MaxSize : s.Size;
        Ready = s.Ready;
        (DescriptorTable, AvailableRing, UsedRing) = (s.Descriptors, s.Driver, s.Device);
        (_lastAvail, _used, _signalledUsed) = (s.LastAvailable, s.Used, s.SignalledUsed);
    }

    private ushort ReadU16(ulong address)
    {
        Span<byte> b = stackalloc byte[2];
        if (!_memory.TryRead(new GuestPhysicalAddress(address), b))
            throw new VirtqueueException($"ring address 0x{address:x} is outside RAM");
        return BinaryPrimitives.ReadUInt16LittleEndian(b);
    }

    private void WriteU16(ulong address, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        if (!_memory.TryWrite(new GuestPhysicalAddress(address), b))
            throw new VirtqueueException($"ring address 0x{address:x} is outside RAM");
    }

    /// <summary>Checks the three areas lie in RAM (called when the driver makes the queue ready and before use).</summary>
    internal void CheckRings()
    {
        ulong n = Size;
        if (n == 0) throw new VirtqueueException("queue size 0");
        if (!_memory.IsRam(new(DescriptorTable), DescriptorSize * n)
            || !_memory.IsRam(new(AvailableRing), 6 + 2 * n)
            || !_memory.IsRam(new(UsedRing), 6 + 8 * n))
            throw new VirtqueueException($"queue areas (descriptors 0x{DescriptorTable:x}, driver 0x{AvailableRing:x}, device 0x{UsedRing:x}, size {n}) are not all in RAM");
    }

    /// <summary>
    /// Takes the next available chain; null when the driver has made none available. The chain is valid until the next
    /// call. Throws <see cref="VirtqueueException"/> on a malformed ring or chain.
    /// </summary>
    public DescriptorChain? TryTake()
    {
        if (!Ready) return null;
        ushort availIdx = ReadU16(AvailableRing + 2);
        ushort pending = (ushort)(availIdx - _lastAvail);
        if (pending == 0)
        {
            if (!EventIndex) return null;
            // Ask for a notification at the next buffer, then look again: the driver may have added one meanwhile (§2.7.10).
            WriteU16(UsedRing + 4 + 8UL * Size, _lastAvail);
            Interlocked.MemoryBarrier();
            availIdx = ReadU16(AvailableRing + 2);
            pending = (ushort)(availIdx - _lastAvail);
            if (pending == 0) return null;
        }
        if (pending > Size) throw new VirtqueueException($"available index {availIdx} is {pending} ahead of the device's {_lastAvail}, more than the queue size {Size}");
        ushort head = ReadU16(AvailableRing + 4 + 2UL * (ushort)(_lastAvail % Size));
        _lastAvail++;
        if (EventIndex) WriteU16(UsedRing + 4 + 8UL * Size, _lastAvail);
        ReadChain(head);
        return _chain;
    }

    private void ReadChain(ushort head)
    {
        _chain.Clear();
        _chain.Head = head;
        if (head >= Size) throw new VirtqueueException($"head descriptor {head} is outside the queue of {Size}");
        Span<byte> d = stackalloc byte[DescriptorSize];
        ulong table = DescriptorTable;
        uint tableSize = Size;
        ushort index = head;
        int seen = 0;
        bool indirect = false, writableSeen = false;
        while (true)
        {
            if (++seen > tableSize) throw new VirtqueueException($"descriptor chain from {head} is longer than its table ({tableSize}): a loop");
            if (!_memory.TryRead(new(table + (ulong)index * DescriptorSize), d))
                throw new VirtqueueException($"descriptor {index} at 0x{table + (ulong)index * DescriptorSize:x} is outside RAM");
            ulong addr = BinaryPrimitives.ReadUInt64LittleEndian(d);
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(d[8..]);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(d[12..]);
            ushort next = BinaryPrimitives.ReadUInt16LittleEndian(d[14..]);
            if ((flags & DescIndirect) != 0)
            {
                if (!IndirectDescriptors) throw new VirtqueueException("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
                if (indirect) throw new VirtqueueException("an indirect table refers to another indirect table");
                if ((flags & DescNext) != 0) throw new VirtqueueException("a descriptor has both INDIRECT and NEXT");
                if (len == 0 || len % DescriptorSize != 0 || len / DescriptorSize > MaxIndirectEntries)
                    throw new VirtqueueException($"indirect table length {len} is not a whole number of descriptors up to {MaxIndirectEntries}");
                if (!_memory.IsRam(new(addr), len)) throw new VirtqueueException($"indirect table 0x{addr:x}+{len} is outside RAM");
                if (seen != 1 || _chain.Buffers.Count != 0)
                    throw new VirtqueueException("an indirect descriptor is not alone in its chain");
                indirect = true;
                table = addr;
                tableSize = len / DescriptorSize;
                index = 0;
                seen = 0;
                continue;
            }
            bool writable = (flags & DescWrite) != 0;
            if (!writable && writableSeen) throw new VirtqueueException("a device-readable buffer follows a device-writable one");
            writableSeen |= writable;
            if (len != 0 && !_memory.IsRam(new(addr), len))
                throw new VirtqueueException($"buffer 0x{addr:x}+{len} of descriptor {index} is outside RAM");
            _chain.Add(new VirtqBuffer(new(addr), len, writable));
            if ((flags & DescNext) == 0) return;
            if (next >= tableSize) throw new VirtqueueException($"descriptor {index} links to {next}, outside its table of {tableSize}");
            index = next;
        }
    }

    /// <summary>Returns chain <paramref name="head"/> on the used ring with <paramref name="written"/> bytes written into its writable buffers.</summary>
    public void Complete(ushort head, uint written)
    {
        Span<byte> e = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(e, head);
        BinaryPrimitives.WriteUInt32LittleEndian(e[4..], written);
        if (!_memory.TryWrite(new(UsedRing + 4 + 8UL * (ushort)(_used % Size)), e))
            throw new VirtqueueException($"used ring 0x{UsedRing:x} is outside RAM");
        _used++;
        // The element before the index (x86 keeps stores in order; the barrier also keeps the compiler from reordering).
        Interlocked.MemoryBarrier();
        WriteU16(UsedRing + 2, _used);
    }

    /// <summary>Whether the driver wants an interrupt for what was completed since the last one (§2.7.7, §2.7.10); records that it got one.</summary>
    internal bool TakeInterruptDue()
    {
        if (_used == _signalledUsed) return false;
        Interlocked.MemoryBarrier(); // the used index before the driver's event index or flags
        bool due;
        if (EventIndex)
        {
            ushort usedEvent = ReadU16(AvailableRing + 4 + 2UL * Size);
            due = (ushort)(_used - usedEvent - 1) < (ushort)(_used - _signalledUsed);
        }
        else due = (ReadU16(AvailableRing) & AvailNoInterrupt) == 0;
        _signalledUsed = _used;
        return due;
    }
}

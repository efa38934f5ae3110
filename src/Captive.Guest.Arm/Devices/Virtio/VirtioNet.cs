using System.Collections.Concurrent;
using System.Globalization;
using Captive.Core.Devices.Network;

namespace Captive.Guest.Arm.Devices.Virtio;

/// <summary>
/// virtio-net (VIRTIO 1.2 §5.1), one receive and one transmit queue, plugged into an <see cref="INetworkEndpoint"/>.
/// Offers only VIRTIO_NET_F_MAC and VIRTIO_NET_F_STATUS (link always up): no checksum or segmentation offloads, no
/// mergeable receive buffers, so every frame carries the 12-byte <c>virtio_net_hdr</c> with nothing in it but
/// num_buffers = 1. Transmitted frames go to the endpoint on the vCPU's service path; received frames wait in a bounded
/// queue until the driver posts receive buffers (beyond <see cref="ReceiveQueueLimit"/> they are dropped, as a full NIC ring drops).
/// </summary>
public sealed class VirtioNet : IVirtioDevice
{
    /// <summary>VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS.</summary>
    public const int FeatureMac = 5, FeatureStatus = 16;

    /// <summary>The virtio-net header without offloads (with num_buffers, as VIRTIO_F_VERSION_1 has it).</summary>
    public const int HeaderSize = 12;

    /// <summary>Frames waiting for receive buffers before new ones are dropped.</summary>
    public const int ReceiveQueueLimit = 256;

    private const int ReceiveQueue = 0, TransmitQueue = 1;
    private const int MaxFrame = 65535;

    private readonly INetworkEndpoint _endpoint;
    private readonly byte[] _mac;
    private readonly ConcurrentQueue<byte[]> _pending = new();
    private readonly byte[] _transmit = new byte[MaxFrame + HeaderSize];
    private VirtioContext? _context;
    private int _pendingCount;
    private long _dropped, _received, _sent;

    /// <summary>A card with MAC address <paramref name="mac"/> (6 bytes; default QEMU's 52:54:00:12:34:56) on <paramref name="endpoint"/>.</summary>
    public VirtioNet(INetworkEndpoint endpoint, ReadOnlySpan<byte> mac = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!mac.IsEmpty && mac.Length != 6) throw new ArgumentException("A MAC address has 6 bytes.", nameof(mac));
        if (!mac.IsEmpty && (mac[0] & 1) != 0) throw new ArgumentException("A card's MAC address must be unicast (bit 0 of the first byte clear).", nameof(mac));
        _endpoint = endpoint;
        _mac = mac.IsEmpty ? [0x52, 0x54, 0x00, 0x12, 0x34, 0x56] : mac.ToArray();
        _endpoint.Start(Receive);
    }

    /// <summary>Parses <c>52:54:00:12:34:56</c> (or with dashes).</summary>
    /// <exception cref="FormatException">Not six hexadecimal bytes.</exception>
    public static byte[] ParseMac(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':', '-');
        if (parts.Length != 6) throw new FormatException($"MAC address '{text}' is not six bytes like 52:54:00:12:34:56.");
        var mac = new byte[6];
        for (int i = 0; i < 6; i++)
            if (parts[i].Length is < 1 or > 2 || !byte.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out mac[i]))
                throw new FormatException($"MAC address '{text}' is not six hexadecimal bytes.");
        return mac;
    }

    /// <summary>The card's MAC address.</summary>
    public ReadOnlySpan<byte> Mac => _mac;

    /// <summary>Frames dropped on receive (no buffers for too long, or a buffer too small).</summary>
    public long ReceiveDropped => Interlocked.Read(ref _dropped);

    /// <summary>Frames delivered to the guest.</summary>
    public long FramesReceived => Interlocked.Read(ref _received);

    /// <summary>Frames the guest sent.</summary>
    public long FramesSent => Interlocked.Read(ref _sent);

    /// <inheritdoc/>
    public string Name => "virtio-net";

    /// <inheritdoc/>
    public uint DeviceId => VirtioDeviceId.Network;

    /// <inheritdoc/>
    public ulong DeviceFeatures => 1UL << FeatureMac | 1UL << FeatureStatus;

    /// <inheritdoc/>
    public int QueueCount => 2;

    /// <inheritdoc/>
    public ushort MaxQueueSize => 256;

    /// <inheritdoc/>
    public void ReadConfig(int offset, Span<byte> data)
    {
        data.Clear();
        Span<byte> config = stackalloc byte[8];
        _mac.CopyTo(config);
        config[6] = 1; // status: VIRTIO_NET_S_LINK_UP
        if (offset < 0 || offset >= config.Length) return;
        config[offset..Math.Min(config.Length, offset + data.Length)].CopyTo(data);
    }

    /// <inheritdoc/>
    public void WriteConfig(int offset, ReadOnlySpan<byte> data) { } // §5.1.4: the MAC is read-only without CTRL_MAC_ADDR

    /// <inheritdoc/>
    public void Activate(VirtioContext context)
    {
        _context = context;
        DeliverPending();
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _context = null;
        while (_pending.TryDequeue(out _)) Interlocked.Decrement(ref _pendingCount); // frames for the old driver
    }

    /// <inheritdoc/>
    public void QueueNotified(int queue)
    {
        if (_context is null) return;
        if (queue == TransmitQueue) Transmit(_context);
        else if (queue == ReceiveQueue) DeliverPending();
    }

    private void Transmit(VirtioContext context)
    {
        var q = context.Queues[TransmitQueue];
        while (q.TryTake() is { } chain)
        {
            ulong length = chain.ReadableLength;
            // §5.1.6.2: header then the frame; a frame that is not there or too long is dropped, the buffer still returned.
            if (length > HeaderSize && length <= (ulong)_transmit.Length && chain.TryRead(0, _transmit.AsSpan(0, (int)length)))
            {
                _endpoint.Send(_transmit.AsSpan(HeaderSize, (int)length - HeaderSize));
                Interlocked.Increment(ref _sent);
            }
            q.Complete(chain.Head, 0);
        }
    }

    /// <summary>A frame for the guest (the endpoint's thread): queued, then delivered if the driver has buffers.</summary>
    private void Receive(ReadOnlySpan<byte> frame)
    {
        if (frame.Length == 0 || frame.Length > MaxFrame || Interlocked.Increment(ref _pendingCount) > ReceiveQueueLimit)
        {
            if (frame.Length is > 0 and <= MaxFrame) Interlocked.Decrement(ref _pendingCount);
            Interlocked.Increment(ref _dropped);
            return;
        }
        _pending.Enqueue(frame.ToArray());
        DeliverPending();
    }

    private void DeliverPending()
    {
        // Called under the transport's lock from the service path, or from the endpoint's thread: take the lock there.
        var context = _context;
        if (context is null || _pending.IsEmpty) return;
        context.Run(() =>
        {
            var q = context.Queues[ReceiveQueue];
            bool any = false;
            Span<byte> header = stackalloc byte[HeaderSize];
            header.Clear();
            header[10] = 1; // num_buffers (§5.1.6.4: 1 without VIRTIO_NET_F_MRG_RXBUF)
            while (_pending.TryPeek(out var frame) && q.TryTake() is { } chain)
            {
                _pending.TryDequeue(out _);
                Interlocked.Decrement(ref _pendingCount);
                if (chain.WritableLength < (ulong)(HeaderSize + frame.Length))
                {
                    Interlocked.Increment(ref _dropped); // the driver's buffer is too small for it: returned empty
                    q.Complete(chain.Head, 0);
                }
                else
                {
                    chain.TryWrite(0, header);
                    chain.TryWrite(HeaderSize, frame);
                    q.Complete(chain.Head, (uint)(HeaderSize + frame.Length));
                    Interlocked.Increment(ref _received);
                }
                any = true;
            }
            if (any) context.NotifyUsed(ReceiveQueue);
        });
    }
}

using System.Security.Cryptography;

namespace Captive.Guest.Arm.Devices.Virtio;

/// <summary>
/// virtio-rng, the entropy device (VIRTIO 1.2 §5.4): one request queue whose device-writable buffers it fills from the
/// host's cryptographic generator (<see cref="RandomNumberGenerator"/>). No features, no configuration space.
/// </summary>
public sealed class VirtioRng : IVirtioDevice
{
    /// <summary>Most bytes given per request: a driver asking for more gets this many (§5.4.6: the device may return fewer).</summary>
    public const int MaxBytesPerRequest = 64 * 1024;

    private VirtioContext? _context;
    private readonly byte[] _buffer = new byte[4096];

    /// <inheritdoc/>
    public string Name => "virtio-rng";

    /// <inheritdoc/>
    public uint DeviceId => VirtioDeviceId.Entropy;

    /// <inheritdoc/>
    public ulong DeviceFeatures => 0;

    /// <inheritdoc/>
    public int QueueCount => 1;

    /// <inheritdoc/>
    public ushort MaxQueueSize => 256;

    /// <summary>Random bytes handed to the guest so far.</summary>
    public long BytesProvided { get; private set; }

    /// <inheritdoc/>
    public void ReadConfig(int offset, Span<byte> data) => data.Clear();

    /// <inheritdoc/>
    public void WriteConfig(int offset, ReadOnlySpan<byte> data) { }

    /// <inheritdoc/>
    public void Activate(VirtioContext context) => _context = context;

    /// <inheritdoc/>
    public void Reset() => _context = null;

    /// <inheritdoc/>
    public void QueueNotified(int queue)
    {
        if (_context is null || queue != 0) return;
        var q = _context.Queues[0];
        while (q.TryTake() is { } chain)
        {
            ulong want = Math.Min(chain.WritableLength, MaxBytesPerRequest);
            ulong done = 0;
            while (done < want)
            {
                int n = (int)Math.Min((ulong)_buffer.Length, want - done);
                RandomNumberGenerator.Fill(_buffer.AsSpan(0, n));
                if (!chain.TryWrite(done, _buffer.AsSpan(0, n))) break;
                done += (ulong)n;
            }
            CryptographicOperations.ZeroMemory(_buffer);
            BytesProvided += (long)done;
            q.Complete(chain.Head, (uint)done);
        }
    }
}

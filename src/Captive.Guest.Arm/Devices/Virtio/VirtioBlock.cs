using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Captive.Guest.Arm.Devices.Virtio;

/// <summary>
/// virtio-blk (VIRTIO 1.2 §5.2) over a raw image file: reads, writes, flush (the file is synced to the disk) and GET_ID.
/// A read-only disk offers VIRTIO_BLK_F_RO and answers writes with VIRTIO_BLK_S_IOERR without writing (§5.2.6.2). A
/// request outside the disk, or with a data length that is not a whole number of 512-byte sectors, gets IOERR; an unknown
/// request type UNSUPP. Reads and writes are served synchronously when the driver notifies (the host's page cache makes
/// that quick); flushes (fsync, milliseconds) run on the thread pool one after another and complete the request later,
/// so the vCPU does not wait for the disk. Dispose waits for them and flushes the image.
/// </summary>
public sealed class VirtioBlock : IVirtioDevice, IDisposable
{
    /// <summary>Sector size: offsets and capacity are in these units whatever the image.</summary>
    public const int SectorSize = 512;

    /// <summary>VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_RO, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH.</summary>
    public const int FeatureSegMax = 2, FeatureReadOnly = 5, FeatureBlockSize = 6, FeatureFlush = 9;

    /// <summary>Request types (§5.2.6).</summary>
    public const uint RequestIn = 0, RequestOut = 1, RequestFlush = 4, RequestGetId = 8;

    /// <summary>Request status values (§5.2.6).</summary>
    public const byte StatusOk = 0, StatusIoError = 1, StatusUnsupported = 2;

    /// <summary>Length of the GET_ID answer.</summary>
    public const int IdLength = 20;

    private const int HeaderSize = 16, ConfigSize = 0x3C; // through the write-zeroes fields of §5.2.4
    private const int ChunkSize = 128 * 1024;

    private readonly FileStream _file;
    private readonly byte[] _id = new byte[IdLength];
    private readonly ushort _queueSize;
    private VirtioContext? _context;
    private bool _disposed;

    /// <summary>
    /// Opens the raw image <paramref name="path"/> (read-only when <paramref name="readOnly"/>). <paramref name="serial"/>
    /// is what GET_ID returns (up to 20 bytes of ASCII; none gives an empty ID, as QEMU without serial=).
    /// </summary>
    /// <exception cref="IOException">The image cannot be opened.</exception>
    public VirtioBlock(string path, bool readOnly = false, string? serial = null, ushort queueSize = 256)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (queueSize is < 3 or > 32768) throw new ArgumentOutOfRangeException(nameof(queueSize), "The queue needs room for a header, data and status.");
        _file = new FileStream(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
            readOnly ? FileShare.Read : FileShare.None, bufferSize: 0, FileOptions.RandomAccess);
        ReadOnly = readOnly;
        Path = path;
        _queueSize = queueSize;
        if (serial is not null)
        {
            if (serial.Any(c => c > 0x7F)) throw new ArgumentException("The serial must be ASCII.", nameof(serial));
            Encoding.ASCII.GetBytes(serial.AsSpan(0, Math.Min(serial.Length, IdLength)), _id);
        }
        Capacity = (ulong)_file.Length / SectorSize;
    }

    /// <summary>The image file.</summary>
    public string Path { get; }

    /// <summary>Whether the disk is read-only.</summary>
    public bool ReadOnly { get; }

    /// <summary>Size in 512-byte sectors (a partial last sector of the image is not part of the disk).</summary>
    public ulong Capacity { get; }

    /// <summary>Requests served, by type: reads, writes, flushes, others.</summary>
    public long Reads { get; private set; }
    /// <summary>Write requests served.</summary>
    public long Writes { get; private set; }
    /// <summary>Flush requests served.</summary>
    public long Flushes { get; private set; }

    /// <inheritdoc/>
    public string Name => "virtio-blk";

    /// <inheritdoc/>
    public uint DeviceId => VirtioDeviceId.Block;

    /// <inheritdoc/>
    public ulong DeviceFeatures => 1UL << FeatureSegMax | 1UL << FeatureBlockSize | 1UL << FeatureFlush | (ReadOnly ? 1UL << FeatureReadOnly : 0);

    /// <inheritdoc/>
    public int QueueCount => 1;

    /// <inheritdoc/>
    public ushort MaxQueueSize => _queueSize;

    /// <inheritdoc/>
    public void ReadConfig(int offset, Span<byte> data)
    {
        data.Clear();
        Span<byte> config = stackalloc byte[ConfigSize];
        config.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(config, Capacity);          // capacity
        BinaryPrimitives.WriteUInt32LittleEndian(config[12..], (uint)_queueSize - 2); // seg_max: the header and status take two
        BinaryPrimitives.WriteUInt32LittleEndian(config[20..], SectorSize);  // blk_size
        config[32] = 1;                                                        // writeback (no CONFIG_WCE: informative)
        if (offset < 0 || offset >= ConfigSize) return;
        config[offset..Math.Min(ConfigSize, offset + data.Length)].CopyTo(data);
    }

    /// <inheritdoc/>
    public void WriteConfig(int offset, ReadOnlySpan<byte> data) { } // writeback is writable only with CONFIG_WCE, not offered

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
            uint written = Serve(chain);
            if (written != Deferred) q.Complete(chain.Head, written);
        }
    }

    /// <summary>What <see cref="Serve"/> returns for a request a worker completes later.</summary>
    private const uint Deferred = uint.MaxValue;

    private readonly object _flushGate = new();
    private Task _flushes = Task.CompletedTask;

    private static Core.Memory.GuestPhysicalAddress? StatusAddress(DescriptorChain chain)
    {
        for (int i = chain.Buffers.Count - 1; i >= 0; i--)
        {
            var b = chain.Buffers[i];
            if (b.DeviceWritable && b.Length > 0) return b.Address + (b.Length - 1);
        }
        return null;
    }

    /// <summary>Flushes on the thread pool, one flush after another, then writes the status and completes the request.</summary>
    private void StartFlush(VirtioContext context, ushort head, Core.Memory.GuestPhysicalAddress statusAt)
    {
        lock (_flushGate)
        {
            _flushes = _flushes.ContinueWith(_ =>
            {
                byte status = Flush() ? StatusOk : StatusIoError;
                context.Run(() =>
                {
                    context.Memory.TryWrite(statusAt, [status]);
                    context.Queues[0].Complete(head, 1);
                    context.NotifyUsed(0);
                });
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    /// <summary>Serves one request; returns the bytes written into the driver's buffers (data and status).</summary>
    private uint Serve(DescriptorChain chain)
    {
        // §5.2.6.1: header, data, then a one-byte status in the last writable byte.
        Span<byte> header = stackalloc byte[HeaderSize];
        if (chain.WritableLength == 0 || !chain.TryRead(0, header))
            throw new VirtqueueException($"virtio-blk request without a header or a status byte (readable {chain.ReadableLength}, writable {chain.WritableLength})");
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        ulong statusAt = chain.WritableLength - 1;
        byte status;
        uint dataWritten = 0;
        switch (type)
        {
            case RequestIn:
            {
                ulong length = chain.WritableLength - 1;
                Reads++;
                status = InRange(sector, length) ? Transfer(chain, sector, length, toGuest: true) : StatusIoError;
                if (status == StatusOk) dataWritten = (uint)length;
                break;
            }
            case RequestOut:
            {
                ulong length = chain.ReadableLength - HeaderSize;
                Writes++;
                status = ReadOnly || !InRange(sector, length) ? StatusIoError : Transfer(chain, sector, length, toGuest: false);
                break;
            }
            case RequestFlush:
                Flushes++;
                if (!ReadOnly && _context is { } context && StatusAddress(chain) is { } at)
                {
                    // fsync can take milliseconds: a worker does it and completes the request, the vCPU goes on. Writes
                    // already completed are in the file, which is all FLUSH promises (§5.2.6.2).
                    StartFlush(context, chain.Head, at);
                    return Deferred;
                }
                status = Flush() ? StatusOk : StatusIoError;
                break;
            case RequestGetId:
            {
                int n = (int)Math.Min((ulong)IdLength, chain.WritableLength - 1);
                chain.TryWrite(0, _id.AsSpan(0, n));
                dataWritten = (uint)n;
                status = StatusOk;
                break;
            }
            default:
                status = StatusUnsupported;
                break;
        }
        chain.TryWrite(statusAt, [status]);
        return dataWritten + 1;
    }

    // The used ring's length is 32 bits: a request that would move more than that is refused too.
    private bool InRange(ulong sector, ulong length)
        => length % SectorSize == 0 && length < uint.MaxValue && sector <= Capacity && length / SectorSize <= Capacity - sector;

    private byte Transfer(DescriptorChain chain, ulong sector, ulong length, bool toGuest)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, ChunkSize));
        try
        {
            ulong done = 0;
            // A read request's data starts the writable part; a write's data follows the header in the readable part.
            ulong chainOffset = toGuest ? 0UL : HeaderSize;
            while (done < length)
            {
                int n = (int)Math.Min((ulong)buffer.Length, length - done);
                var span = buffer.AsSpan(0, n);
                long fileOffset = (long)(sector * SectorSize + done);
                if (toGuest)
                {
                    int got = RandomAccess.Read(_file.SafeFileHandle, span, fileOffset);
                    if (got < n) span[got..].Clear(); // the image shrank under us: the rest reads as zeros
                    if (!chain.TryWrite(chainOffset + done, span)) return StatusIoError;
                }
                else
                {
                    if (!chain.TryRead(chainOffset + done, span)) return StatusIoError;
                    RandomAccess.Write(_file.SafeFileHandle, (ReadOnlySpan<byte>)span, fileOffset);
                }
                done += (ulong)n;
            }
            return StatusOk;
        }
        catch (IOException)
        {
            return StatusIoError;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool Flush()
    {
        if (ReadOnly) return true;
        try { _file.Flush(flushToDisk: true); return true; }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { return false; }
    }

    /// <summary>Waits for flushes under way, flushes the image to the disk and closes it.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Task pending;
        lock (_flushGate) pending = _flushes;
        try { pending.Wait(); }
        catch (AggregateException) { } // a flush that failed has told the guest so, or had no guest left to tell
        Flush();
        _file.Dispose();
    }
}

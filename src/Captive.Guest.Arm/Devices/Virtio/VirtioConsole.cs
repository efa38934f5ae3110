using System.Buffers;
using System.IO.Pipelines;

namespace Captive.Guest.Arm.Devices.Virtio;

/// <summary>
/// virtio-console (VIRTIO 1.2 §5.3) with its one console port and no features (no MULTIPORT, no SIZE): Linux makes it
/// <c>/dev/hvc0</c> (<c>console=hvc0</c>). What the guest writes goes to a <see cref="PipeWriter"/>; what
/// <see cref="EnqueueInput"/> is given fills the driver's receive buffers. The vCPU never blocks on the pipe: while a
/// flush is still pending, further output is dropped and counted (<see cref="BytesDropped"/>); give it a
/// <see cref="Pipe"/> whose writer does not pause, as the UART's.
/// </summary>
public sealed class VirtioConsole : IVirtioDevice
{
    /// <summary>Bytes of input held for the guest before more is refused.</summary>
    public const int InputCapacity = 64 * 1024;

    private const int ReceiveQueue = 0, TransmitQueue = 1;

    private readonly PipeWriter _output;
    private readonly object _inputGate = new();
    private readonly Queue<byte> _input = new();
    private readonly byte[] _buffer = new byte[4096];
    private ValueTask<FlushResult> _pendingFlush;
    private bool _outputClosed;
    private VirtioContext? _context;
    private long _written, _dropped;

    /// <summary>A console whose output goes to <paramref name="output"/> (the device only writes and flushes it).</summary>
    public VirtioConsole(PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Bytes the guest wrote that reached the pipe.</summary>
    public long BytesWritten => Interlocked.Read(ref _written);

    /// <summary>Bytes the guest wrote that were dropped (the pipe was still flushing, or closed).</summary>
    public long BytesDropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc/>
    public string Name => "virtio-console";

    /// <inheritdoc/>
    public uint DeviceId => VirtioDeviceId.Console;

    /// <inheritdoc/>
    public ulong DeviceFeatures => 0;

    /// <inheritdoc/>
    public int QueueCount => 2;

    /// <inheritdoc/>
    public ushort MaxQueueSize => 128;

    /// <inheritdoc/>
    public void ReadConfig(int offset, Span<byte> data) => data.Clear(); // cols, rows, max_nr_ports: meaningful only with features

    /// <inheritdoc/>
    public void WriteConfig(int offset, ReadOnlySpan<byte> data) { }

    /// <inheritdoc/>
    public void Activate(VirtioContext context)
    {
        _context = context;
        DeliverInput();
    }

    /// <inheritdoc/>
    public void Reset() => _context = null;

    /// <inheritdoc/>
    public void QueueNotified(int queue)
    {
        if (_context is null) return;
        if (queue == TransmitQueue) Transmit(_context.Queues[TransmitQueue]);
        else if (queue == ReceiveQueue) DeliverInput();
    }

    /// <summary>
    /// Queues <paramref name="data"/> as input for the guest (any thread); returns how many bytes were taken (fewer when
    /// <see cref="InputCapacity"/> bytes already wait).
    /// </summary>
    public int EnqueueInput(ReadOnlySpan<byte> data)
    {
        int taken;
        lock (_inputGate)
        {
            taken = Math.Min(data.Length, InputCapacity - _input.Count);
            foreach (byte b in data[..taken]) _input.Enqueue(b);
        }
        DeliverInput();
        return taken;
    }

    private void Transmit(VirtQueue q)
    {
        while (q.TryTake() is { } chain)
        {
            ulong length = chain.ReadableLength, done = 0;
            while (done < length)
            {
                int n = (int)Math.Min((ulong)_buffer.Length, length - done);
                if (!chain.TryRead(done, _buffer.AsSpan(0, n))) break;
                Write(_buffer.AsSpan(0, n));
                done += (ulong)n;
            }
            q.Complete(chain.Head, 0);
        }
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (_outputClosed || !_pendingFlush.IsCompleted)
        {
            Interlocked.Add(ref _dropped, bytes.Length);
            return;
        }
        try
        {
            if (_pendingFlush.Result.IsCompleted) { _outputClosed = true; Interlocked.Add(ref _dropped, bytes.Length); return; }
            _output.Write(bytes);
            _pendingFlush = _output.FlushAsync();
            Interlocked.Add(ref _written, bytes.Length);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
        {
            _outputClosed = true; // the reader went away
            Interlocked.Add(ref _dropped, bytes.Length);
        }
    }

    private void DeliverInput()
    {
        var context = _context;
        if (context is null) return;
        lock (_inputGate) if (_input.Count == 0) return;
        context.Run(() =>
        {
            var q = context.Queues[ReceiveQueue];
            bool any = false;
            while (true)
            {
                lock (_inputGate) if (_input.Count == 0) break;
                if (q.TryTake() is not { } chain) break;
                int n;
                lock (_inputGate)
                {
                    n = (int)Math.Min((ulong)Math.Min(_input.Count, _buffer.Length), chain.WritableLength);
                    for (int i = 0; i < n; i++) _buffer[i] = _input.Dequeue();
                }
                chain.TryWrite(0, _buffer.AsSpan(0, n));
                q.Complete(chain.Head, (uint)n);
                any = true;
            }
            if (any) context.NotifyUsed(ReceiveQueue);
        });
    }
}

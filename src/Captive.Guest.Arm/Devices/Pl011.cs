using System.Collections.Immutable;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices;

/// <summary>
/// ARM PrimeCell UART (PL011, r1p5) as an MMIO device: a 4 KiB register window whose transmit
/// side writes into a <see cref="PipeWriter"/> and whose receive side is fed by
/// <see cref="EnqueueInput"/>.
/// </summary>
/// <remarks>
/// <para>
/// Transmission is instantaneous: the transmit FIFO is always empty (UARTFR.TXFE set, TXFF and
/// BUSY clear), so guests that poll TXFF never wait. As on QEMU, bytes are transmitted whether
/// or not UARTCR.UARTEN/TXE are set, because bare-metal programs commonly skip enabling a UART
/// that firmware would have enabled.
/// </para>
/// <para>
/// The vCPU thread never blocks on the pipe. Each byte is written and flushed; when a flush does
/// not complete at once (the reader is slow and the pipe is above its pause threshold), further
/// bytes go into a bounded backlog that is handed to the pipe when the flush completes, and bytes
/// beyond the backlog are dropped and counted in <see cref="BytesDropped"/>. Supply a
/// <see cref="Pipe"/>'s writer with the default (thread-pool) schedulers: a writer over a stream
/// (<c>PipeWriter.Create(stream)</c>) writes to the stream inside <c>FlushAsync</c>, which would
/// run on the vCPU thread.
/// </para>
/// <para>
/// Receive: host input is queued (bounded by <c>inputCapacity</c>); the guest sees the head of
/// the queue as its receive FIFO. UARTFR.RXFF is set when at least a FIFO's worth of input is
/// waiting. The receive interrupt is raised when the waiting input reaches the UARTIFLS trigger
/// level (one byte with FIFOs disabled), and the receive-timeout interrupt when input waits below
/// it, as if the 32-bit-period timeout had already expired. The transmit interrupt is raised each
/// time the guest writes UARTDR (the FIFO has drained again) and cleared through UARTICR, which
/// is what the Linux driver expects of a PL011 whose FIFO drains instantly.
/// </para>
/// <para>
/// Thread safety: MMIO accesses, <see cref="EnqueueInput"/>, <see cref="Save"/> and
/// <see cref="Restore"/> may be called from any thread. The interrupt line is driven under the
/// device's lock, so its <see cref="IInterruptLine.Set"/> must not call back into this device.
/// </para>
/// </remarks>
public sealed class Pl011 : IMmioDevice, IMmioReadMirror
{
    /// <summary>Size of the register window.</summary>
    public const ulong WindowSize = 0x1000;

    /// <summary>Default bound of the transmit backlog used while the pipe applies back-pressure.</summary>
    public const int DefaultBacklogCapacity = 64 * 1024;

    /// <summary>Default bound of queued, not yet read, host input.</summary>
    public const int DefaultInputCapacity = 4096;

    private const ushort ControlWritableMask = 0xFF87;        // bits 3..6 are reserved
    private const ushort InterruptWritableMask = (ushort)Pl011Interrupts.All;
    private const byte DmaControlWritableMask = 0x07;
    private const byte FractionalBaudRateMask = 0x3F;
    private const byte FifoLevelSelectMask = 0x3F;

    private readonly object _gate = new();
    private readonly PipeWriter _output;
    private readonly IInterruptLine? _interrupt;

    // Registers.
    private ushort _control;
    private byte _lineControl;
    private ushort _integerBaudRate;
    private byte _fractionalBaudRate;
    private byte _fifoLevelSelect;
    private ushort _interruptMask;
    private ushort _rawInterrupts;
    private byte _dmaControl;
    private byte _irdaLowPowerCounter;
    private byte _receiveStatus;
    private bool _interruptLevel;

    // Receive queue: a ring buffer.
    private readonly byte[] _input;
    private int _inputHead;
    private int _inputCount;

    // Transmit side. Invariant: _backlogCount > 0 only while _pendingFlush is not null.
    private readonly byte[] _backlog;
    private int _backlogCount;
    private Task<FlushResult>? _pendingFlush;
    private bool _outputClosed;
    private long _bytesTransmitted;
    private long _bytesDropped;
    private long _inputBytesDropped;

    /// <summary>Creates a PL011 in its reset state.</summary>
    /// <param name="output">Where transmitted bytes go. The device only writes and flushes; whoever
    /// created the pipe completes it.</param>
    /// <param name="interrupt">The UARTINTR output (combined interrupt), or null when unwired.</param>
    /// <param name="backlogCapacity">Bytes kept while the pipe applies back-pressure; more are dropped.</param>
    /// <param name="inputCapacity">Bytes of host input queued before <see cref="EnqueueInput"/> refuses more.</param>
    public Pl011(PipeWriter output, IInterruptLine? interrupt = null,
        int backlogCapacity = DefaultBacklogCapacity, int inputCapacity = DefaultInputCapacity)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(backlogCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputCapacity, 1);
        _output = output;
        _interrupt = interrupt;
        _backlog = new byte[backlogCapacity];
        _input = new byte[inputCapacity];
        ResetRegisters();
    }

    /// <inheritdoc/>
    public string Name => "pl011";

    /// <summary>
    /// Every implemented register but UARTDR (a read pops the receive FIFO) and the write-only UARTICR: their reads have
    /// no side effects, so translated code polling UARTFR reads the engine's copy instead of asking the host.
    /// </summary>
    public IReadOnlyList<int> MirroredRegisters { get; } = MirroredOffsets();

    /// <inheritdoc/>
    public event Action? MirroredRegistersChanged;

    private static int[] MirroredOffsets()
    {
        var offsets = new List<int>
        {
            (int)Pl011Registers.ReceiveStatus, (int)Pl011Registers.Flags, (int)Pl011Registers.IrdaLowPowerCounter,
            (int)Pl011Registers.IntegerBaudRate, (int)Pl011Registers.FractionalBaudRate, (int)Pl011Registers.LineControl,
            (int)Pl011Registers.Control, (int)Pl011Registers.FifoLevelSelect, (int)Pl011Registers.InterruptMask,
            (int)Pl011Registers.RawInterruptStatus, (int)Pl011Registers.MaskedInterruptStatus, (int)Pl011Registers.DmaControl,
        };
        for (ulong r = Pl011Registers.PeripheralId0; r < WindowSize; r += 4) offsets.Add((int)r);
        return [.. offsets];
    }

    /// <summary>Bytes handed to the pipe writer.</summary>
    public long BytesTransmitted => Interlocked.Read(ref _bytesTransmitted);

    /// <summary>Bytes the guest transmitted that were discarded: backlog full, or the pipe's reader gone.</summary>
    public long BytesDropped => Interlocked.Read(ref _bytesDropped);

    /// <summary>Bytes waiting in the backlog for a slow flush to complete.</summary>
    public int BytesBuffered { get { lock (_gate) return _backlogCount; } }

    /// <summary>Host input refused by <see cref="EnqueueInput"/> because the input queue was full.</summary>
    public long InputBytesDropped => Interlocked.Read(ref _inputBytesDropped);

    /// <summary>Bytes of host input the guest has not read yet.</summary>
    public int InputBytesQueued { get { lock (_gate) return _inputCount; } }

    /// <summary>Whether the pipe stopped accepting output (its reader completed, or it failed).</summary>
    public bool OutputClosed { get { lock (_gate) return _outputClosed; } }

    /// <summary>Current level of the interrupt output: (UARTRIS &amp; UARTIMSC) != 0.</summary>
    public bool InterruptAsserted { get { lock (_gate) return _interruptLevel; } }

    /// <summary>Returns the registers to their reset values and empties the receive queue.
    /// Output already transmitted and the counters are kept.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            ResetRegisters();
            _inputHead = 0;
            _inputCount = 0;
            UpdateInterrupt();
        }
        MirroredRegistersChanged?.Invoke();
    }

    /// <summary>
    /// Queues host input for the guest to read from UARTDR. Never blocks.
    /// </summary>
    /// <returns>How many bytes were accepted; the rest did not fit and are counted in
    /// <see cref="InputBytesDropped"/> (a caller that can wait should retry them instead).</returns>
    public int EnqueueInput(ReadOnlySpan<byte> data) => EnqueueInputCore(data, countRefused: true);

    /// <summary>Like <see cref="EnqueueInput"/>, but bytes that do not fit are left to the caller to retry.</summary>
    internal int EnqueueInputWithoutDropping(ReadOnlySpan<byte> data) => EnqueueInputCore(data, countRefused: false);

    private int EnqueueInputCore(ReadOnlySpan<byte> data, bool countRefused)
    {
        int accepted;
        lock (_gate)
        {
            accepted = Math.Min(data.Length, _input.Length - _inputCount);
            for (int i = 0; i < accepted; i++)
                _input[(_inputHead + _inputCount + i) % _input.Length] = data[i];
            _inputCount += accepted;
            if (countRefused && accepted < data.Length)
                Interlocked.Add(ref _inputBytesDropped, data.Length - accepted);
            if (accepted > 0)
            {
                UpdateReceiveInterrupts(arrived: true);
                UpdateInterrupt();
            }
        }
        if (accepted > 0) MirroredRegistersChanged?.Invoke(); // UARTFR, UARTRIS, UARTMIS changed
        return accepted;
    }

    /// <inheritdoc/>
    public void Read(ulong offset, Span<byte> data)
    {
        if (data.IsEmpty)
            return;
        data.Clear();
        if (offset >= WindowSize)
            return;
        ulong register = offset & ~3UL;
        int shift = (int)(offset & 3) * 8;
        if (register == Pl011Registers.Data && shift != 0)
            return;   // only an access that includes the data byte pops the receive FIFO
        uint value;
        lock (_gate)
            value = ReadRegister(register);
        value >>= shift;
        // A wider-than-register access sees the register zero-extended.
        for (int i = 0; i < data.Length && i < 4 - (int)(offset & 3); i++)
            data[i] = (byte)(value >> (8 * i));
    }

    /// <inheritdoc/>
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        // Registers are written with aligned accesses; a byte write to UARTDR is the common
        // exception and is just a short aligned write. Misaligned writes are ignored.
        if (data.IsEmpty || offset >= WindowSize || (offset & 3) != 0)
            return;
        uint value = data.Length switch
        {
            1 => data[0],
            2 or 3 => BinaryPrimitives.ReadUInt16LittleEndian(data),
            _ => BinaryPrimitives.ReadUInt32LittleEndian(data),
        };
        lock (_gate)
            WriteRegister(offset, value);
    }

    /// <summary>
    /// Waits until every byte in the backlog has been handed to the pipe and flushed, or the
    /// pipe has closed. For shutdown; the vCPU thread never needs it.
    /// </summary>
    public async Task FlushOutputAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task<FlushResult>? pending;
            lock (_gate)
                pending = _pendingFlush;
            if (pending is null)
                return;
            try
            {
                await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A faulted flush closes the output; ResumeAfterFlush records it.
            }
            ResumeAfterFlush(pending);
        }
    }

    /// <summary>Captures the guest-visible state (registers and unread input).</summary>
    public Pl011State Save()
    {
        lock (_gate)
        {
            var input = new byte[_inputCount];
            for (int i = 0; i < _inputCount; i++)
                input[i] = _input[(_inputHead + i) % _input.Length];
            return new Pl011State(
                Pl011State.CurrentVersion, _control, _lineControl, _integerBaudRate, _fractionalBaudRate,
                _fifoLevelSelect, _interruptMask, _rawInterrupts, _dmaControl, _irdaLowPowerCounter,
                _receiveStatus, ImmutableArray.Create(input));
        }
    }

    /// <summary>Restores state captured by <see cref="Save"/> and drives the interrupt line to match.</summary>
    /// <exception cref="ArgumentException">The state is from an unknown version or does not fit this device.</exception>
    public void Restore(Pl011State state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Version != Pl011State.CurrentVersion)
            throw new ArgumentException($"PL011 state version {state.Version} is not supported (expected {Pl011State.CurrentVersion}).", nameof(state));
        var input = state.ReceiveQueue.IsDefault ? ImmutableArray<byte>.Empty : state.ReceiveQueue;
        if (input.Length > _input.Length)
            throw new ArgumentException($"The saved receive queue holds {input.Length} bytes; this device's input capacity is {_input.Length}.", nameof(state));
        lock (_gate)
        {
            _control = (ushort)(state.Control & ControlWritableMask);
            _lineControl = state.LineControl;
            _integerBaudRate = state.IntegerBaudRate;
            _fractionalBaudRate = (byte)(state.FractionalBaudRate & FractionalBaudRateMask);
            _fifoLevelSelect = (byte)(state.FifoLevelSelect & FifoLevelSelectMask);
            _interruptMask = (ushort)(state.InterruptMask & InterruptWritableMask);
            _rawInterrupts = (ushort)(state.RawInterruptStatus & InterruptWritableMask);
            _dmaControl = (byte)(state.DmaControl & DmaControlWritableMask);
            _irdaLowPowerCounter = state.IrdaLowPowerCounter;
            _receiveStatus = (byte)(state.ReceiveStatus & 0x0F);
            input.CopyTo(_input);
            _inputHead = 0;
            _inputCount = input.Length;
            UpdateInterrupt();
        }
        MirroredRegistersChanged?.Invoke();
    }

    private void ResetRegisters()
    {
        _control = Pl011Registers.ControlResetValue;
        _lineControl = 0;
        _integerBaudRate = 0;
        _fractionalBaudRate = 0;
        _fifoLevelSelect = Pl011Registers.FifoLevelSelectResetValue;
        _interruptMask = 0;
        _rawInterrupts = 0;
        _dmaControl = 0;
        _irdaLowPowerCounter = 0;
        _receiveStatus = 0;
    }

    private bool FifosEnabled => (_lineControl & (byte)Pl011LineControl.FifoEnable) != 0;

    private int FifoDepth => FifosEnabled ? Pl011Registers.FifoDepth : 1;

    /// <summary>Receive trigger level in bytes, from UARTIFLS.RXIFLSEL (1/8 .. 7/8 of the FIFO).</summary>
    private int ReceiveTriggerLevel
    {
        get
        {
            if (!FifosEnabled)
                return 1;
            return ((_fifoLevelSelect >> 3) & 7) switch
            {
                0 => Pl011Registers.FifoDepth / 8,
                1 => Pl011Registers.FifoDepth / 4,
                3 => Pl011Registers.FifoDepth * 3 / 4,
                4 => Pl011Registers.FifoDepth * 7 / 8,
                _ => Pl011Registers.FifoDepth / 2,   // 2, and the reserved encodings
            };
        }
    }

    private uint ReadRegister(ulong register)
    {
        switch (register)
        {
            case Pl011Registers.Data:
                return ReadData();
            case Pl011Registers.ReceiveStatus:
                return _receiveStatus;
            case Pl011Registers.Flags:
                return (uint)ComputeFlags();
            case Pl011Registers.IrdaLowPowerCounter:
                return _irdaLowPowerCounter;
            case Pl011Registers.IntegerBaudRate:
                return _integerBaudRate;
            case Pl011Registers.FractionalBaudRate:
                return _fractionalBaudRate;
            case Pl011Registers.LineControl:
                return _lineControl;
            case Pl011Registers.Control:
                return _control;
            case Pl011Registers.FifoLevelSelect:
                return _fifoLevelSelect;
            case Pl011Registers.InterruptMask:
                return _interruptMask;
            case Pl011Registers.RawInterruptStatus:
                return _rawInterrupts;
            case Pl011Registers.MaskedInterruptStatus:
                return (uint)(_rawInterrupts & _interruptMask);
            case Pl011Registers.DmaControl:
                return _dmaControl;
            case >= Pl011Registers.PeripheralId0 and < WindowSize:
                return Pl011Registers.IdentificationBytes[(int)(register - Pl011Registers.PeripheralId0) / 4];
            default:
                return 0;   // reserved, test registers and UARTICR (write only) read as zero
        }
    }

    private void WriteRegister(ulong register, uint value)
    {
        switch (register)
        {
            case Pl011Registers.Data:
                Transmit((byte)value);
                _rawInterrupts |= (ushort)Pl011Interrupts.Transmit;
                UpdateInterrupt();
                break;
            case Pl011Registers.ReceiveStatus:
                _receiveStatus = 0;   // UARTECR: any write clears the error flags
                break;
            case Pl011Registers.IrdaLowPowerCounter:
                _irdaLowPowerCounter = (byte)value;
                break;
            case Pl011Registers.IntegerBaudRate:
                _integerBaudRate = (ushort)value;
                break;
            case Pl011Registers.FractionalBaudRate:
                _fractionalBaudRate = (byte)(value & FractionalBaudRateMask);
                break;
            case Pl011Registers.LineControl:
                _lineControl = (byte)value;
                UpdateReceiveInterrupts(arrived: false);   // the trigger level may have moved
                UpdateInterrupt();
                break;
            case Pl011Registers.Control:
                _control = (ushort)(value & ControlWritableMask);
                break;
            case Pl011Registers.FifoLevelSelect:
                _fifoLevelSelect = (byte)(value & FifoLevelSelectMask);
                UpdateReceiveInterrupts(arrived: false);
                UpdateInterrupt();
                break;
            case Pl011Registers.InterruptMask:
                _interruptMask = (ushort)(value & InterruptWritableMask);
                UpdateInterrupt();
                break;
            case Pl011Registers.InterruptClear:
                _rawInterrupts &= (ushort)~(value & InterruptWritableMask);
                UpdateInterrupt();
                break;
            case Pl011Registers.DmaControl:
                _dmaControl = (byte)(value & DmaControlWritableMask);
                break;
            default:
                break;   // read-only and reserved registers ignore writes
        }
    }

    private Pl011Flags ComputeFlags()
    {
        var flags = Pl011Flags.TransmitFifoEmpty;
        if (_inputCount == 0)
            flags |= Pl011Flags.ReceiveFifoEmpty;
        if (_inputCount >= FifoDepth)
            flags |= Pl011Flags.ReceiveFifoFull;
        return flags;
    }

    private uint ReadData()
    {
        if (_inputCount == 0)
            return 0;
        byte b = _input[_inputHead];
        _inputHead = (_inputHead + 1) % _input.Length;
        _inputCount--;
        UpdateReceiveInterrupts(arrived: false);
        UpdateInterrupt();
        return b;   // bits 8..11 (FE, PE, BE, OE) are never set: host input has no line errors
    }

    private void UpdateReceiveInterrupts(bool arrived)
    {
        int waiting = Math.Min(_inputCount, FifoDepth);
        int trigger = ReceiveTriggerLevel;
        if (waiting >= trigger)
        {
            // Reaching the trigger level raises RX; once there, RX stays until drained below it
            // or cleared through UARTICR (and fresh input raises it again).
            if (arrived)
                _rawInterrupts |= (ushort)Pl011Interrupts.Receive;
            _rawInterrupts &= (ushort)~Pl011Interrupts.ReceiveTimeout;
        }
        else
        {
            _rawInterrupts &= (ushort)~Pl011Interrupts.Receive;
            if (waiting == 0)
                _rawInterrupts &= (ushort)~Pl011Interrupts.ReceiveTimeout;
            else if (arrived)
                _rawInterrupts |= (ushort)Pl011Interrupts.ReceiveTimeout;
        }
    }

    private void UpdateInterrupt()
    {
        bool level = (_rawInterrupts & _interruptMask) != 0;
        if (level == _interruptLevel)
            return;
        _interruptLevel = level;
        _interrupt?.Set(level);
    }

    // ---- Transmit path. Called with _gate held. ----

    private void Transmit(byte value)
    {
        if (_pendingFlush is { } pending)
        {
            if (!pending.IsCompleted)
            {
                if (_backlogCount < _backlog.Length)
                    _backlog[_backlogCount++] = value;
                else
                    Interlocked.Increment(ref _bytesDropped);
                return;
            }
            ConsumeFlush(pending);
        }
        if (_outputClosed)
        {
            Interlocked.Increment(ref _bytesDropped);
            return;
        }
        try
        {
            var span = _output.GetSpan(1 + _backlogCount);
            _backlog.AsSpan(0, _backlogCount).CopyTo(span);
            span[_backlogCount] = value;
            _output.Advance(_backlogCount + 1);
            Interlocked.Add(ref _bytesTransmitted, _backlogCount + 1);
            _backlogCount = 0;
            StartFlush();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException)
        {
            CloseOutput(1);
        }
    }

    private void StartFlush()
    {
        ValueTask<FlushResult> flush;
        try
        {
            flush = _output.FlushAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException)
        {
            CloseOutput(0);
            return;
        }
        if (flush.IsCompletedSuccessfully)
        {
            var result = flush.Result;
            if (result.IsCompleted || result.IsCanceled)
                CloseOutput(0);
            return;
        }
        // Back-pressure (or a failure): park further bytes in the backlog until it resolves.
        var task = flush.AsTask();
        _pendingFlush = task;
        task.ContinueWith(static (t, state) => ((Pl011)state!).ResumeAfterFlush(t), this,
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Runs when a slow flush completes: hands the backlog over and flushes again.</summary>
    private void ResumeAfterFlush(Task<FlushResult> completed)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_pendingFlush, completed))
                return;   // the vCPU thread got there first
            ConsumeFlush(completed);
            if (_backlogCount == 0)
                return;
            if (_outputClosed)
            {
                CloseOutput(0);
                return;
            }
            try
            {
                var span = _output.GetSpan(_backlogCount);
                _backlog.AsSpan(0, _backlogCount).CopyTo(span);
                _output.Advance(_backlogCount);
                Interlocked.Add(ref _bytesTransmitted, _backlogCount);
                _backlogCount = 0;
                StartFlush();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException)
            {
                CloseOutput(0);
            }
        }
    }

    private void ConsumeFlush(Task<FlushResult> flush)
    {
        _pendingFlush = null;
        if (!flush.IsCompletedSuccessfully || flush.Result.IsCompleted || flush.Result.IsCanceled)
            CloseOutput(0);
    }

    /// <summary>Marks the output closed, dropping the backlog and <paramref name="alsoDropped"/> more bytes.</summary>
    private void CloseOutput(int alsoDropped)
    {
        _outputClosed = true;
        Interlocked.Add(ref _bytesDropped, _backlogCount + alsoDropped);
        _backlogCount = 0;
    }
}

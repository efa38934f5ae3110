using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Captive.Core.Devices;
using Captive.Guest.Arm.Devices;
using Xunit;

namespace Captive.Guest.Arm.Tests.Devices;

// Expected values are the PL011 TRM's (ARM DDI 0183: register reset values, UARTFR bit
// positions, peripheral/PrimeCell IDs of r1p5), not re-derived from the model.
public sealed class Pl011Tests
{
    private sealed class RecordingLine : IInterruptLine
    {
        public List<bool> Levels { get; } = [];
        public bool Level => Levels.Count > 0 && Levels[^1];
        public void Set(bool asserted) => Levels.Add(asserted);
    }

    private static uint Read32(Pl011 uart, ulong offset)
    {
        Span<byte> b = stackalloc byte[4];
        uart.Read(offset, b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    private static void Write32(Pl011 uart, ulong offset, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        uart.Write(offset, b);
    }

    private static string Drain(PipeReader reader)
    {
        if (!reader.TryRead(out var result))
            return "";
        var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
        reader.AdvanceTo(result.Buffer.End);
        return text;
    }

    [Fact]
    public void Byte_and_word_writes_to_UARTDR_transmit_the_low_byte()
    {
        var pipe = new Pipe();
        var uart = new Pl011(pipe.Writer);

        uart.Write(Pl011Registers.Data, [(byte)'H']);
        uart.Write(Pl011Registers.Data, [(byte)'i']);
        Write32(uart, Pl011Registers.Data, 0xFFFF_FF41);            // only 'A' goes out
        uart.Write(Pl011Registers.Data, [0x0A, 0x00, 0x00, 0x00, 0xEE, 0xEE, 0xEE, 0xEE]);   // 64-bit store

        Assert.Equal("HiA\n", Drain(pipe.Reader));
        Assert.Equal(4, uart.BytesTransmitted);
        Assert.Equal(0, uart.BytesDropped);
    }

    [Fact]
    public void UARTFR_reports_transmit_FIFO_empty_and_receive_FIFO_empty_when_idle()
    {
        var uart = new Pl011(new Pipe().Writer);
        uint fr = Read32(uart, Pl011Registers.Flags);

        Assert.Equal(0x90u, fr);   // TXFE (bit 7) | RXFE (bit 4); TXFF, BUSY, RXFF clear
        Assert.Equal((uint)(Pl011Flags.TransmitFifoEmpty | Pl011Flags.ReceiveFifoEmpty), fr);
    }

    [Fact]
    public void UARTFR_stays_not_busy_and_not_full_while_transmitting()
    {
        var pipe = new Pipe();
        var uart = new Pl011(pipe.Writer);
        for (int i = 0; i < 100; i++)
        {
            uart.Write(Pl011Registers.Data, [(byte)'x']);
            uint fr = Read32(uart, Pl011Registers.Flags);
            Assert.Equal(0u, fr & (uint)(Pl011Flags.TransmitFifoFull | Pl011Flags.Busy));
            Assert.NotEqual(0u, fr & (uint)Pl011Flags.TransmitFifoEmpty);
        }
    }

    [Theory]
    [InlineData(0xFE0, 0x11)]
    [InlineData(0xFE4, 0x10)]
    [InlineData(0xFE8, 0x14)]
    [InlineData(0xFEC, 0x00)]
    [InlineData(0xFF0, 0x0D)]
    [InlineData(0xFF4, 0xF0)]
    [InlineData(0xFF8, 0x05)]
    [InlineData(0xFFC, 0xB1)]
    public void Identification_registers_read_as_PL011_r1p5(ulong offset, uint expected)
    {
        var uart = new Pl011(new Pipe().Writer);
        Assert.Equal(expected, Read32(uart, offset));
        Write32(uart, offset, 0xFFFF_FFFF);   // read-only
        Assert.Equal(expected, Read32(uart, offset));
    }

    [Theory]
    [InlineData(0x030, 0x0300u)]   // UARTCR: TXE | RXE
    [InlineData(0x034, 0x12u)]     // UARTIFLS: 1/2, 1/2
    [InlineData(0x02C, 0u)]        // UARTLCR_H
    [InlineData(0x024, 0u)]        // UARTIBRD
    [InlineData(0x028, 0u)]        // UARTFBRD
    [InlineData(0x038, 0u)]        // UARTIMSC
    [InlineData(0x03C, 0u)]        // UARTRIS
    [InlineData(0x040, 0u)]        // UARTMIS
    [InlineData(0x048, 0u)]        // UARTDMACR
    [InlineData(0x004, 0u)]        // UARTRSR
    public void Registers_reset_to_the_TRM_values(ulong offset, uint expected)
    {
        var uart = new Pl011(new Pipe().Writer);
        Assert.Equal(expected, Read32(uart, offset));
    }

    [Theory]
    [InlineData(0x030, 0x0301u, 0x0301u)]       // UARTCR: UARTEN | TXE | RXE
    [InlineData(0x030, 0xFFFFu, 0xFF87u)]       // UARTCR: bits 3..6 reserved
    [InlineData(0x038, 0x0050u, 0x0050u)]       // UARTIMSC: RXIM | RTIM
    [InlineData(0x038, 0xFFFFu, 0x07FFu)]       // UARTIMSC: 11 bits
    [InlineData(0x02C, 0x0070u, 0x0070u)]       // UARTLCR_H: FEN | WLEN=8
    [InlineData(0x024, 0x1234_0027u, 0x0027u)]  // UARTIBRD: 16 bits
    [InlineData(0x028, 0xFFu, 0x3Fu)]           // UARTFBRD: 6 bits
    [InlineData(0x034, 0xFFu, 0x3Fu)]           // UARTIFLS: 6 bits
    [InlineData(0x048, 0xFFu, 0x07u)]           // UARTDMACR: 3 bits
    [InlineData(0x020, 0x1FFu, 0xFFu)]          // UARTILPR: 8 bits
    public void Writable_registers_read_back_within_their_implemented_bits(ulong offset, uint written, uint expected)
    {
        var uart = new Pl011(new Pipe().Writer);
        Write32(uart, offset, written);
        Assert.Equal(expected, Read32(uart, offset));
    }

    [Fact]
    public void Read_only_registers_ignore_writes()
    {
        var uart = new Pl011(new Pipe().Writer);
        Write32(uart, Pl011Registers.Flags, 0);
        Write32(uart, Pl011Registers.RawInterruptStatus, 0x7FF);
        Write32(uart, Pl011Registers.MaskedInterruptStatus, 0x7FF);
        Assert.Equal(0x90u, Read32(uart, Pl011Registers.Flags));
        Assert.Equal(0u, Read32(uart, Pl011Registers.RawInterruptStatus));
        Assert.Equal(0u, Read32(uart, Pl011Registers.InterruptClear));   // write-only reads as 0
    }

    [Fact]
    public void Narrow_and_wide_reads_see_the_register_bytes()
    {
        var uart = new Pl011(new Pipe().Writer);
        Span<byte> one = stackalloc byte[1];
        uart.Read(Pl011Registers.Flags, one);
        Assert.Equal(0x90, one[0]);
        uart.Read(Pl011Registers.Control + 1, one);
        Assert.Equal(0x03, one[0]);                                  // high byte of 0x0300
        Span<byte> eight = stackalloc byte[8];
        eight.Fill(0xCC);
        uart.Read(Pl011Registers.Control, eight);
        Assert.Equal(0x0300UL, BinaryPrimitives.ReadUInt64LittleEndian(eight));
    }

    [Fact]
    public void Reserved_misaligned_and_out_of_window_accesses_are_harmless()
    {
        var pipe = new Pipe();
        var uart = new Pl011(pipe.Writer);
        Assert.Equal(0u, Read32(uart, 0x100));
        Assert.Equal(0u, Read32(uart, 0x2000));
        Write32(uart, 0x2000, 0x41);
        uart.Write(Pl011Registers.Data + 1, [0x41]);                 // misaligned: ignored
        uart.Write(0xFFF, [0x41]);
        uart.Read(0xFFF, new byte[8]);
        uart.Write(0, ReadOnlySpan<byte>.Empty);
        Assert.Equal(0, uart.BytesTransmitted);
        Assert.Equal(0x0300u, Read32(uart, Pl011Registers.Control));
    }

    [Fact]
    public void Input_is_read_from_UARTDR_in_order_and_clears_RXFE()
    {
        var uart = new Pl011(new Pipe().Writer);
        Assert.Equal(2, uart.EnqueueInput("ok"u8));

        Assert.Equal(0u, Read32(uart, Pl011Registers.Flags) & (uint)Pl011Flags.ReceiveFifoEmpty);
        Assert.Equal((uint)'o', Read32(uart, Pl011Registers.Data));
        Assert.Equal((uint)'k', Read32(uart, Pl011Registers.Data));
        Assert.NotEqual(0u, Read32(uart, Pl011Registers.Flags) & (uint)Pl011Flags.ReceiveFifoEmpty);
        Assert.Equal(0u, Read32(uart, Pl011Registers.Data));          // empty FIFO reads as 0
    }

    [Fact]
    public void Only_a_read_that_includes_the_data_byte_consumes_input()
    {
        var uart = new Pl011(new Pipe().Writer);
        uart.EnqueueInput("z"u8);
        Span<byte> one = stackalloc byte[1];
        uart.Read(Pl011Registers.Data + 1, one);                      // error-flag byte
        Assert.Equal(0, one[0]);
        Assert.Equal(1, uart.InputBytesQueued);
        uart.Read(Pl011Registers.Data, one);
        Assert.Equal((byte)'z', one[0]);
        Assert.Equal(0, uart.InputBytesQueued);
    }

    [Fact]
    public void Input_beyond_the_queue_capacity_is_refused_and_counted()
    {
        var uart = new Pl011(new Pipe().Writer, inputCapacity: 8);
        Assert.Equal(8, uart.EnqueueInput("0123456789"u8));
        Assert.Equal(2, uart.InputBytesDropped);
        Assert.Equal(8, uart.InputBytesQueued);
        Assert.Equal((uint)'0', Read32(uart, Pl011Registers.Data));
        Assert.Equal(1, uart.EnqueueInput("A"u8));                    // room again after a read
    }

    [Fact]
    public void RXFF_is_set_when_a_FIFO_worth_of_input_waits()
    {
        var uart = new Pl011(new Pipe().Writer);
        uart.EnqueueInput("a"u8);
        Assert.NotEqual(0u, Read32(uart, Pl011Registers.Flags) & (uint)Pl011Flags.ReceiveFifoFull);   // FIFOs off: depth 1

        Write32(uart, Pl011Registers.LineControl, (uint)Pl011LineControl.FifoEnable);
        Assert.Equal(0u, Read32(uart, Pl011Registers.Flags) & (uint)Pl011Flags.ReceiveFifoFull);
        uart.EnqueueInput(new byte[31]);
        Assert.NotEqual(0u, Read32(uart, Pl011Registers.Flags) & (uint)Pl011Flags.ReceiveFifoFull);  // 32 waiting
    }

    [Fact]
    public void Receive_interrupt_follows_input_with_FIFOs_disabled()
    {
        var line = new RecordingLine();
        var uart = new Pl011(new Pipe().Writer, line);
        Write32(uart, Pl011Registers.InterruptMask, (uint)(Pl011Interrupts.Receive | Pl011Interrupts.ReceiveTimeout));

        uart.EnqueueInput("x"u8);
        Assert.Equal((uint)Pl011Interrupts.Receive, Read32(uart, Pl011Registers.RawInterruptStatus));
        Assert.Equal((uint)Pl011Interrupts.Receive, Read32(uart, Pl011Registers.MaskedInterruptStatus));
        Assert.True(line.Level);
        Assert.True(uart.InterruptAsserted);

        Read32(uart, Pl011Registers.Data);
        Assert.Equal(0u, Read32(uart, Pl011Registers.RawInterruptStatus));
        Assert.False(line.Level);
        Assert.Equal([true, false], line.Levels);
    }

    [Fact]
    public void Receive_timeout_below_the_trigger_level_and_receive_at_it()
    {
        var line = new RecordingLine();
        var uart = new Pl011(new Pipe().Writer, line);
        Write32(uart, Pl011Registers.LineControl, (uint)Pl011LineControl.FifoEnable);    // trigger: 1/2 of 32 = 16
        Write32(uart, Pl011Registers.InterruptMask, (uint)(Pl011Interrupts.Receive | Pl011Interrupts.ReceiveTimeout));

        uart.EnqueueInput("abc"u8);
        Assert.Equal((uint)Pl011Interrupts.ReceiveTimeout, Read32(uart, Pl011Registers.RawInterruptStatus));
        uart.EnqueueInput(new byte[13]);
        Assert.Equal((uint)Pl011Interrupts.Receive, Read32(uart, Pl011Registers.RawInterruptStatus));
        Assert.True(line.Level);

        Read32(uart, Pl011Registers.Data);                                            // 15 left: below trigger
        Assert.Equal(0u, Read32(uart, Pl011Registers.RawInterruptStatus) & (uint)Pl011Interrupts.Receive);
        for (int i = 0; i < 15; i++)
            Read32(uart, Pl011Registers.Data);
        Assert.Equal(0u, Read32(uart, Pl011Registers.RawInterruptStatus));
        Assert.False(line.Level);
    }

    [Fact]
    public void Transmit_interrupt_is_raised_by_a_write_and_cleared_by_UARTICR()
    {
        var line = new RecordingLine();
        var uart = new Pl011(new Pipe().Writer, line);
        uart.Write(Pl011Registers.Data, [(byte)'a']);
        Assert.Equal((uint)Pl011Interrupts.Transmit, Read32(uart, Pl011Registers.RawInterruptStatus));
        Assert.Equal(0u, Read32(uart, Pl011Registers.MaskedInterruptStatus));
        Assert.Empty(line.Levels);                                                    // masked

        Write32(uart, Pl011Registers.InterruptMask, (uint)Pl011Interrupts.Transmit);
        Assert.True(line.Level);
        Write32(uart, Pl011Registers.InterruptClear, (uint)Pl011Interrupts.Transmit);
        Assert.Equal(0u, Read32(uart, Pl011Registers.RawInterruptStatus));
        Assert.False(line.Level);
        Assert.Equal([true, false], line.Levels);
    }

    [Fact]
    public void Masking_an_active_interrupt_lowers_the_line()
    {
        var line = new RecordingLine();
        var uart = new Pl011(new Pipe().Writer, line);
        Write32(uart, Pl011Registers.InterruptMask, (uint)Pl011Interrupts.Receive);
        uart.EnqueueInput("x"u8);
        Assert.True(line.Level);
        Write32(uart, Pl011Registers.InterruptMask, 0);
        Assert.False(line.Level);
        Assert.Equal((uint)Pl011Interrupts.Receive, Read32(uart, Pl011Registers.RawInterruptStatus));
    }

    [Fact]
    public void A_reader_that_never_reads_makes_the_device_drop_and_count_but_never_block()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32, minimumSegmentSize: 16));
        var uart = new Pl011(pipe.Writer, backlogCapacity: 100);
        const int total = 10_000;

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < total; i++)
            uart.Write(Pl011Registers.Data, [(byte)(i % 251)]);
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "writes must not wait for the reader");
        Assert.Equal(100, uart.BytesBuffered);
        Assert.True(uart.BytesDropped > 0);
        Assert.Equal(total, uart.BytesTransmitted + uart.BytesBuffered + uart.BytesDropped);
    }

    [Fact]
    public async Task Backlog_reaches_the_reader_in_order_once_it_catches_up()
    {
        var ct = TestContext.Current.CancellationToken;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32, minimumSegmentSize: 16));
        var uart = new Pl011(pipe.Writer, backlogCapacity: 100);
        for (int i = 0; i < 1000; i++)
            uart.Write(Pl011Registers.Data, [(byte)(i % 251)]);
        long kept = 1000 - uart.BytesDropped;

        var received = new List<byte>();
        var reading = Task.Run(async () =>
        {
            while (received.Count < kept)
            {
                var r = await pipe.Reader.ReadAsync(ct);
                received.AddRange(r.Buffer.ToArray());
                pipe.Reader.AdvanceTo(r.Buffer.End);
            }
        }, ct);
        await uart.FlushOutputAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);
        await reading.WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal(0, uart.BytesBuffered);
        Assert.Equal(kept, uart.BytesTransmitted);
        // What arrives is exactly the start of what was sent: drops only ever cut the tail.
        Assert.Equal(Enumerable.Range(0, (int)kept).Select(i => (byte)(i % 251)), received);
    }

    [Fact]
    public void Output_after_the_reader_completes_is_dropped_and_counted()
    {
        var pipe = new Pipe();
        var uart = new Pl011(pipe.Writer);
        pipe.Reader.Complete();
        uart.Write(Pl011Registers.Data, [(byte)'a']);   // the flush reports the reader gone
        uart.Write(Pl011Registers.Data, [(byte)'b']);
        uart.Write(Pl011Registers.Data, [(byte)'c']);
        Assert.True(uart.OutputClosed);
        Assert.Equal(3, uart.BytesTransmitted + uart.BytesDropped);
        Assert.Equal(2, uart.BytesDropped);
    }

    [Fact]
    public void Output_after_the_writer_was_completed_elsewhere_is_dropped_not_thrown()
    {
        var pipe = new Pipe();
        var uart = new Pl011(pipe.Writer);
        pipe.Writer.Complete();
        uart.Write(Pl011Registers.Data, [(byte)'a']);
        Assert.True(uart.OutputClosed);
        Assert.Equal(1, uart.BytesDropped);
    }

    [Fact]
    public void Save_and_restore_carry_registers_and_unread_input()
    {
        var uart = new Pl011(new Pipe().Writer);
        Write32(uart, Pl011Registers.IntegerBaudRate, 0x27);
        Write32(uart, Pl011Registers.FractionalBaudRate, 0x09);
        Write32(uart, Pl011Registers.LineControl, 0x70);
        Write32(uart, Pl011Registers.Control, 0x301);
        Write32(uart, Pl011Registers.InterruptMask, (uint)Pl011Interrupts.Receive);
        uart.EnqueueInput("hello"u8);
        Read32(uart, Pl011Registers.Data);
        var state = uart.Save();

        var line = new RecordingLine();
        var copy = new Pl011(new Pipe().Writer, line);
        copy.Restore(state);

        Assert.Equal(state, copy.Save());
        Assert.Equal(0x301u, Read32(copy, Pl011Registers.Control));
        Assert.Equal(0x27u, Read32(copy, Pl011Registers.IntegerBaudRate));
        Assert.Equal(Read32(uart, Pl011Registers.RawInterruptStatus), Read32(copy, Pl011Registers.RawInterruptStatus));
        Assert.Equal(uart.InterruptAsserted, line.Level);
        Assert.Equal("ello", string.Concat(Enumerable.Range(0, 4).Select(_ => (char)Read32(copy, Pl011Registers.Data))));
    }

    [Fact]
    public void Restore_rejects_a_foreign_version_and_an_oversized_queue()
    {
        var uart = new Pl011(new Pipe().Writer, inputCapacity: 4);
        var state = uart.Save();
        Assert.Throws<ArgumentException>(() => uart.Restore(state with { Version = 99 }));
        Assert.Throws<ArgumentException>(() => uart.Restore(state with { ReceiveQueue = [1, 2, 3, 4, 5] }));
    }

    [Fact]
    public void Reset_restores_register_values_and_empties_input()
    {
        var uart = new Pl011(new Pipe().Writer);
        Write32(uart, Pl011Registers.Control, 0x301);
        uart.EnqueueInput("x"u8);
        uart.Reset();
        Assert.Equal(0x300u, Read32(uart, Pl011Registers.Control));
        Assert.Equal(0x90u, Read32(uart, Pl011Registers.Flags));
    }

    [Fact]
    public void Is_safe_to_map_on_the_device_bus()
    {
        var pipe = new Pipe();
        var uart = new Pl011(pipe.Writer);
        var bus = new DeviceBus();
        bus.Map(new Captive.Core.Memory.GuestPhysicalAddress(0x0900_0000), Pl011.WindowSize, uart);
        Assert.True(bus.TryWrite(new Captive.Core.Memory.GuestPhysicalAddress(0x0900_0000), [(byte)'!']));
        Assert.Equal("!", Drain(pipe.Reader));
        Assert.Equal("pl011", uart.Name);
    }

    [Fact]
    public async Task Console_pump_copies_output_to_a_stream_until_the_writer_completes()
    {
        var ct = TestContext.Current.CancellationToken;
        var pipe = new Pipe();
        var uart = new Pl011(pipe.Writer);
        using var sink = new MemoryStream();
        var pump = ConsolePump.StartOutput(pipe.Reader, sink, ct);
        foreach (var b in "guest says hi\n"u8.ToArray())
            uart.Write(Pl011Registers.Data, [b]);
        await pipe.Writer.CompleteAsync();
        await pump.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal("guest says hi\n", Encoding.ASCII.GetString(sink.ToArray()));
    }

    [Fact]
    public async Task Console_pump_feeds_a_stream_into_the_UART_waiting_for_room()
    {
        var ct = TestContext.Current.CancellationToken;
        var uart = new Pl011(new Pipe().Writer, inputCapacity: 4);
        using var source = new MemoryStream(Encoding.ASCII.GetBytes("abcdefghij"));
        var pump = ConsolePump.StartInput(source, uart, ct);
        var got = new StringBuilder();
        var deadline = Stopwatch.StartNew();
        while (got.Length < 10 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if ((Read32(uart, Pl011Registers.Flags) & (uint)Pl011Flags.ReceiveFifoEmpty) == 0)
                got.Append((char)Read32(uart, Pl011Registers.Data));
            else
                await Task.Delay(1, ct);
        }
        await pump.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal("abcdefghij", got.ToString());
        Assert.Equal(0, uart.InputBytesDropped);
    }

    [Fact]
    public void The_registers_translated_code_may_read_directly_exclude_the_ones_with_side_effects()
    {
        var uart = new Pl011(new Pipe().Writer);
        Assert.DoesNotContain(0x000, uart.MirroredRegisters); // UARTDR: a read pops the receive FIFO
        Assert.DoesNotContain(0x044, uart.MirroredRegisters); // UARTICR: write-only
        Assert.Contains(0x018, uart.MirroredRegisters);       // UARTFR
        Assert.Contains(0xFE0, uart.MirroredRegisters);       // UARTPeriphID0
        Assert.All(uart.MirroredRegisters, r => Assert.Equal(0, r & 3));
    }

    [Fact]
    public void Input_arriving_announces_that_UARTFR_changed()
    {
        var uart = new Pl011(new Pipe().Writer);
        int changes = 0;
        uart.MirroredRegistersChanged += () => changes++;
        Span<byte> fr = stackalloc byte[4];
        uart.Read(0x18, fr);
        Assert.NotEqual(0, fr[0] & 0x10);                     // RXFE
        uart.EnqueueInput("x"u8);
        Assert.Equal(1, changes);
        uart.Read(0x18, fr);
        Assert.Equal(0, fr[0] & 0x10);
    }
}

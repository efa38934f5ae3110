using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Captive.Core.Devices;
using Captive.Core.Memory;
using Captive.Guest.Arm.Devices.Virtio;
using Xunit;

namespace Captive.Guest.Arm.Tests.Devices;

/// <summary>
/// The virtio-mmio transport, virtio-blk and virtio-rng driven as a driver drives them, against VIRTIO 1.2: §4.2.2 (the
/// MMIO registers), §3.1 (initialisation and feature negotiation), §2.7 (split virtqueues), §5.2 (block) and §5.4 (entropy).
/// Guest RAM is the engine's <see cref="GuestRam"/> over a host buffer.
/// </summary>
public sealed unsafe class VirtioTests : IDisposable
{
    private const ulong RamBase = 0x4000_0000, RamSize = 1 << 20;
    private const ulong Desc = RamBase + 0x1000, Avail = RamBase + 0x2000, Used = RamBase + 0x3000, Data = RamBase + 0x10000;
    private const ushort QueueSize = 16;
    private const ushort Next = 1, WriteFlag = 2, Indirect = 4;

    private readonly byte* _host = (byte*)NativeMemory.AllocZeroed((nuint)RamSize);
    private readonly GuestRam _ram;
    private readonly Line _line = new();
    private readonly List<string> _files = new();

    public VirtioTests() => _ram = new GuestRam((nint)_host, new GuestPhysicalAddress(RamBase), RamSize);

    public void Dispose()
    {
        _ram.Detach();
        NativeMemory.Free(_host);
        foreach (var f in _files) File.Delete(f);
    }

    private sealed class Line : IInterruptLine
    {
        public bool Level { get; private set; }
        public void Set(bool asserted) => Level = asserted;
    }

    private Span<byte> Ram(ulong address, int length) => new(_host + (address - RamBase), length);

    private static uint Reg(VirtioMmio t, ulong offset)
    {
        Span<byte> b = stackalloc byte[4];
        t.Read(offset, b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    private static void Reg(VirtioMmio t, ulong offset, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        t.Write(offset, b);
    }

    private string Image(int sectors, Func<int, byte> fill)
    {
        string path = Path.GetTempFileName();
        _files.Add(path);
        var bytes = new byte[sectors * 512];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = fill(i);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>§3.1.1 up to DRIVER_OK, with queue 0 at Desc/Avail/Used; returns the final status.</summary>
    private uint Initialise(VirtioMmio t, ulong features = 1UL << 32)
    {
        Reg(t, 0x70, 0);
        Reg(t, 0x70, 1);
        Reg(t, 0x70, 1 | 2);
        Reg(t, 0x24, 0); Reg(t, 0x20, (uint)features);
        Reg(t, 0x24, 1); Reg(t, 0x20, (uint)(features >> 32));
        Reg(t, 0x70, 1 | 2 | 8);
        if ((Reg(t, 0x70) & 8) == 0) return Reg(t, 0x70);
        Reg(t, 0x30, 0);
        Assert.Equal(0u, Reg(t, 0x44));
        Reg(t, 0x38, QueueSize);
        Reg(t, 0x80, (uint)Desc); Reg(t, 0x84, 0);
        Reg(t, 0x90, (uint)Avail); Reg(t, 0x94, 0);
        Reg(t, 0xA0, (uint)Used); Reg(t, 0xA4, 0);
        Reg(t, 0x44, 1);
        Reg(t, 0x70, 1 | 2 | 8 | 4);
        return Reg(t, 0x70);
    }

    private void Descriptor(ulong table, int index, ulong address, uint length, ushort flags, ushort next = 0)
    {
        var d = Ram(table + (ulong)index * 16, 16);
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
    }

    private ushort AvailIndex => BinaryPrimitives.ReadUInt16LittleEndian(Ram(Avail + 2, 2));
    private ushort UsedIndex => BinaryPrimitives.ReadUInt16LittleEndian(Ram(Used + 2, 2));
    private (uint Id, uint Length) UsedElement(int i) =>
        (BinaryPrimitives.ReadUInt32LittleEndian(Ram(Used + 4 + (ulong)(8 * (i % QueueSize)), 4)),
         BinaryPrimitives.ReadUInt32LittleEndian(Ram(Used + 8 + (ulong)(8 * (i % QueueSize)), 4)));

    /// <summary>Puts head <paramref name="head"/> on the available ring and notifies queue 0.</summary>
    private void Offer(VirtioMmio t, ushort head)
    {
        ushort idx = AvailIndex;
        BinaryPrimitives.WriteUInt16LittleEndian(Ram(Avail + 4 + (ulong)(2 * (idx % QueueSize)), 2), head);
        BinaryPrimitives.WriteUInt16LittleEndian(Ram(Avail + 2, 2), (ushort)(idx + 1));
        Reg(t, 0x50, 0);
    }

    /// <summary>A block request: header at Data, data buffer, status byte; returns the status byte's address.</summary>
    private ulong BlockRequest(VirtioMmio t, uint type, ulong sector, uint dataLength, bool dataToDevice)
    {
        var header = Ram(Data, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(header, type);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], sector);
        ulong status = Data + 0x8000;
        Ram(status, 1)[0] = 0xEE;
        Descriptor(Desc, 0, Data, 16, Next, 1);
        if (dataLength > 0)
        {
            Descriptor(Desc, 1, Data + 0x1000, dataLength, (ushort)(Next | (dataToDevice ? 0 : WriteFlag)), 2);
            Descriptor(Desc, 2, status, 1, WriteFlag);
        }
        else Descriptor(Desc, 1, status, 1, WriteFlag);
        Offer(t, 0);
        return status;
    }

    [Fact]
    public void Registers_identify_a_version_2_transport_and_an_empty_slot_reads_device_id_0()
    {
        var rng = new VirtioMmio(new VirtioRng(), _ram, _line);
        Assert.Equal(0x74726976u, Reg(rng, 0x00));
        Assert.Equal(2u, Reg(rng, 0x04));
        Assert.Equal(4u, Reg(rng, 0x08));
        Assert.Equal(0x554D4551u, Reg(rng, 0x0C));
        var empty = new VirtioMmio(null, _ram, _line);
        Assert.Equal(0x74726976u, Reg(empty, 0x00));
        Assert.Equal(2u, Reg(empty, 0x04));
        Assert.Equal(0u, Reg(empty, 0x08));
    }

    [Fact]
    public void Features_ok_stays_clear_without_VERSION_1_or_with_a_feature_the_device_did_not_offer()
    {
        var t = new VirtioMmio(new VirtioRng(), _ram, _line);
        Reg(t, 0x14, 1);
        Assert.Equal(1u, Reg(t, 0x10) & 1);           // VERSION_1 offered (bit 32)
        Assert.Equal(0u, Initialise(t, 0) & 8);       // §3.1.1: a legacy driver is refused
        Assert.Equal(0u, Initialise(t, 1UL << 32 | 1UL << 5) & 8);
        Assert.Equal(1u | 2 | 4 | 8, Initialise(t));
    }

    [Fact]
    public void Rng_fills_the_writable_buffer_returns_it_used_and_raises_the_used_buffer_interrupt()
    {
        var t = new VirtioMmio(new VirtioRng(), _ram, _line);
        Initialise(t);
        Descriptor(Desc, 3, Data, 64, WriteFlag);
        Offer(t, 3);
        Assert.Equal(1, UsedIndex);
        Assert.Equal((3u, 64u), UsedElement(0));
        Assert.Contains(Ram(Data, 64).ToArray(), b => b != 0);
        Assert.True(_line.Level);
        Assert.Equal(1u, Reg(t, 0x60));
        Reg(t, 0x64, 1);
        Assert.Equal(0u, Reg(t, 0x60));
        Assert.False(_line.Level);
    }

    [Fact]
    public void Block_read_copies_the_sectors_and_writes_status_ok()
    {
        using var disk = new VirtioBlock(Image(8, i => (byte)(i / 512 * 16 + i % 7)), serial: "captive-test");
        var t = new VirtioMmio(disk, _ram, _line);
        Initialise(t);
        Assert.Equal(8u, Reg(t, 0x100));              // capacity in sectors
        ulong status = BlockRequest(t, VirtioBlock.RequestIn, 2, 1024, dataToDevice: false);
        Assert.Equal(VirtioBlock.StatusOk, Ram(status, 1)[0]);
        Assert.Equal((0u, 1025u), UsedElement(0));    // data and status written
        var data = Ram(Data + 0x1000, 1024);
        for (int i = 0; i < 1024; i++) Assert.Equal((byte)((1024 + i) / 512 * 16 + (1024 + i) % 7), data[i]);
        Assert.True(_line.Level);
    }

    [Fact]
    public void Block_write_then_flush_reaches_the_file()
    {
        string image = Image(4, _ => 0);
        using (var disk = new VirtioBlock(image))
        {
            var t = new VirtioMmio(disk, _ram, _line);
            Initialise(t);
            Ram(Data + 0x1000, 512).Fill(0x5A);
            ulong status = BlockRequest(t, VirtioBlock.RequestOut, 3, 512, dataToDevice: true);
            Assert.Equal(VirtioBlock.StatusOk, Ram(status, 1)[0]);
            Assert.Equal((0u, 1u), UsedElement(0));   // only the status byte was written
            status = BlockRequest(t, VirtioBlock.RequestFlush, 0, 0, false);
            // The flush completes from a worker: the used ring and the status byte follow.
            Assert.True(SpinWait.SpinUntil(() => UsedIndex == 2, 10_000), "the flush never completed");
            Assert.Equal(VirtioBlock.StatusOk, Ram(status, 1)[0]);
            Assert.Equal((0u, 1u), UsedElement(1));
            Assert.Equal(1, disk.Flushes);
        }
        var bytes = File.ReadAllBytes(image);
        Assert.All(bytes[1536..2048], b => Assert.Equal(0x5A, b));
        Assert.All(bytes[..1536], b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_read_only_disk_offers_RO_and_answers_a_write_with_IOERR_without_writing()
    {
        string image = Image(4, _ => 0x11);
        using (var disk = new VirtioBlock(image, readOnly: true))
        {
            var t = new VirtioMmio(disk, _ram, _line);
            Assert.Equal(1u << VirtioBlock.FeatureReadOnly, Reg(t, 0x10) & (1u << VirtioBlock.FeatureReadOnly));
            Initialise(t, 1UL << 32 | 1UL << VirtioBlock.FeatureReadOnly);
            Ram(Data + 0x1000, 512).Fill(0x22);
            ulong status = BlockRequest(t, VirtioBlock.RequestOut, 0, 512, dataToDevice: true);
            Assert.Equal(VirtioBlock.StatusIoError, Ram(status, 1)[0]);
        }
        Assert.All(File.ReadAllBytes(image), b => Assert.Equal(0x11, b));
    }

    [Theory]
    [InlineData(VirtioBlock.RequestIn, 4UL, 512u, VirtioBlock.StatusIoError)]      // past the end of a 4-sector disk
    [InlineData(VirtioBlock.RequestIn, 3UL, 1024u, VirtioBlock.StatusIoError)]     // runs past the end
    [InlineData(VirtioBlock.RequestIn, 0UL, 100u, VirtioBlock.StatusIoError)]      // not whole sectors
    [InlineData(VirtioBlock.RequestIn, ulong.MaxValue, 512u, VirtioBlock.StatusIoError)]
    [InlineData(99u, 0UL, 512u, VirtioBlock.StatusUnsupported)]                   // unknown type
    public void Bad_block_requests_get_the_specified_status(uint type, ulong sector, uint length, byte expected)
    {
        using var disk = new VirtioBlock(Image(4, _ => 0));
        var t = new VirtioMmio(disk, _ram, _line);
        Initialise(t);
        ulong status = BlockRequest(t, type, sector, length, dataToDevice: false);
        Assert.Equal(expected, Ram(status, 1)[0]);
        Assert.Equal(1, UsedIndex);
        Assert.Equal(0u, Reg(t, 0x70) & VirtioMmio.StatusNeedsReset);
    }

    [Fact]
    public void Get_id_returns_the_serial()
    {
        using var disk = new VirtioBlock(Image(1, _ => 0), serial: "disk-serial-7");
        var t = new VirtioMmio(disk, _ram, _line);
        Initialise(t);
        ulong status = BlockRequest(t, VirtioBlock.RequestGetId, 0, 20, dataToDevice: false);
        Assert.Equal(VirtioBlock.StatusOk, Ram(status, 1)[0]);
        Assert.Equal("disk-serial-7\0\0\0\0\0\0\0", System.Text.Encoding.ASCII.GetString(Ram(Data + 0x1000, 20)));
    }

    [Fact]
    public void An_indirect_table_is_followed()
    {
        var t = new VirtioMmio(new VirtioRng(), _ram, _line);
        Initialise(t, 1UL << 32 | 1UL << VirtioMmio.FeatureIndirectDescriptors);
        ulong table = RamBase + 0x5000;
        Descriptor(table, 0, Data, 8, WriteFlag | Next, 1);
        Descriptor(table, 1, Data + 0x100, 24, WriteFlag);
        Descriptor(Desc, 0, table, 32, Indirect);
        Offer(t, 0);
        Assert.Equal((0u, 32u), UsedElement(0));
        Assert.Equal(0u, Reg(t, 0x70) & VirtioMmio.StatusNeedsReset);
    }

    public static TheoryData<string> MalformedChains => ["loop", "buffer-outside-ram", "buffer-straddles-ram-end", "head-out-of-range",
        "next-out-of-range", "nested-indirect", "indirect-not-negotiated", "readable-after-writable", "avail-index-too-far"];

    [Theory]
    [MemberData(nameof(MalformedChains))]
    public void A_malformed_chain_sets_needs_reset_and_raises_a_configuration_change_without_using_the_chain(string kind)
    {
        var t = new VirtioMmio(new VirtioRng(), _ram, _line);
        Initialise(t, 1UL << 32 | (kind == "indirect-not-negotiated" ? 0 : 1UL << VirtioMmio.FeatureIndirectDescriptors));
        ushort head = 0;
        switch (kind)
        {
            case "loop":
                Descriptor(Desc, 0, Data, 8, WriteFlag | Next, 1);
                Descriptor(Desc, 1, Data, 8, WriteFlag | Next, 0);
                break;
            case "buffer-outside-ram":
                Descriptor(Desc, 0, 0x0900_0000, 8, WriteFlag); // the UART, not RAM
                break;
            case "buffer-straddles-ram-end":
                Descriptor(Desc, 0, RamBase + RamSize - 4, 8, WriteFlag);
                break;
            case "head-out-of-range":
                head = QueueSize;
                break;
            case "next-out-of-range":
                Descriptor(Desc, 0, Data, 8, WriteFlag | Next, 200);
                break;
            case "nested-indirect":
            case "indirect-not-negotiated":
                ulong table = RamBase + 0x5000;
                Descriptor(table, 0, table, 16, kind == "nested-indirect" ? Indirect : WriteFlag);
                Descriptor(Desc, 0, table, 16, Indirect);
                break;
            case "readable-after-writable":
                Descriptor(Desc, 0, Data, 8, WriteFlag | Next, 1);
                Descriptor(Desc, 1, Data, 8, 0);
                break;
            case "avail-index-too-far":
                BinaryPrimitives.WriteUInt16LittleEndian(Ram(Avail + 2, 2), QueueSize + 1);
                Reg(t, 0x50, 0);
                goto check;
        }
        Offer(t, head);
    check:
        Assert.Equal(VirtioMmio.StatusNeedsReset, Reg(t, 0x70) & VirtioMmio.StatusNeedsReset);
        Assert.Equal(VirtioMmio.InterruptConfigChange, Reg(t, 0x60));
        Assert.True(_line.Level);
        Assert.Equal(0, UsedIndex);
        Assert.NotNull(t.LastError);
        // §2.1.2 / §4.2.3.1: writing 0 to Status resets the device, which then initialises again.
        Reg(t, 0x70, 0);
        Assert.Equal(0u, Reg(t, 0x70));
        Assert.False(_line.Level);
    }

    [Fact]
    public void A_queue_whose_rings_are_outside_RAM_is_not_made_ready()
    {
        var t = new VirtioMmio(new VirtioRng(), _ram, _line);
        Reg(t, 0x70, 1 | 2);
        Reg(t, 0x24, 1); Reg(t, 0x20, 1);
        Reg(t, 0x70, 1 | 2 | 8);
        Reg(t, 0x38, QueueSize);
        Reg(t, 0x80, 0x0800_0000);                    // the GIC
        Reg(t, 0x90, (uint)Avail); Reg(t, 0xA0, (uint)Used);
        Reg(t, 0x44, 1);
        Assert.Equal(0u, Reg(t, 0x44));
        Assert.Equal(VirtioMmio.StatusNeedsReset, Reg(t, 0x70) & VirtioMmio.StatusNeedsReset);
    }

    [Fact]
    public void With_event_idx_the_device_interrupts_only_when_the_used_index_passes_used_event()
    {
        var t = new VirtioMmio(new VirtioRng(), _ram, _line);
        Initialise(t, 1UL << 32 | 1UL << VirtioMmio.FeatureEventIndex);
        ulong usedEvent = Avail + 4 + 2 * QueueSize;
        BinaryPrimitives.WriteUInt16LittleEndian(Ram(usedEvent, 2), 1); // interrupt once used idx goes past 1 (the 2nd buffer)
        Descriptor(Desc, 0, Data, 4, WriteFlag);
        Offer(t, 0);
        Assert.False(_line.Level);
        Offer(t, 0);
        Assert.True(_line.Level);
        // §2.7.10: the device publishes in avail_event the available index it has consumed up to.
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(Ram(Used + 4 + 8 * QueueSize, 2)));
    }

    [Fact]
    public void Without_event_idx_no_interrupt_flag_suppresses_the_interrupt()
    {
        var t = new VirtioMmio(new VirtioRng(), _ram, _line);
        Initialise(t);
        BinaryPrimitives.WriteUInt16LittleEndian(Ram(Avail, 2), 1); // VIRTQ_AVAIL_F_NO_INTERRUPT
        Descriptor(Desc, 0, Data, 4, WriteFlag);
        Offer(t, 0);
        Assert.Equal(1, UsedIndex);
        Assert.False(_line.Level);
    }

    [Fact]
    public void Saved_state_restores_the_queue_and_the_device_goes_on_from_it()
    {
        var t = new VirtioMmio(new VirtioRng(), _ram, _line);
        Initialise(t);
        Descriptor(Desc, 0, Data, 4, WriteFlag);
        Offer(t, 0);
        var state = t.Save();
        var copy = new VirtioMmio(new VirtioRng(), _ram, new Line());
        copy.Restore(state);
        Assert.Equal(Reg(t, 0x70), Reg(copy, 0x70));
        Offer(copy, 0);
        Assert.Equal(2, UsedIndex);
        Assert.Equal((0u, 4u), UsedElement(1));
    }

    [Fact]
    public void Guest_ram_refuses_accesses_that_leave_RAM_and_remembers_written_pages()
    {
        Span<byte> b = stackalloc byte[8];
        Assert.False(_ram.TryRead(new GuestPhysicalAddress(RamBase - 4), b));
        Assert.False(_ram.TryRead(new GuestPhysicalAddress(RamBase + RamSize - 4), b));
        Assert.False(_ram.TryWrite(new GuestPhysicalAddress(ulong.MaxValue - 3), b));
        Assert.False(_ram.HasWrittenPages);
        Assert.True(_ram.TryWrite(new GuestPhysicalAddress(RamBase + 0x8000), b));
        Assert.True(_ram.TryWrite(new GuestPhysicalAddress(RamBase + 0x1FFC), b)); // crosses into the next page
        Assert.True(_ram.TryWrite(new GuestPhysicalAddress(RamBase + 0x3000), b)); // touches the range before
        Assert.Equal([(RamBase + 0x1000, RamBase + 0x3FFF), (RamBase + 0x8000, RamBase + 0x8FFF)], _ram.TakeWrittenPages());
        Assert.False(_ram.HasWrittenPages);
    }

    [Fact]
    public void Guest_ram_fails_every_access_once_detached()
    {
        var host = (byte*)NativeMemory.AllocZeroed(4096);
        var ram = new GuestRam((nint)host, new GuestPhysicalAddress(RamBase), 4096);
        ram.Detach();
        NativeMemory.Free(host);
        Assert.False(ram.TryWrite(new GuestPhysicalAddress(RamBase), [1, 2, 3]));
    }
}

using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Captive.Core.Devices;
using Captive.Core.Devices.Network;
using Captive.Core.Memory;
using Captive.Guest.Arm.Devices.Virtio;
using Xunit;

namespace Captive.Guest.Arm.Tests.Devices;

/// <summary>virtio-net (VIRTIO 1.2 §5.1) driven as a driver would: two cards on a <see cref="NetworkCable"/>, and a TAP.</summary>
public sealed class VirtioNetTests
{
    /// <summary>A minimal driver: RAM of its own, the receive queue and the transmit queue set up per §3.1.1 and §4.2.3.2.</summary>
    internal sealed unsafe class Driver : IDisposable
    {
        public const ulong RamBase = 0x4000_0000, RamSize = 1 << 20;
        private const ushort Size = 8;
        private readonly byte* _host = (byte*)NativeMemory.AllocZeroed((nuint)RamSize);
        private readonly GuestRam _ram;
        private readonly ushort[] _avail = new ushort[2];
        public Line Interrupt { get; } = new();
        public VirtioMmio Transport { get; }

        public sealed class Line : IInterruptLine
        {
            public bool Level { get; private set; }
            public void Set(bool asserted) => Level = asserted;
        }

        public Driver(IVirtioDevice device, uint deviceFeatures = 1u << VirtioNet.FeatureMac)
        {
            _ram = new GuestRam((nint)_host, new GuestPhysicalAddress(RamBase), RamSize);
            Transport = new VirtioMmio(device, _ram, Interrupt);
            Reg(0x70, 1 | 2);
            Reg(0x24, 0); Reg(0x20, deviceFeatures);
            Reg(0x24, 1); Reg(0x20, 1);
            Reg(0x70, 1 | 2 | 8);
            for (uint q = 0; q < 2; q++)
            {
                Reg(0x30, q);
                Reg(0x38, Size);
                Reg(0x80, (uint)Desc(q)); Reg(0x90, (uint)Avail(q)); Reg(0xA0, (uint)Used(q));
                Reg(0x44, 1);
            }
            Reg(0x70, 1 | 2 | 8 | 4);
        }

        public void Dispose()
        {
            _ram.Detach();
            NativeMemory.Free(_host);
        }

        private static ulong Desc(uint q) => RamBase + 0x1000 + q * 0x4000;
        private static ulong Avail(uint q) => Desc(q) + 0x1000;
        private static ulong Used(uint q) => Desc(q) + 0x2000;
        public static ulong Buffer(uint q, int i) => RamBase + 0x20000 + q * 0x20000 + (ulong)i * 0x1000;

        public uint Reg(ulong offset)
        {
            Span<byte> b = stackalloc byte[4];
            Transport.Read(offset, b);
            return BinaryPrimitives.ReadUInt32LittleEndian(b);
        }

        public void Reg(ulong offset, uint value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, value);
            Transport.Write(offset, b);
        }

        public Span<byte> Ram(ulong address, int length) => new(_host + (address - RamBase), length);

        /// <summary>Makes one buffer of <paramref name="length"/> bytes available on queue <paramref name="q"/> and notifies.</summary>
        public void Post(uint q, int slot, uint length, bool writable)
        {
            var d = Ram(Desc(q) + (ulong)slot * 16, 16);
            BinaryPrimitives.WriteUInt64LittleEndian(d, Buffer(q, slot));
            BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
            BinaryPrimitives.WriteUInt16LittleEndian(d[12..], (ushort)(writable ? 2 : 0));
            ushort idx = _avail[q]++;
            BinaryPrimitives.WriteUInt16LittleEndian(Ram(Avail(q) + 4 + (ulong)(2 * (idx % Size)), 2), (ushort)slot);
            BinaryPrimitives.WriteUInt16LittleEndian(Ram(Avail(q) + 2, 2), _avail[q]);
            Reg(0x50, q);
        }

        public ushort UsedIndex(uint q) => BinaryPrimitives.ReadUInt16LittleEndian(Ram(Used(q) + 2, 2));
        public (uint Id, uint Length) UsedElement(uint q, int i) =>
            (BinaryPrimitives.ReadUInt32LittleEndian(Ram(Used(q) + 4 + (ulong)(8 * i), 4)),
             BinaryPrimitives.ReadUInt32LittleEndian(Ram(Used(q) + 8 + (ulong)(8 * i), 4)));

        /// <summary>Sends <paramref name="frame"/> on the transmit queue behind a zero header.</summary>
        public void Send(int slot, ReadOnlySpan<byte> frame)
        {
            var b = Ram(Buffer(1, slot), VirtioNet.HeaderSize + frame.Length);
            b[..VirtioNet.HeaderSize].Clear();
            frame.CopyTo(b[VirtioNet.HeaderSize..]);
            Post(1, slot, (uint)b.Length, writable: false);
        }
    }

    private static byte[] Frame(byte fill, int length = 60)
    {
        var f = new byte[length];
        f.AsSpan().Fill(fill);
        f[0] = 0x52; // unicast destination
        return f;
    }

    [Fact]
    public void Configuration_space_holds_the_MAC_and_link_up()
    {
        var cable = new NetworkCable();
        var card = new VirtioNet(cable.A, [0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF]);
        using var d = new Driver(card);
        Assert.Equal(1u, d.Reg(0x08));
        Assert.Equal(0xAB005452u, d.Reg(0x100));
        Assert.Equal(0x0001EFCDu, d.Reg(0x104)); // mac[4], mac[5], status = VIRTIO_NET_S_LINK_UP
    }

    [Fact]
    public void A_frame_sent_by_one_card_arrives_in_the_other_cards_receive_buffer_with_a_header()
    {
        var cable = new NetworkCable();
        using var a = new Driver(new VirtioNet(cable.A));
        using var b = new Driver(new VirtioNet(cable.B));
        b.Post(0, 0, 2048, writable: true);
        var frame = Frame(0x77, 98);
        a.Send(0, frame);

        Assert.Equal(1, a.UsedIndex(1));             // the transmit buffer came back
        Assert.Equal((0u, 0u), a.UsedElement(1, 0));
        Assert.Equal(1, b.UsedIndex(0));
        Assert.Equal((0u, (uint)(VirtioNet.HeaderSize + frame.Length)), b.UsedElement(0, 0));
        var got = b.Ram(Driver.Buffer(0, 0), VirtioNet.HeaderSize + frame.Length);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(got[10..])); // num_buffers (§5.1.6.4)
        Assert.True(got[..10].ToArray().All(x => x == 0));                   // no offloads: flags, gso_type, … zero
        Assert.Equal(frame, got[VirtioNet.HeaderSize..].ToArray());
        Assert.True(b.Interrupt.Level);
    }

    [Fact]
    public void Frames_arriving_before_receive_buffers_wait_for_them()
    {
        var cable = new NetworkCable();
        using var a = new Driver(new VirtioNet(cable.A));
        var card = new VirtioNet(cable.B);
        using var b = new Driver(card);
        a.Send(0, Frame(1));
        a.Send(1, Frame(2));
        Assert.Equal(0, b.UsedIndex(0));
        b.Post(0, 0, 2048, writable: true);
        b.Post(0, 1, 2048, writable: true);
        Assert.Equal(2, b.UsedIndex(0));
        Assert.Equal(2, b.Ram(Driver.Buffer(0, 1), VirtioNet.HeaderSize + 60)[VirtioNet.HeaderSize + 1]);
        Assert.Equal(2, card.FramesReceived);
    }

    [Fact]
    public void A_receive_buffer_too_small_for_the_frame_comes_back_empty_and_the_frame_is_counted_dropped()
    {
        var cable = new NetworkCable();
        using var a = new Driver(new VirtioNet(cable.A));
        var card = new VirtioNet(cable.B);
        using var b = new Driver(card);
        b.Post(0, 0, 40, writable: true);
        a.Send(0, Frame(3, 100));
        Assert.Equal((0u, 0u), b.UsedElement(0, 0));
        Assert.Equal(1, card.ReceiveDropped);
    }

    [Fact]
    public void Mac_addresses_parse_in_QEMU_spelling()
    {
        Assert.Equal(new byte[] { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }, VirtioNet.ParseMac("52:54:00:12:34:56"));
        Assert.Throws<FormatException>(() => VirtioNet.ParseMac("52:54:00:12:34"));
        Assert.Throws<FormatException>(() => VirtioNet.ParseMac("52:54:00:12:34:zz"));
        Assert.Throws<ArgumentException>(() => new VirtioNet(new NetworkCable().A, [0x01, 0, 0, 0, 0, 1]));
    }

    [Fact]
    public void A_tap_interface_passes_frames_both_ways()
    {
        if (!OperatingSystem.IsLinux()) { Assert.Skip("TAP interfaces are Linux's."); return; }
        TapEndpoint tap;
        try { tap = new TapEndpoint("cvtest%d"); }
        catch (IOException e) { Assert.Skip($"cannot create a TAP interface here: {e.Message}"); return; }
        using (tap)
        {
            string name = tap.InterfaceName;
            Assert.StartsWith("cvtest", name);
            var card = new VirtioNet(tap);
            using var d = new Driver(card);
            for (int i = 0; i < 4; i++) d.Post(0, i, 2048, writable: true);
            // The host brings the interface up; its IPv6 stack then sends router solicitations and MLD reports out of it.
            if (Board.ExternalTools.Find("ip") is not { } ipTool) { Assert.Skip("the 'ip' command (iproute2) is not installed."); return; }
            var ip = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(ipTool, ["link", "set", "dev", name, "up"]) { RedirectStandardError = true });
            ip!.WaitForExit();
            if (ip.ExitCode != 0) { Assert.Skip($"cannot bring {name} up: {ip.StandardError.ReadToEnd()}"); return; }
            string counter = $"/sys/class/net/{name}/statistics/rx_packets";
            long before = long.Parse(File.ReadAllText(counter).Trim(), System.Globalization.CultureInfo.InvariantCulture);

            d.Send(0, Frame(9));                      // guest → host: the interface counts it as received
            Assert.Equal(1, card.FramesSent);
            Assert.Equal(1, d.UsedIndex(1));
            Assert.True(SpinWait.SpinUntil(() => long.Parse(File.ReadAllText(counter).Trim(), System.Globalization.CultureInfo.InvariantCulture) > before, 5000),
                "the host interface did not count the guest's frame");

            bool ipv6 = File.Exists($"/proc/sys/net/ipv6/conf/{name}/disable_ipv6") && File.ReadAllText($"/proc/sys/net/ipv6/conf/{name}/disable_ipv6").Trim() == "0";
            if (!ipv6) { Assert.Skip("host → guest half skipped: IPv6 is off on the TAP, so the host sends nothing by itself"); return; }
            Assert.True(SpinWait.SpinUntil(() => d.UsedIndex(0) > 0, 10_000), "no frame from the host reached the card in 10 s");
            var (_, length) = d.UsedElement(0, 0);
            var got = d.Ram(Driver.Buffer(0, 0), (int)length);
            Assert.Equal(0x33, got[VirtioNet.HeaderSize]); // an IPv6 multicast destination, 33:33:…
            Assert.Equal(0x86DD, BinaryPrimitives.ReadUInt16BigEndian(got[(VirtioNet.HeaderSize + 12)..]));
        }
    }
}

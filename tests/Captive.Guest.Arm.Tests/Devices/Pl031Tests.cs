using Captive.Core.Devices;
using Captive.Guest.Arm.Devices;
using Xunit;

namespace Captive.Guest.Arm.Tests.Devices;

/// <summary>The PL031 against the ARM PrimeCell RTC TRM (DDI 0224): count, load, match and interrupt status.</summary>
public sealed class Pl031Tests
{
    private sealed class Line : IInterruptLine
    {
        public bool Level { get; private set; }
        public void Set(bool asserted) => Level = asserted;
    }

    private static uint Read(Pl031 rtc, ulong offset)
    {
        Span<byte> b = stackalloc byte[4];
        rtc.Read(offset, b);
        return BitConverter.ToUInt32(b);
    }

    private static void Write(Pl031 rtc, ulong offset, uint value) => rtc.Write(offset, BitConverter.GetBytes(value));

    [Fact]
    public void The_count_follows_the_clock_from_what_RTCLR_loaded()
    {
        long clock = 1_700_000_000;
        using var rtc = new Pl031(utcSeconds: () => clock);
        Assert.Equal(1_700_000_000u, Read(rtc, 0x00));
        Write(rtc, 0x08, 42);
        Assert.Equal(42u, Read(rtc, 0x00));
        Assert.Equal(42u, Read(rtc, 0x08));
        clock += 5;
        Assert.Equal(47u, Read(rtc, 0x00));
        Assert.Equal(1u, Read(rtc, 0x0C)); // always running
    }

    [Fact]
    public void A_match_at_the_current_count_raises_the_interrupt_when_unmasked()
    {
        long clock = 100;
        var line = new Line();
        using var rtc = new Pl031(line, () => clock);
        Write(rtc, 0x04, 100);
        Assert.Equal(1u, Read(rtc, 0x14)); // RTCRIS
        Assert.Equal(0u, Read(rtc, 0x18)); // RTCMIS: masked
        Assert.False(line.Level);
        Write(rtc, 0x10, 1);
        Assert.Equal(1u, Read(rtc, 0x18));
        Assert.True(line.Level);
        Write(rtc, 0x1C, 1);                // RTCICR
        Assert.Equal(0u, Read(rtc, 0x14));
        Assert.False(line.Level);
    }

    [Fact]
    public void Saved_state_restores()
    {
        long clock = 10;
        using var a = new Pl031(utcSeconds: () => clock);
        Write(a, 0x08, 500);
        Write(a, 0x10, 1);
        var state = a.Save();
        using var b = new Pl031(utcSeconds: () => clock);
        b.Restore(state);
        Assert.Equal(500u, Read(b, 0x00));
        Assert.Equal(1u, Read(b, 0x10));
    }
}

using Captive.Core.Devices;
using Captive.Guest.Arm.Devices;
using Xunit;

namespace Captive.Guest.Arm.Tests.Devices;

// Expected behaviour is the ARM ARM's (DDI 0487, D11.2.4 "Timers" and the CNTV_CTL_EL0, CNTV_CVAL_EL0 and
// CNTV_TVAL_EL0 register descriptions): the condition is CNTVCT - CVAL >= 0 (unsigned 64-bit compare), TVAL reads
// (CVAL - CNTVCT)[31:0] and a write sets CVAL = CNTVCT + SignExtend(TVAL), ISTATUS is read-only and the interrupt is
// asserted while ENABLE = 1, IMASK = 0 and the condition holds.
public sealed class GenericTimerTests
{
    private sealed class Line : IInterruptLine
    {
        public List<bool> Levels { get; } = [];
        public bool Level => Levels.Count > 0 && Levels[^1];
        public void Set(bool asserted) => Levels.Add(asserted);
    }

    private sealed class Rig
    {
        public ulong Counter;
        public Line Physical { get; } = new();
        public Line Virtual { get; } = new();
        public List<ulong> Alarms { get; } = [];
        public GenericTimer Timer { get; }

        public Rig() => Timer = new GenericTimer(() => Counter, Physical, Virtual, Alarms.Add);

        public ulong Alarm => Alarms.Count == 0 ? ulong.MaxValue : Alarms[^1];
    }

    private const GenericTimerKind V = GenericTimerKind.Virtual, P = GenericTimerKind.Physical;

    [Fact]
    public void Resets_disabled_with_both_outputs_low()
    {
        var r = new Rig { Counter = 1000 };
        Assert.Equal(0UL, r.Timer.ReadControl(V));
        Assert.Equal(0UL, r.Timer.ReadControl(P));
        Assert.False(r.Virtual.Level);
        Assert.False(r.Physical.Level);
    }

    [Fact]
    public void Enabled_timer_asks_for_an_alarm_at_CVAL_and_asserts_when_the_counter_gets_there()
    {
        var r = new Rig { Counter = 1000 };
        r.Timer.WriteCompare(V, 5000);
        r.Timer.WriteControl(V, GenericTimer.Enable);
        Assert.Equal(5000UL, r.Alarm);
        Assert.Equal(GenericTimer.Enable, r.Timer.ReadControl(V));   // ISTATUS 0: 1000 < 5000
        Assert.False(r.Virtual.Level);

        r.Counter = 4999;
        r.Timer.Update();
        Assert.False(r.Virtual.Level);
        r.Counter = 5000;                                             // CNTVCT - CVAL >= 0
        r.Timer.Update();
        Assert.True(r.Virtual.Level);
        Assert.Equal(GenericTimer.Enable | GenericTimer.InterruptStatus, r.Timer.ReadControl(V));
        Assert.Equal(ulong.MaxValue, r.Alarm);                        // nothing more to wait for
        Assert.False(r.Physical.Level);                               // the other timer is independent
    }

    [Fact]
    public void IMASK_keeps_ISTATUS_but_lowers_the_output()
    {
        var r = new Rig { Counter = 10 };
        r.Timer.WriteCompare(P, 5);
        r.Timer.WriteControl(P, GenericTimer.Enable);
        Assert.True(r.Physical.Level);
        r.Timer.WriteControl(P, GenericTimer.Enable | GenericTimer.InterruptMask);
        Assert.False(r.Physical.Level);
        Assert.Equal(GenericTimer.Enable | GenericTimer.InterruptMask | GenericTimer.InterruptStatus, r.Timer.ReadControl(P));
        r.Timer.WriteControl(P, GenericTimer.Enable);
        Assert.True(r.Physical.Level);
    }

    [Fact]
    public void ISTATUS_is_read_only_and_zero_while_disabled()
    {
        var r = new Rig { Counter = 10 };
        r.Timer.WriteCompare(V, 5);
        r.Timer.WriteControl(V, GenericTimer.InterruptStatus);        // ISTATUS written, ENABLE 0
        Assert.Equal(0UL, r.Timer.ReadControl(V));
        Assert.False(r.Virtual.Level);
    }

    [Fact]
    public void A_new_CVAL_in_the_future_drops_the_level_interrupt()
    {
        var r = new Rig { Counter = 100 };
        r.Timer.WriteCompare(V, 50);
        r.Timer.WriteControl(V, GenericTimer.Enable);
        Assert.True(r.Virtual.Level);
        r.Timer.WriteCompare(V, 200);
        Assert.False(r.Virtual.Level);
        Assert.Equal(200UL, r.Alarm);
        Assert.Equal([true, false], r.Virtual.Levels);                // changes only
    }

    [Fact]
    public void TVAL_reads_the_low_32_bits_of_CVAL_minus_the_counter()
    {
        var r = new Rig { Counter = 0x1_0000_0000 };
        r.Timer.WriteCompare(V, 0x1_0000_0010);
        Assert.Equal(0x10UL, r.Timer.ReadTimerValue(V));
        r.Counter = 0x1_0000_0020;                                    // 0x10 past CVAL: -16 as 32 bits, upper half RES0
        Assert.Equal(0xFFFF_FFF0UL, r.Timer.ReadTimerValue(V));
    }

    [Fact]
    public void TVAL_write_sign_extends_into_CVAL()
    {
        var r = new Rig { Counter = 1000 };
        r.Timer.WriteTimerValue(P, 500);
        Assert.Equal(1500UL, r.Timer.ReadCompare(P));
        r.Timer.WriteTimerValue(P, 0xFFFF_FF9C);                      // -100
        Assert.Equal(900UL, r.Timer.ReadCompare(P));
        r.Timer.WriteTimerValue(P, 0xFFFF_FFFF_0000_0005);            // bits [63:32] ignored
        Assert.Equal(1005UL, r.Timer.ReadCompare(P));
    }

    [Fact]
    public void Alarm_is_the_earlier_of_the_two_live_timers_and_ignores_masked_ones()
    {
        var r = new Rig { Counter = 0 };
        r.Timer.WriteCompare(V, 300);
        r.Timer.WriteCompare(P, 200);
        r.Timer.WriteControl(V, GenericTimer.Enable);
        r.Timer.WriteControl(P, GenericTimer.Enable);
        Assert.Equal(200UL, r.Alarm);
        r.Timer.WriteControl(P, GenericTimer.Enable | GenericTimer.InterruptMask);
        Assert.Equal(300UL, r.Alarm);
        r.Timer.WriteControl(V, 0);
        Assert.Equal(ulong.MaxValue, r.Alarm);
    }

    [Fact]
    public void Save_and_restore_round_trip_and_drive_the_outputs()
    {
        var r = new Rig { Counter = 50 };
        r.Timer.WriteCompare(V, 40);
        r.Timer.WriteControl(V, GenericTimer.Enable);
        r.Timer.WriteCompare(P, 70);
        r.Timer.WriteControl(P, GenericTimer.Enable | GenericTimer.InterruptMask);
        var state = r.Timer.Save();
        Assert.Equal(new GenericTimerState(GenericTimer.Enable | GenericTimer.InterruptMask, 70, GenericTimer.Enable, 40), state);

        var other = new Rig { Counter = 50 };
        other.Timer.Restore(state);
        Assert.True(other.Virtual.Level);
        Assert.False(other.Physical.Level);
        Assert.Equal(state, other.Timer.Save());
        other.Timer.Reset();
        Assert.False(other.Virtual.Level);
        Assert.Equal(default, other.Timer.Save());
    }
}

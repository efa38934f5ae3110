using Captive.Guest.Arm.Devices;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Devices;

// PMUv3 register behaviour as ARM DDI 0487 D7 and D13.4 define it, one test per behaviour. The system counter is a
// variable the test moves; at 100 MHz one counter tick is 10 cycles of the 1 GHz cycle clock.
public sealed class PerformanceMonitorsTests
{
    private ulong _counter = 1000;
    private readonly PerformanceMonitors _pmu;

    public PerformanceMonitorsTests() => _pmu = new PerformanceMonitors(() => _counter, 100_000_000);

    private static readonly int Pmcr = A64SystemRegisters.Encode(3, 3, 9, 12, 0);
    private static readonly int Pmcntenset = A64SystemRegisters.Encode(3, 3, 9, 12, 1);
    private static readonly int Pmcntenclr = A64SystemRegisters.Encode(3, 3, 9, 12, 2);
    private static readonly int Pmovsclr = A64SystemRegisters.Encode(3, 3, 9, 12, 3);
    private static readonly int Pmswinc = A64SystemRegisters.Encode(3, 3, 9, 12, 4);
    private static readonly int Pmselr = A64SystemRegisters.Encode(3, 3, 9, 12, 5);
    private static readonly int Pmccntr = A64SystemRegisters.Encode(3, 3, 9, 13, 0);
    private static readonly int Pmxevtyper = A64SystemRegisters.Encode(3, 3, 9, 13, 1);
    private static readonly int Pmxevcntr = A64SystemRegisters.Encode(3, 3, 9, 13, 2);
    private static readonly int Pmovsset = A64SystemRegisters.Encode(3, 3, 9, 14, 3);
    private static readonly int Pmintenset = A64SystemRegisters.Encode(3, 0, 9, 14, 1);
    private static readonly int Pmintenclr = A64SystemRegisters.Encode(3, 0, 9, 14, 2);
    private static readonly int Pmevcntr0 = A64SystemRegisters.Encode(3, 3, 14, 8, 0);
    private static readonly int Pmevcntr1 = A64SystemRegisters.Encode(3, 3, 14, 8, 1);
    private static readonly int Pmevtyper0 = A64SystemRegisters.Encode(3, 3, 14, 12, 0);
    private static readonly int Pmevtyper1 = A64SystemRegisters.Encode(3, 3, 14, 12, 1);
    private static readonly int Pmccfiltr = A64SystemRegisters.Encode(3, 3, 14, 15, 7);

    private ulong Read(int encoding)
    {
        Assert.True(_pmu.TryRead(encoding, out ulong value));
        return value;
    }

    private void Write(int encoding, ulong value, int el = 1) => Assert.True(_pmu.TryWrite(encoding, value, el));

    [Fact]
    public void PMCR_reads_ARM_the_A57_idcode_two_counters_and_LC_res1()
    {
        Assert.Equal(0x4101_1040ul, Read(Pmcr)); // IMP 0x41, IDCODE 0x01, N 2, LC; E off at reset
        Write(Pmcr, ulong.MaxValue);
        Assert.Equal(0x4101_1069ul, Read(Pmcr)); // E, D, DP stored; P, C read as 0; X RAZ
    }

    [Fact]
    public void The_cycle_counter_counts_only_while_PMCR_E_and_PMCNTENSET_C()
    {
        Write(Pmcntenset, 1ul << 31);
        _counter += 5;
        Assert.Equal(0ul, Read(Pmccntr));          // E clear
        Write(Pmcr, 1);
        _counter += 5;
        Assert.Equal(50ul, Read(Pmccntr));         // 5 ticks at 100 MHz = 50 ns = 50 cycles
        Write(Pmcntenclr, 1ul << 31);
        Assert.Equal(0ul, Read(Pmcntenset));
        _counter += 5;
        Assert.Equal(50ul, Read(Pmccntr));
    }

    [Fact]
    public void PMCR_D_counts_every_64th_cycle_and_C_zeroes_the_cycle_counter()
    {
        Write(Pmcntenset, 1ul << 31);
        Write(Pmcr, 1 | 8);
        _counter += 64;                             // 640 cycles
        Assert.Equal(10ul, Read(Pmccntr));
        Write(Pmcr, 1 | 4);
        Assert.Equal(0ul, Read(Pmccntr));
        Write(Pmccntr, 0x1234);
        _counter += 1;
        Assert.Equal(0x123Eul, Read(Pmccntr));
    }

    [Fact]
    public void The_cycle_counter_overflows_at_64_bits_into_PMOVSSET_C()
    {
        Write(Pmcntenset, 1ul << 31);
        Write(Pmcr, 1);
        Write(Pmccntr, ulong.MaxValue - 5);
        _counter += 1;
        Assert.Equal(4ul, Read(Pmccntr));
        Assert.Equal(1ul << 31, Read(Pmovsset));
        Write(Pmovsclr, 1ul << 31);
        Assert.Equal(0ul, Read(Pmovsclr));
    }

    [Fact]
    public void PMSWINC_increments_enabled_SW_INCR_counters_and_overflows_at_32_bits()
    {
        Write(Pmevtyper0, 0x00);
        Write(Pmevtyper1, 0x00);
        Write(Pmcntenset, 0b01);                    // counter 1 not enabled
        Write(Pmcr, 1);
        Write(Pmswinc, 0b11);
        Write(Pmswinc, 0b01);
        Assert.Equal(2ul, Read(Pmevcntr0));
        Assert.Equal(0ul, Read(Pmevcntr1));
        Write(Pmevcntr0, 0xFFFF_FFFF);
        Write(Pmswinc, 1);
        Assert.Equal(0ul, Read(Pmevcntr0));
        Assert.Equal(1ul, Read(Pmovsset));
    }

    [Fact]
    public void PMSWINC_counts_nothing_while_PMCR_E_is_clear_or_the_event_is_another()
    {
        Write(Pmcntenset, 0b11);
        Write(Pmevtyper1, 0x08);                    // INST_RETIRED: not counted here
        Write(Pmswinc, 1);
        Write(Pmcr, 1);
        Write(Pmswinc, 0b10);
        Assert.Equal(0ul, Read(Pmevcntr0));
        Assert.Equal(0ul, Read(Pmevcntr1));
    }

    [Theory]
    [InlineData(1, 0x8000_0000ul, 0ul)]   // P: not counted at EL1
    [InlineData(0, 0x8000_0000ul, 1ul)]
    [InlineData(0, 0x4000_0000ul, 0ul)]   // U: not counted at EL0
    public void Software_increments_are_filtered_by_the_EL_of_the_write(int el, ulong filter, ulong expected)
    {
        Write(Pmevtyper0, filter);
        Write(Pmcntenset, 1);
        Write(Pmcr, 1);
        Write(Pmswinc, 1, el);
        Assert.Equal(expected, Read(Pmevcntr0));
    }

    [Fact]
    public void An_event_counter_set_to_CPU_CYCLES_counts_cycles()
    {
        Write(Pmevtyper1, 0x11);
        Write(Pmcntenset, 0b10);
        Write(Pmcr, 1);
        _counter += 3;
        Assert.Equal(30ul, Read(Pmevcntr1));
        Write(Pmcr, 1 | 2);                          // P zeroes the event counters
        Assert.Equal(0ul, Read(Pmevcntr1));
    }

    [Fact]
    public void PMSELR_selects_the_counter_PMXEVTYPER_and_PMXEVCNTR_reach_and_31_is_PMCCFILTR()
    {
        Write(Pmselr, 1);
        Write(Pmxevtyper, 0xFFFF_FFFF);
        Write(Pmxevcntr, 0x1_0000_0007);
        Assert.Equal(0xC000_03FFul, Read(Pmevtyper1));   // P, U, evtCount[9:0]
        Assert.Equal(7ul, Read(Pmevcntr1));              // 32 bits
        Write(Pmselr, 31);
        Write(Pmxevtyper, 0xFFFF_FFFF);
        Assert.Equal(0xC000_0000ul, Read(Pmccfiltr));
        Assert.Equal(0xC000_0000ul, Read(Pmxevtyper));
        Write(Pmselr, 5);                                // no such counter: RAZ/WI
        Write(Pmxevcntr, 9);
        Assert.Equal(0ul, Read(Pmxevcntr));
        Assert.Equal(5ul, Read(Pmselr));
    }

    [Fact]
    public void A_cycle_filter_that_excludes_EL0_and_EL1_stops_the_cycle_counter()
    {
        Write(Pmcntenset, 1ul << 31);
        Write(Pmccfiltr, 0xC000_0000);
        Write(Pmcr, 1);
        _counter += 10;
        Assert.Equal(0ul, Read(Pmccntr));
    }

    [Fact]
    public void Interrupt_enables_are_stored()
    {
        Write(Pmintenset, 0x8000_0003);
        Write(Pmintenclr, 1);
        Assert.Equal(0x8000_0002ul, Read(Pmintenset));
        Assert.Equal(0x8000_0002ul, Read(Pmintenclr));
    }

    [Fact]
    public void Event_counters_beyond_N_are_not_PMU_registers_the_host_answers()
    {
        Assert.False(_pmu.TryRead(A64SystemRegisters.Encode(3, 3, 14, 8, 2), out _));
        Assert.False(_pmu.TryWrite(A64SystemRegisters.Encode(3, 3, 14, 12, 7), 0, 1));
    }
    private sealed class Line : Captive.Core.Devices.IInterruptLine
    {
        public bool Level { get; private set; }
        public void Set(bool asserted) => Level = asserted;
    }

    // The overflow interrupt request (D7.6): asserted while PMCR_EL0.E is set and an overflow flag has its interrupt
    // enabled; a level, dropped by clearing the flag, the enable or E.
    [Fact]
    public void The_overflow_interrupt_follows_PMOVSSET_PMINTENSET_and_E()
    {
        var line = new Line();
        var pmu = new PerformanceMonitors(() => _counter, 100_000_000, line);
        void W(int encoding, ulong value) => Assert.True(pmu.TryWrite(encoding, value, 1));
        W(Pmevtyper0, 0);                 // SW_INCR
        W(Pmevcntr0, 0xFFFF_FFFF);
        W(Pmcntenset, 1);
        W(Pmcr, 1);
        W(Pmswinc, 1);                    // wraps: PMOVSSET.P0
        Assert.False(line.Level);         // its interrupt is not enabled
        W(Pmintenset, 1);
        Assert.True(line.Level);
        W(Pmcr, 0);
        Assert.False(line.Level);         // E clear
        W(Pmcr, 1);
        Assert.True(line.Level);
        W(Pmovsclr, 1);
        Assert.False(line.Level);
    }

    // A clocked counter's next overflow is an alarm on the system counter, never early: the cycle counter (64 bits: LC is
    // RES1) 1000 cycles before its overflow at 100 MHz is 100 ticks away.
    [Fact]
    public void The_cycle_counter_overflow_sets_an_alarm_and_raises_the_interrupt_when_due()
    {
        var line = new Line();
        ulong alarm = ulong.MaxValue;
        var pmu = new PerformanceMonitors(() => _counter, 100_000_000, line, at => alarm = at);
        void W(int encoding, ulong value) => Assert.True(pmu.TryWrite(encoding, value, 1));
        W(Pmccntr, ulong.MaxValue - 999); // 1000 cycles before the overflow
        W(Pmintenset, 1ul << 31);
        W(Pmcr, 1);
        Assert.Equal(ulong.MaxValue, alarm);   // not counting yet
        W(Pmcntenset, 1ul << 31);
        Assert.Equal(_counter + 100, alarm);
        _counter += 99;
        pmu.Update();
        Assert.False(line.Level);
        _counter += 1;
        pmu.Update();
        Assert.True(line.Level);
        Assert.True(pmu.TryRead(Pmovsset, out ulong flags));
        Assert.Equal(1ul << 31, flags);
    }
}

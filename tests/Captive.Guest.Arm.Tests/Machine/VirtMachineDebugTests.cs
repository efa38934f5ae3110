using Captive.Core.Execution;
using Captive.Core.IR;
using Captive.Guest.Arm.Lowering;
using Captive.Guest.Arm.Machine;
using Xunit;

namespace Captive.Guest.Arm.Tests.Machine;

// The host's half of self-hosted debug: the registers whose writes trap are stored with the fields the ARM ARM defines
// (D13.3), and the translation context's debug bits follow MDSCR_EL1, the OS Lock and the breakpoints (D2.4, D2.9).
public sealed class VirtMachineDebugTests
{
    private static readonly byte[] Halt = [0x00, 0x00, 0x00, 0x14]; // b . (never run here)

    private static VirtMachine Create() => VirtMachine.Create(new VirtMachineOptions { Kernel = Halt, RamSize = 16UL << 20 });

    private static void Write(VirtMachine m, int op0, int op1, int crn, int crm, int op2, ulong value)
    {
        var trap = new GuestTrap(IrTrapKind.SystemRegisterWrite, 0x4000_0000, 0x4000_0004, (ulong)A64SystemRegisters.Encode(op0, op1, crn, crm, op2), value);
        var result = m.HandleTrap(trap, new GuestRegisters(m.Engine.RegisterFile));
        Assert.False(result.Stop, result.Message);
        Assert.Equal(0x4000_0004ul, result.NextPc);
    }

    private static ulong Read(VirtMachine m, int offset) => new GuestRegisters(m.Engine.RegisterFile).Read(offset);

    [Theory]
    [InlineData(2, 0, 1, 0, 4, 0xffUL, ArmState.OslsrEl1, 0xaUL)]                        // OSLAR: OSLK := bit 0, OSLM 0b10
    [InlineData(2, 0, 1, 0, 4, 0xfeUL, ArmState.OslsrEl1, 0x8UL)]
    [InlineData(2, 0, 1, 3, 4, 0xffUL, ArmState.OsdlrEl1, 1UL)]                          // OSDLR: DLK
    [InlineData(2, 0, 1, 4, 4, ulong.MaxValue, ArmState.DbgprcrEl1, 1UL)]                // DBGPRCR: CORENPDRQ
    [InlineData(2, 0, 0, 2, 2, 0x8000UL, ArmState.MdscrEl1, 0x8000UL)]
    [InlineData(2, 0, 0, 0, 4, 0x40001003UL, ArmState.DbgbvrEl1, 0x40001000UL)]           // DBGBVR: bits 1:0 RES0
    [InlineData(2, 0, 0, 1, 4, 0xffff800000001000UL, ArmState.DbgbvrEl1 + 8, 0xffff800000001000UL)]
    [InlineData(2, 0, 0, 0, 5, ulong.MaxValue, ArmState.DbgbcrEl1, 0xffe1e7UL)]          // BT, LBN, SSC, HMC, BAS, PMC, E
    [InlineData(2, 0, 0, 1, 6, 0x40003009UL, ArmState.DbgwvrEl1 + 8, 0x40003008UL)]
    [InlineData(2, 0, 0, 1, 7, ulong.MaxValue, ArmState.DbgwcrEl1 + 8, 0x1f1fffffUL)]    // MASK, WT, LBN, SSC, HMC, BAS, LSC, PAC, E
    public void Debug_registers_are_stored_as_the_ARM_ARM_defines_their_fields(int op0, int op1, int crn, int crm, int op2, ulong value, int offset, ulong expected)
    {
        using var m = Create();
        Write(m, op0, op1, crn, crm, op2, value);
        Assert.Equal(expected, Read(m, offset));
    }

    private static ulong DebugBits(VirtMachine m) => Read(m, ArmState.TranslationContext) >> 42 & 31;

    [Fact]
    public void The_OS_Lock_set_at_reset_disables_every_debug_exception()
    {
        using var m = Create();
        Write(m, 2, 0, 0, 0, 4, 0x4000_1000);          // DBGBVR0
        Write(m, 2, 0, 0, 0, 5, 1 | 3 << 1 | 0xF << 5); // DBGBCR0: E, PMC EL0 and EL1, BAS 0b1111
        Write(m, 2, 0, 0, 2, 2, 1 | 1 << 13 | 1 << 15); // MDSCR_EL1: SS, KDE, MDE
        Assert.Equal(0ul, DebugBits(m));
        Write(m, 2, 0, 1, 0, 4, 0);                     // OSLAR_EL1: unlock
        Assert.Equal(0b01111ul, DebugBits(m));          // step at EL0 and EL1, breakpoints at EL0 and EL1
        Write(m, 2, 0, 1, 3, 4, 1);                     // OSDLR_EL1.DLK with DBGPRCR_EL1.CORENPDRQ clear: the double lock
        Assert.Equal(0ul, DebugBits(m));
        Write(m, 2, 0, 1, 4, 4, 1);                     // CORENPDRQ: no double lock
        Assert.Equal(0b01111ul, DebugBits(m));
    }

    [Theory]
    [InlineData(1UL << 15, 3, 0xF, 0b00100UL)]                 // MDE: breakpoints at EL0 only (EL1 needs KDE)
    [InlineData(1UL << 15 | 1UL << 13, 1, 0xF, 0b01000UL)]     // PMC EL1 only
    [InlineData(1UL << 15 | 1UL << 13, 3, 0x0, 0UL)]           // BAS 0: disabled
    [InlineData(1UL << 13, 3, 0xF, 0UL)]                       // MDE clear
    [InlineData(1UL, 3, 0xF, 0b00001UL)]                       // SS alone: step at EL0 (EL1 needs KDE)
    public void Breakpoints_and_step_arm_per_Exception_level(ulong mdscr, int pmc, int bas, ulong expected)
    {
        using var m = Create();
        Write(m, 2, 0, 1, 0, 4, 0);
        Write(m, 2, 0, 0, 0, 4, 0x4000_1000);
        Write(m, 2, 0, 0, 0, 5, 1 | (ulong)pmc << 1 | (ulong)bas << 5);
        Write(m, 2, 0, 0, 2, 2, mdscr);
        Assert.Equal(expected, DebugBits(m));
    }

    [Fact]
    public void Watchpoints_arm_the_checked_access_path()
    {
        using var m = Create();
        var debug = ((IGuestSystem)m).Debug!;
        Write(m, 2, 0, 1, 0, 4, 0);
        Write(m, 2, 0, 0, 0, 6, 0x4000_2000);
        Write(m, 2, 0, 0, 0, 7, 1 | 2 << 1 | 2 << 3 | 0xF0 << 5); // E, PAC EL0, LSC store, bytes 4-7
        Assert.False(debug.WatchesAccesses(Read(m, ArmState.TranslationContext)));
        Write(m, 2, 0, 0, 2, 2, 1 << 15);                     // MDE
        Assert.True(debug.WatchesAccesses(Read(m, ArmState.TranslationContext)));
        Assert.False(debug.TryHitWatchpoint(0x4000_2000, 4, true, 0, false, out _, out _));  // bytes 0-3
        Assert.False(debug.TryHitWatchpoint(0x4000_2004, 4, false, 0, false, out _, out _)); // a load
        Assert.False(debug.TryHitWatchpoint(0x4000_2004, 4, true, 1, false, out _, out _));  // from EL1
        Assert.True(debug.TryHitWatchpoint(0x4000_2000, 8, true, 0, false, out ulong esr, out ulong far));
        Assert.Equal(0x34UL << 26 | 1UL << 25 | 1UL << 6 | 0x22, esr); // EC 0x34, IL, WnR, DFSC debug event
        Assert.Equal(0x4000_2004ul, far);                               // the first watched byte the access reached
        // STTR at EL1 matches as EL0's access, but a debug exception from EL1 needs KDE and PSTATE.D clear (D is set at reset).
        Assert.False(debug.TryHitWatchpoint(0x4000_2006, 2, true, 1, true, out _, out _));
    }
}

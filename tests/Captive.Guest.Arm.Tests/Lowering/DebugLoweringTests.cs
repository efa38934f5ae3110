using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// Software step and breakpoints as the lowering takes them (ARM DDI 0487 D2.9, D2.12; the syndromes of D17.2.37: EC 0x30
// Breakpoint from a lower EL, 0x32/0x33 Software Step, ISS bit 24 ISV, bit 6 EX, IFSC/DFSC 0b100010 debug event). The
// translation context carries what the machine derived from MDSCR_EL1 and the OS Lock (bits 42–46).
public sealed class DebugLoweringTests : InstructionTestBase
{
    private const ulong StepEl0 = 1UL << 42, BreakEl0 = 1UL << 44, BreakEl1 = 1UL << 45;
    private const ulong Ss = 1UL << 21;

    [Fact]
    public void Eret_into_an_active_pending_step_takes_the_step_exception_before_any_instruction()
    {
        // DebugExceptionReturnSS: SPSR.SS = 0 returning to EL0 with MDSCR_EL1.SS: active-pending at once, ISV 0.
        var m = Prepare("eret", $"$SpsrEl1=0x600003c0 $ElrEl1=0x40000100 $SpSel=1 sp=0x40009000 $TranslationContext=0x{StepEl0:x}");
        m.Step();
        Assert.Equal(A64TestMachine.VectorBase + 0x400, m.Pc);            // from a lower EL
        Assert.Equal(0x32UL << 26 | 1UL << 25 | 0x22, m.Read(ArmState.EsrEl1));
        Assert.Equal(0x4000_0100ul, m.Read(ArmState.ElrEl1));
        Assert.Equal(0x600003c0ul, m.Read(ArmState.SpsrEl1));             // PSTATE as the return set it, SS 0
        Assert.Equal(1ul, m.Read(ArmState.CurrentEl));
        Assert.Equal(0x4000_9000ul, m.Sp);                                 // still SP_EL1
        Assert.Equal(0ul, m.Read(ArmState.PstateSs));
    }

    [Fact]
    public void A_stepped_instruction_completes_then_takes_the_step_exception()
    {
        // SPSR.SS = 1: active-not-pending; one instruction runs (a taken branch), then EC 0x32 with ISV 1, ELR = its target.
        var m = Prepare("eret\n.balign 256\nmov x0, #7\nb 1f\nnop\n1: nop",
            $"$SpsrEl1=0x{0x3c0 | Ss:x} $ElrEl1=0x40000100 $SpSel=1 $TranslationContext=0x{StepEl0:x}");
        m.Step();
        Assert.Equal(Ss, m.Read(ArmState.PstateSs));
        Assert.Equal(0ul, m.Read(ArmState.CurrentEl));
        m.Step();
        Assert.Equal(7ul, m[0]);
        Assert.Equal(A64TestMachine.VectorBase + 0x400, m.Pc);
        Assert.Equal(0x32UL << 26 | 1UL << 25 | 1UL << 24 | 0x22, m.Read(ArmState.EsrEl1));
        Assert.Equal(0x4000_0104ul, m.Read(ArmState.ElrEl1));
        Assert.Equal(0x3c0ul, m.Read(ArmState.SpsrEl1) & ~0xF000_0000UL); // SS 0: the step completed
        m.Pc = 0x4000_0104; m.Write(ArmState.CurrentEl, 0); m.Write(ArmState.SpSel, 0); m.Write(ArmState.PstateSs, Ss);
        m.Step();                                                          // b 1f: ELR = the target
        Assert.Equal(0x4000_010cul, m.Read(ArmState.ElrEl1));
    }

    [Theory]
    [InlineData("svc #1", 0x15UL, 0UL)]        // SVC completes first: SPSR.SS 0
    [InlineData("brk #1", 0x3CUL, Ss)]         // BRK does not: SPSR.SS 1, the instruction is stepped again
    [InlineData("ldxr x1, [x2]", 0x32UL, 0UL)] // a load-exclusive: EX
    public void Exceptions_in_a_stepped_instruction_save_PSTATE_SS(string instruction, ulong ec, ulong spsrSs)
    {
        var m = Prepare(instruction, $"x2=0x{A64TestMachine.DataBase:x} $CurrentEl=0 $SpSel=0 $PstateSs=0x{Ss:x} $TranslationContext=0x{StepEl0:x}");
        m.Step();
        Assert.Equal(ec, m.Read(ArmState.EsrEl1) >> 26);
        Assert.Equal(spsrSs, m.Read(ArmState.SpsrEl1) & Ss);
        Assert.Equal(0ul, m.Read(ArmState.PstateSs));
        if (ec == 0x32) Assert.Equal(1UL << 24 | 1UL << 6 | 0x22, m.Read(ArmState.EsrEl1) & 0x1FF_FFFF);
    }

    private static A64TestMachine WithBreakpoint(A64TestMachine m, ulong address, int els)
    {
        m.FrontEnd.Breakpoints = new A64Breakpoints([address | (uint)els]);
        return m;
    }

    [Fact]
    public void An_EL0_breakpoint_is_taken_before_its_instruction_executes()
    {
        var m = WithBreakpoint(Prepare("mov x0, #1\nmov x0, #2\nmov x0, #3", $"$CurrentEl=0 $SpSel=0 $FarEl1=0x55 $TranslationContext=0x{BreakEl0:x}"),
            A64TestMachine.RamBase + 4, 1);
        m.Step();                                                          // the block ends before the breakpoint
        Assert.Equal(A64TestMachine.RamBase + 4, m.Pc);
        Assert.Equal(1ul, m[0]);
        m.Step();
        Assert.Equal(1ul, m[0]);                                           // not executed
        Assert.Equal(A64TestMachine.VectorBase + 0x400, m.Pc);
        Assert.Equal(0x30UL << 26 | 1UL << 25 | 0x22, m.Read(ArmState.EsrEl1));
        Assert.Equal(A64TestMachine.RamBase + 4, m.Read(ArmState.ElrEl1));
        Assert.Equal(0ul, m.Read(ArmState.FarEl1));                        // QEMU writes 0 (the ARM ARM: UNKNOWN)
    }

    [Theory]
    [InlineData(0x000UL, true)]  // PSTATE.D clear: taken (EC 0x31)
    [InlineData(0x200UL, false)] // D set: the instruction runs
    public void An_EL1_breakpoint_depends_on_PSTATE_D_at_run_time(ulong daif, bool taken)
    {
        var m = WithBreakpoint(Prepare("mov x0, #2\nmov x0, #3", $"$Daif=0x{daif:x} $TranslationContext=0x{BreakEl1:x}"), A64TestMachine.RamBase, 2);
        m.Step();
        if (taken)
        {
            Assert.Equal(A64TestMachine.VectorBase + 0x200, m.Pc);
            Assert.Equal(0x31UL << 26 | 1UL << 25 | 0x22, m.Read(ArmState.EsrEl1));
            Assert.Equal(A64TestMachine.RamBase, m.Read(ArmState.ElrEl1));
            return;
        }
        Assert.Equal(A64TestMachine.RamBase | 1, m.Pc);                    // the alias: the instruction without its check
        m.Step();
        Assert.Equal(2ul, m[0]);
        Assert.Equal(A64TestMachine.RamBase + 4, m.Pc);
    }
}

using Captive.Core.IR;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// The system registers of an ARMv8.0 Cortex-A57-class CPU with EL0 and EL1 in AArch64 only, as Linux uses them:
// identification, caches, PMU, self-hosted debug, and UNDEFINED for everything this CPU does not have. Expected values
// are the ARM ARM's field definitions (ARM DDI 0487, D13.2 and D13.3) applied to what is implemented, and the Cortex-A57
// TRM's cache geometry.
public sealed class SystemRegisterTests : InstructionTestBase
{
    [Theory]
    [InlineData("mrs x0, id_aa64pfr0_el1", "", "x0=0x11")]                  // EL0, EL1: AArch64 only; no EL2/EL3; FP, AdvSIMD 0; GIC 0
    [InlineData("mrs x0, id_aa64pfr1_el1", "", "x0=0")]
    [InlineData("mrs x0, id_aa64dfr0_el1", "", "x0=0x101106")]              // DebugVer 6, PMUVer 1, BRPs 1, WRPs 1, CTX_CMPs 0
    [InlineData("mrs x0, id_aa64dfr1_el1", "", "x0=0")]
    [InlineData("mrs x0, id_aa64isar0_el1", "", "x0=0x211120")]             // AES 2 (PMULL), SHA1 1, SHA2 1, CRC32 1, Atomic 2
    [InlineData("mrs x0, id_aa64isar1_el1", "", "x0=0")]
    [InlineData("mrs x0, id_aa64mmfr0_el1", "", "x0=0xf000024")]            // PARange 44 bits, ASIDBits 16, TGran64 and TGran16 absent, TGran4
    [InlineData("mrs x0, id_aa64mmfr1_el1", "", "x0=0")]
    [InlineData("mrs x0, s3_0_c0_c7_2", "", "x0=0")]                        // ID_AA64MMFR2_EL1
    [InlineData("mrs x0, id_aa64afr0_el1; mrs x1, id_aa64afr1_el1", "", "x0=0 x1=0")]
    [InlineData("mrs x0, revidr_el1; mrs x1, aidr_el1", "", "x0=0 x1=0")]
    [InlineData("mrs x0, s3_0_c0_c4_4; mrs x1, s3_0_c0_c3_7; mrs x2, s3_0_c0_c6_2", "", "x0=0 x1=0 x2=0")] // reserved ID space: RAZ
    [InlineData("mrs x0, id_pfr0_el1; mrs x1, id_isar5_el1; mrs x2, mvfr0_el1; mrs x3, id_mmfr4_el1", "", "x0=0 x1=0 x2=0 x3=0")] // no AArch32
    [InlineData("mrs x0, clidr_el1", "", "x0=0xa200023")]                   // L1 I+D, L2 unified; LoUIS 1, LoC 2, LoUU 1
    [InlineData("mrs x0, ccsidr_el1", "$CsselrEl1=0", "x0=0x701fe00a")]     // L1D: 32 KiB, 2-way, 64-byte lines
    [InlineData("mrs x0, ccsidr_el1", "$CsselrEl1=1", "x0=0x201fe012")]     // L1I: 48 KiB, 3-way
    [InlineData("mrs x0, ccsidr_el1", "$CsselrEl1=2", "x0=0x70ffe07a")]     // L2: 2 MiB, 16-way
    [InlineData("mrs x0, ccsidr_el1", "$CsselrEl1=4", "x0=0")]              // no L3
    [InlineData("msr csselr_el1, x1; mrs x0, csselr_el1", "x1=0xffffffff", "x0=0xf $CsselrEl1=0xf")]
    [InlineData("msr actlr_el1, x1; mrs x0, actlr_el1", "x1=0x1234", "x0=0")]  // RAZ/WI
    [InlineData("mrs x0, rvbar_el1", "", "x0=0")]
    public void Identification_registers_say_what_is_implemented(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Fact]
    public void ID_AA64PFR0_EL1_reports_the_GICv3_system_register_interface_when_the_front_end_has_one()
    {
        var m = Prepare("mrs x0, id_aa64pfr0_el1", "").WithGicSystemRegisters();
        m.RunToEnd();
        Assert.Equal(0x0100_0011ul, m[0]); // GIC [27:24] = 1
    }

    [Theory]
    [InlineData("mrs x0, oslsr_el1", "$OslsrEl1=0xa", "x0=0xa")]                          // OSLM 0b10, OSLK 1
    [InlineData("mrs x0, osdlr_el1", "$OsdlrEl1=1", "x0=1")]
    [InlineData("mrs x0, mdscr_el1", "$MdscrEl1=0x8000", "x0=0x8000")]
    [InlineData("msr mdccint_el1, x1", "x1=-1", "$MdccintEl1=0x60000000")]                // RX, TX
    [InlineData("mrs x0, mdccsr_el0; mrs x1, mdrar_el1", "", "x0=0 x1=0")]
    [InlineData("mrs x0, dbgauthstatus_el1", "", "x0=0xf")]                                // Non-secure debug only
    [InlineData("mrs x0, dbgclaimset_el1", "", "x0=0xff")]                                 // eight claim tags
    [InlineData("msr dbgclaimset_el1, x1; mrs x0, dbgclaimclr_el1", "x1=0x1a5 $DbgclaimEl1=2", "x0=0xa7 $DbgclaimEl1=0xa7")]
    [InlineData("msr dbgclaimclr_el1, x1", "x1=0x103 $DbgclaimEl1=0xf", "$DbgclaimEl1=0xc")]
    [InlineData("mrs x3, dbgbvr1_el1", "$DbgbvrEl1+8=0xffff800000001000", "x3=0xffff800000001000")]
    [InlineData("mrs x0, dbgwcr0_el1", "$DbgwcrEl1=0x1f1fffff", "x0=0x1f1fffff")]
    public void Debug_registers_read_their_slots(string asm, string setup, string expect) => Check(asm, setup, expect);

    // Writes to the registers that decide debug exceptions trap: the host stores them (VirtMachineDebugTests) and the
    // translation context follows them.
    [Theory]
    [InlineData("msr mdscr_el1, x1", 2, 0, 0, 2, 2)]
    [InlineData("msr oslar_el1, x1", 2, 0, 1, 0, 4)]
    [InlineData("msr osdlr_el1, x1", 2, 0, 1, 3, 4)]
    [InlineData("msr dbgprcr_el1, x1", 2, 0, 1, 4, 4)]
    [InlineData("msr dbgbvr1_el1, x1", 2, 0, 0, 1, 4)]
    [InlineData("msr dbgbcr0_el1, x1", 2, 0, 0, 0, 5)]
    [InlineData("msr dbgwvr0_el1, x1", 2, 0, 0, 0, 6)]
    [InlineData("msr dbgwcr1_el1, x1", 2, 0, 0, 1, 7)]
    public void Debug_control_writes_trap_to_the_host(string asm, int op0, int op1, int crn, int crm, int op2)
    {
        var outcome = Prepare(asm, "x1=0x5").RunToTrap();
        Assert.Equal(IrTrapKind.SystemRegisterWrite, outcome.Trap);
        Assert.Equal((ulong)A64SystemRegisters.Encode(op0, op1, crn, crm, op2), outcome.TrapInfo);
        Assert.Equal(5ul, outcome.TrapValue);
    }

    [Theory]
    [InlineData("mrs x0, pmceid0_el0", "x0=0x20001")]   // SW_INCR (0x00) and CPU_CYCLES (0x11) only
    [InlineData("mrs x0, pmceid1_el0", "x0=0")]
    [InlineData("mrs x0, pmuserenr_el0", "x0=0")]
    public void PMU_identification_is_constant(string asm, string expect) => Check(asm, "$PmuserenrEl0=0", expect);

    // The counters are the host's: MRS traps with Info = encoding | Rt << 16, MSR with Info = encoding and the value.
    [Theory]
    [InlineData("mrs x3, pmccntr_el0", IrTrapKind.SystemRegisterRead, 3, 3, 9, 13, 0, 3)]
    [InlineData("mrs x1, pmcr_el0", IrTrapKind.SystemRegisterRead, 3, 3, 9, 12, 0, 1)]
    [InlineData("mrs x1, pmevcntr1_el0", IrTrapKind.SystemRegisterRead, 3, 3, 14, 8, 1, 1)]
    [InlineData("msr pmswinc_el0, x1", IrTrapKind.SystemRegisterWrite, 3, 3, 9, 12, 4, 0)]
    [InlineData("msr pmuserenr_el0, x1", IrTrapKind.SystemRegisterWrite, 3, 3, 9, 14, 0, 0)]  // the translation context follows it
    [InlineData("msr pmintenset_el1, x1", IrTrapKind.SystemRegisterWrite, 3, 0, 9, 14, 1, 0)]
    public void PMU_counters_are_host_registers(string asm, IrTrapKind kind, int op0, int op1, int crn, int crm, int op2, int rt)
    {
        var outcome = Prepare(asm, "x1=0x5").RunToTrap();
        Assert.Equal(kind, outcome.Trap);
        Assert.Equal((ulong)(A64SystemRegisters.Encode(op0, op1, crn, crm, op2) | rt << 16), outcome.TrapInfo);
        if (kind == IrTrapKind.SystemRegisterWrite) Assert.Equal(5ul, outcome.TrapValue);
    }

    // Registers this CPU does not have are UNDEFINED (EC 0) at EL1: outside the table, EL2 and EL3, PMU event counters and
    // breakpoints beyond those implemented, IMPLEMENTATION DEFINED space, and the wrong direction of one-way registers.
    [Theory]
    [InlineData("mrs x0, s3_3_c15_c0_0")]
    [InlineData("mrs x0, s3_1_c15_c2_0")]        // the A57's CPUACTLR_EL1: not modelled
    [InlineData("msr s3_0_c11_c0_0, x0")]
    [InlineData("mrs x0, s3_0_c0_c0_1")]         // not in the reserved ID space (CRm 0)
    [InlineData("msr s3_0_c0_c7_2, x0")]         // the reserved ID space is read-only
    [InlineData("msr id_aa64pfr0_el1, x0")]
    [InlineData("mrs x0, hcr_el2")]
    [InlineData("msr vbar_el3, x0")]
    [InlineData("mrs x0, pmevcntr2_el0")]
    [InlineData("mrs x0, pmevtyper5_el0")]
    [InlineData("mrs x0, dbgbvr2_el1")]
    [InlineData("msr dbgwcr3_el1, x0")]
    [InlineData("mrs x0, s3_3_c9_c12_4")]        // PMSWINC_EL0 is write-only
    [InlineData("msr s3_3_c9_c12_6, x0")]        // PMCEID0_EL0 is read-only
    [InlineData("mrs x0, s2_0_c1_c0_4")]         // OSLAR_EL1 is write-only
    [InlineData("msr s2_0_c1_c1_4, x0")]         // OSLSR_EL1 is read-only
    [InlineData("msr s3_1_c0_c0_0, x0")]         // CCSIDR_EL1 is read-only
    [InlineData("mrs x0, dbgdtr_el0")]           // the debug communication channel's data: no debugger
    [InlineData("mrs x0, rmr_el1")]              // no AArch32: no warm reset request register
    [InlineData("mrs x0, s3_0_c9_c9_4")]         // PMSIDR_EL1 (SPE): ARMv8.2
    public void Registers_this_CPU_does_not_have_are_UNDEFINED_at_EL1(string asm)
    {
        var m = Prepare("nop; " + asm, "");
        m.RunToTrap();
        Assert.Equal(A64TestMachine.VectorBase + 0x200, m.Pc);
        Assert.Equal(0x0200_0000ul, m.Read(ArmState.EsrEl1));   // EC 0, IL
        Assert.Equal(0x4000_0004ul, m.Read(ArmState.ElrEl1));
    }

    [Theory]
    [InlineData("mrs x0, s3_3_c15_c0_0")]
    [InlineData("msr s3_3_c4_c9_0, x0")]
    [InlineData("mrs x0, id_aa64pfr0_el1")]      // ID registers are EL1's (no FEAT_IDST in ARMv8.0: UNDEFINED)
    [InlineData("mrs x0, s3_0_c0_c7_2")]
    [InlineData("mrs x0, mdscr_el1")]
    [InlineData("mrs x0, mdccsr_el0")]           // the DCC at EL0 is not implemented
    [InlineData("mrs x0, pmevcntr2_el0")]        // absent, even with PMUSERENR_EL0.EN
    [InlineData("msr pmuserenr_el0, x0")]        // read-only at EL0
    [InlineData("mrs x0, s3_3_c9_c12_4")]        // PMSWINC_EL0 is write-only
    [InlineData("mrs x0, pmintenset_el1")]
    public void Registers_EL0_does_not_have_are_UNDEFINED_at_EL0(string asm)
    {
        var m = Prepare("nop; " + asm, "$CurrentEl=0 $SpSel=0 $TranslationContext=0x4000000000"); // PMUSERENR_EL0.EN
        m.RunToTrap();
        Assert.Equal(A64TestMachine.VectorBase + 0x400, m.Pc);
        Assert.Equal(0x0200_0000ul, m.Read(ArmState.EsrEl1));
        Assert.Equal(0x4000_0004ul, m.Read(ArmState.ElrEl1));
    }

    // EL0's access to the PMU (ARM DDI 0487 D13.4): PMUSERENR_EL0 EN (context bit 38) allows all, SW (39) PMSWINC writes,
    // CR (40) PMCCNTR reads, ER (41) event counter reads and PMSELR; otherwise EC 0x18 with
    // ISS = Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], direction [0] (1 = read).
    [Theory]
    [InlineData("mrs x1, pmccntr_el0", "0", 0x6200_0000ul | 0x30E43B)]       // Op0 3 Op2 0 Op1 3 CRn 9 Rt 1 CRm 13 read
    [InlineData("mrs x1, pmccntr_el0", "0x20000000000", 0x6200_0000ul | 0x30E43B)]   // ER does not give PMCCNTR
    [InlineData("msr pmccntr_el0, x1", "0x10000000000", 0x6200_0000ul | 0x30E43A)]   // CR gives reads only
    [InlineData("msr pmswinc_el0, x1", "0x20000000000", 0x6200_0000ul | 0x38E438)]   // Op2 4, CRm 12, write
    [InlineData("mrs x2, pmcr_el0", "0x38000000000", 0x6200_0000ul | 0x30E459)]       // SW, CR, ER: not PMCR
    [InlineData("mrs x0, pmceid0_el0", "0", 0x6200_0000ul | 0x3CE419)]
    [InlineData("msr pmevcntr0_el0, x0", "0x20000000000", 0x6200_0000ul | 0x30F810)] // ER gives reads only
    public void At_EL0_PMU_access_traps_unless_PMUSERENR_EL0_allows_it(string asm, string context, ulong esr)
    {
        var m = Prepare("nop; " + asm, $"$CurrentEl=0 $SpSel=0 $TranslationContext={context}");
        m.RunToTrap();
        Assert.Equal(A64TestMachine.VectorBase + 0x400, m.Pc);
        Assert.Equal(esr, m.Read(ArmState.EsrEl1));
    }

    [Theory]
    [InlineData("mrs x1, pmccntr_el0", "0x4000000000", IrTrapKind.SystemRegisterRead)]   // EN
    [InlineData("mrs x1, pmccntr_el0", "0x10000000000", IrTrapKind.SystemRegisterRead)]  // CR
    [InlineData("msr pmswinc_el0, x1", "0x8000000000", IrTrapKind.SystemRegisterWrite)]  // SW
    [InlineData("mrs x1, pmxevcntr_el0", "0x20000000000", IrTrapKind.SystemRegisterRead)] // ER
    [InlineData("msr pmselr_el0, x1", "0x20000000000", IrTrapKind.SystemRegisterWrite)]  // ER
    [InlineData("msr pmcr_el0, x1", "0x4000000000", IrTrapKind.SystemRegisterWrite)]     // EN
    public void At_EL0_what_PMUSERENR_EL0_allows_reaches_the_PMU(string asm, string context, IrTrapKind kind)
    {
        var m = Prepare(asm, $"$CurrentEl=0 $SpSel=0 $TranslationContext={context}");
        Assert.Equal(kind, m.RunToTrap().Trap);
        Assert.Equal(0ul, m.Read(ArmState.EsrEl1));
    }

    [Fact]
    public void At_EL0_PMUSERENR_EL0_and_PMCEID_are_readable_when_allowed()
    {
        var m = Prepare("mrs x0, pmuserenr_el0; mrs x1, pmceid0_el0", "$CurrentEl=0 $SpSel=0 $TranslationContext=0x4000000000 $PmuserenrEl0=1");
        m.RunToEnd();
        Assert.Equal(1ul, m[0]);
        Assert.Equal(0x20001ul, m[1]);
    }
}

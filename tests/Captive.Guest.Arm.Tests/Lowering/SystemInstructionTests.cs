using Captive.Core.IR;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// System registers, hints, barriers, cache maintenance and every way a block traps. Constants are the
// ones the brief fixes (EL1, Cortex-A57 r1p0 MIDR, uniprocessor MPIDR).
public sealed class SystemInstructionTests : InstructionTestBase
{
    [Theory]
    [InlineData("mrs x0, nzcv", "nzcv=NC", "x0=0xa0000000")]
    [InlineData("msr nzcv, x1", "x1=0xffffffff", "nzcv=NZCV")]
    [InlineData("mrs x0, currentel", "", "x0=4")]
    [InlineData("mrs x0, midr_el1", "", "x0=0x411fd070")]
    [InlineData("mrs x0, mpidr_el1", "", "x0=0x80000000")]
    [InlineData("mrs x0, cntvct_el0", "", "x0=0xc0ffee")]
    [InlineData("mrs x0, cntfrq_el0", "$CntfrqEl0=62500000", "x0=62500000")]
    [InlineData("mrs x0, dczid_el0", "", "x0=4")]
    [InlineData("mrs x3, ctr_el0", "", "x3=0x8444c004")]
    [InlineData("mrs x0, sctlr_el1", "$SctlrEl1=0x30d00800", "x0=0x30d00800")]
    [InlineData("msr vbar_el1, x1; mrs x0, vbar_el1", "x1=0x40001000", "x0=0x40001000 $VbarEl1=0x40001000")]
    [InlineData("msr tpidr_el0, x1; mrs x0, tpidr_el0", "x1=7", "x0=7 $TpidrEl0=7")]
    [InlineData("msr tpidr_el1, x1; msr tpidrro_el0, x2", "x1=7 x2=8", "$TpidrEl1=7 $TpidrroEl0=8")]
    [InlineData("msr elr_el1, x1; msr spsr_el1, x2; msr esr_el1, x3; msr far_el1, x4", "x1=1 x2=2 x3=3 x4=4", "$ElrEl1=1 $SpsrEl1=2 $EsrEl1=3 $FarEl1=4")]
    [InlineData("mrs x0, elr_el1; mrs x1, esr_el1; mrs x2, far_el1; mrs x3, spsr_el1", "$ElrEl1=1 $EsrEl1=2 $FarEl1=3 $SpsrEl1=4", "x0=1 x1=2 x2=3 x3=4")]
    [InlineData("msr fpcr, x1; mrs x0, fpsr", "x1=0x3000000 $Fpsr=0x10", "x0=0x10 $Fpcr=0x3000000")]
    [InlineData("msr daifset, #2", "$Daif=0", "$Daif=0x80")]
    [InlineData("msr daifclr, #0xf", "$Daif=0x3c0", "$Daif=0")]
    [InlineData("msr daif, x1", "x1=0xffffffff", "$Daif=0x3c0")]
    [InlineData("mrs x0, daif", "$Daif=0x140", "x0=0x140")]
    [InlineData("mrs x0, spsel", "$SpSel=1", "x0=1")]
    [InlineData("mrs x0, sp_el0", "$SpEl0=0x1234", "x0=0x1234")]
    [InlineData("msr sp_el0, x1", "x1=0x1234", "$SpEl0=0x1234")]
    [InlineData("msr spsel, #0", "sp=0x1111 $SpEl0=0x2222", "sp=0x2222 $SpEl1=0x1111 $SpSel=0")]
    [InlineData("msr spsel, #0; mov x0, sp; msr spsel, #1; mov x1, sp", "sp=0x1111 $SpEl0=0x2222", "x0=0x2222 x1=0x1111 $SpEl1=0x1111")]
    [InlineData("msr spsel, #0; add sp, sp, #8; msr spsel, #1", "sp=0x1111 $SpEl0=0x2222", "$SpEl0=0x222a $SpEl1=0x1111")]
    [InlineData("msr spsel, x1", "x1=3 sp=0x1111", "$SpEl1=0x1111")]
    [InlineData("mrs xzr, midr_el1", "", "")]
    [InlineData("msr mair_el1, x4; mrs x5, tcr_el1; mrs x6, ttbr1_el1", "x4=0xff04 $TcrEl1=0x35103510 $Ttbr1El1=0x40002000",
        "x5=0x35103510 x6=0x40002000 $MairEl1=0xff04")]
    public void System_registers(string asm, string setup, string expect) => Check(asm, setup, expect);

    [Theory]
    [InlineData("nop; yield; wfe; sev; sevl; hint #0x19; hint #0x22; isb; dmb ish; dsb sy; dsb ishst", "", "")]
    [InlineData("dc civac, x1; dc cvac, x1; dc cvau, x1; dc ivac, x1; dc isw, x1; dc csw, x1; dc cisw, x1", "x1=0", "")]
    [InlineData("clrex", "$ExclusiveArmed=1 $ExclusiveAddress=D", "$ExclusiveArmed=0")]
    [InlineData("dc zva, x1",
        "x1=D+0x47 m64@D+0x38=-1 m64@D+0x40=-1 m64@D+0x48=-1 m64@D+0x50=-1 m64@D+0x58=-1 m64@D+0x60=-1 m64@D+0x68=-1 m64@D+0x70=-1 m64@D+0x78=-1 m64@D+0x80=-1",
        "m64@D+0x40=0 m64@D+0x48=0 m64@D+0x50=0 m64@D+0x58=0 m64@D+0x60=0 m64@D+0x68=0 m64@D+0x70=0 m64@D+0x78=0")]
    public void Hints_barriers_and_cache_maintenance(string asm, string setup, string expect) => Check(asm, setup, expect);

    private static Core.Interpreter.BlockOutcome Trap(string asm, string setup = "")
    {
        var m = Prepare(asm, setup);
        return m.RunToTrap();
    }

    [Theory]
    [InlineData("svc #0x42", IrTrapKind.Svc, 0x42ul)]
    [InlineData("hvc #0", IrTrapKind.Hvc, 0ul)]
    [InlineData("brk #0x3e8", IrTrapKind.Brk, 0x3e8ul)]
    [InlineData("wfi", IrTrapKind.Wfi, 0ul)]
    public void Exception_generation_traps_with_its_immediate(string asm, IrTrapKind kind, ulong info)
    {
        var outcome = Trap("nop; " + asm);
        Assert.Equal(kind, outcome.Trap);
        Assert.Equal(info, outcome.TrapInfo);
        Assert.Equal(0x4000_0004ul, outcome.TrapPc);
        Assert.Equal(0x4000_0008ul, outcome.NextPc);
    }

    [Fact]
    public void Msr_cpacr_el1_traps_for_the_host_which_keeps_the_translation_context()
    {
        var m = Prepare("msr cpacr_el1, x1", "x1=0x300000");
        var outcome = m.RunToTrap();
        Assert.Equal(IrTrapKind.SystemRegisterWrite, outcome.Trap);
        Assert.Equal((ulong)A64SystemRegisters.Encode(3, 0, 1, 0, 2), outcome.TrapInfo);
        Assert.Equal(0x30_0000ul, outcome.TrapValue);
    }

    // The MMU's registers: the machine decodes them once per change and must see every write.
    [Theory]
    [InlineData("msr ttbr1_el1, x1", 3, 0, 2, 0, 1)]
    [InlineData("msr tcr_el1, x1", 3, 0, 2, 0, 2)]
    public void Mmu_register_writes_trap_with_the_encoding_and_value(string asm, int op0, int op1, int crn, int crm, int op2)
    {
        var m = Prepare(asm, "x1=0x1234000");
        var outcome = m.RunToTrap();
        Assert.Equal(IrTrapKind.SystemRegisterWrite, outcome.Trap);
        Assert.Equal((ulong)A64SystemRegisters.Encode(op0, op1, crn, crm, op2), outcome.TrapInfo);
        Assert.Equal(0x123_4000ul, outcome.TrapValue);
    }

    // TTBR0_EL1 is written by the lowered code, then an address space switch traps with the value (translated code
    // carries it out itself when the engine knows the space).
    [Fact]
    public void A_TTBR0_write_is_an_address_space_switch()
    {
        var m = Prepare("msr ttbr0_el1, x1", "x1=0x2001234000");
        var outcome = m.RunToTrap();
        Assert.Equal(IrTrapKind.AddressSpaceSwitch, outcome.Trap);
        Assert.Equal(0x20_0123_4000ul, outcome.TrapValue);
        Assert.Equal(0x20_0123_4000ul, m.Read(ArmState.Ttbr0El1));
    }

    // TLB maintenance, AT and instruction cache maintenance go to the host with op1:CRn:CRm:op2 (ARM DDI 0487 C5.3) and Xt.
    [Theory]
    [InlineData("tlbi vmalle1", 0, 8, 7, 0, 0ul)]
    [InlineData("tlbi aside1, x1", 0, 8, 7, 2, 0x1234000ul)]
    [InlineData("at s1e0w, x1", 0, 7, 8, 3, 0x1234000ul)]
    [InlineData("ic iallu", 0, 7, 5, 0, 0ul)]                      // instruction cache maintenance: translations may be stale
    [InlineData("ic ialluis", 0, 7, 1, 0, 0ul)]
    public void Tlb_maintenance_and_at_trap_to_the_host(string asm, int op1, int crn, int crm, int op2, ulong value)
    {
        var m = Prepare("nop; " + asm, "x1=0x1234000");
        var outcome = m.RunToTrap();
        Assert.Equal(IrTrapKind.SystemInstruction, outcome.Trap);
        Assert.Equal((ulong)(op1 << 11 | crn << 7 | crm << 3 | op2), outcome.TrapInfo);
        Assert.Equal(value, outcome.TrapValue);
        Assert.Equal(0x4000_0004ul, outcome.TrapPc);
        Assert.Equal(0x4000_0008ul, outcome.NextPc);
    }

    // TLBI by address carries the address (Xt[43:0] = VA[55:12], sign-extended from VA bit 55), IC IVAU Xt: translated
    // code may carry them out itself (see IrTrapKind).
    [Theory]
    [InlineData("tlbi vae1is, x1", 0, 8, 3, 1, 0x1234ul, 0x1234000ul, IrTrapKind.TlbInvalidateByAddress)]
    [InlineData("tlbi vaale1, x1", 0, 8, 7, 7, 0xFFFF_FFFF_FFFF_FFFFul, 0xFFFF_FFFF_FFFF_F000ul, IrTrapKind.TlbInvalidateByAddress)]
    [InlineData("tlbi vale1is, x1", 0, 8, 3, 5, 0x0000_0800_0000_0001ul, 0xFF80_0000_0000_1000ul, IrTrapKind.TlbInvalidateByAddress)]
    [InlineData("tlbi vaae1, x1", 0, 8, 7, 3, 0x0000_07FF_FFFF_FFFFul, 0x007F_FFFF_FFFF_F000ul, IrTrapKind.TlbInvalidateByAddress)]
    [InlineData("ic ivau, x1", 3, 7, 5, 1, 0x1234567ul, 0x1234567ul, IrTrapKind.CodeInvalidateByAddress)]
    public void Maintenance_by_address_traps_with_the_address(string asm, int op1, int crn, int crm, int op2, ulong xt, ulong value, IrTrapKind kind)
    {
        var m = Prepare("nop; " + asm, $"x1=0x{xt:x}");
        var outcome = m.RunToTrap();
        Assert.Equal(kind, outcome.Trap);
        Assert.Equal((ulong)(op1 << 11 | crn << 7 | crm << 3 | op2), outcome.TrapInfo);
        Assert.Equal(value, outcome.TrapValue);
        Assert.Equal(0x4000_0004ul, outcome.TrapPc);
        Assert.Equal(0x4000_0008ul, outcome.NextPc);
    }

    [Fact]
    public void Instructions_before_a_trap_take_effect()
    {
        var m = Prepare("mov x0, #1; svc #0; mov x0, #2", "");
        var outcome = m.RunToTrap();
        Assert.Equal(IrTrapKind.Svc, outcome.Trap);
        Assert.Equal(1ul, m[0]);
    }

    [Fact]
    public void Msr_sctlr_el1_traps_with_the_encoding_and_value_and_leaves_the_slot()
    {
        var m = Prepare("msr sctlr_el1, x1", $"x1=0x30d00801 $SctlrEl1=0x30d00800");
        var outcome = m.RunToTrap();
        Assert.Equal(new Core.Interpreter.BlockOutcome(0x4000_0004, IrTrapKind.SystemRegisterWrite, (ulong)A64SystemRegisters.SctlrEl1, 0x30d0_0801, 0x4000_0000), outcome);
        Assert.Equal(0xC080, A64SystemRegisters.SctlrEl1); // op0=3 op1=0 CRn=1 CRm=0 op2=0
        Assert.Equal(0x30d0_0800ul, m.Read(ArmState.SctlrEl1));
    }

    [Theory]
    [InlineData(".inst 0x00000000", IrTrapKind.Undefined)]          // UDF #0
    [InlineData(".inst 0x02000000", IrTrapKind.Undefined)]          // unallocated op0
    [InlineData(".inst 0x12800000 | 0x00c00000", IrTrapKind.Undefined)] // MOVN w, hw=3
    [InlineData(".inst 0x13000000 | 0x00400000", IrTrapKind.Undefined)] // SBFM sf=0 N=1
    [InlineData(".inst 0xd4a00000", IrTrapKind.Undefined)]          // DCPS with LL=00
    [InlineData("dcps1", IrTrapKind.Undefined)]                     // not in Debug state
    [InlineData("drps", IrTrapKind.Undefined)]
    [InlineData(".inst 0xd5300000 | (0x0001 << 5)", IrTrapKind.Undefined)] // MRS of an unknown register
    [InlineData("msr ttbr0_el2, x0", IrTrapKind.Undefined)]           // no EL2
    [InlineData("mrs x0, scr_el3", IrTrapKind.Undefined)]             // no EL3
    [InlineData("tlbi alle2", IrTrapKind.Undefined)]                 // no EL2
    [InlineData("at s1e3r, x0", IrTrapKind.Undefined)]               // no EL3
    [InlineData("smc #0xffff", IrTrapKind.Undefined)]                 // no EL3
    [InlineData("hlt #0xf000", IrTrapKind.Undefined)]                 // halting debug is off
    [InlineData(".inst 0xd5180000", IrTrapKind.Undefined)]              // MSR MIDR_EL1: read-only register
    [InlineData(".inst 0xd5184240", IrTrapKind.Undefined)]              // MSR CurrentEL
    [InlineData("sysl x0, #0, c0, c0, #0", IrTrapKind.Undefined)]
    [InlineData("sys #0, c15, c0, #0, x0", IrTrapKind.Undefined)]
    public void Undefined_and_unsupported_trap_with_the_word(string asm, IrTrapKind kind)
    {
        GnuToolchain.RequireAssembler();
        uint word = GnuToolchain.Assemble(asm)[0];
        var outcome = Trap("nop; " + asm);
        Assert.Equal(kind, outcome.Trap);
        Assert.Equal(word, outcome.TrapInfo);
        Assert.Equal(0x4000_0004ul, outcome.TrapPc);
        Assert.Equal(0x4000_0008ul, outcome.NextPc);
    }

    // Exception entry (ARM DDI 0487 D1.10): the values below are the ARM ARM's, for an exception taken from EL1 to EL1.
    // ESR = EC << 26 | IL (bit 25) | ISS; SPSR = NZCV | DAIF | M (EL1t 0b0100, EL1h 0b0101); vector = VBAR + 0x000
    // (SP_EL0 in use) or + 0x200 (SP_EL1 in use); then DAIF all masked, SPSel 1, SP = SP_EL1.

    [Theory]
    [InlineData("svc #0x42", 0x5600_0042ul, 0x4000_0008ul)]   // EC 0x15; returns after the SVC
    [InlineData("brk #0x3e8", 0xF200_03E8ul, 0x4000_0004ul)]  // EC 0x3C; returns to the BRK
    [InlineData("udf #7", 0x0200_0000ul, 0x4000_0004ul)]      // EC 0 (unknown reason); returns to the UDF
    [InlineData("hlt #1", 0x0200_0000ul, 0x4000_0004ul)]
    [InlineData("smc #1", 0x0200_0000ul, 0x4000_0004ul)]
    public void Exception_from_EL1h_enters_the_current_EL_SP_ELx_vector(string asm, ulong esr, ulong elr)
    {
        var m = Prepare("nop; " + asm, "nzcv=NC $Daif=0x140 $SpSel=1 sp=0x40009000 $SpEl0=0x2222");
        m.RunToTrap();
        Assert.Equal(A64TestMachine.VectorBase + 0x200, m.Pc);
        Assert.Equal(esr, m.Read(ArmState.EsrEl1));
        Assert.Equal(elr, m.Read(ArmState.ElrEl1));
        Assert.Equal(0xA000_0145ul, m.Read(ArmState.SpsrEl1));
        Assert.Equal(0x3C0ul, m.Read(ArmState.Daif));
        Assert.Equal(0x4000_9000ul, m.Sp);
        Assert.Equal(0x2222ul, m.Read(ArmState.SpEl0));
        Assert.Equal(1ul, m.Read(ArmState.SpSel));
        Assert.Equal(1ul, m.Read(ArmState.CurrentEl));
    }

    [Fact]
    public void Exception_from_EL1t_enters_the_current_EL_SP_EL0_vector_and_switches_to_SP_EL1()
    {
        var m = Prepare("svc #1", "nzcv=Z $Daif=0 $SpSel=0 sp=0x1111 $SpEl1=0x40009000");
        m.RunToTrap();
        Assert.Equal(A64TestMachine.VectorBase + 0x000, m.Pc);
        Assert.Equal(0x4000_0004ul, m.Read(ArmState.ElrEl1));
        Assert.Equal(0x4000_0004ul, m.Read(ArmState.SpsrEl1));
        Assert.Equal(0x4000_9000ul, m.Sp);
        Assert.Equal(0x1111ul, m.Read(ArmState.SpEl0));
        Assert.Equal(1ul, m.Read(ArmState.SpSel));
    }

    [Fact]
    public void Exception_from_EL0_enters_the_lower_EL_vector()
    {
        var m = Prepare("svc #3", "nzcv=N $Daif=0 $SpSel=1 $CurrentEl=0 sp=0x3333 $SpEl1=0x40009000");
        m.RunToTrap();
        Assert.Equal(A64TestMachine.VectorBase + 0x400, m.Pc);
        Assert.Equal(0x8000_0000ul, m.Read(ArmState.SpsrEl1)); // M = EL0t whatever SPSel says
        Assert.Equal(0x4000_9000ul, m.Sp);
        Assert.Equal(0x3333ul, m.Read(ArmState.SpEl0));
        Assert.Equal(1ul, m.Read(ArmState.CurrentEl));
    }

    // EL0 (ARM DDI 0487 D1.6 and the registers' accessibility pseudocode): EL1-only instructions are UNDEFINED (EC 0);
    // what SCTLR_EL1/CNTKCTL_EL1 can give EL0 traps with EC 0x18, ISS = Op0:Op2:Op1:CRn:Rt:CRm:direction (WFI/WFE:
    // EC 0x01, ISS CV = 1, COND = 0xE, TI). $TranslationContext = SCTLR_EL1 | CNTKCTL_EL1[1:0] << 32.

    [Theory]
    [InlineData("mrs x0, sctlr_el1", "", 0x0200_0000ul)]
    [InlineData("mrs x0, currentel", "", 0x0200_0000ul)]
    [InlineData("msr spsel, #1", "", 0x0200_0000ul)]
    [InlineData("eret", "", 0x0200_0000ul)]
    [InlineData("hvc #0", "", 0x0200_0000ul)]
    [InlineData("tlbi vmalle1", "", 0x0200_0000ul)]
    [InlineData("ic iallu", "", 0x0200_0000ul)]
    [InlineData("msr tpidrro_el0, x1", "", 0x0200_0000ul)]
    [InlineData("msr cntfrq_el0, x1", "", 0x0200_0000ul)]
    [InlineData("msr daifset, #2", "", 0x6200_0000ul | 0xCD3E4)]          // Op2 6, Op1 3, CRn 4, Rt 31, CRm 2
    [InlineData("mrs x3, daif", "", 0x6200_0000ul | 0x32D065)]            // Op0 3, Op2 1, Op1 3, CRn 4, Rt 3, CRm 2, read
    [InlineData("dc civac, x1", "", 0x6200_0000ul | 0x12DC3C)]            // QEMU's value too
    [InlineData("dc zva, x1", "", 0x6200_0000ul | 0x12DC28)]
    [InlineData("mrs x1, ctr_el0", "", 0x6200_0000ul | 0x32C021)]
    [InlineData("mrs x1, cntvct_el0", "", 0x6200_0000ul | 0x34F821)]
    [InlineData("mrs x1, cntfrq_el0", "", 0x6200_0000ul | 0x30F821)]
    [InlineData("wfi", "", 0x0600_0000ul | 0x1E0_0000)]
    [InlineData("wfe", "", 0x0600_0000ul | 0x1E0_0001)]
    public void At_EL0_privileged_instructions_take_their_exception_to_EL1(string asm, string setup, ulong esr)
    {
        var m = Prepare("nop; " + asm, "$CurrentEl=0 $SpSel=0 $TranslationContext=0 " + setup);
        m.RunToTrap();
        Assert.Equal(A64TestMachine.VectorBase + 0x400, m.Pc);
        Assert.Equal(esr, m.Read(ArmState.EsrEl1));
        Assert.Equal(0x4000_0004ul, m.Read(ArmState.ElrEl1));
    }

    [Theory]
    [InlineData("mrs x0, tpidrro_el0; mrs x1, nzcv; mrs x2, tpidr_el0; msr tpidr_el0, x3", "$TranslationContext=0")]
    [InlineData("dc civac, x1; dc cvau, x1; mrs x1, ctr_el0", "$TranslationContext=0x4008000")]       // UCI, UCT
    [InlineData("mrs x3, daif; msr daifset, #2", "$TranslationContext=0x200")]                       // UMA
    [InlineData("mrs x1, cntvct_el0; mrs x2, cntfrq_el0", "$TranslationContext=0x200000000")]        // EL0VCTEN
    [InlineData("wfe", "$TranslationContext=0x40000")]                                              // nTWE
    public void At_EL0_what_EL1_allows_executes(string asm, string setup)
    {
        var m = Prepare(asm, "$CurrentEl=0 $SpSel=0 " + setup);
        m.RunToEnd();
        Assert.Equal(0ul, m.Read(ArmState.EsrEl1));
    }

    [Fact]
    public void At_EL0_an_allowed_IC_IVAU_goes_to_the_host_like_at_EL1()
    {
        var m = Prepare("ic ivau, x1", "$CurrentEl=0 $SpSel=0 $TranslationContext=0x4000000 x1=0x40001000"); // UCI
        var outcome = m.RunToTrap();
        Assert.Equal(IrTrapKind.CodeInvalidateByAddress, outcome.Trap);
        Assert.Equal(0x40001000ul, outcome.TrapValue);
        Assert.Equal(0ul, m.Read(ArmState.EsrEl1));
    }

    [Theory]
    [InlineData("$TranslationContext=0", 0x14ul)]         // DZE = 0: DZP set
    [InlineData("$TranslationContext=0x4000", 0x4ul)]     // DZE = 1
    public void At_EL0_DCZID_reports_whether_DC_ZVA_is_prohibited(string setup, ulong dczid)
    {
        var m = Prepare("mrs x0, dczid_el0", "$CurrentEl=0 $SpSel=0 " + setup);
        m.RunToEnd();
        Assert.Equal(dczid, m[0]);
    }

    // Exception return (ARM DDI 0487 D1.11, AArch64.ExceptionReturn): PSTATE from SPSR_EL1, PC from ELR_EL1.

    [Theory]
    [InlineData(0x6000_0005ul, 1ul, 1ul, 0x4000_9000ul)]  // EL1h: SP_EL1 stays
    [InlineData(0x6000_0004ul, 1ul, 0ul, 0x2222ul)]       // EL1t: SP_EL0
    [InlineData(0x6000_0000ul, 0ul, 0ul, 0x2222ul)]       // EL0t: SP_EL0
    public void Eret_restores_PSTATE_and_continues_at_ELR(ulong spsr, ulong el, ulong spsel, ulong sp)
    {
        var m = Prepare("eret", $"$SpsrEl1=0x{spsr:x} $ElrEl1=0x40000100 $SpSel=1 sp=0x40009000 $SpEl0=0x2222 $Daif=0x3c0 $ExclusiveArmed=1");
        m.Step();
        Assert.Equal(0x4000_0100ul, m.Pc);
        Assert.Equal(0x6000_0000u, m.Nzcv);
        Assert.Equal(0ul, m.Read(ArmState.Daif));
        Assert.Equal(el, m.Read(ArmState.CurrentEl));
        Assert.Equal(spsel, m.Read(ArmState.SpSel));
        Assert.Equal(sp, m.Sp);
        Assert.Equal(0x4000_9000ul, m.Read(ArmState.SpEl1));
        Assert.Equal(0ul, m.Read(ArmState.ExclusiveArmed));
    }

    [Fact]
    public void Eret_to_EL0_with_IL_set_takes_the_illegal_execution_state_exception_from_EL0()
    {
        var m = Prepare("eret", "$SpsrEl1=0x80100000 $ElrEl1=0x40000100 $SpSel=1 sp=0x40009000 $SpEl0=0x2222 $Daif=0");
        m.Step();
        Assert.Equal(A64TestMachine.VectorBase + 0x400, m.Pc);   // lower EL, AArch64
        Assert.Equal(0x3A00_0000ul, m.Read(ArmState.EsrEl1));
        Assert.Equal(0x8010_0000ul, m.Read(ArmState.SpsrEl1));    // the returned PSTATE: EL0t with IL
        Assert.Equal(0x4000_0100ul, m.Read(ArmState.ElrEl1));
        Assert.Equal(0x4000_9000ul, m.Sp);                        // back on SP_EL1
        Assert.Equal(0x2222ul, m.Read(ArmState.SpEl0));
        Assert.Equal(1ul, m.Read(ArmState.CurrentEl));
    }

    [Theory]
    [InlineData(0x8000_0008ul)]  // EL2h: not implemented
    [InlineData(0x8000_0010ul)]  // AArch32 User
    [InlineData(0x8010_0005ul)]  // EL1h with IL set
    public void An_illegal_exception_return_takes_the_illegal_execution_state_exception(ulong spsr)
    {
        var m = Prepare("eret", $"$SpsrEl1=0x{spsr:x} $ElrEl1=0x40000100 $SpSel=1 $Daif=0");
        m.Step();
        Assert.Equal(A64TestMachine.VectorBase + 0x200, m.Pc);
        Assert.Equal(0x3A00_0000ul, m.Read(ArmState.EsrEl1));               // EC 0x0E, IL
        Assert.Equal(0x4000_0100ul, m.Read(ArmState.ElrEl1));               // the return address stays
        Assert.Equal(0x8010_0005ul, m.Read(ArmState.SpsrEl1));              // NZCV, DAIF from SPSR; IL; EL1h
        Assert.Equal(1ul, m.Read(ArmState.CurrentEl));
        Assert.Equal(0x3C0ul, m.Read(ArmState.Daif));
    }

    // CPACR_EL1.FPEN (ARM DDI 0487 D13.2.30): 0b00 traps SIMD&FP at EL0 and EL1, 0b01 at EL0 only, with EC 0x07 and
    // ISS CV = 1, COND = 0xE. The translation context keeps FPEN inverted in bits 35:34.

    [Theory]
    [InlineData("fmov d0, x1", 1, 0xC_0000_0000ul, 0x200ul)]              // FPEN 00, EL1
    [InlineData("add v1.4s, v2.4s, v3.4s", 1, 0xC_0000_0000ul, 0x200ul)]
    [InlineData("ldr q0, [x1]", 1, 0xC_0000_0000ul, 0x200ul)]
    [InlineData("aese v0.16b, v1.16b", 1, 0xC_0000_0000ul, 0x200ul)]
    [InlineData("mrs x0, fpsr", 1, 0xC_0000_0000ul, 0x200ul)]
    [InlineData("msr fpcr, x0", 1, 0xC_0000_0000ul, 0x200ul)]
    [InlineData("fadd s0, s1, s2", 0, 0x8_0000_0000ul, 0x400ul)]          // FPEN 01: EL0 only
    public void Simd_and_fp_trap_as_CPACR_EL1_FPEN_says(string asm, int el, ulong context, ulong vector)
    {
        var m = Prepare("nop; " + asm, $"$CurrentEl={el} $SpSel={el} $TranslationContext=0x{context:x} x1=D");
        m.RunToTrap();
        Assert.Equal(A64TestMachine.VectorBase + vector, m.Pc);
        Assert.Equal(0x1FE0_0000ul, m.Read(ArmState.EsrEl1)); // EC 0x07, IL, CV, COND AL
        Assert.Equal(0x4000_0004ul, m.Read(ArmState.ElrEl1));
    }

    [Theory]
    [InlineData("fmov d0, x1", "$TranslationContext=0x800000000")]        // FPEN 01 at EL1
    [InlineData("crc32b w0, w1, w2", "$TranslationContext=0xC00000000")]  // not SIMD&FP
    [InlineData("mrs x0, tpidr_el0", "$TranslationContext=0xC00000000")]
    public void What_FPEN_does_not_trap_executes(string asm, string setup)
    {
        var m = Prepare(asm, setup);
        m.RunToEnd();
        Assert.Equal(0ul, m.Read(ArmState.EsrEl1));
    }
}

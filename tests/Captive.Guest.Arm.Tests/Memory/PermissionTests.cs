using Captive.Guest.Arm.Memory;
using Xunit;

namespace Captive.Guest.Arm.Tests.Memory;

// Expected permissions are the ARM ARM's stage 1 tables for the EL1&0 regime: AP[2:1] = 00 EL1 RW / EL0 none,
// 01 RW / RW, 10 RO / none, 11 RO / RO; UXN and PXN make EL0 and EL1 execute-never; memory writable at EL0 is
// never executable at EL1; WXN makes memory execute-never at any EL that can write it; APTable[0] removes EL0
// access and APTable[1] write access below a table, XNTable/PXNTable add UXN/PXN; PAN denies privileged data
// accesses to memory EL0 can read; LDTR/STTR at EL1 use the EL0 permissions.
public sealed class PermissionTests : PageTableFixture
{
    private const ulong Va = 1UL << 39 | 2UL << 30 | 3UL << 21 | 4UL << 12 | 0x80;
    private const ulong Pa = 0x6_0000_0000;

    private A64TranslationResult Access(ulong leafBits, A64Access access, ulong sctlr = MmuOn, ulong[]? tableBits = null)
    {
        ulong root = Chain(12, [1, 2, 3, 4], Page(Pa) | leafBits, tableBits);
        return Walk(Regime(root, sctlr: sctlr), Va, access);
    }

    private static string Rwx(A64Permissions p) =>
        $"{((p & A64Permissions.Read) != 0 ? 'r' : '-')}{((p & A64Permissions.Write) != 0 ? 'w' : '-')}{((p & A64Permissions.Execute) != 0 ? 'x' : '-')}";

    private void AssertPermissions(ulong leafBits, string el0, string el1, ulong sctlr = MmuOn, ulong[]? tableBits = null)
    {
        var result = Access(leafBits, A64Access.Read(1), sctlr, tableBits);
        Assert.False(result.IsFault);
        Assert.Equal((el0, el1), (Rwx(result.El0), Rwx(result.El1)));
    }

    // ---- The permission table ----

    [Theory]
    [InlineData(0b00, false, false, "--x", "rwx")]  // EL0 may execute memory it cannot read (ARMv8.0)
    [InlineData(0b01, false, false, "rwx", "rw-")]  // EL0-writable: privileged execute-never is implied
    [InlineData(0b10, false, false, "--x", "r-x")]
    [InlineData(0b11, false, false, "r-x", "r-x")]
    [InlineData(0b11, true, false, "r--", "r-x")]
    [InlineData(0b11, false, true, "r-x", "r--")]
    [InlineData(0b00, true, true, "---", "rw-")]
    [InlineData(0b01, true, false, "rw-", "rw-")]
    [InlineData(0b10, true, true, "---", "r--")]
    public void AP_UXN_and_PXN_give_the_architected_permissions(int ap, bool uxn, bool pxn, string el0, string el1) =>
        AssertPermissions(Ap(ap) | (uxn ? Uxn : 0) | (pxn ? Pxn : 0), el0, el1);

    [Theory]
    [InlineData(0b00, "--x", "rw-")]
    [InlineData(0b01, "rw-", "rw-")]
    [InlineData(0b10, "--x", "r-x")]
    [InlineData(0b11, "r-x", "r-x")]
    public void WXN_makes_memory_execute_never_at_each_EL_that_can_write_it(int ap, string el0, string el1) =>
        AssertPermissions(Ap(ap), el0, el1, sctlr: MmuOn | SctlrWxn);

    // ---- Hierarchical attributes ----

    [Fact]
    public void APTable_0_removes_EL0_access_below_the_table_and_with_it_the_implied_PXN()
    {
        AssertPermissions(Ap(0b01), "--x", "rwx", tableBits: [0, ApTableNoEl0, 0]);
    }

    [Fact]
    public void APTable_1_makes_everything_below_the_table_read_only()
    {
        AssertPermissions(Ap(0b01), "r-x", "r-x", tableBits: [ApTableReadOnly, 0, 0]);
        AssertPermissions(Ap(0b00), "--x", "r-x", tableBits: [0, 0, ApTableReadOnly]);
    }

    [Fact]
    public void XNTable_makes_everything_below_it_EL0_execute_never()
    {
        AssertPermissions(Ap(0b11), "r--", "r-x", tableBits: [UxnTable, 0, 0]);
    }

    [Fact]
    public void PXNTable_makes_everything_below_it_EL1_execute_never()
    {
        AssertPermissions(Ap(0b11), "r-x", "r--", tableBits: [0, 0, PxnTable]);
    }

    [Fact]
    public void Table_attributes_apply_to_blocks_too()
    {
        ulong root = Chain(12, [0, 1, 2], Block(0x20_0000) | Ap(0b01), [ApTableNoEl0 | UxnTable, 0]);
        var result = Walk(Regime(root), 1UL << 30 | 2UL << 21);
        Assert.Equal(("---", "rwx"), (Rwx(result.El0), Rwx(result.El1)));
    }

    [Fact]
    public void Table_attributes_do_not_reach_other_tables()
    {
        ulong root = NewTable(), restricted = NewTable(), open = NewTable();
        Set(root, 0, Table(restricted) | ApTableReadOnly | ApTableNoEl0);
        Set(root, 1, Table(open));
        Set(restricted, 0, Block(0x4000_0000) | Ap(0b01));
        Set(open, 0, Block(0x8000_0000) | Ap(0b01));
        var regime = Regime(root);
        Assert.Equal("r-x", Rwx(Walk(regime, 0).El1));
        Assert.Equal("rw-", Rwx(Walk(regime, 1UL << 39).El1));
    }

    // ---- Accesses that fault ----

    [Fact]
    public void EL0_read_of_EL1_only_memory_is_a_level_3_permission_fault()
    {
        var result = Access(Ap(0b00), A64Access.Read(0));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.Equal(0b001111, result.Fault.StatusCode);
        Assert.False(result.Fault.IsWrite);
        Assert.Equal(0x24UL << 26 | 1UL << 25 | 0b001111, result.Fault.Syndrome);  // Data Abort from a lower EL
    }

    [Fact]
    public void EL0_write_of_read_only_memory_reports_WnR()
    {
        var result = Access(Ap(0b11), A64Access.Write(0));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.True(result.Fault.IsWrite);
        Assert.Equal(0x24UL << 26 | 1UL << 25 | 1UL << 6 | 0b001111, result.Fault.Syndrome);
    }

    [Fact]
    public void EL1_write_of_read_only_memory_is_a_data_abort_from_the_same_EL()
    {
        var result = Access(Ap(0b10), A64Access.Write(1));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.Equal(0x25UL << 26 | 1UL << 25 | 1UL << 6 | 0b001111, result.Fault.Syndrome);
    }

    [Fact]
    public void EL1_fetch_from_EL0_writable_memory_is_an_instruction_abort()
    {
        var result = Access(Ap(0b01), A64Access.Fetch(1));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.False(result.Fault.IsWrite);
        Assert.Equal(0x21UL << 26 | 1UL << 25 | 0b001111, result.Fault.Syndrome);
    }

    [Fact]
    public void EL0_fetch_from_UXN_memory_is_an_instruction_abort_from_a_lower_EL()
    {
        var result = Access(Ap(0b11) | Uxn, A64Access.Fetch(0));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.Equal(0x20UL << 26 | 1UL << 25 | 0b001111, result.Fault.Syndrome);
    }

    [Fact]
    public void EL0_may_fetch_from_execute_only_memory_but_not_read_it()
    {
        AssertMapped(Access(Ap(0b00), A64Access.Fetch(0)), Pa + 0x80, 0x1000);
        AssertFault(Access(Ap(0b00), A64Access.Read(0)), A64FaultKind.Permission, 3);
    }

    [Fact]
    public void Translation_faults_report_the_EL_and_access_in_the_syndrome()
    {
        ulong root = Chain(12, [0, 0], 0);
        var read = Walk(Regime(root), 0x1000, A64Access.Read(0));
        Assert.Equal(0x24UL << 26 | 1UL << 25 | 0b000101, read.Fault.Syndrome);
        var write = Walk(Regime(root), 0x1000, A64Access.Write(1));
        Assert.Equal(0x25UL << 26 | 1UL << 25 | 1UL << 6 | 0b000101, write.Fault.Syndrome);
        var fetch = Walk(Regime(root), 0x1000, A64Access.Fetch(0));
        Assert.Equal(0x20UL << 26 | 1UL << 25 | 0b000101, fetch.Fault.Syndrome);
    }

    // ---- Atomic read-modify-write ----

    [Fact]
    public void Read_modify_write_needs_write_permission_and_reports_WnR_when_only_the_write_is_refused()
    {
        var result = Access(Ap(0b11), new A64Access(A64AccessKind.ReadModifyWrite, 0));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.True(result.Fault.IsWrite);
    }

    [Fact]
    public void Read_modify_write_of_unreadable_memory_reports_a_read()
    {
        var result = Access(Ap(0b00), new A64Access(A64AccessKind.ReadModifyWrite, 0));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.False(result.Fault.IsWrite);
    }

    [Fact]
    public void Read_modify_write_translation_faults_report_a_write()
    {
        var result = Walk(Regime(NewTable()), 0x1000, new A64Access(A64AccessKind.ReadModifyWrite, 1));
        AssertFault(result, A64FaultKind.Translation, 0);
        Assert.True(result.Fault.IsWrite);
    }

    [Fact]
    public void Read_modify_write_of_writable_memory_succeeds()
    {
        AssertMapped(Access(Ap(0b01), new A64Access(A64AccessKind.ReadModifyWrite, 0)), Pa + 0x80, 0x1000);
    }

    // ---- PAN and unprivileged accesses ----

    private static A64Access Pan(A64AccessKind kind) => new(kind, 1, Pan: true);

    [Theory]
    [InlineData(0b01, A64AccessKind.Read)]
    [InlineData(0b01, A64AccessKind.Write)]
    [InlineData(0b11, A64AccessKind.Read)]
    [InlineData(0b01, A64AccessKind.ReadModifyWrite)]
    public void PAN_denies_EL1_data_accesses_to_EL0_accessible_memory(int ap, A64AccessKind kind)
    {
        AssertFault(Access(Ap(ap), Pan(kind)), A64FaultKind.Permission, 3);
        Assert.False(Access(Ap(ap), new A64Access(kind, 1)).IsFault);
    }

    [Theory]
    [InlineData(0b00, A64AccessKind.Read)]
    [InlineData(0b00, A64AccessKind.Write)]
    [InlineData(0b10, A64AccessKind.Read)]
    public void PAN_leaves_EL1_only_memory_alone(int ap, A64AccessKind kind) =>
        Assert.False(Access(Ap(ap), Pan(kind)).IsFault);

    [Fact]
    public void PAN_does_not_apply_to_instruction_fetches()
    {
        Assert.False(Access(Ap(0b11), Pan(A64AccessKind.InstructionFetch)).IsFault);
    }

    [Fact]
    public void PAN_does_not_protect_EL0_execute_only_memory()
    {
        // The PAN test is EL0 *read* permission: memory EL0 can only execute stays readable at EL1.
        Assert.False(Access(Ap(0b00), Pan(A64AccessKind.Read)).IsFault);
    }

    [Fact]
    public void PAN_does_not_apply_at_EL0()
    {
        Assert.False(Access(Ap(0b01), new A64Access(A64AccessKind.Read, 0, Pan: true)).IsFault);
    }

    [Fact]
    public void PAN_does_not_apply_to_LDTR_and_STTR()
    {
        Assert.False(Access(Ap(0b01), new A64Access(A64AccessKind.Read, 1, Unprivileged: true, Pan: true)).IsFault);
        Assert.False(Access(Ap(0b01), new A64Access(A64AccessKind.Write, 1, Unprivileged: true, Pan: true)).IsFault);
    }

    [Fact]
    public void LDTR_at_EL1_is_checked_against_EL0_permissions()
    {
        var result = Access(Ap(0b00), new A64Access(A64AccessKind.Read, 1, Unprivileged: true));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.Equal(0x25UL << 26 | 1UL << 25 | 0b001111, result.Fault.Syndrome); // still taken from EL1
    }

    [Fact]
    public void STTR_at_EL1_to_EL0_read_only_memory_is_a_write_permission_fault()
    {
        var result = Access(Ap(0b11), new A64Access(A64AccessKind.Write, 1, Unprivileged: true));
        AssertFault(result, A64FaultKind.Permission, 3);
        Assert.True(result.Fault.IsWrite);
    }

    [Fact]
    public void CheckAccess_lets_a_TLB_recheck_cached_permissions()
    {
        var mapping = Access(Ap(0b01), A64Access.Read(1));
        Assert.True(A64PageTableWalker.CheckAccess(mapping.El0, mapping.El1, A64Access.Write(0), out _));
        Assert.False(A64PageTableWalker.CheckAccess(mapping.El0, mapping.El1, A64Access.Fetch(1), out bool wnr));
        Assert.False(wnr);
        Assert.False(A64PageTableWalker.CheckAccess(mapping.El0, mapping.El1, Pan(A64AccessKind.Write), out wnr));
        Assert.True(wnr);
    }
}

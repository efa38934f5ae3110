using Captive.Guest.Arm.Memory;
using Xunit;

namespace Captive.Guest.Arm.Tests.Memory;

// Expected values come from the ARM ARM's description of the VMSAv8-64 stage 1 walk: which VA bits index each level
// for each granule (4K: L0 [47:39], L1 [38:30], L2 [29:21], L3 [20:12]; 16K: L0 [47], L1 [46:36], L2 [35:25],
// L3 [24:14]; 64K: L1 [47:42], L2 [41:29], L3 [28:16]), the initial level for each TxSZ, where blocks may appear,
// and the fault status codes. The VAs below are written from those bit positions.
public sealed class PageTableWalkTests : PageTableFixture
{
    // ---- Granules and walk lengths ----

    [Fact]
    public void Four_KiB_granule_with_48_bit_VAs_walks_four_levels_to_a_page()
    {
        ulong va = 1UL << 39 | 2UL << 30 | 3UL << 21 | 4UL << 12 | 0x123;
        ulong root = Chain(12, [1, 2, 3, 4], Page(0x0ABC_DEF0_1000));
        var result = Walk(Regime(root), va);
        AssertMapped(result, 0x0ABC_DEF0_1123, 0x1000);
        Assert.Equal(3, result.Level);
    }

    [Fact]
    public void Four_KiB_granule_with_39_bit_VAs_starts_at_level_1()
    {
        ulong va = 5UL << 30 | 6UL << 21 | 7UL << 12 | 0x10;
        ulong root = Chain(12, [5, 6, 7], Page(0x1234_5000));
        AssertMapped(Walk(Regime(root, tcr: Tcr4K & ~0x3FUL | T0sz(25)), va), 0x1234_5010, 0x1000);
    }

    [Fact]
    public void Four_KiB_granule_with_30_bit_VAs_starts_at_level_2()
    {
        ulong va = 3UL << 21 | 9UL << 12 | 0xFFF;
        ulong root = Chain(12, [3, 9], Page(0x7_0000_0000));
        AssertMapped(Walk(Regime(root, tcr: Tcr4K & ~0x3FUL | T0sz(34)), va), 0x7_0000_0FFF, 0x1000);
    }

    [Fact]
    public void Four_KiB_granule_with_25_bit_VAs_starts_at_level_2_with_a_16_entry_table()
    {
        ulong va = 15UL << 21 | 1UL << 12;
        ulong root = Chain(12, [15, 1], Page(0x9000));
        AssertMapped(Walk(Regime(root, tcr: Tcr4K & ~0x3FUL | T0sz(39)), va), 0x9000, 0x1000);
    }

    [Fact]
    public void Sixteen_KiB_granule_with_48_bit_VAs_walks_four_levels_from_a_two_entry_level_0_table()
    {
        ulong va = 1UL << 47 | 2UL << 36 | 3UL << 25 | 4UL << 14 | 0x2345;
        ulong root = Chain(14, [1, 2, 3, 4], Page(0x0123_4567_C000));
        var result = Walk(Regime(root, tcr: T0sz(16) | Tg0_16K | Ips(5)), va);
        AssertMapped(result, 0x0123_4567_E345, 0x4000);
        Assert.Equal(3, result.Level);
    }

    [Fact]
    public void Sixteen_KiB_granule_with_47_bit_VAs_starts_at_level_1()
    {
        ulong va = 2047UL << 36 | 1UL << 25 | 2UL << 14;
        ulong root = Chain(14, [2047, 1, 2], Page(0x8_0000_4000));
        AssertMapped(Walk(Regime(root, tcr: T0sz(17) | Tg0_16K | Ips(5)), va), 0x8_0000_4000, 0x4000);
    }

    [Fact]
    public void Sixteen_KiB_granule_with_36_bit_VAs_starts_at_level_2()
    {
        ulong va = 5UL << 25 | 6UL << 14 | 0x3FFF;
        ulong root = Chain(14, [5, 6], Page(0x4_0000_8000));
        AssertMapped(Walk(Regime(root, tcr: T0sz(28) | Tg0_16K | Ips(5)), va), 0x4_0000_BFFF, 0x4000);
    }

    [Fact]
    public void Sixty_four_KiB_granule_with_48_bit_VAs_walks_three_levels_from_level_1()
    {
        ulong va = 63UL << 42 | 2UL << 29 | 3UL << 16 | 0xFEDC;
        ulong root = Chain(16, [63, 2, 3], Page(0x0987_6543_0000));
        var result = Walk(Regime(root, tcr: T0sz(16) | Tg0_64K | Ips(5)), va);
        AssertMapped(result, 0x0987_6543_FEDC, 0x1_0000);
        Assert.Equal(3, result.Level);
    }

    [Fact]
    public void Sixty_four_KiB_granule_with_42_bit_VAs_starts_at_level_2()
    {
        ulong va = 8191UL << 29 | 1UL << 16;
        ulong root = Chain(16, [8191, 1], Page(0x5_0001_0000));
        AssertMapped(Walk(Regime(root, tcr: T0sz(22) | Tg0_64K | Ips(5)), va), 0x5_0001_0000, 0x1_0000);
    }

    [Fact]
    public void Sixty_four_KiB_granule_with_25_bit_VAs_is_a_single_level_3_lookup()
    {
        ulong va = 0x1FFUL << 16 | 0x42;
        ulong root = Chain(16, [0x1FF], Page(0x2_0000));
        AssertMapped(Walk(Regime(root, tcr: T0sz(39) | Tg0_64K | Ips(5)), va), 0x2_0042, 0x1_0000);
    }

    [Theory]
    [InlineData(Tg0_4K, Tg1_4K, 0x1000UL)]
    [InlineData(Tg0_16K, Tg1_16K, 0x4000UL)]
    [InlineData(Tg0_64K, Tg1_64K, 0x1_0000UL)]
    public void TG0_and_TG1_select_the_same_granule_with_their_different_encodings(ulong tg0, ulong tg1, ulong granule)
    {
        int bits = System.Numerics.BitOperations.Log2(granule);
        ulong[] indices = bits == 16 ? [0, 0, 0] : [0, 0, 0, 0];
        ulong lower = Chain(bits, indices, Page(0x10_0000));
        ulong upper = Chain(bits, indices, Page(0x20_0000));
        var regime = Regime(lower, upper, tcr: T0sz(16) | T1sz(16) | tg0 | tg1 | Ips(5));
        AssertMapped(Walk(regime, 0x5), 0x10_0005, granule);
        AssertMapped(Walk(regime, 0xFFFF_0000_0000_0005), 0x20_0005, granule);
    }

    [Fact]
    public void T0SZ_below_16_is_treated_as_16()
    {
        ulong root = Chain(12, [511, 0, 0, 0], Page(0x3000));
        var regime = Regime(root, tcr: Tcr4K & ~0x3FUL | T0sz(8));
        AssertMapped(Walk(regime, 0xFF80_0000_0000), 0x3000, 0x1000);
        AssertFault(Walk(regime, 1UL << 48), A64FaultKind.Translation, 0);
    }

    [Fact]
    public void TTBR_bit_0_is_ignored()
    {
        ulong root = Chain(12, [0, 0, 0, 1], Page(0x6000));
        AssertMapped(Walk(Regime(root | 1), 0x1000), 0x6000, 0x1000);
    }

    // ---- Blocks ----

    [Fact]
    public void Four_KiB_granule_maps_1_GiB_blocks_at_level_1()
    {
        ulong root = Chain(12, [0, 1], Block(0x4_C000_0000));
        var result = Walk(Regime(root), 1UL << 30 | 0x1234_5678);
        AssertMapped(result, 0x4_D234_5678, 1UL << 30);
        Assert.Equal(1, result.Level);
        Assert.Equal(0x4_C000_0000UL, result.PhysicalBase);
    }

    [Fact]
    public void Four_KiB_granule_maps_2_MiB_blocks_at_level_2()
    {
        ulong root = Chain(12, [0, 0, 5], Block(0x8_0020_0000));
        var result = Walk(Regime(root), 5UL << 21 | 0x1_2345);
        AssertMapped(result, 0x8_0021_2345, 2UL << 20);
        Assert.Equal(2, result.Level);
    }

    [Fact]
    public void Sixteen_KiB_granule_maps_32_MiB_blocks_at_level_2()
    {
        ulong root = Chain(14, [0, 3], Block(0x2_0400_0000));
        AssertMapped(Walk(Regime(root, tcr: T0sz(17) | Tg0_16K | Ips(5)), 3UL << 25 | 0x1AB_CDEF), 0x2_05AB_CDEF, 32UL << 20);
    }

    [Fact]
    public void Sixty_four_KiB_granule_maps_512_MiB_blocks_at_level_2()
    {
        ulong root = Chain(16, [0, 1], Block(0x3_E000_0000));
        AssertMapped(Walk(Regime(root, tcr: T0sz(16) | Tg0_64K | Ips(5)), 1UL << 29 | 0x1234_5678), 0x3_F234_5678, 512UL << 20);
    }

    [Fact]
    public void Block_at_level_0_is_a_translation_fault()
    {
        ulong root = Chain(12, [1], Block(0x80_0000_0000));
        AssertFault(Walk(Regime(root), 1UL << 39), A64FaultKind.Translation, 0);
    }

    [Fact]
    public void Block_at_level_1_with_the_16_KiB_granule_is_a_translation_fault()
    {
        ulong root = Chain(14, [1], Block(0x10_0000_0000));
        AssertFault(Walk(Regime(root, tcr: T0sz(17) | Tg0_16K | Ips(5)), 1UL << 36), A64FaultKind.Translation, 1);
    }

    [Fact]
    public void Block_at_level_1_with_the_64_KiB_granule_is_a_translation_fault()
    {
        ulong root = Chain(16, [1], Block(0x400_0000_0000));
        AssertFault(Walk(Regime(root, tcr: T0sz(16) | Tg0_64K | Ips(5)), 1UL << 42), A64FaultKind.Translation, 1);
    }

    [Fact]
    public void Block_encoding_at_level_3_is_a_translation_fault()
    {
        ulong root = Chain(12, [0, 0, 0, 1], 0x5000 | 0b01 | Af);
        AssertFault(Walk(Regime(root), 0x1000), A64FaultKind.Translation, 3);
    }

    // ---- Invalid descriptors ----

    [Theory]
    [InlineData(0, 0UL)]
    [InlineData(1, 0UL)]
    [InlineData(2, 0UL)]
    [InlineData(3, 0UL)]
    [InlineData(0, 0xFFFF_FFFF_FFFF_FFFEUL)]  // everything but the valid bit
    [InlineData(1, 0x0000_0000_4000_0002UL)]  // the reserved encoding 0b10
    [InlineData(3, 0x0000_0000_0000_5402UL)]
    public void Invalid_descriptor_is_a_translation_fault_at_its_level(int level, ulong descriptor)
    {
        ulong[] indices = [1, 2, 3, 4];
        ulong root = Chain(12, indices[..(level + 1)], descriptor);
        var result = Walk(Regime(root), 1UL << 39 | 2UL << 30 | 3UL << 21 | 4UL << 12);
        AssertFault(result, A64FaultKind.Translation, level);
        Assert.Equal(0b000100 | level, result.Fault.StatusCode);
    }

    // ---- The two halves, TBI, EPD ----

    [Fact]
    public void Upper_half_addresses_walk_TTBR1()
    {
        ulong lower = Chain(12, [0, 0, 0, 0], Page(0x1_0000));
        ulong upperLow = Chain(12, [0, 0, 0, 0], Page(0x2_0000));
        ulong upperHigh = Chain(12, [511, 511, 511, 511], Page(0x3_0000));
        AssertMapped(Walk(Regime(lower, upperLow), 0x0000_0000_0000_0008), 0x1_0008, 0x1000);
        AssertMapped(Walk(Regime(lower, upperLow), 0xFFFF_0000_0000_0008), 0x2_0008, 0x1000);
        AssertMapped(Walk(Regime(lower, upperHigh), 0xFFFF_FFFF_FFFF_FFF8), 0x3_0FF8, 0x1000);
    }

    [Theory]
    [InlineData(0x0001_0000_0000_0000UL)]
    [InlineData(0x7FFF_FFFF_FFFF_F000UL)]
    [InlineData(0x8000_0000_0000_0000UL)]
    [InlineData(0xFFFE_FFFF_FFFF_F000UL)]
    [InlineData(0x00FF_FFFF_FFFF_F000UL)]   // bit 55 set but bit 63 clear: in neither half without TBI
    public void Addresses_between_the_halves_are_a_level_0_translation_fault(ulong va)
    {
        // Both halves map their lowest and highest pages, which the VA's low 48 bits would otherwise select.
        ulong lower = NewTable(), upper = NewTable();
        foreach (ulong root in new[] { lower, upper })
        {
            ulong l1a = NewTable(), l2a = NewTable(), l3a = NewTable(), l1b = NewTable(), l2b = NewTable(), l3b = NewTable();
            Set(root, 0, Table(l1a)); Set(l1a, 0, Table(l2a)); Set(l2a, 0, Table(l3a)); Set(l3a, 0, Page(0x1000));
            Set(root, 511, Table(l1b)); Set(l1b, 511, Table(l2b)); Set(l2b, 511, Table(l3b)); Set(l3b, 511, Page(0x2000));
        }
        var regime = Regime(lower, upper);
        Assert.False(Walk(regime, va & 0xFFFF_FFFF_FFFF).IsFault);
        var result = Walk(regime, va);
        AssertFault(result, A64FaultKind.Translation, 0);
        Assert.Equal(va, result.Fault.Address);
    }

    [Fact]
    public void A_39_bit_upper_half_starts_at_0xFFFF_FF80_0000_0000()
    {
        ulong upper = Chain(12, [0, 0, 0], Page(0x4000));
        var regime = Regime(0, upper, tcr: Tcr4K & ~(0x3FUL << 16) | T1sz(25));
        AssertMapped(Walk(regime, 0xFFFF_FF80_0000_0010), 0x4010, 0x1000);
        AssertFault(Walk(regime, 0xFFFF_FF7F_FFFF_F000), A64FaultKind.Translation, 0);
    }

    [Fact]
    public void TBI0_ignores_the_top_byte_of_lower_half_addresses()
    {
        ulong root = Chain(12, [1, 2, 3, 4], Page(0x7_0000));
        ulong va = 0x5A00_0000_0000_0000 | 1UL << 39 | 2UL << 30 | 3UL << 21 | 4UL << 12 | 0x44;
        AssertMapped(Walk(Regime(root, tcr: Tcr4K | Tbi0), va), 0x7_0044, 0x1000);
        AssertFault(Walk(Regime(root, tcr: Tcr4K), va), A64FaultKind.Translation, 0);
        AssertFault(Walk(Regime(root, tcr: Tcr4K | Tbi1), va), A64FaultKind.Translation, 0);
    }

    [Fact]
    public void TBI1_ignores_the_top_byte_of_upper_half_addresses_chosen_by_bit_55()
    {
        ulong upper = Chain(12, [0, 0, 0, 0], Page(0x8_0000));
        const ulong va = 0x12FF_0000_0000_0ABC;
        AssertMapped(Walk(Regime(0, upper, tcr: Tcr4K | Tbi1), va), 0x8_0ABC, 0x1000);
        AssertFault(Walk(Regime(0, upper, tcr: Tcr4K), va), A64FaultKind.Translation, 0);
    }

    [Fact]
    public void Fault_address_keeps_the_tag()
    {
        const ulong va = 0x5A00_0000_0000_1000;
        var result = Walk(Regime(NewTable(), tcr: Tcr4K | Tbi0), va);
        AssertFault(result, A64FaultKind.Translation, 0);
        Assert.Equal(va, result.Fault.Address);
    }

    [Fact]
    public void EPD0_turns_every_lower_half_miss_into_a_level_0_translation_fault()
    {
        ulong lower = Chain(12, [0, 0, 0, 0], Page(0x1_0000));
        ulong upper = Chain(12, [0, 0, 0, 0], Page(0x2_0000));
        var regime = Regime(lower, upper, tcr: Tcr4K | Epd0);
        AssertFault(Walk(regime, 0x10), A64FaultKind.Translation, 0);
        AssertMapped(Walk(regime, 0xFFFF_0000_0000_0010), 0x2_0010, 0x1000);
    }

    [Fact]
    public void EPD1_turns_every_upper_half_miss_into_a_level_0_translation_fault()
    {
        ulong lower = Chain(12, [0, 0, 0, 0], Page(0x1_0000));
        ulong upper = Chain(12, [0, 0, 0, 0], Page(0x2_0000));
        var regime = Regime(lower, upper, tcr: Tcr4K | Epd1);
        AssertMapped(Walk(regime, 0x10), 0x1_0010, 0x1000);
        AssertFault(Walk(regime, 0xFFFF_0000_0000_0010), A64FaultKind.Translation, 0);
    }

    // ---- Access flag ----

    [Fact]
    public void Page_with_AF_clear_is_an_access_flag_fault_at_level_3()
    {
        ulong root = Chain(12, [0, 0, 0, 1], Page(0x5000) & ~Af);
        var result = Walk(Regime(root), 0x1000);
        AssertFault(result, A64FaultKind.AccessFlag, 3);
        Assert.Equal(0b001011, result.Fault.StatusCode);
    }

    [Fact]
    public void Block_with_AF_clear_is_an_access_flag_fault_at_level_2()
    {
        ulong root = Chain(12, [0, 0, 1], Block(0x20_0000) & ~Af);
        var result = Walk(Regime(root), 0x20_0000);
        AssertFault(result, A64FaultKind.AccessFlag, 2);
        Assert.Equal(0b001010, result.Fault.StatusCode);
    }

    [Fact]
    public void Access_flag_fault_takes_priority_over_a_permission_fault()
    {
        ulong root = Chain(12, [0, 0, 0, 1], Page(0x5000) & ~Af | Ap(0b11));
        AssertFault(Walk(Regime(root), 0x1000, A64Access.Write(0)), A64FaultKind.AccessFlag, 3);
    }

    // ---- Address size ----

    [Fact]
    public void Output_address_beyond_IPS_is_an_address_size_fault()
    {
        ulong root = Chain(12, [0, 0, 0, 1], Page(0x1_0000_0000));
        var ips32 = Regime(root, tcr: Tcr4K & ~Ips(7) | Ips(0));
        var result = Walk(ips32, 0x1000);
        AssertFault(result, A64FaultKind.AddressSize, 3);
        Assert.Equal(0b000011, result.Fault.StatusCode);
        AssertMapped(Walk(Regime(root), 0x1000), 0x1_0000_0000, 0x1000);
    }

    [Fact]
    public void IPS_above_PARange_is_capped_at_the_A57s_44_bits()
    {
        ulong below = Chain(12, [0, 0, 0, 1], Page((1UL << 44) - 0x1000));
        ulong above = Chain(12, [0, 0, 0, 1], Page(1UL << 44));
        AssertMapped(Walk(Regime(below), 0x1000), (1UL << 44) - 0x1000, 0x1000);
        AssertFault(Walk(Regime(above), 0x1000), A64FaultKind.AddressSize, 3);
        Assert.Equal(44, Regime(0).OutputAddressBits);
    }

    [Fact]
    public void Block_output_address_beyond_IPS_is_an_address_size_fault_at_its_level()
    {
        ulong root = Chain(12, [0, 1], Block(1UL << 40));
        AssertFault(Walk(Regime(root, tcr: Tcr4K & ~Ips(7) | Ips(2)), 1UL << 30), A64FaultKind.AddressSize, 1);
    }

    [Fact]
    public void Next_table_address_beyond_IPS_is_an_address_size_fault_at_the_table_descriptors_level()
    {
        ulong root = NewTable(), l1 = NewTable();
        Set(root, 0, Table(l1));
        Set(l1, 0, Table(1UL << 45));
        AssertFault(Walk(Regime(root), 0x1000), A64FaultKind.AddressSize, 1);
    }

    [Fact]
    public void TTBR_address_beyond_IPS_is_a_level_0_address_size_fault()
    {
        ulong root = Chain(12, [0, 0, 0, 1], Page(0x5000));
        var result = Walk(Regime(root | 1UL << 45), 0x1000);
        AssertFault(result, A64FaultKind.AddressSize, 0);
        Assert.Equal(0, result.Fault.StatusCode);
    }

    // ---- External abort on the walk ----

    [Fact]
    public void TTBR_outside_RAM_is_an_external_abort_on_the_level_0_walk()
    {
        var result = Walk(Regime(0x1000), 0x1000, A64Access.Write(1));
        AssertFault(result, A64FaultKind.ExternalAbortOnWalk, 0);
        Assert.Equal(0b010100, result.Fault.StatusCode);
        Assert.True(result.Fault.IsWrite);
        Assert.False(result.Fault.S1Ptw);
    }

    [Fact]
    public void Table_outside_RAM_is_an_external_abort_at_the_level_that_reads_it()
    {
        ulong root = NewTable(), l1 = NewTable();
        Set(root, 0, Table(l1));
        Set(l1, 0, Table(0x2000_0000)); // below RAM
        var result = Walk(Regime(root), 0x1000);
        AssertFault(result, A64FaultKind.ExternalAbortOnWalk, 2);
        Assert.Equal(0b010110, result.Fault.StatusCode);
    }

    [Fact]
    public void Pages_outside_RAM_are_not_read_by_the_walk()
    {
        ulong root = Chain(12, [0, 0, 0, 1], Page(0x0900_0000)); // a device, say
        AssertMapped(Walk(Regime(root), 0x1000), 0x0900_0000, 0x1000);
    }

    // ---- MMU off ----

    [Fact]
    public void With_the_MMU_off_PA_equals_VA_and_everything_is_permitted()
    {
        var regime = Regime(0x1234, tcr: 0xFFFF_FFFF, sctlr: 0);
        var result = Walk(regime, 0x0FFF_1234_5678, A64Access.Write(0));
        Assert.False(result.IsFault);
        Assert.Equal(0x0FFF_1234_5678UL, result.PhysicalAddress);
        Assert.True(result.MmuDisabled);
        Assert.Equal(A64Permissions.All, result.El0);
        Assert.Equal(A64Permissions.All, result.El1);
        Assert.True(result.Global);
    }

    [Fact]
    public void With_the_MMU_off_data_is_Device_nGnRnE_and_instructions_Normal_by_SCTLR_I()
    {
        var data = Walk(Regime(0, sctlr: 0), 0x4000_0000, A64Access.Read(1));
        Assert.Equal((byte)0x00, data.MemoryAttributes);
        Assert.Equal(0b10, data.Shareability);
        var fetchNonCacheable = Walk(Regime(0, sctlr: 0), 0x4000_0000, A64Access.Fetch(1));
        Assert.Equal((byte)0x44, fetchNonCacheable.MemoryAttributes);
        Assert.Equal(0b10, fetchNonCacheable.Shareability);
        var fetchWriteThrough = Walk(Regime(0, sctlr: SctlrI), 0x4000_0000, A64Access.Fetch(1));
        Assert.Equal((byte)0xAA, fetchWriteThrough.MemoryAttributes);
    }

    [Theory]
    [InlineData(0x0000_1000_0000_0000UL)]
    [InlineData(0xFFFF_FFFF_FFFF_F000UL)]
    public void With_the_MMU_off_addresses_beyond_PARange_are_a_level_0_address_size_fault(ulong va)
    {
        var result = Walk(Regime(0, sctlr: 0), va);
        AssertFault(result, A64FaultKind.AddressSize, 0);
    }

    [Fact]
    public void With_the_MMU_off_TBI_still_ignores_the_tag()
    {
        AssertMapped(Walk(Regime(0, tcr: Tbi0, sctlr: 0), 0x7700_0000_4000_0010), 0x4000_0010, 1UL << 44);
        AssertFault(Walk(Regime(0, sctlr: 0), 0x7700_0000_4000_0010), A64FaultKind.AddressSize, 0);
    }

    // ---- Attributes, nG, ASID, endianness ----

    [Theory]
    [InlineData(1, 0b11, 0xFF, 0b11)]  // Normal write-back keeps its shareability
    [InlineData(1, 0b00, 0xFF, 0b00)]
    [InlineData(0, 0b11, 0x00, 0b10)]  // Device is Outer Shareable whatever SH says
    [InlineData(3, 0b00, 0x04, 0b10)]
    [InlineData(2, 0b11, 0x44, 0b10)]  // so is Normal Inner and Outer Non-cacheable
    public void AttrIndx_selects_the_MAIR_byte_and_shareability_follows_the_memory_type(int index, int sh, int mairByte, int shareability)
    {
        ulong root = Chain(12, [0, 0, 0, 1], Page(0x5000) | AttrIndx(index) | Sh(sh));
        var result = Walk(Regime(root), 0x1000);
        Assert.Equal(index, result.AttributeIndex);
        Assert.Equal((byte)mairByte, result.MemoryAttributes);
        Assert.Equal(shareability, result.Shareability);
    }

    [Fact]
    public void nG_makes_the_mapping_ASID_specific()
    {
        ulong root = NewTable(), l1 = NewTable(), l2 = NewTable(), l3 = NewTable();
        Set(root, 0, Table(l1)); Set(l1, 0, Table(l2)); Set(l2, 0, Table(l3));
        Set(l3, 1, Page(0x5000));
        Set(l3, 2, Page(0x6000) | NotGlobal);
        Assert.True(Walk(Regime(root), 0x1000).Global);
        Assert.False(Walk(Regime(root), 0x2000).Global);
    }

    [Theory]
    [InlineData(0UL, 0x12)]
    [InlineData(A1, 0x34)]
    [InlineData(As16, 0xAB12)]
    [InlineData(A1 | As16, 0xCD34)]
    public void The_ASID_comes_from_the_TTBR_that_TCR_A1_selects_and_is_8_bits_unless_TCR_AS(ulong tcrBits, int asid)
    {
        ulong lower = Chain(12, [0, 0, 0, 0], Page(0x1_0000));
        ulong upper = Chain(12, [0, 0, 0, 0], Page(0x2_0000));
        var regime = Regime(lower | 0xAB12UL << 48, upper | 0xCD34UL << 48, tcr: Tcr4K | tcrBits);
        var low = Walk(regime, 0x10);
        var high = Walk(regime, 0xFFFF_0000_0000_0010);
        AssertMapped(low, 0x1_0010, 0x1000);
        AssertMapped(high, 0x2_0010, 0x1000);
        Assert.Equal((ushort)asid, low.Asid);
        Assert.Equal((ushort)asid, high.Asid);
    }

    [Fact]
    public void SCTLR_EE_reads_descriptors_big_endian()
    {
        ulong root = NewTable(), l1 = NewTable(), l2 = NewTable(), l3 = NewTable();
        void SetBigEndian(ulong table, ulong index, ulong descriptor) => Set(table, index, System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(descriptor));
        SetBigEndian(root, 0, Table(l1)); SetBigEndian(l1, 0, Table(l2)); SetBigEndian(l2, 0, Table(l3));
        SetBigEndian(l3, 1, Page(0x5000));
        AssertMapped(Walk(Regime(root, sctlr: MmuOn | SctlrEe), 0x1008), 0x5008, 0x1000);
        AssertFault(Walk(Regime(root), 0x1008), A64FaultKind.Translation, 0);
    }

    // ---- The RAM reader ----

    [Fact]
    public void RAM_reader_reads_little_endian_and_refuses_addresses_outside_the_block()
    {
        var ram = new byte[32];
        ram[8] = 0x11; ram[15] = 0x88; ram[24] = 0x01;
        var reader = new A64RamDescriptorReader(ram, 0x1000);
        Assert.True(reader.TryReadDescriptor(0x1008, out ulong value));
        Assert.Equal(0x8800_0000_0000_0011UL, value);
        Assert.True(reader.TryReadDescriptor(0x1018, out value));
        Assert.Equal(1UL, value);
        Assert.False(reader.TryReadDescriptor(0x1020, out _));
        Assert.False(reader.TryReadDescriptor(0x0FF8, out _));
        Assert.False(reader.TryReadDescriptor(0xFFFF_FFFF_FFFF_FFF8, out _));
    }
}

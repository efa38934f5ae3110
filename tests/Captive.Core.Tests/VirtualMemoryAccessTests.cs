using Captive.Core.Devices;
using Captive.Core.Execution;
using Captive.Core.Memory;
using Xunit;

namespace Captive.Core.Tests;

/// <summary>
/// The host-side guest-MMU access path: which code pages TLB maintenance must re-check. The MMU here is a table the
/// test controls (one mapping, of a size the test chooses), so the expectations follow from it directly.
/// </summary>
public sealed class VirtualMemoryAccessTests
{
    private const ulong RamBase = 0x4000_0000, RamSize = 0x10_0000;

    private sealed class BlockMmu : IGuestMmu
    {
        public ulong VirtualBase, PhysicalBase, Size = 1UL << 30;
        public bool Executable = true;
        public bool IsEnabled(ulong translationContext) => true;

        public GuestTranslation Translate(ulong virtualAddress, GuestAccessKind kind, int mode)
        {
            if (virtualAddress - VirtualBase >= Size || (kind == GuestAccessKind.Fetch && !Executable)) return GuestTranslation.Fault(0x1234);
            var all = GuestPagePermissions.Read | GuestPagePermissions.Write | (Executable ? GuestPagePermissions.Execute : 0);
            return GuestTranslation.Mapped(PhysicalBase + (virtualAddress - VirtualBase), all, Size);
        }
    }

    private static (VirtualMemoryAccess Access, HostMemoryVirtualizer Ram) Create(BlockMmu mmu)
    {
        var ram = new HostMemoryVirtualizer(new GuestPhysicalAddress(RamBase), RamSize);
        var physical = new PhysicalMemoryAccess(ram, new DeviceBus(), () => 0);
        return (new VirtualMemoryAccess(physical, mmu) { Mode = 1 }, ram);
    }

    [Fact]
    public void A_TLBI_anywhere_in_a_block_mapping_rechecks_the_code_fetched_through_it()
    {
        // Code fetched at the start of a 1 GiB block; the block becomes execute-never, announced at an address near its
        // end (as TLBI VAE1 may): the page must be reported, however far the address is from it.
        var mmu = new BlockMmu { VirtualBase = 0xC000_0000, PhysicalBase = RamBase };
        var (access, ram) = Create(mmu);
        using var owner = ram;
        Assert.True(access.TryFetch(0xC000_1000, out _));
        mmu.Executable = false;
        access.Flush();
        var changed = new List<ulong>();
        access.Revalidate(0xFFE0_0000, 0xFFE0_0FFF, changed.Add);
        Assert.Equal([0xC000_1000UL], changed);
    }

    [Fact]
    public void A_page_mapping_is_rechecked_only_for_its_own_page_and_kept_when_unchanged()
    {
        var mmu = new BlockMmu { VirtualBase = 0xC000_0000, PhysicalBase = RamBase, Size = 0x1000 };
        var (access, ram) = Create(mmu);
        using var owner = ram;
        Assert.True(access.TryFetch(0xC000_0000, out _));
        var changed = new List<ulong>();
        access.Revalidate(0xC000_1000, 0xC000_1FFF, changed.Add); // the next page: not this mapping
        access.Revalidate(0xC000_0000, 0xC000_0FFF, changed.Add); // this page, still mapped the same: kept
        Assert.Empty(changed);
        mmu.PhysicalBase = RamBase + 0x2000;                      // remapped
        access.Flush();
        access.Revalidate(0xC000_0000, 0xC000_0FFF, changed.Add);
        Assert.Equal([0xC000_0000UL], changed);
    }
}

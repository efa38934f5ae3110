using Captive.Core.Memory;

namespace Captive.Guest.Arm.Board;

/// <summary>
/// The guest-physical memory map of the built-in 'virt' board, the same as QEMU's <c>-M virt</c>
/// (hw/arm/virt.c, 'base_memmap' and 'a15irqmap') so that stock kernels and ARM test suites run
/// unchanged. One table, <see cref="MemoryMap"/>, drives both device wiring and the device tree.
/// </summary>
/// <remarks>
/// <code>
///  guest physical                                                  SPI (INTID)
///  0x00_0000_0000 ┌──────────────────────────────┐
///                 │ flash (2 × 64 MiB, not       │ FlashBase, FlashSize
///                 │ implemented)                 │
///  0x00_0800_0000 ├──────────────────────────────┤
///                 │ GIC distributor   64 KiB     │ GicDistributorBase, GicDistributorSize
///  0x00_0801_0000 ├──────────────────────────────┤
///                 │ GICv2 CPU interface 64 KiB   │ GicCpuInterfaceBase, GicCpuInterfaceSize
///  0x00_0802_0000 ├──────────────────────────────┤
///                 │ (v2m, hyp, vcpu, ITS: none)  │
///  0x00_080A_0000 ├──────────────────────────────┤
///                 │ GICv3 redistributors         │ GicRedistributorBase, GicRedistributorSize
///                 │ 0xF6_0000 (123 × 128 KiB)    │
///  0x00_0900_0000 ├──────────────────────────────┤
///                 │ PL011 UART        4 KiB      │ UartBase, UartSize               1 (33)
///  0x00_0901_0000 ├──────────────────────────────┤
///                 │ PL031 RTC         4 KiB      │ RtcBase, RtcSize                 2 (34)
///  0x00_0902_0000 ├──────────────────────────────┤
///                 │ (fw_cfg, GPIO, ...: none)    │
///  0x00_0A00_0000 ├──────────────────────────────┤
///                 │ virtio-mmio × 32, 0x200 each │ VirtioMmioBase, VirtioMmioSize,  16.. (48..)
///  0x00_0A00_4000 ├──────────────────────────────┤ VirtioMmioCount
///                 │ (platform bus, PCIe: none)   │
///  0x00_4000_0000 ├──────────────────────────────┤
///                 │ RAM, up to 255 GiB           │ RamBase, RamMaxSize
///  0x40_0000_0000 └──────────────────────────────┘
/// </code>
/// Interrupt numbers in the table are SPIs; the GIC INTID is 32 + SPI, and the device tree
/// writes <c>&lt;0 SPI 4&gt;</c> (type SPI, level high).
/// </remarks>
public static class VirtBoard
{
    /// <summary>Flash banks (not implemented).</summary>
    public const ulong FlashBase = 0x0000_0000;
    /// <summary>Size of both flash banks.</summary>
    public const ulong FlashSize = 0x0800_0000;

    /// <summary>GIC distributor (v2 and v3).</summary>
    public const ulong GicDistributorBase = 0x0800_0000;
    /// <summary>GIC distributor window.</summary>
    public const ulong GicDistributorSize = 0x0001_0000;

    /// <summary>GICv2 CPU interface.</summary>
    public const ulong GicCpuInterfaceBase = 0x0801_0000;
    /// <summary>GICv2 CPU interface window.</summary>
    public const ulong GicCpuInterfaceSize = 0x0001_0000;

    /// <summary>GICv3 redistributors (one 128 KiB frame pair per CPU).</summary>
    public const ulong GicRedistributorBase = 0x080A_0000;
    /// <summary>GICv3 redistributor window.</summary>
    public const ulong GicRedistributorSize = 0x00F6_0000;

    /// <summary>PL011 UART.</summary>
    public const ulong UartBase = 0x0900_0000;
    /// <summary>PL011 window.</summary>
    public const ulong UartSize = 0x1000;
    /// <summary>PL011 interrupt (SPI).</summary>
    public const int UartSpi = 1;

    /// <summary>PL031 real-time clock.</summary>
    public const ulong RtcBase = 0x0901_0000;
    /// <summary>PL031 window.</summary>
    public const ulong RtcSize = 0x1000;
    /// <summary>PL031 interrupt (SPI).</summary>
    public const int RtcSpi = 2;

    /// <summary>First virtio-mmio transport.</summary>
    public const ulong VirtioMmioBase = 0x0A00_0000;
    /// <summary>Window of one virtio-mmio transport, also the distance between transports.</summary>
    public const ulong VirtioMmioSize = 0x200;
    /// <summary>Number of virtio-mmio transports.</summary>
    public const int VirtioMmioCount = 32;
    /// <summary>Interrupt (SPI) of the first transport; transport n uses this + n.</summary>
    public const int VirtioMmioFirstSpi = 16;

    /// <summary>Start of RAM.</summary>
    public const ulong RamBase = 0x4000_0000;
    /// <summary>Largest RAM the map allows below 256 GiB (QEMU's legacy RAM limit).</summary>
    public const ulong RamMaxSize = 255UL << 30;

    /// <summary>Region names used in <see cref="MemoryMap"/>.</summary>
    public static class Names
    {
        /// <summary>Flash.</summary>
        public const string Flash = "flash";
        /// <summary>GIC distributor.</summary>
        public const string GicDistributor = "gic-dist";
        /// <summary>GICv2 CPU interface.</summary>
        public const string GicCpuInterface = "gic-cpu";
        /// <summary>GICv3 redistributors.</summary>
        public const string GicRedistributor = "gic-redist";
        /// <summary>PL011 UART.</summary>
        public const string Uart = "uart";
        /// <summary>PL031 RTC.</summary>
        public const string Rtc = "rtc";
        /// <summary>virtio-mmio transports.</summary>
        public const string VirtioMmio = "virtio-mmio";
        /// <summary>RAM.</summary>
        public const string Ram = "ram";
    }

    /// <summary>The board table.</summary>
    public static BoardMemoryMap MemoryMap { get; } = new(
    [
        new(Names.Flash, new GuestPhysicalAddress(FlashBase), FlashSize),
        new(Names.GicDistributor, new GuestPhysicalAddress(GicDistributorBase), GicDistributorSize),
        new(Names.GicCpuInterface, new GuestPhysicalAddress(GicCpuInterfaceBase), GicCpuInterfaceSize),
        new(Names.GicRedistributor, new GuestPhysicalAddress(GicRedistributorBase), GicRedistributorSize),
        new(Names.Uart, new GuestPhysicalAddress(UartBase), UartSize, UartSpi),
        new(Names.Rtc, new GuestPhysicalAddress(RtcBase), RtcSize, RtcSpi),
        new(Names.VirtioMmio, new GuestPhysicalAddress(VirtioMmioBase), VirtioMmioSize, VirtioMmioFirstSpi, VirtioMmioCount, VirtioMmioSize),
        new(Names.Ram, new GuestPhysicalAddress(RamBase), RamMaxSize),
    ]);
}

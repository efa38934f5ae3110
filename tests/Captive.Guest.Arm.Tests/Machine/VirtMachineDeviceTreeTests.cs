using Captive.Guest.Arm.Board;
using Captive.Guest.Arm.Machine;
using Captive.Guest.Arm.Tests.Board;
using Xunit;

namespace Captive.Guest.Arm.Tests.Machine;

/// <summary>The device tree a <see cref="VirtMachine"/> puts in RAM: QEMU's seeds in /chosen, fresh for every machine.</summary>
public sealed class VirtMachineDeviceTreeTests
{
    private static readonly byte[] Halt = [0x00, 0x00, 0x00, 0x14]; // b . (never run here)

    private static FdtReader.Node Chosen(VirtMachineOptions options)
    {
        using var m = VirtMachine.Create(options with { Kernel = Halt, RamSize = 16UL << 20 });
        byte[] blob = m.Engine.Ram.Slice((int)(m.Boot.DeviceTreeAddress - VirtBoard.RamBase), m.Boot.DeviceTreeSize).ToArray();
        return FdtReader.Parse(blob).Find("/chosen");
    }

    [Fact]
    public void Every_machine_gets_its_own_kaslr_and_rng_seeds()
    {
        var first = Chosen(new VirtMachineOptions());
        var second = Chosen(new VirtMachineOptions());

        Assert.Equal(8, first["kaslr-seed"].Length);
        Assert.Equal(VirtBoardDeviceTree.RngSeedSize, first["rng-seed"].Length);
        Assert.NotEqual(0UL, first.U64("kaslr-seed"));   // 0 would read as "no seed" to Linux
        // 64 and 256 random bits: equal by chance with probability 2^-64 and 2^-256.
        Assert.NotEqual(first.U64("kaslr-seed"), second.U64("kaslr-seed"));
        Assert.NotEqual(first["rng-seed"], second["rng-seed"]);
    }

    [Fact]
    public void Without_device_tree_randomness_chosen_has_no_seeds()
    {
        var chosen = Chosen(new VirtMachineOptions { DeviceTreeRandomness = false, BootArgs = "nokaslr" });
        Assert.False(chosen.Has("kaslr-seed"));
        Assert.False(chosen.Has("rng-seed"));
        Assert.Equal("nokaslr", chosen.String("bootargs"));
    }
}

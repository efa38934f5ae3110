using System.Buffers.Binary;
using Captive.Core.Execution;
using Captive.Core.Memory;
using Captive.Guest.Arm.Machine;

namespace Captive.Integration.Tests;

/// <summary>
/// Devices write guest RAM by DMA (<see cref="ExecutionEngine.PhysicalMemory"/>); code they overwrite must not keep running
/// from stale translations (ARCHITECTURE §4). The guest here never does instruction-cache maintenance, so only the engine's
/// own invalidation can make it see the new code.
/// </summary>
public sealed class DeviceDmaTests
{
    // At RAM + 0x80000 (where a raw binary loads):
    //   loop: ldr w3, [x1]   (an empty virtio-mmio transport: a device read, so the vCPU asks the host)
    //         blr x2         (F, at RAM + 0x90000, returns 1 until a device rewrites it to return 2)
    //         cmp x0, #2; b.ne loop; PSCI SYSTEM_OFF
    private static readonly uint[] Program =
    [
        0xD2A14001, // movz x1, #0x0a00, lsl #16
        0xD2A80122, // movz x2, #0x4009, lsl #16
        0xB9400023, // ldr w3, [x1]
        0xD63F0040, // blr x2
        0xF100081F, // cmp x0, #2
        0x54FFFFA1, // b.ne -12
        0xD2800100, // movz x0, #8
        0xF2B08000, // movk x0, #0x8400, lsl #16
        0xD4000002, // hvc #0
    ];

    private const uint ReturnOne = 0xD2800020, ReturnTwo = 0xD2800040, Ret = 0xD65F03C0;

    [Theory]
    [InlineData("interpreter")]
    [InlineData("kvm")]
    public void Code_a_device_overwrites_by_DMA_is_translated_again(string engine)
    {
        var image = new byte[0x10008];
        for (int i = 0; i < Program.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(4 * i), Program[i]);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x10000), ReturnOne);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x10004), Ret);
        using var backend = TestEnvironment.Backend(engine);
        using var machine = VirtMachine.Create(new VirtMachineOptions { Kernel = image, RamSize = 16UL << 20 }, backend);
        RunResult result = default;
        var run = new Thread(() => result = machine.Run()) { IsBackground = true };
        run.Start();
        // Let the loop run F's translation many times, then overwrite it as a device would, from another thread.
        Assert.False(run.Join(300), $"the guest stopped before the DMA: {result.Message}");
        var code = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(code, ReturnTwo);
        Assert.True(machine.Engine.PhysicalMemory.TryWrite(new GuestPhysicalAddress(0x4009_0000), code));
        bool stopped = run.Join(TimeSpan.FromSeconds(20));
        if (!stopped) { machine.Cancel(); run.Join(); }
        Assert.True(stopped, "the guest kept running the old translation of the code the device overwrote");
        Assert.Equal(StopReason.PowerOff, result.Reason);
        Assert.True(machine.Statistics.ChannelRequests.GetValueOrDefault("dma-invalidate") > 0);
    }
}

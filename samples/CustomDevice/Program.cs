// Sample: embed an AArch64 machine in a .NET program and put your own device on its bus.
//
// The guest is nine hand-assembled A64 instructions (encodings checked with aarch64-linux-gnu-as):
// it writes 42 to the mailbox, reads the mailbox's second register, writes the sum back, and powers
// off with PSCI SYSTEM_OFF. Run with: dotnet run --project samples/CustomDevice
using System.Buffers.Binary;
using Captive.Backends.Kvm;
using Captive.Core.Backends;
using Captive.Core.Devices;
using Captive.Core.Memory;
using Captive.Guest.Arm.Machine;

namespace Captive.Samples.CustomDevice;

/// <summary>A device of the embedder's: register 0 records what the guest writes, register 8 reads as 100.</summary>
public sealed class Mailbox : IMmioDevice
{
    /// <summary>Where the sample maps it (free in the virt board's map).</summary>
    public const ulong Address = 0x0A10_0000;

    /// <summary>Values the guest wrote to register 0, in order.</summary>
    public List<ulong> Received { get; } = new();

    /// <inheritdoc/>
    public string Name => "mailbox";

    /// <inheritdoc/>
    public void Read(ulong offset, Span<byte> data)
    {
        data.Clear();
        if (offset == 8 && data.Length <= 8)
        {
            Span<byte> value = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(value, 100);
            value[..data.Length].CopyTo(data);
        }
    }

    /// <inheritdoc/>
    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset != 0) return;
        Span<byte> value = stackalloc byte[8];
        value.Clear();
        data[..Math.Min(8, data.Length)].CopyTo(value);
        Received.Add(BinaryPrimitives.ReadUInt64LittleEndian(value));
    }
}

/// <summary>The sample program.</summary>
public static class Program
{
    /// <summary>The guest: a raw binary, loaded at RAM + 0x80000 like QEMU loads raw images.</summary>
    public static readonly uint[] Guest =
    [
        0xd2a14200, // mov  x0, #0xa100000     the mailbox
        0xd2800541, // mov  x1, #42
        0xf9000001, // str  x1, [x0]
        0xf9400402, // ldr  x2, [x0, #8]       reads 100
        0x8b020021, // add  x1, x1, x2
        0xf9000001, // str  x1, [x0]           writes 142
        0xd2800100, // mov  x0, #0x8
        0xf2b08000, // movk x0, #0x8400, lsl #16   PSCI SYSTEM_OFF
        0xd4000002, // hvc  #0
    ];

    /// <summary>Runs the guest on KVM where usable, else on the interpreter, and returns what the mailbox received.</summary>
    public static IReadOnlyList<ulong> Run(ICpuBackend? backend)
    {
        var image = new byte[Guest.Length * 4];
        for (int i = 0; i < Guest.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(i * 4), Guest[i]);
        var mailbox = new Mailbox();
        using var machine = VirtMachine.Create(new VirtMachineOptions { Kernel = image, RamSize = 16 << 20 }, backend);
        machine.AddDevice(new GuestPhysicalAddress(Mailbox.Address), 0x1000, mailbox);
        var result = machine.Run();
        Console.WriteLine($"{machine.Engine.Name}: {result.Reason}; the mailbox received {string.Join(", ", mailbox.Received)}");
        Console.Write(machine.Statistics.Format(machine.Engine.Name));
        return mailbox.Received;
    }

    /// <summary>Entry point.</summary>
    public static void Main()
    {
        ICpuBackend? backend = OperatingSystem.IsLinux() && KvmBackend.Probe().IsUsable ? new KvmBackend() : null;
        try { Run(backend); }
        finally { backend?.Dispose(); }
    }
}

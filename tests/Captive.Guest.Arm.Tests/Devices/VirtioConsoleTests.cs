using System.Buffers;
using System.IO.Pipelines;
using Captive.Guest.Arm.Devices.Virtio;
using Xunit;
using Driver = Captive.Guest.Arm.Tests.Devices.VirtioNetTests.Driver;

namespace Captive.Guest.Arm.Tests.Devices;

/// <summary>virtio-console (VIRTIO 1.2 §5.3) port 0: transmitq to the pipe, input to receiveq.</summary>
public sealed class VirtioConsoleTests
{
    [Fact]
    public void What_the_guest_transmits_reaches_the_pipe_and_input_fills_a_receive_buffer()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        var console = new VirtioConsole(pipe.Writer);
        using var d = new Driver(console, deviceFeatures: 0);
        Assert.Equal(3u, d.Reg(0x08));
        "hello hvc0"u8.CopyTo(d.Ram(Driver.Buffer(1, 0), 10));
        d.Post(1, 0, 10, writable: false);
        Assert.Equal(1, d.UsedIndex(1));
        pipe.Writer.Complete();
        Assert.True(pipe.Reader.TryRead(out var read));
        Assert.Equal("hello hvc0", System.Text.Encoding.ASCII.GetString(read.Buffer.ToArray()));

        Assert.Equal(3, console.EnqueueInput("ls\n"u8));     // waits: no receive buffer yet
        Assert.Equal(0, d.UsedIndex(0));
        d.Post(0, 0, 64, writable: true);
        Assert.Equal(1, d.UsedIndex(0));
        Assert.Equal((0u, 3u), d.UsedElement(0, 0));
        Assert.Equal("ls\n", System.Text.Encoding.ASCII.GetString(d.Ram(Driver.Buffer(0, 0), 3)));
        Assert.True(d.Interrupt.Level);
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Captive.Cli;

namespace Captive.Integration.Tests.Linux;

/// <summary>
/// The captive command with the Linux guest: what is written to its input reaches the guest's
/// shell, Ctrl-A X ends the run, a guest reset reboots unless <c>-no-reboot</c>.
/// </summary>
[Collection(LinuxGuestCollection.Name)]
public sealed class LinuxCliTests(LinuxGuest guest, ITestOutputHelper output)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public void Console_input_reaches_the_shell_a_reset_reboots_and_Ctrl_A_X_quits()
    {
        guest.Require();
        TestEnvironment.RequireKvm();
        using var run = new CliRun(guest, "--engine", "kvm", "-m", "512M", "-append", LinuxGuest.BootArgs);

        run.Console.WaitFor(LinuxGuest.ReadyMarker, BootTimeout);
        run.Console.WaitFor("# ", BootTimeout);
        run.Type("echo R=$((6*7))\n");
        run.Console.WaitFor("R=42", BootTimeout);
        run.Type("reboot -f\n");
        run.Console.WaitFor(LinuxGuest.ReadyMarker, BootTimeout);   // booted again
        run.Console.WaitFor("# ", BootTimeout);
        run.Type("\u0001h");
        run.Type("\u0001x");
        var (status, diagnostics) = run.Finish(BootTimeout);
        output.WriteLine(diagnostics);
        Assert.True(status == 0, diagnostics);
        Assert.Contains("C-a x    exit captive", diagnostics);
        Assert.EndsWith("captive: terminated\n", diagnostics);
        LinuxGuestCollection.AssertNoKernelTrouble(run.Console.Output);
    }

    [Fact]
    public void With_no_reboot_a_guest_reset_ends_the_run_with_status_0()
    {
        guest.Require();
        TestEnvironment.RequireKvm();
        string command = Convert.ToBase64String(Encoding.ASCII.GetBytes("reboot -f"));
        using var run = new CliRun(guest, "--engine", "kvm", "-m", "512M", "-no-reboot",
            "-append", LinuxGuest.BootArgs + " captive.cmd64=" + command);

        var (status, diagnostics) = run.Finish(BootTimeout);
        Assert.True(status == 0, diagnostics + run.Console.Output);
        string console = run.Console.Output;
        Assert.Equal(2, console.Split(LinuxGuest.ReadyMarker).Length);    // booted once, did not boot again
        Assert.Contains("reboot: Restarting system", console);
        LinuxGuestCollection.AssertNoKernelTrouble(console);
    }

    /// <summary>Program.Run on its own thread with a pipe for input and a watched stream for the console.</summary>
    private sealed class CliRun : IDisposable
    {
        private readonly Pipe _input = new();
        private readonly StringWriter _diagnostics = new();
        private readonly Task<int> _run;

        public CliRun(LinuxGuest guest, params string[] args)
        {
            string[] all = ["-kernel", guest.KernelPath, "-initrd", guest.InitrdPath, .. args];
            _run = Task.Factory.StartNew(() => Program.Run(all, _input.Reader.AsStream(), Console, _diagnostics, rawTerminal: null),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        public WatchedStream Console { get; } = new();

        public void Type(string text)
        {
            _input.Writer.Write(Encoding.ASCII.GetBytes(text).AsSpan());
            _input.Writer.FlushAsync().AsTask().Wait();
        }

        public (int Status, string Diagnostics) Finish(TimeSpan timeout)
        {
            if (!_run.Wait(timeout))
            {
                Type("\u0001x");
                _run.Wait(TimeSpan.FromSeconds(30));
                Assert.Fail($"captive did not finish within {timeout.TotalSeconds:0} s. Console:\n{Console.Output}");
            }
            lock (_diagnostics) return (_run.Result, _diagnostics.ToString());
        }

        public void Dispose()
        {
            if (!_run.IsCompleted)
            {
                Type("\u0001x");
                _run.Wait(TimeSpan.FromSeconds(30));
            }
            _input.Writer.Complete();
        }
    }

    /// <summary>A write-only stream that keeps what is written and lets a test wait for text in it.</summary>
    private sealed class WatchedStream : Stream
    {
        private readonly StringBuilder _text = new();
        private readonly object _gate = new();
        private int _consumed;

        public string Output { get { lock (_gate) return _text.ToString(); } }

        public string WaitFor(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            lock (_gate)
            {
                while (true)
                {
                    int at = _text.ToString().IndexOf(text, _consumed, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        string seen = _text.ToString(_consumed, at + text.Length - _consumed);
                        _consumed = at + text.Length;
                        return seen;
                    }
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero) Assert.Fail($"'{text}' did not appear within {timeout.TotalSeconds:0} s. Console:\n{_text}");
                    Monitor.Wait(_gate, left);
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_gate)
            {
                _text.Append(Encoding.Latin1.GetString(buffer));
                Monitor.PulseAll(_gate);
            }
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

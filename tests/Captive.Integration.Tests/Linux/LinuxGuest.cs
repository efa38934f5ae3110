using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Captive.Core.Execution;
using Captive.Guest.Arm.Machine;

namespace Captive.Integration.Tests.Linux;

/// <summary>
/// The Linux test guest built by scripts/linux-guest.sh (Debian's arm64 kernel, a busybox
/// initramfs and an ext4 disk), fetched once per test run into the script's cache
/// ($CAPTIVE_LINUX_CACHE, else ~/.cache/captive/linux-guest). Where the packages cannot be
/// downloaded (no bash, no apt, no network: the script's exit status 3) the tests skip with the
/// script's reason; any other script failure fails them.
/// </summary>
public sealed class LinuxGuest
{
    /// <summary>What /init prints once its modules are loaded, before the command or the shell.</summary>
    public const string ReadyMarker = "CAPTIVE-INIT-READY";

    /// <summary>
    /// The kernel command line every Linux test starts from. <c>nokaslr</c>: the device tree has a kaslr-seed (as
    /// QEMU's), and a randomised kernel forces KPTI on, whose TTBR1 write on every kernel entry and exit makes the kvm
    /// engine's boot more than ten times slower (docs/linux.md, "KASLR and KPTI").
    /// </summary>
    public const string BootArgs = "console=ttyAMA0 panic=-1 nokaslr";

    private static readonly TimeSpan FetchTimeout = TimeSpan.FromMinutes(15);

    private readonly string? _unavailable;
    private readonly string? _failure;
    private readonly Dictionary<string, string> _values = [];

    public LinuxGuest()
    {
        var bash = OperatingSystem.IsWindows() ? null : TestEnvironment.FindOnPath("bash");
        if (bash is null) { _unavailable = "bash is not available to run scripts/linux-guest.sh"; return; }
        var script = Path.Combine(TestEnvironment.RepositoryRoot, "scripts", "linux-guest.sh");
        var watch = Stopwatch.StartNew();
        var (status, stdout, stderr) = TestEnvironment.RunProcess(bash, [script], FetchTimeout);
        FetchTime = watch.Elapsed;
        if (status == 3) { _unavailable = "the Linux guest cannot be downloaded here: " + LastLine(stderr); return; }
        if (status != 0) { _failure = $"scripts/linux-guest.sh failed with status {status}:\n{stderr}"; return; }
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) _values[line[..eq]] = line[(eq + 1)..];
        }
    }

    /// <summary>How long the script took (a download on the first run, well under a second cached).</summary>
    public TimeSpan FetchTime { get; }

    /// <summary>The kernel release, as <c>uname -r</c> prints it (e.g. 6.1.0-56-arm64).</summary>
    public string Release => Value("RELEASE");

    /// <summary>The Debian package version of the kernel (e.g. 6.1.192-2).</summary>
    public string PackageVersion => Value("VERSION");

    /// <summary>The number of modules /init loads.</summary>
    public int ModuleCount => int.Parse(Value("MODULES"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The kernel Image file.</summary>
    public string KernelPath => Value("KERNEL");

    /// <summary>The initramfs (gzip-compressed cpio) file.</summary>
    public string InitrdPath => Value("INITRD");

    /// <summary>The 16 MiB ext4 image (hello.txt), shared by every test: copy it before writing to it.</summary>
    public string DiskPath => Value("DISK");

    public byte[] Kernel => File.ReadAllBytes(KernelPath);

    public byte[] Initrd => File.ReadAllBytes(InitrdPath);

    /// <summary>Skips the calling test where the guest cannot be had, fails it where the script broke.</summary>
    public void Require()
    {
        if (_unavailable is not null) Assert.Skip(_unavailable);
        if (_failure is not null) Assert.Fail(_failure);
    }

    private string Value(string name)
    {
        Require();
        return _values.TryGetValue(name, out var v) ? v : throw new InvalidOperationException($"scripts/linux-guest.sh printed no {name}=");
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no message)";
}

/// <summary>The Linux tests share one fetch of the guest and run one at a time (each boot keeps a core busy).</summary>
[CollectionDefinition(Name)]
public sealed class LinuxGuestCollection : ICollectionFixture<LinuxGuest>
{
    public const string Name = "Linux guest";

    private static readonly string[] KernelTrouble =
        ["Internal error:", "Unable to handle kernel", "Kernel panic", "BUG:", "Call trace:", "Segmentation fault", "Illegal instruction"];

    /// <summary>
    /// Fails when the console shows a kernel oops, panic or BUG, or a user program killed by a
    /// fault: the guest's software is correct, so any of these is an emulation bug, even when the
    /// commands a test checks happened to survive it.
    /// </summary>
    public static void AssertNoKernelTrouble(string console)
    {
        foreach (var sign in KernelTrouble)
            Assert.False(console.Contains(sign, StringComparison.Ordinal), $"the console shows '{sign}':\n{console}");
    }
}

/// <summary>
/// One running Linux guest, driven through its UART like a person at the console: the machine
/// runs on its own thread, output is collected as it arrives, input is typed into the PL011.
/// Every wait has a time limit; when one expires the machine is cancelled and the test fails with
/// the console output so far, so a hung guest fails instead of hanging the run.
/// </summary>
public sealed class LinuxConsole : IDisposable
{
    private readonly Pipe _output = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly StringBuilder _text = new();
    private readonly object _gate = new();
    private readonly VirtMachine _machine;
    private readonly Task<RunResult> _run;
    private readonly Task _reader;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _consumed;

    /// <param name="guest">The kernel and initramfs.</param>
    /// <param name="backend">The accelerator, or null for the interpreter.</param>
    /// <param name="gicVersion">2 or 3.</param>
    /// <param name="extraBootArgs">Appended to <see cref="LinuxGuest.BootArgs"/>.</param>
    /// <param name="configure">Adds to the machine's options (drives, network cards).</param>
    public LinuxConsole(LinuxGuest guest, Core.Backends.ICpuBackend? backend, int gicVersion = 2, string? extraBootArgs = null,
        Func<VirtMachineOptions, VirtMachineOptions>? configure = null)
    {
        var options = new VirtMachineOptions
        {
            Kernel = guest.Kernel,
            Initrd = guest.Initrd,
            RamSize = 512UL << 20,
            BootArgs = LinuxGuest.BootArgs + (extraBootArgs is null ? "" : " " + extraBootArgs),
            ConsoleOutput = _output.Writer,
            GicVersion = gicVersion,
        };
        _machine = VirtMachine.Create(configure is null ? options : configure(options), backend);
        _reader = Task.Run(ReadOutputAsync);
        _run = Task.Factory.StartNew(() =>
        {
            try { return _machine.Run(); }
            finally { _output.Writer.Complete(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Everything the guest has printed so far.</summary>
    public string Output { get { lock (_gate) return _text.ToString(); } }

    /// <summary>Time since the machine was created.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>The machine's counters.</summary>
    public ExecutionStatistics Statistics => _machine.Statistics;

    /// <summary>
    /// Waits until <paramref name="text"/> appears after the point the previous wait consumed;
    /// returns the output from that point up to and including it.
    /// </summary>
    public string WaitFor(string text, TimeSpan timeout)
    {
        var deadline = _clock.Elapsed + timeout;
        while (true)
        {
            lock (_gate)
            {
                string all = _text.ToString();
                int at = all.IndexOf(text, _consumed, StringComparison.Ordinal);
                if (at >= 0)
                {
                    string seen = all[_consumed..(at + text.Length)];
                    _consumed = at + text.Length;
                    return seen;
                }
            }
            if (_run.IsCompleted)
                Assert.Fail($"the guest stopped ({_run.Result.Reason}: {_run.Result.Message}) before printing '{text}'. Console:\n{Output}");
            if (_clock.Elapsed > deadline)
            {
                _machine.Cancel();
                Assert.Fail($"'{text}' did not appear within {timeout.TotalSeconds:0} s. Console:\n{Output}");
            }
            lock (_gate) Monitor.Wait(_gate, 50);
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> at the shell and returns what it printed. The output is
    /// framed by two echoes whose text only the shell's arithmetic produces, so neither the
    /// terminal's echo of the typed line nor kernel messages can be mistaken for them.
    /// </summary>
    public string Run(string command, TimeSpan timeout)
    {
        Type($"echo CMD-BEGIN-$((40+2)); {command}; echo CMD-END-$((40+3))\n");
        WaitFor("CMD-BEGIN-42", timeout);
        string text = WaitFor("CMD-END-43", timeout);
        return text[..^"CMD-END-43".Length].Replace("\r", "", StringComparison.Ordinal).Trim('\n');
    }

    /// <summary>Types <paramref name="text"/> on the console, waiting while the UART's input queue is full.</summary>
    public void Type(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text).AsSpan();
        var deadline = _clock.Elapsed + TimeSpan.FromSeconds(30);
        while (!bytes.IsEmpty)
        {
            int n = _machine.Uart.EnqueueInput(bytes);
            bytes = bytes[n..];
            if (bytes.IsEmpty) break;
            if (_clock.Elapsed > deadline) Assert.Fail($"the guest did not read its console input within 30 s. Console:\n{Output}");
            Thread.Sleep(5);
        }
    }

    /// <summary>Waits for the machine to stop by itself and returns why.</summary>
    public RunResult WaitForStop(TimeSpan timeout)
    {
        if (!_run.Wait(timeout))
        {
            _machine.Cancel();
            Assert.Fail($"the guest did not stop within {timeout.TotalSeconds:0} s. Console:\n{Output}");
        }
        return _run.Result;
    }

    private async Task ReadOutputAsync()
    {
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[4096];
        while (true)
        {
            var result = await _output.Reader.ReadAsync().ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                for (int offset = 0; offset < segment.Length;)
                {
                    int take = Math.Min(segment.Length - offset, chars.Length / 2);
                    int n = decoder.GetChars(segment.Span.Slice(offset, take), chars, flush: false);
                    offset += take;
                    lock (_gate)
                    {
                        _text.Append(chars, 0, n);
                        Monitor.PulseAll(_gate);
                    }
                }
            }
            _output.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        await _output.Reader.CompleteAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (!_run.IsCompleted)
        {
            _machine.Cancel();
            _run.Wait(TimeSpan.FromSeconds(30));
        }
        _reader.Wait(TimeSpan.FromSeconds(5));
        if (_run.IsCompleted) _machine.Dispose();   // a vCPU that ignored the cancel keeps its machine
    }
}

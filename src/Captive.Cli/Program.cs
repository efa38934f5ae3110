using System.Diagnostics;
using System.IO.Pipelines;
using System.Reflection;
using System.Runtime.InteropServices;
using Captive.Backends.Kvm;
using Captive.Backends.WindowsHypervisorPlatform;
using Captive.Core.Backends;
using Captive.Core.Execution;
using Captive.Guest.Arm.Devices;
using Captive.Guest.Arm.Machine;

namespace Captive.Cli;

/// <summary>The <c>captive</c> command.</summary>
internal static class Program
{
    private const string DemoResource = "Captive.Cli.demo.elf";

    public static int Main(string[] args)
    {
        // Raw mode only for an interactive terminal; piped input is fed as it is. Every way out of
        // Run restores the terminal: normal return, exceptions (finally) and SIGTERM/SIGHUP/SIGQUIT,
        // which are turned into a cancellation of the guest so that the same finally runs.
        using IDisposable? terminal = OperatingSystem.IsLinux() && !Console.IsInputRedirected ? RawTerminal.TryEnter(0) : null;
        return Run(args, Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error, terminal);
    }

    /// <summary>Runs the command with the guest console on <paramref name="console"/> and no console input; returns the exit status.</summary>
    internal static int Run(IReadOnlyList<string> args, Stream console, TextWriter diagnostics) =>
        Run(args, null, console, diagnostics, rawTerminal: null);

    /// <summary>
    /// Runs the command: <paramref name="input"/> (if any) is typed into the guest's UART, with
    /// Ctrl-A escapes as in QEMU; the guest's UART output goes to <paramref name="console"/>.
    /// <paramref name="rawTerminal"/>, when not null, is the terminal in raw mode: a termination
    /// signal that arrives while no guest runs restores it before the process ends.
    /// </summary>
    internal static int Run(IReadOnlyList<string> args, Stream? input, Stream console, TextWriter diagnostics, IDisposable? rawTerminal)
    {
        CliOptions options;
        try
        {
            options = CliOptions.Parse(args);
        }
        catch (UsageException e)
        {
            diagnostics.WriteLine($"captive: {e.Message}");
            diagnostics.WriteLine("Try 'captive --help'.");
            return 2;
        }
        if (options.Help) { diagnostics.WriteLine(CliOptions.Usage); return 0; }
        if (options.Version)
        {
            diagnostics.WriteLine($"captive {typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?"}");
            return 0;
        }

        try
        {
            using var session = new ConsoleSession(input, diagnostics.Write);
            // SIGTERM, SIGHUP and SIGQUIT stop a running guest through the normal path (so the
            // terminal is restored by the caller); with no guest running they restore it and end the process.
            Action<PosixSignalContext> onSignal = context =>
            {
                context.Cancel = session.CancelMachine();
                if (!context.Cancel) rawTerminal?.Dispose();
            };
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, onSignal);
            using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, onSignal);
            using var sigquit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, onSignal);
            return RunMachine(options, session, console, diagnostics);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Guest.Arm.Loading.GuestImageException or ArgumentException or BackendException or PlatformNotSupportedException or InvalidOperationException)
        {
            diagnostics.WriteLine($"captive: {e.Message}");
            return 1;
        }
    }

    private static int RunMachine(CliOptions options, ConsoleSession session, Stream console, TextWriter diagnostics)
    {
        byte[] kernel = options.Kernel is null ? LoadDemo() : File.ReadAllBytes(options.Kernel);
        var backend = SelectBackend(options.Engine, diagnostics);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        var taps = OpenTaps(options);
        try
        {
            return RunMachine(options, session, kernel, backend, pipe, taps, console, diagnostics);
        }
        finally
        {
            foreach (var t in taps) t.Dispose();
        }
    }

    /// <summary>The TAP interfaces of the -netdev options (Linux only).</summary>
    private static List<IDisposableEndpoint> OpenTaps(CliOptions options)
    {
        var taps = new List<IDisposableEndpoint>();
        if (options.NetworkCards.Count == 0) return taps;
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("-netdev tap needs Linux's /dev/net/tun.");
        try
        {
            foreach (var (name, _) in options.NetworkCards) taps.Add(new TapPlug(new Captive.Core.Devices.Network.TapEndpoint(name)));
        }
        catch
        {
            foreach (var t in taps) t.Dispose();
            throw;
        }
        return taps;
    }

    private interface IDisposableEndpoint : Captive.Core.Devices.Network.INetworkEndpoint, IDisposable;

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private sealed class TapPlug(Captive.Core.Devices.Network.TapEndpoint tap) : IDisposableEndpoint
    {
        public void Send(ReadOnlySpan<byte> frame) => tap.Send(frame);
        public void Start(Captive.Core.Devices.Network.FrameHandler receive) => tap.Start(receive);
        public void Dispose() => tap.Dispose();
    }

    private static int RunMachine(CliOptions options, ConsoleSession session, byte[] kernel, Captive.Core.Backends.ICpuBackend? backend, Pipe pipe,
        List<IDisposableEndpoint> taps, Stream console, TextWriter diagnostics)
    {
        // The UART and the virtio-console each have a pipe and a pump; both pumps write to one synchronised stream.
        var shared = options.VirtioConsole ? Stream.Synchronized(console) : console;
        var pump = ConsolePump.StartOutput(pipe.Reader, shared);
        var hvc = options.VirtioConsole ? new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false)) : null;
        var hvcPump = hvc is null ? null : ConsolePump.StartOutput(hvc.Reader, shared);

        var machineOptions = new VirtMachineOptions
        {
            RamSize = options.RamBytes,
            Kernel = kernel,
            Initrd = options.Initrd is null ? null : File.ReadAllBytes(options.Initrd),
            BootArgs = options.Append,
            DeviceTree = options.Dtb is null ? null : File.ReadAllBytes(options.Dtb),
            ConsoleOutput = pipe.Writer,
            CountInstructions = options.CountInstructions || (options.Stats && backend is null),
            InterpretAllBlocks = options.InterpretAll,
            TranslationLog = options.TraceTranslation ? diagnostics : null,
            ProfileBlocks = options.Profile,
            GicVersion = options.GicVersion,
            DeviceTreeRandomness = options.DeviceTreeRandomness,
            Drives = options.Drives,
            VirtioRng = options.VirtioRng,
            VirtioConsoleOutput = hvc?.Writer,
            NetworkCards = [.. taps.Select((t, i) => new VirtioNetworkCard(t, options.NetworkCards[i].Mac))],
        };

        RunResult result;
        ExecutionStatistics stats;
        string engineName;
        while (true)
        {
            using (var machine = VirtMachine.Create(machineOptions, backend))
            {
                engineName = machine.Engine.Name;
                ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; machine.Cancel(); };
                Console.CancelKeyPress += onCancel;
                session.Attach(machine);
                try { result = machine.Run(); }
                finally
                {
                    session.Detach();
                    Console.CancelKeyPress -= onCancel;
                }
                stats = machine.Statistics;
            }
            // PSCI SYSTEM_RESET reboots, as on QEMU, unless -no-reboot asked to exit instead.
            if (result.Reason != StopReason.Reset || options.NoReboot || session.QuitRequested)
                break;
            if (options.Stats) diagnostics.Write(stats.Format(engineName));
        }
        pipe.Writer.Complete();
        hvc?.Writer.Complete();
        pump.Wait(TimeSpan.FromSeconds(5));
        hvcPump?.Wait(TimeSpan.FromSeconds(5));
        backend?.Dispose();
        console.Flush();

        if (options.Stats) diagnostics.Write(stats.Format(engineName));
        if (session.QuitRequested)
        {
            diagnostics.WriteLine("captive: terminated");
            return 0;
        }
        switch (result.Reason)
        {
            case StopReason.PowerOff:
            case StopReason.Reset:
                return 0;
            case StopReason.Cancelled:
                diagnostics.WriteLine("captive: interrupted");
                return 130;
            default:
                diagnostics.WriteLine($"captive: guest stopped: {result.Message}");
                return 1;
        }
    }

    private static ICpuBackend? SelectBackend(EngineChoice choice, TextWriter diagnostics)
    {
        switch (choice)
        {
            case EngineChoice.Interpreter:
                return null;
            case EngineChoice.Kvm:
            {
                if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("--engine kvm: KVM is Linux only");
                var probe = KvmBackend.Probe();
                if (!probe.IsUsable) throw new PlatformNotSupportedException($"--engine kvm: {probe.Reason}");
                return new KvmBackend();
            }
            case EngineChoice.Whp:
            {
                var probe = WhpBackend.Probe();
                if (!probe.IsUsable) throw new PlatformNotSupportedException($"--engine whp: {probe.Reason}");
                return new WhpBackend();
            }
            default:
            {
                if (!OperatingSystem.IsLinux())
                {
                    diagnostics.WriteLine("captive: no usable accelerator on this OS; using the interpreter");
                    return null;
                }
                var kvm = KvmBackend.Probe();
                if (kvm.IsUsable) return new KvmBackend();
                diagnostics.WriteLine($"captive: KVM is not usable ({kvm.Reason}); using the interpreter");
                return null;
            }
        }
    }

    private static byte[] LoadDemo()
    {
        using var s = typeof(Program).Assembly.GetManifestResourceStream(DemoResource)
            ?? throw new InvalidOperationException("The bundled demo guest is missing from this build.");
        var bytes = new byte[s.Length];
        s.ReadExactly(bytes);
        return bytes;
    }
}

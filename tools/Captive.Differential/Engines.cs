using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using Captive.Backends.Kvm;
using Captive.Core.Backends;
using Captive.Core.Execution;
using Captive.Guest.Arm.Machine;

namespace Captive.Differential;

/// <summary>What one engine printed for an image, and how its run ended.</summary>
public sealed record EngineOutput(string Engine, string Text, bool Completed, string? Problem, TimeSpan Elapsed);

/// <summary>The engines a run can compare: QEMU (the reference), captive's interpreter, captive on KVM.</summary>
public static class Engines
{
    public const string Qemu = "qemu", Interpreter = "interpreter", Kvm = "kvm";

    /// <summary>qemu-system-aarch64 on PATH, or null.</summary>
    public static string? FindQemu()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var p = Path.Combine(dir, "qemu-system-aarch64");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>Null when KVM can run captive here, else why not.</summary>
    public static string? KvmProblem()
    {
        if (!OperatingSystem.IsLinux()) return "KVM is Linux only";
        var probe = KvmBackend.Probe();
        return probe.IsUsable ? null : "KVM is not usable here: " + probe.Reason;
    }

    /// <summary>Runs the image on QEMU's virt board (TCG) and returns the UART output.</summary>
    public static EngineOutput RunQemu(string qemu, TestImage image, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        string file = Path.Combine(Path.GetTempPath(), $"captive-diff-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(file, image.Bytes);
        try
        {
            var psi = new ProcessStartInfo(qemu)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            };
            foreach (var a in (string[])["-M", "virt", "-cpu", image.QemuCpu, "-nographic", "-monitor", "none", "-kernel", file])
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                return new EngineOutput(Qemu, stdout.Result, false, $"timed out after {timeout.TotalSeconds:0} s", sw.Elapsed);
            }
            string? problem = p.ExitCode == 0 ? null : $"exit code {p.ExitCode}: {stderr.Result.Trim()}";
            return new EngineOutput(Qemu, stdout.Result, p.ExitCode == 0, problem, sw.Elapsed);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Channel requests of the captive engines by (engine, reason), summed over the images run (how much ran translated).</summary>
    public static Dictionary<(string Engine, string Reason), long> Requests { get; } = new();

    /// <summary>Runs the image on captive (the interpreter, or KVM) in this process and returns the UART output.</summary>
    public static EngineOutput RunCaptive(string engine, TestImage image, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        using ICpuBackend? backend = engine == Kvm && OperatingSystem.IsLinux() ? new KvmBackend() : null;
        byte[] kernel = (byte[])image.Bytes.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(kernel.AsSpan((int)(ImageLayout.FlushFlag - ImageLayout.LoadAddress)), 0);
        RunResult result;
        string log;
        using (var machine = VirtMachine.Create(new VirtMachineOptions { Kernel = kernel, ConsoleOutput = pipe.Writer }, backend))
        {
            using var timer = new Timer(_ => machine.Cancel(), null, timeout, Timeout.InfiniteTimeSpan);
            result = machine.Run();
            lock (Requests)
                foreach (var (reason, count) in machine.Engine.Statistics.ChannelRequests)
                    Requests[(engine, reason)] = Requests.GetValueOrDefault((engine, reason)) + count;
            var ram = machine.Engine.Ram;
            ulong end = BinaryPrimitives.ReadUInt64LittleEndian(ram[(int)(ImageLayout.LogPointer - ImageLayout.RamBase)..]);
            int start = (int)(ImageLayout.Log - ImageLayout.RamBase);
            long length = (long)(end - ImageLayout.Log);
            log = length >= 0 && start + length <= ram.Length ? Encoding.ASCII.GetString(ram.Slice(start, (int)length)) : "";
        }
        pipe.Writer.Complete();
        var bytes = new MemoryStream();
        pipe.Reader.AsStream().CopyTo(bytes);
        bool ok = result.Reason == StopReason.PowerOff;
        string? problem = ok ? null : $"{result.Reason}: {result.Message}";
        if (bytes.Length > 0) problem = (problem is null ? "" : problem + "; ") + "unexpected UART output: " + Encoding.ASCII.GetString(bytes.ToArray());
        return new EngineOutput(engine, log, ok, problem, sw.Elapsed);
    }
}

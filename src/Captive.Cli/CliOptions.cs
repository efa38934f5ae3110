using System.Globalization;

namespace Captive.Cli;

/// <summary>Which engine runs the guest.</summary>
internal enum EngineChoice { Auto, Kvm, Whp, Interpreter }

/// <summary>The command line, parsed with qemu-system-aarch64's spelling for the subset we support.</summary>
internal sealed class CliOptions
{
    public string? Kernel { get; private set; }
    public string? Initrd { get; private set; }
    public string? Append { get; private set; }
    public string? Dtb { get; private set; }
    public ulong RamBytes { get; private set; } = 128UL << 20;
    public int Cpus { get; private set; } = 1;
    public int GicVersion { get; private set; } = 2;
    public EngineChoice Engine { get; private set; } = EngineChoice.Auto;
    public bool NoReboot { get; private set; }
    public bool Stats { get; private set; }
    public bool CountInstructions { get; private set; }
    public bool TraceTranslation { get; private set; }
    public bool Profile { get; private set; }
    public bool Help { get; private set; }
    public bool Version { get; private set; }

    public const string Usage = """
        usage: captive [options]
        Runs an AArch64 guest on the QEMU 'virt' board, translating it to x86-64 inside a hardware VM.
        With no -kernel it runs a bundled demo guest.

        QEMU options:
          -kernel FILE          ELF (PT_LOAD at physical addresses), Linux arm64 Image, or raw binary (at RAM + 0x80000)
          -initrd FILE          initial ramdisk
          -append STRING        kernel command line (/chosen/bootargs)
          -dtb FILE             use this device tree instead of the generated one
          -m SIZE               RAM size (default 128M; suffixes K, M, G; plain numbers are MiB)
          -smp N                number of CPUs (only 1 for now)
          -M, -machine virt[,gic-version=2|3]
          -no-reboot            exit when the guest resets (PSCI SYSTEM_RESET) instead of booting again
          accepted and ignored: -nographic -nodefaults -display none -serial stdio -monitor none
                                -cpu cortex-a57|max -accel ...
        captive options:
          --engine kvm|whp|interpreter   default: kvm where usable, else the interpreter
          --stats                        print instructions, translations, exits and requests at exit
          --count                        count executed guest instructions in translated code (slower)
          --trace-translation            print each translated block's IR and x86 code to stderr
          --profile                      with --stats: the hottest guest blocks (interpreter engine)
          -h, --help                     this text
          --version                      version
        Console: stdin is typed into the UART (raw mode on a terminal, so Ctrl-C goes to the guest).
          Ctrl-A X exits, Ctrl-A H lists the keys, Ctrl-A Ctrl-A sends Ctrl-A.
        Exit status: 0 after the guest powers off (PSCI SYSTEM_OFF) or Ctrl-A X; 130 when interrupted by a signal.
        """;

    /// <summary>Parses <paramref name="args"/>; throws <see cref="UsageException"/> with a clear message on bad input.</summary>
    public static CliOptions Parse(IReadOnlyList<string> args)
    {
        var o = new CliOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            // QEMU accepts both -opt and --opt.
            string name = arg.StartsWith("--", StringComparison.Ordinal) && arg is not ("--engine" or "--stats" or "--count" or "--trace-translation" or "--profile" or "--help" or "--version")
                ? arg[1..] : arg;
            string Value()
            {
                if (i + 1 >= args.Count) throw new UsageException($"option '{arg}' needs an argument");
                return args[++i];
            }
            switch (name)
            {
                case "-kernel": o.Kernel = Value(); break;
                case "-initrd": o.Initrd = Value(); break;
                case "-append": o.Append = Value(); break;
                case "-dtb": o.Dtb = Value(); break;
                case "-m": o.RamBytes = ParseSize(Value()); break;
                case "-smp": o.Cpus = ParseSmp(Value()); break;
                case "-M": case "-machine": ParseMachine(o, Value()); break;
                case "-cpu":
                {
                    string cpu = Value();
                    if (cpu is not ("cortex-a57" or "max" or "host"))
                        throw new UsageException($"unsupported -cpu '{cpu}' (supported: cortex-a57, max)");
                    break;
                }
                case "-accel": Value(); break;
                case "-nographic": case "-nodefaults": break;
                case "-no-reboot": o.NoReboot = true; break;
                case "-display": Expect(arg, Value(), "none"); break;
                case "-serial": Expect(arg, Value(), "stdio", "mon:stdio"); break;
                case "-monitor": Expect(arg, Value(), "none"); break;
                case "--engine":
                    o.Engine = Value() switch
                    {
                        "kvm" => EngineChoice.Kvm,
                        "whp" => EngineChoice.Whp,
                        "interpreter" => EngineChoice.Interpreter,
                        "auto" => EngineChoice.Auto,
                        var e => throw new UsageException($"unknown engine '{e}' (kvm, whp, interpreter)"),
                    };
                    break;
                case "--stats": o.Stats = true; break;
                case "--count": o.CountInstructions = true; break;
                case "--trace-translation": o.TraceTranslation = true; break;
                case "--profile": o.Profile = true; break;
                case "-h": case "-help": case "--help": o.Help = true; break;
                case "-version": case "--version": o.Version = true; break;
                default:
                    throw new UsageException(arg.StartsWith('-')
                        ? $"unknown option '{arg}'"
                        : $"unexpected argument '{arg}' (a disk image? use -kernel FILE for a kernel)");
            }
        }
        return o;
    }

    private static void Expect(string option, string value, params string[] allowed)
    {
        if (!allowed.Contains(value))
            throw new UsageException($"'{option} {value}' is not supported (only {string.Join(", ", allowed.Select(a => $"'{option} {a}'"))})");
    }

    private static int ParseSmp(string value)
    {
        string first = value.Split(',')[0];
        if (first.StartsWith("cpus=", StringComparison.Ordinal)) first = first[5..];
        if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
            throw new UsageException($"invalid -smp '{value}'");
        if (n != 1)
            throw new UsageException($"-smp {n}: only one CPU is supported so far (SMP guests are planned)");
        return n;
    }

    private static void ParseMachine(CliOptions o, string value)
    {
        var parts = value.Split(',');
        string type = parts[0].StartsWith("type=", StringComparison.Ordinal) ? parts[0][5..] : parts[0];
        if (type != "virt" && !type.StartsWith("virt-", StringComparison.Ordinal))
            throw new UsageException($"unsupported machine '{type}' (only 'virt')");
        foreach (var p in parts.Skip(1))
        {
            var kv = p.Split('=', 2);
            switch (kv[0])
            {
                case "gic-version" when kv.Length == 2 && kv[1] is "2" or "3":
                    o.GicVersion = kv[1] == "2" ? 2 : 3;
                    break;
                case "gic-version":
                    throw new UsageException($"invalid '{p}' (gic-version=2 or 3)");
                case "accel": case "highmem": case "secure": case "virtualization": case "its": case "iommu":
                    if (kv[0] is "secure" or "virtualization" && kv.Length == 2 && kv[1] is "on" or "true")
                        throw new UsageException($"'{p}': EL2/EL3 are not implemented");
                    break;
                default:
                    throw new UsageException($"unknown machine property '{p}'");
            }
        }
    }

    /// <summary>QEMU size syntax: a number with an optional K/M/G/T suffix; no suffix means MiB.</summary>
    internal static ulong ParseSize(string value)
    {
        string v = value.Trim();
        if (v.StartsWith("size=", StringComparison.Ordinal)) v = v[5..];
        ulong unit = 1UL << 20;
        if (v.Length > 0 && char.IsLetter(v[^1]))
        {
            unit = char.ToUpperInvariant(v[^1]) switch
            {
                'B' => 1UL, 'K' => 1UL << 10, 'M' => 1UL << 20, 'G' => 1UL << 30, 'T' => 1UL << 40,
                _ => throw new UsageException($"invalid size '{value}'"),
            };
            v = v[..^1];
        }
        if (!double.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) || n <= 0)
            throw new UsageException($"invalid size '{value}'");
        ulong bytes = (ulong)(n * unit);
        if (bytes % 4096 != 0) throw new UsageException($"-m {value}: RAM size must be a multiple of 4 KiB");
        if (bytes < (2UL << 20)) throw new UsageException($"-m {value}: at least 2 MiB of RAM is needed");
        return bytes;
    }
}

/// <summary>A command-line mistake; the message says what is wrong.</summary>
internal sealed class UsageException(string message) : Exception(message);

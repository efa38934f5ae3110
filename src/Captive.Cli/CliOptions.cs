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

    /// <summary>-M virt,dtb-randomness=on|off (or dtb-kaslr-seed=): /chosen/kaslr-seed and rng-seed in the device tree.</summary>
    public bool DeviceTreeRandomness { get; private set; } = true;
    public EngineChoice Engine { get; private set; } = EngineChoice.Auto;
    public bool NoReboot { get; private set; }
    public bool Stats { get; private set; }
    public bool CountInstructions { get; private set; }

    /// <summary>--interpret-all: every block runs on the host's IR interpreter (a bisecting aid for code-generator bugs).</summary>
    public bool InterpretAll { get; private set; }
    public bool TraceTranslation { get; private set; }
    public bool Profile { get; private set; }
    public bool Help { get; private set; }
    public bool Version { get; private set; }
    public bool VirtioRng { get; private set; }
    public bool VirtioConsole { get; private set; }

    /// <summary>The virtio disks, in command-line order (each -drive if=virtio, and each -device virtio-blk-device).</summary>
    public List<Captive.Guest.Arm.Machine.VirtioDrive> Drives { get; } = new();

    /// <summary>Network cards: the TAP interface each is on, and its MAC address (null: the default).</summary>
    public List<(string Interface, byte[]? Mac)> NetworkCards { get; } = new();

    // -netdev tap,id=N,ifname=T waits here for the -device virtio-net-device,netdev=N that uses it.
    private readonly Dictionary<string, string> _netdevs = new(StringComparer.Ordinal);

    // -drive if=none,id=ID waits here for the -device virtio-blk-device,drive=ID that uses it.
    private readonly Dictionary<string, Captive.Guest.Arm.Machine.VirtioDrive> _unattached = new(StringComparer.Ordinal);

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
          -M, -machine virt[,gic-version=2|3][,dtb-randomness=on|off]
                                dtb-randomness=off (or dtb-kaslr-seed=off): no /chosen/kaslr-seed and rng-seed, so
                                the kernel does not randomise its address (KASLR)
          -drive file=FILE[,if=virtio|none][,format=raw][,readonly=on|off][,id=ID][,serial=S]
                                a raw disk image as virtio-blk (if=virtio is the default on 'virt'); the first is /dev/vda
          -device virtio-blk-device,drive=ID[,serial=S]   the disk of -drive if=none,id=ID
          -device virtio-rng-device                       an entropy source fed from the host's generator
          -device virtio-serial-device                    a virtio-console (the guest's /dev/hvc0, console=hvc0) on stdout
          -netdev tap,id=N,ifname=TAP[,script=no,downscript=no]   a Linux TAP interface (needs CAP_NET_ADMIN or a
                                persistent TAP of yours; configure the host side yourself, as with QEMU's script=no)
          -device virtio-net-device,netdev=N[,mac=52:54:00:12:34:56]   a network card on that TAP
          -no-reboot            exit when the guest resets (PSCI SYSTEM_RESET) instead of booting again
          accepted and ignored: -nographic -nodefaults -display none -serial stdio -monitor none
                                -cpu cortex-a57|max -accel ...
        captive options:
          --engine kvm|whp|interpreter   default: kvm where usable, else the interpreter
          --stats                        print instructions, translations, exits and requests at exit
          --count                        count executed guest instructions in translated code (slower)
          --trace-translation            print each translated block's IR and x86 code to stderr
          --profile                      with --stats: the hottest guest blocks (interpreter engine)
          --interpret-all                kvm engine: run every block on the host's IR interpreter (bisects code-generator bugs)
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
            string name = arg.StartsWith("--", StringComparison.Ordinal) && arg is not ("--engine" or "--stats" or "--count" or "--trace-translation" or "--profile" or "--interpret-all" or "--help" or "--version")
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
                case "-drive": o.ParseDrive(Value()); break;
                case "-device": o.ParseDevice(Value()); break;
                case "-netdev": o.ParseNetdev(Value()); break;
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
                case "--interpret-all": o.InterpretAll = true; break;
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
        if (o._netdevs.Count > 0)
            throw new UsageException($"-netdev id={o._netdevs.Keys.First()} is not used by any -device virtio-net-device,netdev={o._netdevs.Keys.First()}");
        if (o._unattached.Count > 0)
            throw new UsageException($"-drive id={o._unattached.Keys.First()} (if=none) is not used by any -device virtio-blk-device,drive={o._unattached.Keys.First()}");
        return o;
    }

    /// <summary>QEMU's key=value,... option syntax (",," is a literal comma); a bare first word is <paramref name="implied"/>'s value.</summary>
    private static List<(string Key, string Value)> ParseKeyValues(string option, string text, string? implied)
    {
        var result = new List<(string, string)>();
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == ',' && i + 1 < text.Length && text[i + 1] == ',') { current.Append(','); i++; }
            else if (text[i] == ',') { parts.Add(current.ToString()); current.Clear(); }
            else current.Append(text[i]);
        }
        parts.Add(current.ToString());
        for (int i = 0; i < parts.Count; i++)
        {
            var kv = parts[i].Split('=', 2);
            if (kv.Length == 2) result.Add((kv[0], kv[1]));
            else if (i == 0 && implied is not null) result.Add((implied, kv[0]));
            else throw new UsageException($"{option} '{text}': '{parts[i]}' is not key=value");
        }
        return result;
    }

    /// <summary>QEMU's booleans (qapi_bool_parse): on/yes/true/y and off/no/false/n, lower case only.</summary>
    private static bool OnOff(string option, string key, string value) => value switch
    {
        "on" or "true" or "yes" or "y" => true,
        "off" or "false" or "no" or "n" => false,
        _ => throw new UsageException($"{option}: {key}={value} must be on or off"),
    };

    private void ParseDrive(string text)
    {
        string? file = null, id = null, serial = null, iface = "virtio";
        bool readOnly = false;
        foreach (var (key, value) in ParseKeyValues("-drive", text, null))
        {
            switch (key)
            {
                case "file": file = value; break;
                case "if" when value is "virtio" or "none": iface = value; break;
                case "if": throw new UsageException($"-drive if={value} is not supported (if=virtio, or if=none with -device virtio-blk-device)");
                case "format" when value == "raw": break;
                case "format": throw new UsageException($"-drive format={value} is not supported (only raw images)");
                case "readonly": readOnly = OnOff("-drive", key, value); break;
                case "id": id = value; break;
                case "serial": serial = value; break;
                case "media" when value == "disk": break;
                case "cache" or "aio" or "discard" or "detect-zeroes": break; // host I/O tuning: ours is fixed
                default: throw new UsageException($"-drive: unsupported option '{key}={value}'");
            }
        }
        if (file is null) throw new UsageException($"-drive '{text}' needs file=IMAGE");
        if (serial is { Length: > 20 }) throw new UsageException($"-drive serial={serial}: at most 20 characters");
        var drive = new Captive.Guest.Arm.Machine.VirtioDrive(file, readOnly, serial);
        if (iface == "virtio") { Drives.Add(drive); return; }
        if (id is null) throw new UsageException($"-drive '{text}': if=none needs id=ID for -device virtio-blk-device,drive=ID");
        if (!_unattached.TryAdd(id, drive)) throw new UsageException($"-drive id={id} is used twice");
    }

    private void ParseDevice(string text)
    {
        var options = ParseKeyValues("-device", text, "driver");
        string driver = options[0].Value;
        switch (driver)
        {
            case "virtio-rng-device":
                foreach (var (key, value) in options.Skip(1))
                    throw new UsageException($"-device virtio-rng-device: unsupported option '{key}={value}'");
                if (VirtioRng) throw new UsageException("-device virtio-rng-device given twice (one is supported)");
                VirtioRng = true;
                break;
            case "virtio-blk-device":
            {
                string? id = null, serial = null;
                foreach (var (key, value) in options.Skip(1))
                {
                    switch (key)
                    {
                        case "drive": id = value; break;
                        case "serial": serial = value; break;
                        default: throw new UsageException($"-device virtio-blk-device: unsupported option '{key}={value}'");
                    }
                }
                if (id is null) throw new UsageException("-device virtio-blk-device needs drive=ID (of a -drive if=none,id=ID)");
                if (!_unattached.Remove(id, out var drive))
                    throw new UsageException($"-device virtio-blk-device,drive={id}: no -drive if=none,id={id} before it (or it is already used)");
                if (serial is { Length: > 20 }) throw new UsageException($"-device virtio-blk-device serial={serial}: at most 20 characters");
                Drives.Add(serial is null ? drive : drive with { Serial = serial });
                break;
            }
            case "virtio-serial-device":
                foreach (var (key, value) in options.Skip(1))
                    throw new UsageException($"-device virtio-serial-device: unsupported option '{key}={value}'");
                if (VirtioConsole) throw new UsageException("-device virtio-serial-device given twice (one is supported)");
                VirtioConsole = true;
                break;
            case "virtio-net-device":
            {
                string? id = null;
                byte[]? mac = null;
                foreach (var (key, value) in options.Skip(1))
                {
                    switch (key)
                    {
                        case "netdev": id = value; break;
                        case "mac":
                            try { mac = Captive.Guest.Arm.Devices.Virtio.VirtioNet.ParseMac(value); }
                            catch (FormatException e) { throw new UsageException($"-device virtio-net-device: {e.Message}"); }
                            if ((mac[0] & 1) != 0) throw new UsageException($"-device virtio-net-device: mac={value} is a multicast address");
                            break;
                        default: throw new UsageException($"-device virtio-net-device: unsupported option '{key}={value}'");
                    }
                }
                if (id is null) throw new UsageException("-device virtio-net-device needs netdev=ID (of a -netdev tap,id=ID,...)");
                if (!_netdevs.Remove(id, out var tap))
                    throw new UsageException($"-device virtio-net-device,netdev={id}: no -netdev ...,id={id} before it (or it is already used)");
                NetworkCards.Add((tap, mac));
                break;
            }
            case "virtio-rng-pci" or "virtio-blk-pci" or "virtio-net-pci" or "virtio-serial-pci":
                throw new UsageException($"-device {driver}: the board has no PCI yet; use {driver[..^4]}-device (virtio-mmio)");
            default:
                throw new UsageException($"-device {driver} is not supported (virtio-blk-device, virtio-rng-device, virtio-net-device, virtio-serial-device)");
        }
    }

    private void ParseNetdev(string text)
    {
        var options = ParseKeyValues("-netdev", text, "type");
        if (options[0].Value != "tap")
            throw new UsageException($"-netdev {options[0].Value} is not supported (only tap; user-mode networking is not built in)");
        string? id = null, ifname = null;
        foreach (var (key, value) in options.Skip(1))
        {
            switch (key)
            {
                case "id": id = value; break;
                case "ifname": ifname = value; break;
                case "script" or "downscript" when value == "no": break;
                case "script" or "downscript": throw new UsageException($"-netdev tap: {key}={value} is not supported (configure the TAP yourself; script=no)");
                case "vhost" when value == "off": break;
                default: throw new UsageException($"-netdev tap: unsupported option '{key}={value}'");
            }
        }
        if (id is null) throw new UsageException("-netdev tap needs id=ID");
        if (ifname is null) throw new UsageException("-netdev tap needs ifname=TAP (the interface to attach to)");
        if (!_netdevs.TryAdd(id, ifname)) throw new UsageException($"-netdev id={id} is used twice");
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
                // QEMU 7.2 renamed dtb-kaslr-seed to dtb-randomness and made it cover rng-seed too; both names do that.
                case "dtb-randomness" or "dtb-kaslr-seed" when kv.Length == 2:
                    o.DeviceTreeRandomness = OnOff("-M", kv[0], kv[1]);
                    break;
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

using Captive.Core.IR;
using Captive.Core.Memory;

namespace Captive.Core.Execution;

/// <summary>How an engine is set up.</summary>
public sealed record EngineOptions
{
    /// <summary>Guest-physical base of RAM.</summary>
    public ulong RamBase { get; init; } = 0x4000_0000;

    /// <summary>RAM size in bytes (a multiple of 4 KiB).</summary>
    public ulong RamSize { get; init; } = 128UL << 20;

    /// <summary>Count executed blocks and guest instructions (costs a little speed in translated code).</summary>
    public bool CountInstructions { get; init; }

    /// <summary>
    /// Count executions per guest block, for <see cref="ExecutionStatistics.BlockProfile"/> (the interpreter
    /// engine; translating engines ignore it for now).
    /// </summary>
    public bool ProfileBlocks { get; init; }

    /// <summary>Maximum guest instructions per translated block.</summary>
    public int MaxBlockInstructions { get; init; } = 64;

    /// <summary>When set, every translated block's IR (and host code, for translating engines) is written here.</summary>
    public TextWriter? TranslationLog { get; init; }

    /// <summary>
    /// Translating engines: have the host interpret every block (through the channel) instead of
    /// running generated code. A debugging aid: a guest that works this way but not translated points
    /// at the code generator.
    /// </summary>
    public bool InterpretAllBlocks { get; init; }

    /// <summary>Where the engine logs (run start and end, errors, translation at Debug level); null logs nothing.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>
/// Runs guest code for one machine: the translator in a hardware VM (<see cref="AcceleratedEngine"/>)
/// or the IR interpreter (<see cref="InterpreterEngine"/>). One vCPU for now; the register file,
/// control block and stacks are already per vCPU.
/// </summary>
public abstract partial class ExecutionEngine : IDisposable
{
    /// <summary>Creates the engine.</summary>
    protected ExecutionEngine(IGuestSystem system, EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(options);
        if (options.RamSize == 0 || options.RamSize % 4096 != 0 || options.RamBase % 4096 != 0)
            throw new ArgumentException("RAM base and size must be non-zero multiples of 4 KiB.", nameof(options));
        Machine = system;
        Options = options;
        Layout = system.FrontEnd.StateLayout;
        Logger = (options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger(GetType().FullName!);
    }

    /// <summary>The translation mode the guest state <paramref name="registerFile"/> is in (0 when the guest has one mode).</summary>
    protected int CurrentMode(ReadOnlySpan<byte> registerFile)
        => Layout.ModeOffset < 0 ? 0 : (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(registerFile[Layout.ModeOffset..]) & 3);

    /// <summary>The translation context the guest state <paramref name="registerFile"/> holds (see <see cref="IrBlock.Context"/>).</summary>
    protected ulong CurrentContext(ReadOnlySpan<byte> registerFile)
        => Layout.ContextOffset < 0 ? 0 : System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(registerFile[Layout.ContextOffset..]);

    /// <summary>
    /// Drops every translation, so that blocks are lowered again from the current translation context (the guest changed
    /// state its lowering depends on). Call it only while the guest is stopped in a trap or not running.
    /// </summary>
    public abstract void InvalidateTranslations();

    /// <summary>
    /// Drops the translations of blocks that start at guest addresses <paramref name="first"/> to <paramref name="last"/>
    /// (inclusive): the guest changed the code or the mapping of that range. A block may run on past its start by up to
    /// <see cref="EngineOptions.MaxBlockInstructions"/> instructions, so the range should begin that much lower. Same calling
    /// rules as <see cref="InvalidateTranslations()"/>.
    /// </summary>
    public abstract void InvalidateTranslations(ulong first, ulong last);

    /// <summary>
    /// Drops every translation made for translation mode <paramref name="mode"/> (the controls that mode's code is
    /// lowered under changed, and nothing the other modes depend on). Same calling rules as
    /// <see cref="InvalidateTranslations()"/>.
    /// </summary>
    public virtual void InvalidateTranslationsOfMode(int mode) => InvalidateTranslations();

    /// <summary>
    /// The guest invalidated its whole instruction cache: instructions anywhere may have changed. Drops the translations
    /// whose guest instructions are not what they were translated from and keeps the others (by default, drops all).
    /// Same calling rules as <see cref="InvalidateTranslations()"/>.
    /// </summary>
    public virtual void RevalidateCode() => InvalidateTranslations();

    /// <summary>
    /// The guest switched the lower half of its address space to translation table base <paramref name="value"/>, and
    /// the machine has carried the switch out (<see cref="FlushTlb"/>, <see cref="RevalidateTranslations"/>): every
    /// translation is valid under it now. An engine may remember the value so that a later switch back to it needs no
    /// host (<see cref="IR.IrTrapKind.AddressSpaceSwitch"/>), as long as <see cref="ForgetAddressSpaces"/> is not called.
    /// </summary>
    public virtual void NoteAddressSpace(ulong value) { }

    /// <summary>The guest changed its tables or their controls other than by switching spaces: forget the known spaces.</summary>
    public virtual void ForgetAddressSpaces() { }

    /// <summary>
    /// The guest changed its translation tables in the range <paramref name="first"/> to <paramref name="last"/> (TLB
    /// maintenance, a TTBR write): drops the translations of the code pages in it whose mapping changed, and keeps the
    /// others (without a guest MMU access path, the whole range goes). Call after <see cref="FlushTlb"/>.
    /// </summary>
    public void RevalidateTranslations(ulong first, ulong last)
    {
        if (GuestMmuAccess is not { } access) { InvalidateTranslations(first, last); return; }
        ulong eager = RevalidateLazily(first, last);
        if (eager > last || eager < first) return; // (wrapped past the top: all of it was lazy)
        first = eager;
        // A block starts at most a block's length before the page it runs into.
        ulong reach = (ulong)Options.MaxBlockInstructions * 4;
        access.Revalidate(first, last, page => ParkTranslations(page >= reach ? page - reach : 0, page + 0xFFF), KeepUnmappedCode);
    }

    /// <summary>
    /// Takes the translations of blocks that start at guest addresses <paramref name="first"/> to <paramref name="last"/>
    /// out of use because the range's mapping changed (not, as far as anyone knows, its instructions): an engine may keep
    /// them aside and use them again, without translating, when the same instructions are mapped there again. By default,
    /// <see cref="InvalidateTranslations(ulong, ulong)"/>. Same calling rules.
    /// </summary>
    public virtual void ParkTranslations(ulong first, ulong last) => InvalidateTranslations(first, last);

    /// <summary>
    /// Whether the translations of a code page that is not mapped any more may stay (the engine makes sure nothing runs
    /// there before it is checked again); null: they go.
    /// </summary>
    private protected virtual Func<ulong, bool>? KeepUnmappedCode => null;

    /// <summary>
    /// Lets the engine take over the revalidation of [<paramref name="first"/>, <paramref name="last"/>] lazily (checking
    /// each page when its code next runs). Returns the first address it left to be revalidated now: <paramref name="first"/>
    /// when it took none.
    /// </summary>
    private protected virtual ulong RevalidateLazily(ulong first, ulong last) => first;

    /// <summary>The host-side guest-MMU access path, which remembers the code pages translations came from; null without one.</summary>
    private protected virtual VirtualMemoryAccess? GuestMmuAccess => null;

    /// <summary>
    /// Drops every cached guest address translation (the guest MMU's registers or page tables changed in a way its
    /// TLB maintenance announced). Call it only while the guest is stopped in a trap or not running.
    /// </summary>
    public abstract void FlushTlb();

    /// <summary>The engine's logger.</summary>
    protected Microsoft.Extensions.Logging.ILogger Logger { get; }

    /// <summary>Runs <paramref name="run"/> with start and end logged.</summary>
    protected RunResult Logged(Func<RunResult> run)
    {
        Log.RunStarted(Logger, Name, Options.RamBase, Options.RamSize);
        var result = run();
        Log.RunEnded(Logger, Name, result.Reason, Statistics.WallTime.TotalMilliseconds, Statistics.TotalExits, Statistics.TotalChannelRequests);
        if (result.Reason == StopReason.Error) Log.RunFailed(Logger, Name, result.Message);
        return result;
    }

    /// <summary>The machine this engine runs.</summary>
    protected IGuestSystem Machine { get; }

    /// <summary>The options it was created with.</summary>
    public EngineOptions Options { get; }

    /// <summary>The register-file layout.</summary>
    protected GuestStateLayout Layout { get; }

    /// <summary>Short name: <c>kvm</c>, <c>interpreter</c>...</summary>
    public abstract string Name { get; }

    /// <summary>Counters of the run.</summary>
    public ExecutionStatistics Statistics { get; } = new();

    /// <summary>Host view of guest RAM.</summary>
    public abstract Span<byte> Ram { get; }

    private GuestRam? _guestRam;

    /// <summary>
    /// Guest RAM by guest-physical address for devices (DMA), usable from any thread. What devices write here drops the
    /// translations of the code it overwrites at the engine's next safe point (<see cref="ApplyDeviceWrites"/>).
    /// </summary>
    public GuestRam PhysicalMemory => _guestRam ?? throw new InvalidOperationException("The engine has no RAM yet.");

    /// <summary>Creates <see cref="PhysicalMemory"/> over the RAM the subclass allocated at <paramref name="host"/>.</summary>
    private protected void AttachPhysicalMemory(nint host) => _guestRam = new GuestRam(host, new GuestPhysicalAddress(Options.RamBase), Options.RamSize);

    /// <summary>Makes device accesses fail before the subclass frees RAM.</summary>
    private protected void DetachPhysicalMemory() => _guestRam?.Detach();

    /// <summary>
    /// Drops the translations of code in pages devices wrote by DMA since the last call. Call only where
    /// <see cref="InvalidateTranslations(ulong, ulong)"/> may be called (the guest stopped at a request); cheap when
    /// nothing was written. Translations are keyed by the address the code ran at: with the MMU off that is the physical
    /// page itself, with it on every virtual page the engine fetched code from that maps to a written frame.
    /// </summary>
    private protected void ApplyDeviceWrites()
    {
        if (_guestRam is not { HasWrittenPages: true } ram) return;
        var written = ram.TakeWrittenPages();
        ulong reach = (ulong)Options.MaxBlockInstructions * 4; // a block may start this far before the page it runs into
        foreach (var (first, last) in written)
            InvalidateTranslations(first >= reach ? first - reach : 0, last);
        GuestMmuAccess?.ForgetFramesIn(written, page => InvalidateTranslations(page >= reach ? page - reach : 0, page + 0xFFF));
        Statistics.CountRequest("dma-invalidate");
    }

    /// <summary>The register file of vCPU 0 (NZCV through <see cref="ReadNzcv"/>/<see cref="WriteNzcv"/> only).</summary>
    public abstract Span<byte> RegisterFile { get; }

    /// <summary>Frequency of the guest's virtual counter (CNTFRQ_EL0), in Hz.</summary>
    public abstract ulong CounterFrequency { get; }

    /// <summary>Reads NZCV (bits 31:28) from the register file.</summary>
    public abstract uint ReadNzcv();

    /// <summary>Writes NZCV (bits 31:28) into the register file.</summary>
    public abstract void WriteNzcv(uint nzcv);

    /// <summary>Runs until the guest powers off, an error stops it, or <see cref="Cancel"/> is called.</summary>
    public RunResult Run() => Logged(RunCore);

    /// <summary>The engine's run loop.</summary>
    protected abstract RunResult RunCore();

    /// <summary>Stops a running <see cref="Run"/> soon. Safe from any thread.</summary>
    public abstract void Cancel();

    /// <summary>Reads guest memory for a host-side purpose (RAM, then devices); false when nothing is there.</summary>
    public bool TryReadGuest(ulong address, Span<byte> data)
    {
        ulong end = Options.RamBase + Options.RamSize;
        if (address >= Options.RamBase && address + (ulong)data.Length <= end && address + (ulong)data.Length >= address)
        {
            Ram.Slice((int)(address - Options.RamBase), data.Length).CopyTo(data);
            return true;
        }
        return false;
    }

    /// <summary>Describes the instruction at <paramref name="pc"/> for error messages: word and disassembly.</summary>
    protected string DescribeInstruction(ulong pc)
    {
        Span<byte> b = stackalloc byte[4];
        if (!TryReadGuest(pc, b)) return $"PC 0x{pc:x} (not in RAM)";
        uint word = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b);
        string? text = Machine.FrontEnd.Disassemble(word, pc);
        return $"PC 0x{pc:x}: {word:x8}" + (text is null ? "" : $" ({text})");
    }

    /// <summary>Releases the engine's VM and memory.</summary>
    public void Dispose()
    {
        _alarm?.Dispose();
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources.</summary>
    protected virtual void Dispose(bool disposing) { }
}

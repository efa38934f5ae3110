using System.Runtime.InteropServices;
using Captive.Core.IR;
using Captive.Core.Memory;
using Captive.Core.Runtime;
using Captive.Core.Translation;
using Captive.Guest.Arm.Loading;
using Captive.Guest.Arm.Lowering;

namespace Captive.Benchmarks;

/// <summary>Real A64 code to translate: every block reachable by static control flow in the test guests.</summary>
public sealed class TranslationCorpus : IInstructionFetcher
{
    private const ulong RamBase = 0x4000_0000;
    private readonly byte[] _ram;

    private TranslationCorpus(byte[] ram, List<ulong> blocks, long instructions, int images)
    {
        _ram = ram; Blocks = blocks; GuestInstructions = instructions; Images = images;
    }

    public IReadOnlyList<ulong> Blocks { get; }
    public long GuestInstructions { get; }
    public int Images { get; }

    /// <summary>Loads each prebuilt guest into its own 1 MiB window of one RAM buffer and discovers its blocks.</summary>
    public static TranslationCorpus Load()
    {
        string dir = FindPrebuilt();
        var files = Directory.GetFiles(dir, "*.elf").OrderBy(f => f).ToArray();
        var ram = new byte[files.Length * 0x10_0000 + 0x10_0000];
        var blocks = new List<ulong>();
        var frontEnd = new A64FrontEnd();
        var block = new IrBlock();
        long instructions = 0;
        var corpus = new TranslationCorpus(ram, blocks, 0, files.Length);
        for (int n = 0; n < files.Length; n++)
        {
            // Every image links at 0x4008_0000: load each into scratch RAM, then copy into its window.
            var scratch = new byte[0x20_0000];
            var image = GuestImageLoader.Load(File.ReadAllBytes(files[n]), new GuestPhysicalAddress(RamBase), scratch);
            ulong window = (ulong)n * 0x10_0000;
            ulong offset = image.LowestAddress.Value - RamBase;
            ulong length = Math.Min(0x10_0000UL, image.EndAddress.Value - image.LowestAddress.Value);
            Array.Copy(scratch, (long)offset, ram, (long)window, (long)length);
            var seen = new HashSet<ulong>();
            var work = new Queue<ulong>();
            work.Enqueue(RamBase + window + (image.Entry.Value - image.LowestAddress.Value));
            while (work.Count > 0)
            {
                ulong pc = work.Dequeue();
                if (!seen.Add(pc) || !corpus.TryFetch(pc, out _)) continue;
                block.Reset(pc, A64FrontEnd.ModeEl1);
                frontEnd.LowerBlock(pc, corpus, block, 64);
                blocks.Add(pc);
                instructions += block.GuestInstructionCount;
                if (block.Terminal.Kind == IrTerminalKind.Jump) work.Enqueue(block.Terminal.Target);
                if (block.Terminal.Kind == IrTerminalKind.Branch) { work.Enqueue(block.Terminal.Target); work.Enqueue(block.Terminal.FallThrough); }
                // The start-up code's MSRs that the host must see (SCTLR_EL1, CPACR_EL1...) end a block with a trap
                // after which the guest goes on: without this the walk stopped at each image's first block.
                if (block.Terminal.Kind == IrTerminalKind.Trap && block.Terminal.Trap is IrTrapKind.SystemRegisterWrite or IrTrapKind.SystemRegisterRead
                    or IrTrapKind.SystemInstruction) work.Enqueue(block.Terminal.FallThrough);
            }
        }
        return new TranslationCorpus(ram, blocks, instructions, files.Length);
    }

    private static string FindPrebuilt()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "guests", "prebuilt");
            if (Directory.Exists(p)) return p;
        }
        throw new DirectoryNotFoundException("guests/prebuilt not found above " + AppContext.BaseDirectory);
    }

    public bool TryFetch(ulong address, out uint word)
    {
        word = 0;
        ulong off = address - RamBase;
        if (address < RamBase || off + 4 > (ulong)_ram.Length || (address & 3) != 0) return false;
        word = BitConverter.ToUInt32(_ram, (int)off);
        return true;
    }
}

/// <summary>Lowers and compiles the whole corpus into a native buffer, as the engine's translator does.</summary>
public sealed unsafe class CorpusTranslator : IDisposable
{
    private const int BufferSize = 64 << 20;
    private readonly TranslationCorpus _corpus;
    private readonly A64FrontEnd _frontEnd = new();
    private readonly IrBlock _block = new();
    private readonly X86BlockCompiler _compiler;
    private readonly byte* _buffer = (byte*)NativeMemory.Alloc(BufferSize);
    private static readonly Func<ulong, ulong> NotTranslated = _ => 0;

    public CorpusTranslator(TranslationCorpus corpus)
    {
        _corpus = corpus;
        _compiler = new X86BlockCompiler(Guest.Arm.ArmState.Layout, new CompilerOptions(false, true, 0x4000_0000, 128UL << 20),
            new RuntimeEntryPoints(VmLayout.RuntimeVirtualBase + VmLayout.RuntimeCodeOffset, VmLayout.RuntimeVirtualBase + VmLayout.RuntimeCodeOffset + 0x100,
                VmLayout.RuntimeVirtualBase + VmLayout.RuntimeCodeOffset + 0x200));
    }

    public long LowerAll()
    {
        long n = 0;
        foreach (var pc in _corpus.Blocks)
        {
            _block.Reset(pc, A64FrontEnd.ModeEl1);
            _frontEnd.LowerBlock(pc, _corpus, _block, 64);
            n += _block.GuestInstructionCount;
        }
        return n;
    }

    /// <summary>Blocks of the corpus whose <see cref="X86BlockCompiler.CanCompile(IrBlock)"/> fails, in the last <see cref="TranslateAll"/>.</summary>
    public int SkippedBlocks { get; private set; }

    /// <summary>
    /// Lowers every block and compiles those the code generator accepts (as CodeCache does; the others would become
    /// interpret stubs, so they are skipped and counted in <see cref="SkippedBlocks"/>). Returns the guest
    /// instructions of the compiled blocks.
    /// </summary>
    public long TranslateAll()
    {
        long n = 0;
        ulong offset = 0;
        int skipped = 0;
        foreach (var pc in _corpus.Blocks)
        {
            _block.Reset(pc, A64FrontEnd.ModeEl1);
            _frontEnd.LowerBlock(pc, _corpus, _block, 64);
            if (!_compiler.CanCompile(_block)) { skipped++; continue; }
            var writer = new SpanCodeWriter(_buffer + offset, (int)(BufferSize - (long)offset));
            _compiler.Compile(_block, VmLayout.RuntimeVirtualBase + VmLayout.CodeCacheOffset + offset, writer, NotTranslated);
            offset = (offset + (ulong)writer.Position + 15) & ~15UL;
            n += _block.GuestInstructionCount;
        }
        SkippedBlocks = skipped;
        return n;
    }

    public void Dispose() => NativeMemory.Free(_buffer);
}

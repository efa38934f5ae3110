namespace Captive.Differential;

/// <summary>One generated instruction and what the dump after it must show.</summary>
/// <param name="Word">The instruction.</param>
/// <param name="Registers">Registers it may write: bit n for Xn, bit 31 for SP (or XZR), bit 32 + n for Vn.</param>
/// <param name="StoredDwords">Window offsets (multiples of 8) of the doublewords it may store to.</param>
public readonly record struct GeneratedInstruction(uint Word, ulong Registers, int[] StoredDwords);

/// <summary>Everything a class's generator may know statically while it writes the stream.</summary>
public sealed class GenerationContext
{
    /// <summary>Address of the instruction being generated.</summary>
    public ulong Pc { get; set; }

    /// <summary>Values of registers that the generator tracks (the reserved base and index registers); index 31 is SP.</summary>
    public ulong[] Known { get; } = new ulong[32];

    /// <summary>Size (log2 bytes) the local exclusive monitor is armed for, or null when open.</summary>
    public int? ExclusiveSize { get; set; }

    /// <summary>The image turns the guest MMU on (<c>--mmu</c>).</summary>
    public bool Mmu { get; init; }

    /// <summary>Candidates rejected, by reason (the filter list the report prints).</summary>
    public Dictionary<string, long> Rejections { get; } = [];

    public void Reject(string reason) => Rejections[reason] = Rejections.GetValueOrDefault(reason) + 1;
}

/// <summary>
/// A class of instructions the harness compares. The generator picks a table line of the class, fills its
/// fields at random, and asks the class to constrain and vet the word. Hooks for further classes (FP,
/// AdvSIMD, crypto, LSE): subclass, list the decoder-table ops, override <see cref="NeedsFp"/> for classes
/// that need CPACR_EL1.FPEN, the V registers and FPCR/FPSR in the initial state and the dumps.
/// </summary>
public abstract class InstructionClass
{
    private IReadOnlyList<EncodingPattern>? _candidates;

    /// <summary>The name used on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>The decoder-table ops (A64Op names) of the class.</summary>
    public abstract IReadOnlyList<string> Ops { get; }

    /// <summary>The table lines the generator draws from.</summary>
    public IReadOnlyList<EncodingPattern> Candidates => _candidates ??= DecoderTable.LinesOf(Ops);

    /// <summary>Registers the stream must never write (the generator's base and index registers).</summary>
    public virtual IReadOnlyCollection<int> Reserved => [];

    /// <summary>
    /// Whether the class uses FP/SIMD state: the prologue enables FP (CPACR_EL1.FPEN), loads V0..V31 from the
    /// table <see cref="FpValues"/> fills and FPCR from <see cref="InitialFpcr"/>, clears FPSR; dumps print the
    /// V registers the group may write, FPSR, and (full dumps) every V register and FPCR.
    /// </summary>
    public virtual bool NeedsFp => false;

    /// <summary>V0..V31 as 64 doublewords (low half, high half of each) for the prologue (classes that need FP only).</summary>
    public virtual ulong[] InitialVectors(Random rng) => FpValues.RandomVectors(rng);

    /// <summary>Registers every dump prints besides those its group may write (bit n for Xn, bit 32 + n for Vn).</summary>
    public virtual ulong AlwaysDumped => 0;

    /// <summary>The QEMU CPU model whose features the class needs (cortex-a57 is ARMv8.0; LSE needs max).</summary>
    public virtual string QemuCpu => "cortex-a57";

    /// <summary>The FPCR the prologue sets (FP classes only).</summary>
    public virtual ulong InitialFpcr(Random rng) => 0;

    /// <summary>
    /// Instructions put in front of a dump group (e.g. an FPCR change); they are shown with the group when it
    /// differs and counted with it, but never drawn from the table.
    /// </summary>
    public virtual IReadOnlyList<uint> GroupPrologue(Random rng, GenerationContext context) => [];

    /// <summary>Sets the reserved registers' initial values (and records them in <paramref name="context"/>).</summary>
    public virtual void Initialise(ulong[] registers, GenerationContext context, Random rng) { }

    /// <summary>Constrains a random word of <paramref name="line"/>; false (with a rejection recorded) to draw again.</summary>
    public abstract bool TryGenerate(EncodingPattern line, uint word, Random rng, GenerationContext context, out GeneratedInstruction instruction);

    /// <summary>The registers a class may write freely: X0..X30 minus the reserved ones.</summary>
    protected int RandomFreeRegister(Random rng, bool allowZr = true)
    {
        while (true)
        {
            int r = rng.Next(allowZr ? 32 : 31);
            if (r == 31 || !Reserved.Contains(r)) return r;
        }
    }

    /// <summary>Bit mask of the register numbers in the given fields of a word.</summary>
    protected static ulong RegisterMask(EncodingPattern line, uint word, string fields)
    {
        ulong mask = 0;
        foreach (char f in fields)
            if (line.Has(f)) mask |= 1UL << line.Get(word, f);
        return mask;
    }

    /// <summary>The classes the harness knows, by name.</summary>
    public static IReadOnlyList<InstructionClass> All { get; } = [new IntegerClass(), new LoadStoreClass(), new FpScalarClass(), new LoadStoreClass(atomics: true), new AdvSimdClass(), new AdvSimdClass(crypto: true)];

    public static InstructionClass ByName(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown class '{name}'; known: {string.Join(", ", All.Select(c => c.Name))}.");
}

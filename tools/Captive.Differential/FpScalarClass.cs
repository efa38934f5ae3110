namespace Captive.Differential;

/// <summary>
/// Scalar floating point (ARMv8.0, single and double; half only as an FCVT operand): compare, conditional
/// compare and select, one-, two- and three-source data processing, conversions to and from integers and
/// fixed point, FMOV (general and immediate). Every register field is random; UNDEFINED field values are
/// filtered by captive's decoder. The integer-source conversions read the random X registers of the integer
/// prologue. FPCR starts random per image and changes in front of about one dump group in four
/// (MOVZ X28, #imm, LSL #16; MSR FPCR, X28): X28 is reserved for that.
/// </summary>
public class FpScalarClass : InstructionClass
{
    private const int FpcrScratch = 28;
    private static readonly int[] ReservedRegisters = [FpcrScratch];

    public override string Name => "fp";

    public override IReadOnlyList<string> Ops { get; } =
    [
        "FpCompare", "FpCondCompare", "FpCondSelect", "FpDataProc1", "FpDataProc2", "FpDataProc3",
        "FpIntConvert", "FpFixedConvert", "FmovGen", "FmovImm",
    ];

    public override IReadOnlyCollection<int> Reserved => ReservedRegisters;

    public override bool NeedsFp => true;

    /// <summary>Chance (1 in N) that a dump group starts with an FPCR change; 0 for never.</summary>
    public int FpcrChangeEvery { get; init; } = 4;

    public override ulong InitialFpcr(Random rng) => FpValues.RandomFpcr(rng);

    public override IReadOnlyList<uint> GroupPrologue(Random rng, GenerationContext context)
    {
        if (FpcrChangeEvery == 0 || rng.Next(FpcrChangeEvery) != 0) return [];
        ulong fpcr = FpValues.RandomFpcr(rng);
        return [A64Asm.Movz(FpcrScratch, (int)(fpcr >> 16), 1), A64Asm.Msr(A64Asm.Fpcr, FpcrScratch)];
    }

    public override bool TryGenerate(EncodingPattern line, uint word, Random rng, GenerationContext context, out GeneratedInstruction instruction)
    {
        instruction = default;
        string op = DecoderTable.Decode(word);
        if (op != line.Op)
        {
            context.Reject($"{line.Op}: decodes as {op}");
            return false;
        }
        bool toGeneral = line.Op switch
        {
            "FpIntConvert" => line.Get(word, 'o') is 0 or 1 or 4 or 5,
            "FpFixedConvert" => line.Get(word, 'r') == 3,
            "FmovGen" => line.Get(word, 'x') == 0,
            _ => false,
        };
        bool writesV = line.Op is not ("FpCompare" or "FpCondCompare") && !toGeneral;
        if (toGeneral && Reserved.Contains(line.Get(word, 'd'))) word = line.Set(word, 'd', RandomFreeRegister(rng));
        ulong mask = !line.Has('d') ? 0 : toGeneral ? 1ul << line.Get(word, 'd') : writesV ? 1ul << (32 + line.Get(word, 'd')) : 0;
        instruction = new GeneratedInstruction(word, mask, []);
        return true;
    }
}

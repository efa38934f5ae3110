namespace Captive.Differential;

/// <summary>
/// Integer data processing: immediate (ADR/ADRP, add/sub, logical, move wide, bitfield, extract) and
/// register (logical, add/sub shifted and extended, with carry, conditional compare and select,
/// multiply, divide, variable shifts, CRC32, one-source ops). No register is reserved: SP is a plain
/// operand here (ADD SP, … writes it; the dump routine saves and restores it).
/// </summary>
public sealed class IntegerClass : InstructionClass
{
    public override string Name => "integer";

    public override IReadOnlyList<string> Ops { get; } =
    [
        "Adr", "Adrp", "AddImm", "AddsImm", "SubImm", "SubsImm", "AndImm", "OrrImm", "EorImm", "AndsImm",
        "Movn", "Movz", "Movk", "Sbfm", "Bfm", "Ubfm", "Extr",
        "AndReg", "BicReg", "OrrReg", "OrnReg", "EorReg", "EonReg", "AndsReg", "BicsReg",
        "AddShift", "AddsShift", "SubShift", "SubsShift", "AddExt", "AddsExt", "SubExt", "SubsExt",
        "Adc", "Adcs", "Sbc", "Sbcs", "CcmnReg", "CcmpReg", "CcmnImm", "CcmpImm",
        "Csel", "Csinc", "Csinv", "Csneg", "Madd", "Msub", "Smaddl", "Smsubl", "Smulh", "Umaddl", "Umsubl", "Umulh",
        "Udiv", "Sdiv", "Lslv", "Lsrv", "Asrv", "Rorv", "Rbit", "Rev16", "Rev32", "Rev64", "Clz", "Cls",
    ];

    public override bool TryGenerate(EncodingPattern line, uint word, Random rng, GenerationContext context, out GeneratedInstruction instruction)
    {
        instruction = default;
        string op = DecoderTable.Decode(word);
        if (op != line.Op)
        {
            // Reserved field values (UNDEFINED) and variants captive does not implement.
            context.Reject($"{line.Op}: decodes as {op}");
            return false;
        }
        instruction = new GeneratedInstruction(word, RegisterMask(line, word, "d"), []);
        return true;
    }
}

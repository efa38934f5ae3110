namespace Captive.Differential;

/// <summary>
/// Not random: the given words in order, repeated (for minimal reproductions: <c>--words d2800020,...</c>).
/// Every register is dumped after every instruction group.
/// </summary>
public sealed class FixedClass(IReadOnlyList<uint> words) : InstructionClass
{
    private int _next;

    public override string Name => "fixed";

    public override IReadOnlyList<string> Ops { get; } = ["AddImm"];

    public override bool TryGenerate(EncodingPattern line, uint word, Random rng, GenerationContext context, out GeneratedInstruction instruction)
    {
        instruction = new GeneratedInstruction(words[_next++ % words.Count], ulong.MaxValue >> 32, []);
        return true;
    }
}

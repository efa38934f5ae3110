namespace Captive.Differential;

/// <summary>
/// One dump in the stream: what it prints (in this order: the X registers in the low half of
/// <see cref="Registers"/>, lowest first, 31 being SP; the V registers in its high half (bit 32 + n for Vn),
/// low doubleword then high; NZCV; FPSR when <see cref="Fp"/>; FPCR and the window checksum when
/// <see cref="Full"/>; the window doublewords at <see cref="Dwords"/>) and the generated instructions that
/// ran since the previous dump: <see cref="SetupWords"/> words the class put in front of the group (an FPCR
/// change, say), then the drawn instructions.
/// </summary>
public sealed record DumpPoint(int Index, ulong Registers, bool Full, int[] Dwords, int FirstInstruction, int InstructionCount, bool Fp = false, int SetupWords = 0)
{
    /// <summary>The instructions drawn from the class (what the counts report).</summary>
    public int DrawnInstructions => InstructionCount - SetupWords;

    /// <summary>The names of the printed values, in order.</summary>
    public IEnumerable<string> ItemNames()
    {
        for (int r = 0; r < 32; r++)
            if ((Registers >> r & 1) != 0) yield return r == 31 ? "sp" : $"x{r}";
        for (int v = 0; v < 32; v++)
        {
            if ((Registers >> (32 + v) & 1) == 0) continue;
            yield return $"v{v}[63:0]";
            yield return $"v{v}[127:64]";
        }
        yield return "nzcv";
        if (Fp) yield return "fpsr";
        if (Fp && Full) yield return "fpcr";
        if (Full) yield return "window checksum";
        foreach (int d in Dwords) yield return $"mem[window+0x{d:x}]";
    }
}

/// <summary>A generated image and what the generator knows about it.</summary>
public sealed class TestImage
{
    public required string ClassName { get; init; }
    /// <summary>The QEMU CPU model to run the image on.</summary>
    public string QemuCpu { get; init; } = "cortex-a57";
    public required int Seed { get; init; }
    public required byte[] Bytes { get; init; }

    /// <summary>The generated (random) instructions, in stream order.</summary>
    public required uint[] Words { get; init; }

    /// <summary>Their addresses.</summary>
    public required ulong[] Addresses { get; init; }

    /// <summary>The dumps, in the order the guest prints them (dump 0 is the initial state).</summary>
    public required DumpPoint[] Dumps { get; init; }

    /// <summary>Filtered candidates by reason.</summary>
    public required IReadOnlyDictionary<string, long> Rejections { get; init; }
}

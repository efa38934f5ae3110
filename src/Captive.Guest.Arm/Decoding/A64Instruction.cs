namespace Captive.Guest.Arm.Decoding;

/// <summary>A decoded instruction word: what it is and access to the fields its table line names.</summary>
internal readonly struct A64Instruction
{
    public A64Instruction(uint word, A64Op op, A64Encoding? encoding)
    {
        Word = word;
        Op = op;
        Encoding = encoding;
    }

    /// <summary>The instruction word.</summary>
    public uint Word { get; }

    /// <summary>
    /// What the word is. <see cref="A64Op.Undefined"/> and <see cref="A64Op.Unsupported"/> may still carry
    /// the <see cref="Encoding"/> they matched (for reserved field values).
    /// </summary>
    public A64Op Op { get; }

    /// <summary>The table line the word matched, or null.</summary>
    public A64Encoding? Encoding { get; }

    /// <summary>Unsigned value of field <paramref name="letter"/>.</summary>
    public int this[char letter] => Encoding!.Field(Word, letter);

    /// <summary>Field <paramref name="letter"/> sign-extended from its width.</summary>
    public long Signed(char letter)
    {
        int width = Encoding!.FieldWidth(letter);
        long raw = Encoding.Field(Word, letter);
        return (raw << (64 - width)) >> (64 - width);
    }

    /// <summary>Bit <paramref name="bit"/> of the word.</summary>
    public int Bit(int bit) => (int)(Word >> bit) & 1;

    public override string ToString() => $"{Word:x8} {Op}";
}

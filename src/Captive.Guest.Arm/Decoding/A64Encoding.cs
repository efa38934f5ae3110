namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// One line of the decoder table: a 32-character bit pattern, most significant bit first, in the style
/// of dynarmic. <c>0</c> and <c>1</c> are fixed bits, <c>-</c> is a bit the encoding ignores, and each
/// letter names a field: the run of bits carrying that letter (<c>"z0010001hiiiiiiiiiiiinnnnnddddd"</c>
/// has fields z, h, i, n and d). A letter must label one contiguous run.
/// </summary>
internal sealed class A64Encoding
{
    private const int Letters = 'z' - 'A' + 1;
    // (width << 8) | shift per letter, 0 when absent. Held inline in the object, not in an array of its own: the
    // lowering reads several fields of every decoded instruction, and the array was one more dependent load each.
    private readonly FieldTable _fields;

    [System.Runtime.CompilerServices.InlineArray(Letters)]
    private struct FieldTable
    {
        private ushort _first;
    }

    public A64Encoding(A64Op op, string pattern)
    {
        if (pattern.Length != 32)
            throw new ArgumentException($"Pattern \"{pattern}\" for {op} is {pattern.Length} characters long, not 32.", nameof(pattern));
        Op = op;
        Pattern = pattern;
        uint mask = 0, value = 0;
        for (int k = 0; k < 32; k++)
        {
            char ch = pattern[k];
            int bit = 31 - k;
            switch (ch)
            {
                case '0': mask |= 1u << bit; break;
                case '1': mask |= 1u << bit; value |= 1u << bit; break;
                case '-': break;
                default:
                    if (!char.IsAsciiLetter(ch))
                        throw new ArgumentException($"Pattern \"{pattern}\" for {op} has the character '{ch}'.", nameof(pattern));
                    int slot = ch - 'A';
                    if (_fields[slot] != 0)
                    {
                        int width = _fields[slot] >> 8, shift = _fields[slot] & 0xFF;
                        if (shift != bit + 1)
                            throw new ArgumentException($"Field '{ch}' of {op} is not contiguous.", nameof(pattern));
                        _fields[slot] = (ushort)(((width + 1) << 8) | bit);
                    }
                    else
                    {
                        _fields[slot] = (ushort)((1 << 8) | bit);
                    }
                    break;
            }
        }
        Mask = mask;
        Value = value;
    }

    /// <summary>What the encoding decodes to.</summary>
    public A64Op Op { get; }

    /// <summary>The source pattern.</summary>
    public string Pattern { get; }

    /// <summary>The fixed bits.</summary>
    public uint Mask { get; }

    /// <summary>The values of the fixed bits.</summary>
    public uint Value { get; }

    /// <summary>True when <paramref name="word"/> matches the fixed bits.</summary>
    public bool Matches(uint word) => (word & Mask) == Value;

    /// <summary>True when the pattern has field <paramref name="letter"/>.</summary>
    public bool HasField(char letter) => _fields[letter - 'A'] != 0;

    /// <summary>Width in bits of field <paramref name="letter"/> (0 when absent).</summary>
    public int FieldWidth(char letter) => _fields[letter - 'A'] >> 8;

    /// <summary>Unsigned value of field <paramref name="letter"/> in <paramref name="word"/>.</summary>
    public int Field(uint word, char letter)
    {
        int f = _fields[letter - 'A'];
        if (f == 0) NoField(letter);
        return (int)((word >> (f & 0xFF)) & ((1u << (f >> 8)) - 1));
    }

    // Out of line: the formatted throw kept Field (called for every field of every decoded instruction) from being
    // inlined and gave it a costly prolog.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void NoField(char letter) => throw new InvalidOperationException($"{Op} has no field '{letter}'.");

    public override string ToString() => $"{Op} {Pattern}";
}

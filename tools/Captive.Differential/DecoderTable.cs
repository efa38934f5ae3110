using Captive.Guest.Arm.Disassembly;

namespace Captive.Differential;

/// <summary>One line of captive's A64 decoder table: an op name and a dynarmic-style bit pattern.</summary>
public sealed class EncodingPattern
{
    private readonly Dictionary<char, (int Shift, int Width)> _fields = [];

    public EncodingPattern(string op, string pattern)
    {
        Op = op;
        Text = pattern;
        for (int k = 0; k < 32; k++)
        {
            char ch = pattern[k];
            int bit = 31 - k;
            if (ch == '0') Mask |= 1u << bit;
            else if (ch == '1') { Mask |= 1u << bit; Value |= 1u << bit; }
            else if (char.IsAsciiLetter(ch))
                _fields[ch] = _fields.TryGetValue(ch, out var f) ? (bit, f.Width + 1) : (bit, 1);
        }
    }

    public string Op { get; }
    public string Text { get; }
    public uint Mask { get; }
    public uint Value { get; }

    public bool Has(char field) => _fields.ContainsKey(field);

    public int Width(char field) => _fields[field].Width;

    public int Get(uint word, char field)
    {
        var (shift, width) = _fields[field];
        return (int)((word >> shift) & ((1u << width) - 1));
    }

    public uint Set(uint word, char field, int value)
    {
        var (shift, width) = _fields[field];
        uint mask = ((1u << width) - 1) << shift;
        return (word & ~mask) | (((uint)value << shift) & mask);
    }

    /// <summary>A word of this encoding with every variable bit random.</summary>
    public uint Random(Random rng) => Value | ((uint)rng.NextInt64(0, 1L << 32) & ~Mask);

    public override string ToString() => $"{Op} {Text}";
}

/// <summary>
/// Captive's decoder table and decoder: the generator is driven by the very table the engines decode
/// with, so a new table line becomes a new generator candidate with no change here.
/// </summary>
public static class DecoderTable
{
    /// <summary>Every table line, in table order.</summary>
    public static IReadOnlyList<EncodingPattern> Lines { get; } =
        [.. Captive.Guest.Arm.Decoding.A64DecoderTable.Lines.Select(l => new EncodingPattern(l.Op.ToString(), l.Pattern))];

    /// <summary>The op captive's decoder gives the word (an A64Op name; "Undefined" or "Unsupported" for the rest).</summary>
    public static string Decode(uint word) => Captive.Guest.Arm.Decoding.A64Decoder.Decode(word).Op.ToString();

    /// <summary>The table lines of the given ops (every line of each op); throws when an op has none.</summary>
    public static IReadOnlyList<EncodingPattern> LinesOf(IEnumerable<string> ops)
    {
        var list = new List<EncodingPattern>();
        foreach (var op in ops)
        {
            var found = Lines.Where(l => l.Op == op).ToList();
            if (found.Count == 0) throw new InvalidOperationException($"The decoder table has no line for {op}.");
            list.AddRange(found);
        }
        return list;
    }
}

using System.Globalization;
using System.Reflection;
using Captive.Guest.Arm.Lowering;

namespace Captive.Guest.Arm.Tests.Lowering;

/// <summary>
/// A compact notation for machine state in instruction tests: space-separated <c>name=value</c> items.
/// Names: <c>x0</c>…<c>x30</c>, <c>sp</c>, <c>nzcv</c> (letters, or <c>-</c> for none), <c>v3.lo</c>/<c>v3.hi</c>,
/// <c>m8@addr</c>/<c>m16@</c>/<c>m32@</c>/<c>m64@</c> for memory, and <c>$Name</c> for any <see cref="ArmState"/>
/// slot (<c>$Daif</c>, <c>$VbarEl1</c>). Values: hex (<c>0x…</c>), decimal (may be negative), or <c>D</c>, <c>D+n</c>,
/// <c>D-n</c> for the data area <see cref="A64TestMachine.DataBase"/>.
/// </summary>
internal static class StateNotation
{
    private static readonly Dictionary<string, int> Slots = typeof(ArmState)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(int))
        .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!, StringComparer.OrdinalIgnoreCase);

    public static ulong Value(string text)
    {
        text = text.Trim();
        if (text.StartsWith('D'))
        {
            ulong d = A64TestMachine.DataBase;
            if (text.Length == 1) return d;
            ulong offset = Value(text[2..]);
            return text[1] == '+' ? d + offset : d - offset;
        }
        if (text.StartsWith('-')) return (ulong)-(long)Value(text[1..]);
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.Parse(text.AsSpan(2).ToString().Replace("_", ""), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return ulong.Parse(text, CultureInfo.InvariantCulture);
    }

    public static uint Flags(string text)
    {
        uint f = 0;
        foreach (char c in text.ToUpperInvariant())
            f |= c switch { 'N' => 1u << 31, 'Z' => 1u << 30, 'C' => 1u << 29, 'V' => 1u << 28, '-' => 0u, _ => throw new FormatException($"Bad flag '{c}'.") };
        return f;
    }

    /// <summary>Applies the items to a machine's state and RAM.</summary>
    public static void Apply(A64TestMachine m, string items) => Apply(m.State, m.Ram, items);

    public static void Apply(byte[] state, byte[] ram, string items)
    {
        foreach (var item in items.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            if (eq < 0) throw new FormatException($"Item '{item}' has no '='.");
            string name = item[..eq].ToLowerInvariant(), value = item[(eq + 1)..];
            if (name == "nzcv")
            {
                Put(state, ArmState.Flags, 8, Flags(value));
            }
            else if (name.StartsWith('m'))
            {
                int at = name.IndexOf('@');
                int bits = int.Parse(name.AsSpan(1, at - 1), CultureInfo.InvariantCulture);
                ulong address = Value(item[(at + 1)..eq]);
                Put(ram, checked((int)(address - A64TestMachine.RamBase)), bits / 8, Value(value));
            }
            else
            {
                Put(state, Offset(item[..eq]), 8, Value(value));
            }
        }
    }

    public static int Offset(string name)
    {
        string n = name.ToLowerInvariant();
        if (n == "sp") return ArmState.Sp;
        if (name.StartsWith('$'))
        {
            // $Slot or $Slot+n: an array of slots (the debug registers) is addressed from its first element.
            int plus = name.IndexOf('+');
            string slotName = plus < 0 ? name[1..] : name[1..plus];
            int extra = plus < 0 ? 0 : int.Parse(name.AsSpan(plus + 1), CultureInfo.InvariantCulture);
            return Slots.TryGetValue(slotName, out int slot) ? slot + extra : throw new FormatException($"No ArmState slot '{name}'.");
        }
        if (n.StartsWith('x')) return ArmState.X(int.Parse(n.AsSpan(1), CultureInfo.InvariantCulture));
        if (n.StartsWith('v'))
        {
            int dot = n.IndexOf('.');
            int reg = int.Parse(n.AsSpan(1, dot - 1), CultureInfo.InvariantCulture);
            return ArmState.V(reg) + (n.EndsWith("hi", StringComparison.Ordinal) ? 8 : 0);
        }
        throw new FormatException($"Unknown register '{name}'.");
    }

    private static void Put(byte[] buffer, int offset, int bytes, ulong value)
    {
        for (int k = 0; k < bytes; k++) buffer[offset + k] = (byte)(value >> (8 * k));
    }

    /// <summary>The name of the 8-byte state slot at <paramref name="offset"/>, for failure messages.</summary>
    public static string SlotName(int offset)
    {
        if (offset < ArmState.Sp) return $"x{offset / 8}";
        if (offset >= ArmState.V0 && offset < ArmState.V0 + 512) return $"v{(offset - ArmState.V0) / 16}.{((offset & 8) == 0 ? "lo" : "hi")}";
        var slot = Slots.Where(s => s.Value == offset && s.Key != "Size").Select(s => s.Key).FirstOrDefault();
        return slot is null ? $"state+{offset}" : (offset == ArmState.Sp ? "sp" : "$" + slot);
    }
}

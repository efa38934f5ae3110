using System.Globalization;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Disassembly;

// AdvSIMD load/store structures in objdump spelling: a list of three or four registers with ascending numbers
// is a range ({v0.16b-v3.16b}), a list that wraps past v31 or has one or two registers is spelled out; the
// post-indexed forms add the bytes transferred (#imm, Rm = 31) or X[Rm].
public static partial class A64Disassembler
{
    private static string? SimdStructure(in A64Instruction i, A64Op op)
    {
        int t = i['t'], n = i['n'], q = i['q'];
        string direction = i['L'] == 1 ? "ld" : "st";
        bool post = op is A64Op.LdStMultiplePost or A64Op.LdStSinglePost;
        string name, list;
        int bytes;
        if (op is A64Op.LdStMultiple or A64Op.LdStMultiplePost)
        {
            var (repeats, structure) = A64SimdStructureDecoding.Multiple(i['o']);
            int size = i['z'];
            name = direction + structure.ToString(CultureInfo.InvariantCulture);
            list = RegisterList(t, repeats * structure, Arrangement(size, q));
            bytes = repeats * structure * (q == 1 ? 16 : 8);
        }
        else
        {
            if (!A64SimdStructureDecoding.TrySingle(q, i['L'], i['R'], i['o'], i['S'], i['z'], out var shape)) return null;
            name = direction + shape.Registers.ToString(CultureInfo.InvariantCulture) + (shape.Replicate ? "r" : "");
            list = shape.Replicate
                ? RegisterList(t, shape.Registers, Arrangement(shape.Scale, q))
                : RegisterList(t, shape.Registers, "bhsd"[shape.Scale].ToString()) + $"[{shape.Index.ToString(CultureInfo.InvariantCulture)}]";
            bytes = shape.Registers << shape.Scale;
        }
        string address = $"[{XSp(n)}]";
        if (post) address += i['m'] == 31 ? $", {Dec(bytes)}" : $", {X(i['m'])}";
        return $"{name} {list}, {address}";
    }

    private static string RegisterList(int first, int count, string suffix)
    {
        int last = (first + count - 1) & 31;
        if (count > 2 && last > first) return $"{{{V(first, suffix)}-{V(last, suffix)}}}";
        var parts = new string[count];
        for (int k = 0; k < count; k++) parts[k] = V((first + k) & 31, suffix);
        return "{" + string.Join(", ", parts) + "}";
    }
}

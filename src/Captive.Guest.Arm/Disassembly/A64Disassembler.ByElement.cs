using System.Globalization;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Disassembly;

// AdvSIMD vector and scalar x indexed element, in objdump spelling (mul v0.4h, v1.4h, v2.h[3]; smlal2 v0.4s, v1.8h,
// v15.h[7]; sqdmull d0, s1, v2.s[1]; fmla s0, s1, v2.s[3]).
public static partial class A64Disassembler
{
    private static string? ByElement(in A64Instruction i)
    {
        bool scalar = i.Op == A64Op.AdvSimdScalarByElement;
        int q = scalar ? 0 : i['q'], u = i['u'], opc = i['o'], d = i['d'], n = i['n'];
        var (es, index, rm) = A64ByElementDecoding.Element(i);
        int log = es switch { 2 => 1, 4 => 2, _ => 3 };
        string element = $"v{rm.ToString(CultureInfo.InvariantCulture)}.{"bhsd"[log]}[{index.ToString(CultureInfo.InvariantCulture)}]";
        string? name = (u, opc) switch
        {
            (0, 1) => "fmla", (0, 5) => "fmls", (0, 9) => "fmul", (1, 9) => "fmulx", (0, 12) => "sqdmulh", (0, 13) => "sqrdmulh",
            (0, 8) => "mul", (1, 0) => "mla", (1, 4) => "mls",
            _ => null,
        };
        if (name is not null)
        {
            string Reg(int r) => scalar ? $"{"bhsd"[log]}{r.ToString(CultureInfo.InvariantCulture)}" : V(r, Arrangement(log, q));
            return $"{name} {Reg(d)}, {Reg(n)}, {element}";
        }
        name = (u, opc) switch
        {
            (0, 2) => "smlal", (0, 3) => "sqdmlal", (0, 6) => "smlsl", (0, 7) => "sqdmlsl", (0, 10) => "smull", (0, 11) => "sqdmull",
            (1, 2) => "umlal", (1, 6) => "umlsl", _ => "umull",
        };
        if (scalar)
            return $"{name} {"bhsd"[log + 1]}{d.ToString(CultureInfo.InvariantCulture)}, {"bhsd"[log]}{n.ToString(CultureInfo.InvariantCulture)}, {element}";
        return $"{name}{(q == 1 ? "2" : "")} {V(d, Arrangement(log + 1, 1))}, {V(n, Arrangement(log, q))}, {element}";
    }
}

using System.Globalization;
using System.Numerics;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Disassembly;

// AdvSIMD shift by immediate, two-register miscellaneous and three-different, in objdump spelling.
public static partial class A64Disassembler
{
    private static string Imm(int value) => "#" + value.ToString(CultureInfo.InvariantCulture);

    private static string? ShiftImmediateText(in A64Instruction i, bool scalar)
    {
        int q = scalar ? 0 : i['q'], u = i['u'], opc = i['o'], imm = i['i'], d = i['d'], n = i['n'];
        int log = BitOperations.Log2((uint)(imm >> 3)), bits = 8 << log;
        int right = 2 * bits - imm, left = imm - bits;
        string t = Shape(log, q, scalar), two = q == 1 ? "2" : "";
        string? same = (u, opc) switch
        {
            (0, 0) => "sshr", (0, 2) => "ssra", (0, 4) => "srshr", (0, 6) => "srsra", (0, 28) => "scvtf", (0, 31) => "fcvtzs",
            (1, 0) => "ushr", (1, 2) => "usra", (1, 4) => "urshr", (1, 6) => "ursra", (1, 8) => "sri", (1, 28) => "ucvtf", (1, 31) => "fcvtzu",
            _ => null,
        };
        if (same is not null) return $"{same} {VR(d, t)}, {VR(n, t)}, {Imm(right)}";
        string? leftName = (u, opc) switch { (0, 10) => "shl", (1, 10) => "sli", (1, 12) => "sqshlu", (0, 14) => "sqshl", (1, 14) => "uqshl", _ => null };
        if (leftName is not null) return $"{leftName} {VR(d, t)}, {VR(n, t)}, {Imm(left)}";
        string wide = Shape(log + 1, 1, scalar);
        if (opc == 20)
            return left == 0
                ? $"{(u == 1 ? "uxtl" : "sxtl")}{two} {VR(d, wide)}, {VR(n, t)}"
                : $"{(u == 1 ? "ushll" : "sshll")}{two} {VR(d, wide)}, {VR(n, t)}, {Imm(left)}";
        string narrow = (u, opc) switch
        {
            (0, 16) => "shrn", (0, 17) => "rshrn", (0, 18) => "sqshrn", (0, 19) => "sqrshrn",
            (1, 16) => "sqshrun", (1, 17) => "sqrshrun", (1, 18) => "uqshrn", _ => "uqrshrn",
        };
        return $"{narrow}{two} {VR(d, t)}, {VR(n, wide)}, {Imm(right)}";
    }

    private static string? TwoRegisterMiscText(in A64Instruction i, bool scalar)
    {
        int q = scalar ? 0 : i['q'], u = i['u'], size = i['z'], opc = i['o'], d = i['d'], n = i['n'];
        bool high = size >= 2;
        string t = Shape(size, q, scalar), two = q == 1 ? "2" : "", ft = Shape(2 + (size & 1), q, scalar);
        switch (u, opc)
        {
            case (_, 2 or 6):
                return $"{(u == 0 ? "s" : "u")}{(opc == 2 ? "addlp" : "adalp")} {VR(d, Arrangement(size + 1, q))}, {VR(n, t)}";
            case (_, 18 or 20):
                {
                    string name = (u, opc) switch { (0, 18) => "xtn", (1, 18) => "sqxtun", (0, 20) => "sqxtn", _ => "uqxtn" };
                    return $"{name}{two} {VR(d, t)}, {VR(n, Shape(size + 1, 1, scalar))}";
                }
            case (1, 19):
                return $"shll{two} {VR(d, Arrangement(size + 1, 1))}, {VR(n, t)}, {Imm(8 << size)}";
            case (1, 22):
                return $"fcvtxn{two} {VR(d, Shape(2, q, scalar))}, {VR(n, Shape(3, 1, scalar))}";
            case (0, 22):
                return $"fcvtn{two} {VR(d, Arrangement(size + 1, q))}, {VR(n, Arrangement(size + 2, 1))}";
            case (0, 23):
                return $"fcvtl{two} {VR(d, Arrangement(size + 2, 1))}, {VR(n, Arrangement(size + 1, q))}";
            case (_, 12 or 13 or 14):
                {
                    string name = (u, opc) switch { (0, 12) => "fcmgt", (1, 12) => "fcmge", (0, 13) => "fcmeq", (1, 13) => "fcmle", _ => "fcmlt" };
                    return $"{name} {VR(d, ft)}, {VR(n, ft)}, #0.0";
                }
            case (_, 8 or 9 or 10):
                {
                    string name = (u, opc) switch { (0, 8) => "cmgt", (1, 8) => "cmge", (0, 9) => "cmeq", (1, 9) => "cmle", _ => "cmlt" };
                    return $"{name} {VR(d, t)}, {VR(n, t)}, #0";
                }
        }
        string? integer = (u, opc) switch
        {
            (0, 0) => "rev64", (0, 1) => "rev16", (1, 0) => "rev32", (0, 3) => "suqadd", (1, 3) => "usqadd",
            (0, 4) => "cls", (1, 4) => "clz", (0, 5) => "cnt", (1, 5) => size == 0 ? "mvn" : "rbit",
            (0, 7) => "sqabs", (1, 7) => "sqneg", (0, 11) => "abs", (1, 11) => "neg", _ => null,
        };
        if ((u, opc) == (1, 5)) t = Arrangement(0, q); // RBIT's size field picks the operation, the lanes are bytes
        if (integer is not null) return $"{integer} {VR(d, t)}, {VR(n, t)}";
        string? fp = (u, high, opc) switch
        {
            (0, _, 15) => "fabs", (1, _, 15) => "fneg", (1, true, 31) => "fsqrt",
            (0, false, 24) => "frintn", (0, true, 24) => "frintp", (0, false, 25) => "frintm", (0, true, 25) => "frintz",
            (1, false, 24) => "frinta", (1, false, 25) => "frintx", (1, true, 25) => "frinti",
            (0, false, 26) => "fcvtns", (0, true, 26) => "fcvtps", (0, false, 27) => "fcvtms", (0, true, 27) => "fcvtzs",
            (1, false, 26) => "fcvtnu", (1, true, 26) => "fcvtpu", (1, false, 27) => "fcvtmu", (1, true, 27) => "fcvtzu",
            (0, true, 28) => "urecpe", (1, true, 28) => "ursqrte", (0, true, 29) => "frecpe", (1, true, 29) => "frsqrte", (0, true, 31) => "frecpx",
            (0, false, 28) => "fcvtas", (1, false, 28) => "fcvtau", (0, false, 29) => "scvtf", (1, false, 29) => "ucvtf",
            _ => null,
        };
        return fp is null ? null : $"{fp} {VR(d, ft)}, {VR(n, ft)}";
    }

    private static readonly string?[] ThreeDifferentNames =
    [
        "saddl", "saddw", "ssubl", "ssubw", "addhn", "sabal", "subhn", "sabdl", "smlal", "sqdmlal", "smlsl", "sqdmlsl", "smull", "sqdmull", "pmull", null,
        "uaddl", "uaddw", "usubl", "usubw", "raddhn", "uabal", "rsubhn", "uabdl", "umlal", null, "umlsl", null, "umull", null, null, null,
    ];

    private static string? ThreeDifferentText(in A64Instruction i, bool scalar)
    {
        int q = scalar ? 0 : i['q'], u = i['u'], size = i['z'], opc = i['o'];
        string? name = ThreeDifferentNames[16 * u + opc];
        if (name is null) return null;
        string wide = Shape(size + 1, 1, scalar), narrow = Shape(size, q, scalar), two = q == 1 ? "2" : "";
        var (td, tn, tm) = opc switch { 1 or 3 => (wide, wide, narrow), 4 or 6 => (narrow, wide, wide), _ => (wide, narrow, narrow) };
        return $"{name}{two} {VR(i['d'], td)}, {VR(i['n'], tn)}, {VR(i['m'], tm)}";
    }
}

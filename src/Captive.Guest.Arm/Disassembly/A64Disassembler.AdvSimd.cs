using System.Globalization;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Disassembly;

// The AdvSIMD vector classes lowered to vector IR, in objdump spelling.
public static partial class A64Disassembler
{
    private static readonly string[] Arrangements = ["8b", "16b", "4h", "8h", "2s", "4s", "1d", "2d"];

    private static string Arrangement(int size, int q) => Arrangements[2 * size + q];

    /// <summary>The arrangement of a vector form, or the scalar register letter (b, h, s, d) of a scalar form.</summary>
    private static string Shape(int size, int q, bool scalar) => scalar ? "bhsd"[size].ToString() : Arrangement(size, q);

    private static string? ThreeSameText(in A64Instruction i, bool scalar)
    {
        int q = scalar ? 1 : i['q'], u = i['u'], size = i['z'], opc = i['o'];
        string? name;
        string t;
        if (opc >= 24)
        {
            t = Shape(2 + (size & 1), q, scalar);
            name = (u, size >> 1, opc) switch
            {
                (0, 0, 24) => "fmaxnm", (0, 1, 24) => "fminnm", (0, 0, 25) => "fmla", (0, 1, 25) => "fmls",
                (0, 0, 26) => "fadd", (0, 1, 26) => "fsub", (0, 0, 27) => "fmulx", (0, 0, 28) => "fcmeq", (0, 0, 30) => "fmax",
                (0, 1, 30) => "fmin", (0, 0, 31) => "frecps", (0, 1, 31) => "frsqrts",
                (1, 0, 24) => "fmaxnmp", (1, 1, 24) => "fminnmp", (1, 0, 26) => "faddp", (1, 1, 26) => "fabd",
                (1, 0, 27) => "fmul", (1, 0, 28) => "fcmge", (1, 1, 28) => "fcmgt", (1, 0, 29) => "facge", (1, 1, 29) => "facgt",
                (1, 0, 30) => "fmaxp", (1, 1, 30) => "fminp", (1, 0, 31) => "fdiv", _ => null,
            };
        }
        else
        {
            t = Shape(size, q, scalar);
            name = (opc, u) switch
            {
                (0, 0) => "shadd", (0, 1) => "uhadd", (1, 0) => "sqadd", (1, 1) => "uqadd", (2, 0) => "srhadd", (2, 1) => "urhadd",
                (4, 0) => "shsub", (4, 1) => "uhsub", (5, 0) => "sqsub", (5, 1) => "uqsub",
                (6, 0) => "cmgt", (6, 1) => "cmhi", (7, 0) => "cmge", (7, 1) => "cmhs",
                (8, 0) => "sshl", (8, 1) => "ushl", (9, 0) => "sqshl", (9, 1) => "uqshl", (10, 0) => "srshl", (10, 1) => "urshl",
                (11, 0) => "sqrshl", (11, 1) => "uqrshl", (12, 0) => "smax", (12, 1) => "umax",
                (13, 0) => "smin", (13, 1) => "umin", (14, 0) => "sabd", (14, 1) => "uabd",
                (15, 0) => "saba", (15, 1) => "uaba", (16, 0) => "add", (16, 1) => "sub",
                (17, 0) => "cmtst", (17, 1) => "cmeq", (18, 0) => "mla", (18, 1) => "mls",
                (19, 0) => "mul", (19, 1) => "pmul", (20, 0) => "smaxp", (20, 1) => "umaxp", (21, 0) => "sminp", (21, 1) => "uminp",
                (22, 0) => "sqdmulh", (22, 1) => "sqrdmulh", (23, 0) => "addp", _ => null,
            };
        }
        return name is null ? null : $"{name} {VR(i['d'], t)}, {VR(i['n'], t)}, {VR(i['m'], t)}";
    }

    private static string? ScalarText(in A64Instruction i, A64Op op)
    {
        switch (op)
        {
            case A64Op.AdvSimdScalar3Same: return ThreeSameText(i, scalar: true);
            case A64Op.AdvSimdScalar3Diff: return ThreeDifferentText(i, scalar: true);
            case A64Op.AdvSimdScalar2RegMisc: return TwoRegisterMiscText(i, scalar: true);
            case A64Op.AdvSimdScalarShiftImm: return ShiftImmediateText(i, scalar: true);
            case A64Op.AdvSimdScalarPairwise:
                {
                    int size = i['z'], opc = i['o'];
                    if (opc == 27) return $"addp d{i['d'].ToString(CultureInfo.InvariantCulture)}, {VR(i['n'], "2d")}";
                    bool min = size >= 2, dbl = (size & 1) == 1;
                    string name = opc switch { 12 => min ? "fminnmp" : "fmaxnmp", 13 => "faddp", _ => min ? "fminp" : "fmaxp" };
                    return $"{name} {VR(i['d'], dbl ? "d" : "s")}, {VR(i['n'], dbl ? "2d" : "2s")}";
                }
            default: // AdvSimdScalarCopy: DUP (element), which objdump spells as its MOV alias
                {
                    int imm5 = i['i'], log = System.Numerics.BitOperations.TrailingZeroCount(imm5);
                    string letter = "bhsd"[log].ToString();
                    return $"mov {VR(i['d'], letter)}, v{i['n'].ToString(CultureInfo.InvariantCulture)}.{letter}[{(imm5 >> (log + 1)).ToString(CultureInfo.InvariantCulture)}]";
                }
        }
    }

    private static string? AdvSimd(in A64Instruction i, A64Op op)
    {
        if (i.Op != op) return null; // Unsupported variants of an implemented class
        int q = i['q'], d = i['d'], n = i['n'];
        switch (op)
        {
            case A64Op.AdvSimd3Same: return ThreeSameText(i, scalar: false);
            case A64Op.AdvSimdAcross:
                {
                    int u = i['u'], size = i['z'], opc = i['o'];
                    if (u == 1 && opc is 12 or 15)
                    {
                        string fp = (opc, size >= 2) switch { (12, false) => "fmaxnmv", (12, true) => "fminnmv", (15, false) => "fmaxv", _ => "fminv" };
                        return $"{fp} s{d.ToString(CultureInfo.InvariantCulture)}, {V(n, "4s")}";
                    }
                    string name = (opc, u) switch
                    {
                        (3, 0) => "saddlv", (3, 1) => "uaddlv", (10, 0) => "smaxv", (10, 1) => "umaxv",
                        (26, 0) => "sminv", (26, 1) => "uminv", _ => "addv",
                    };
                    int rsize = opc == 3 ? size + 1 : size;
                    return $"{name} {"bhsd"[rsize]}{d.ToString(CultureInfo.InvariantCulture)}, {V(n, Arrangement(size, q))}";
                }
            case A64Op.AdvSimdPermute:
                {
                    string name = i['o'] switch { 1 => "uzp1", 2 => "trn1", 3 => "zip1", 5 => "uzp2", 6 => "trn2", _ => "zip2" };
                    string t = Arrangement(i['z'], q);
                    return $"{name} {V(d, t)}, {V(n, t)}, {V(i['m'], t)}";
                }
            case A64Op.AdvSimdExt:
                {
                    string t = q == 1 ? "16b" : "8b";
                    return $"ext {V(d, t)}, {V(n, t)}, {V(i['m'], t)}, #{i['i'].ToString(CultureInfo.InvariantCulture)}";
                }
            case A64Op.AdvSimdShiftImm: return ShiftImmediateText(i, scalar: false);
            case A64Op.AdvSimd2RegMisc: return TwoRegisterMiscText(i, scalar: false);
            case A64Op.AdvSimd3Diff: return ThreeDifferentText(i, scalar: false);
            case A64Op.AdvSimdTbl:
                {
                    string t = q == 1 ? "16b" : "8b";
                    int count = i['l'] + 1, last = (n + count - 1) % 32;
                    string list = count > 2 && last > n
                        ? $"{V(n, "16b")}-{V(last, "16b")}"
                        : string.Join(", ", Enumerable.Range(0, count).Select(j => V((n + j) % 32, "16b")));
                    return $"{(i['o'] == 1 ? "tbx" : "tbl")} {V(d, t)}, {{{list}}}, {V(i['m'], t)}";
                }
            default:
                return null;
        }
    }
}

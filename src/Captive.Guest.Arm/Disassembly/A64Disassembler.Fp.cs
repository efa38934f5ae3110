using System.Globalization;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Disassembly;

// Scalar floating point, in objdump's spelling.
public static partial class A64Disassembler
{
    private static readonly string[] FpDataProc2Names = ["fmul", "fdiv", "fadd", "fsub", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul"];
    private static readonly string[] FpRoundNames = ["frintn", "frintp", "frintm", "frintz", "frinta", "", "frintx", "frinti"];
    private static readonly string[] FpDataProc3Names = ["fmadd", "fmsub", "fnmadd", "fnmsub"];
    private static readonly string[] FpToIntRounding = ["n", "p", "m", "z"];

    /// <summary>A scalar FP register name: <c>h</c>, <c>s</c> or <c>d</c> by format, then the number.</summary>
    private static string F(int n, int format)
        => (format switch { 2 => "h", 4 => "s", _ => "d" }) + n.ToString(CultureInfo.InvariantCulture);

    private static string? FloatingPoint(in A64Instruction i, A64Op op)
    {
        int format = A64FpDecoding.Format(i['t']);
        bool sf = (i.Word >> 31) != 0;
        switch (op)
        {
            case A64Op.FpCompare:
                {
                    int opc = i['o'];
                    string name = (opc & 2) != 0 ? "fcmpe" : "fcmp";
                    return (opc & 1) != 0 ? $"{name} {F(i['n'], format)}, #0.0" : $"{name} {F(i['n'], format)}, {F(i['m'], format)}";
                }
            case A64Op.FpCondCompare:
                return $"{(i['o'] == 1 ? "fccmpe" : "fccmp")} {F(i['n'], format)}, {F(i['m'], format)}, {Hex((ulong)i['f'])}, {Cond(i['c'])}";
            case A64Op.FpCondSelect:
                return $"fcsel {F(i['d'], format)}, {F(i['n'], format)}, {F(i['m'], format)}, {Cond(i['c'])}";
            case A64Op.FpDataProc1:
                {
                    int opcode = i['o'];
                    string d = F(i['d'], format), n = F(i['n'], format);
                    return opcode switch
                    {
                        0 => $"fmov {d}, {n}",
                        1 => $"fabs {d}, {n}",
                        2 => $"fneg {d}, {n}",
                        3 => $"fsqrt {d}, {n}",
                        >= 4 and <= 7 => $"fcvt {F(i['d'], A64FpDecoding.Format(opcode & 3))}, {n}",
                        _ => $"{FpRoundNames[opcode - 8]} {d}, {n}",
                    };
                }
            case A64Op.FpDataProc2:
                return $"{FpDataProc2Names[i['o']]} {F(i['d'], format)}, {F(i['n'], format)}, {F(i['m'], format)}";
            case A64Op.FpDataProc3:
                return $"{FpDataProc3Names[(i['o'] << 1) | i['p']]} {F(i['d'], format)}, {F(i['n'], format)}, {F(i['m'], format)}, {F(i['a'], format)}";
            case A64Op.FpIntConvert:
                {
                    int opcode = i['o'];
                    string rd = R(i['d'], sf), rn = R(i['n'], sf);
                    return opcode switch
                    {
                        0 or 1 => $"fcvt{FpToIntRounding[i['r']]}{(opcode == 0 ? "s" : "u")} {rd}, {F(i['n'], format)}",
                        4 or 5 => $"fcvta{(opcode == 4 ? "s" : "u")} {rd}, {F(i['n'], format)}",
                        2 => $"scvtf {F(i['d'], format)}, {rn}",
                        3 => $"ucvtf {F(i['d'], format)}, {rn}",
                        _ => null,
                    };
                }
            case A64Op.FpFixedConvert:
                {
                    int fbits = 64 - i['s'], opcode = i['o'];
                    if (i['r'] == 3)
                        return $"{(opcode == 0 ? "fcvtzs" : "fcvtzu")} {R(i['d'], sf)}, {F(i['n'], format)}, #{fbits}";
                    return $"{(opcode == 2 ? "scvtf" : "ucvtf")} {F(i['d'], format)}, {R(i['n'], sf)}, #{fbits}";
                }
            default:
                return null;
        }
    }
}

using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Disassembly;

// The Cryptographic Extension in objdump spelling.
public static partial class A64Disassembler
{
    private static string? Crypto(in A64Instruction i)
    {
        int d = i['d'], n = i['n'];
        switch (i.Op)
        {
            case A64Op.CryptoAes:
                {
                    string name = i['o'] switch { 4 => "aese", 5 => "aesd", 6 => "aesmc", _ => "aesimc" };
                    return $"{name} {V(d, "16b")}, {V(n, "16b")}";
                }
            case A64Op.CryptoSha1Three:
                {
                    int opc = i['o'], m = i['m'];
                    if (opc == 3) return $"sha1su0 {V(d, "4s")}, {V(n, "4s")}, {V(m, "4s")}";
                    string name = opc switch { 0 => "sha1c", 1 => "sha1p", _ => "sha1m" };
                    return $"{name} q{d}, s{n}, {V(m, "4s")}";
                }
            case A64Op.CryptoSha256Three:
                {
                    int opc = i['o'], m = i['m'];
                    return opc switch
                    {
                        0 => $"sha256h q{d}, q{n}, {V(m, "4s")}",
                        1 => $"sha256h2 q{d}, q{n}, {V(m, "4s")}",
                        _ => $"sha256su1 {V(d, "4s")}, {V(n, "4s")}, {V(m, "4s")}",
                    };
                }
            case A64Op.CryptoShaTwo:
                return i['o'] switch
                {
                    0 => $"sha1h s{d}, s{n}",
                    1 => $"sha1su1 {V(d, "4s")}, {V(n, "4s")}",
                    _ => $"sha256su0 {V(d, "4s")}, {V(n, "4s")}",
                };
            case A64Op.CryptoPmull64:
                return i['q'] == 1
                    ? $"pmull2 {V(d, "1q")}, {V(n, "2d")}, {V(i['m'], "2d")}"
                    : $"pmull {V(d, "1q")}, {V(n, "1d")}, {V(i['m'], "1d")}";
            default:
                return null;
        }
    }
}

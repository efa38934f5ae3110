using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// The ARMv8.0 Cryptographic Extension: AES, SHA1, SHA256 and PMULL/PMULL2 .1q, each one IR op
// (docs/design-simd-ir.md, "Crypto and polynomial multiply as their own ops"). Results are whole
// 128-bit registers; SHA1H writes S[d] and zeros above, which its op produces.
internal sealed partial class A64Lowerer
{
    private void Crypto(in A64Instruction i)
    {
        int d = i['d'], n = i['n'];
        switch (i.Op)
        {
            case A64Op.CryptoAes:
                {
                    int opc = i['o'];
                    var r = opc switch
                    {
                        4 => _b.AesEncrypt(GetV(d), GetV(n)),
                        5 => _b.AesDecrypt(GetV(d), GetV(n)),
                        6 => _b.AesMixColumns(GetV(n)),
                        _ => _b.AesInvMixColumns(GetV(n)),
                    };
                    SetV(d, r);
                    return;
                }
            case A64Op.CryptoSha1Three:
                {
                    int opc = i['o'], m = i['m'];
                    if (opc == 3)
                    {
                        SetV(d, _b.Sha1Su0(GetV(d), GetV(n), GetV(m)));
                        return;
                    }
                    var op = opc switch { 0 => IrOpcode.Sha1Choose, 1 => IrOpcode.Sha1Parity, _ => IrOpcode.Sha1Majority };
                    var e = _b.VecExtractLane(GetV(n), 0, 4);
                    SetV(d, _b.Sha1Rounds(op, GetV(d), e, GetV(m)));
                    return;
                }
            case A64Op.CryptoSha256Three:
                {
                    int opc = i['o'], m = i['m'];
                    SetV(d, opc switch
                    {
                        0 => _b.Sha256H(GetV(d), GetV(n), GetV(m)),
                        1 => _b.Sha256H2(GetV(d), GetV(n), GetV(m)),
                        _ => _b.Sha256Su1(GetV(d), GetV(n), GetV(m)),
                    });
                    return;
                }
            case A64Op.CryptoShaTwo:
                SetV(d, i['o'] switch
                {
                    0 => _b.Sha1Hash(GetV(n)),
                    1 => _b.Sha1Su1(GetV(d), GetV(n)),
                    _ => _b.Sha256Su0(GetV(d), GetV(n)),
                });
                return;
            default: // CryptoPmull64
                SetV(d, _b.PolyMul64(GetV(n), GetV(i['m']), upper: i['q'] == 1));
                return;
        }
    }
}

using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

/// <summary>
/// CRC32{B,H,W,X} and CRC32C{B,H,W,X} (ARMv8.0 optional, feature CRC32): one update step of the
/// bit-reflected CRC-32 (polynomial 0x04C11DB7, reflected 0xEDB88320) or CRC-32C (0x1EDC6F41, reflected
/// 0x82F63B78), without the pre- and post-inversion, as the ARM ARM's CRC32 pseudocode computes it.
/// Lowered bit-serially with existing IR — exact on every engine; a dedicated IR operation using the
/// host's <c>crc32</c>/<c>pclmulqdq</c> is a translator optimisation for later.
/// </summary>
internal sealed partial class A64Lowerer
{
    private const uint Crc32Polynomial = 0xEDB8_8320, Crc32CPolynomial = 0x82F6_3B78;

    private void Crc32(in A64Instruction i)
    {
        int bytes = 1 << i['s'];
        var poly = K(i['c'] == 1 ? Crc32CPolynomial : Crc32Polynomial, 4);
        var one = K(1, 4);
        var crc = X(i['n'], 4);
        var data = bytes == 8 ? X(i['m']) : XBytes(i['m'], bytes);
        int chunks = bytes == 8 ? 2 : 1;
        for (int c = 0; c < chunks; c++)
        {
            var part = c == 0 ? data : _b.Lsr(data, K(32));
            crc = _b.Xor(crc, part, 4);
            for (int bit = 0; bit < Math.Min(bytes, 4) * 8; bit++)
            {
                // crc = (crc >> 1) ^ (poly & -(crc & 1))
                var mask = _b.Neg(_b.And(crc, one, 4), 4);
                crc = _b.Xor(_b.Lsr(crc, one, 4), _b.And(mask, poly, 4), 4);
            }
        }
        SetX(i['d'], crc);
    }
}

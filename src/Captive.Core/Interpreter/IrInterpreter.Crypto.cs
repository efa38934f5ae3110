using System.Numerics;
using Captive.Core.IR;

namespace Captive.Core.Interpreter;

// The Cryptographic Extension opcodes (AesEncrypt…PolyMul64), written from the ARM ARM pseudocode
// (AESSubBytes, AESShiftRows, AESMixColumns and their inverses; SHA1/SHA256 hash and schedule helpers;
// PolynomialMult). Plain C#, no host intrinsics, allocation-free.
public sealed partial class IrInterpreter
{
    private static readonly byte[] AesSBox = BuildSBox(inverse: false);
    private static readonly byte[] AesInvSBox = BuildSBox(inverse: true);

    /// <summary>The AES S-box (FIPS-197 5.1.1): multiplicative inverse in GF(2^8), then the affine map.</summary>
    private static byte[] BuildSBox(bool inverse)
    {
        var box = new byte[256];
        for (int x = 0; x < 256; x++)
        {
            // x^254 is the inverse of x (0 maps to 0).
            int inv = 1, p = x;
            for (int e = 254; e > 0; e >>= 1)
            {
                if ((e & 1) != 0) inv = GfMul(inv, p);
                p = GfMul(p, p);
            }
            if (x == 0) inv = 0;
            int s = inv ^ Rol8(inv, 1) ^ Rol8(inv, 2) ^ Rol8(inv, 3) ^ Rol8(inv, 4) ^ 0x63;
            if (inverse) box[s] = (byte)x;
            else box[x] = (byte)s;
        }
        return box;
    }

    private static int Rol8(int v, int n) => ((v << n) | (v >> (8 - n))) & 0xFF;

    /// <summary>Product in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.</summary>
    private static int GfMul(int a, int b)
    {
        int r = 0;
        while (b != 0)
        {
            if ((b & 1) != 0) r ^= a;
            a <<= 1;
            if ((a & 0x100) != 0) a ^= 0x11B;
            b >>= 1;
        }
        return r;
    }

    private static int Xtime(int a) => ((a << 1) ^ ((a & 0x80) != 0 ? 0x1B : 0)) & 0xFF;

    private V128 Crypto(in IrInstruction i, V128 a, V128 b, V128 c, uint scalar)
    {
        switch (i.Opcode)
        {
            case IrOpcode.AesEncrypt or IrOpcode.AesDecrypt:
                {
                    bool enc = i.Opcode == IrOpcode.AesEncrypt;
                    var t = new V128(a.Lo ^ b.Lo, a.Hi ^ b.Hi);
                    var r = default(V128);
                    byte[] box = enc ? AesSBox : AesInvSBox;
                    for (int k = 0; k < 16; k++)
                    {
                        // AESShiftRows: byte k of the result is byte k + 4·row of the operand (row = k mod 4);
                        // AESInvShiftRows takes byte k - 4·row. SubBytes commutes with the permutation.
                        int row = k & 3;
                        int from = enc ? (k + 4 * row) & 15 : (k - 4 * row) & 15;
                        r.Set(k, 1, box[t.Get(from, 1)]);
                    }
                    return r;
                }
            case IrOpcode.AesMixColumns or IrOpcode.AesInvMixColumns:
                {
                    var r = default(V128);
                    bool inv = i.Opcode == IrOpcode.AesInvMixColumns;
                    for (int col = 0; col < 4; col++)
                    {
                        int a0 = (int)a.Get(4 * col, 1), a1 = (int)a.Get(4 * col + 1, 1), a2 = (int)a.Get(4 * col + 2, 1), a3 = (int)a.Get(4 * col + 3, 1);
                        for (int row = 0; row < 4; row++)
                        {
                            // Row j of the result is the circulant row (2 3 1 1) or (e b d 9) rotated right j places.
                            int x0 = row switch { 0 => a0, 1 => a1, 2 => a2, _ => a3 };
                            int x1 = row switch { 0 => a1, 1 => a2, 2 => a3, _ => a0 };
                            int x2 = row switch { 0 => a2, 1 => a3, 2 => a0, _ => a1 };
                            int x3 = row switch { 0 => a3, 1 => a0, 2 => a1, _ => a2 };
                            int v = inv
                                ? GfMul(0x0E, x0) ^ GfMul(0x0B, x1) ^ GfMul(0x0D, x2) ^ GfMul(0x09, x3)
                                : Xtime(x0) ^ (Xtime(x1) ^ x1) ^ x2 ^ x3;
                            r.Set(4 * col + row, 1, (ulong)v);
                        }
                    }
                    return r;
                }
            case IrOpcode.Sha1Choose or IrOpcode.Sha1Parity or IrOpcode.Sha1Majority:
                {
                    uint x0 = W(a, 0), x1 = W(a, 1), x2 = W(a, 2), x3 = W(a, 3), y = scalar;
                    for (int e = 0; e < 4; e++)
                    {
                        uint t = i.Opcode switch
                        {
                            IrOpcode.Sha1Choose => ((x2 ^ x3) & x1) ^ x3,
                            IrOpcode.Sha1Parity => x1 ^ x2 ^ x3,
                            _ => (x1 & x2) | ((x1 | x2) & x3),
                        };
                        y = y + BitOperations.RotateLeft(x0, 5) + t + W(c, e);
                        x1 = BitOperations.RotateLeft(x1, 30);
                        // <Y, X> = ROL(Y : X, 32)
                        uint top = x3;
                        x3 = x2; x2 = x1; x1 = x0; x0 = y;
                        y = top;
                    }
                    return Words(x0, x1, x2, x3);
                }
            case IrOpcode.Sha1Hash:
                return new V128(BitOperations.RotateLeft(W(a, 0), 30), 0);
            case IrOpcode.Sha1Su0:
                return new V128(a.Hi ^ a.Lo ^ c.Lo, b.Lo ^ a.Hi ^ c.Hi);
            case IrOpcode.Sha1Su1:
                {
                    // T = operand1 ^ LSR(operand2, 32)
                    uint t0 = W(a, 0) ^ W(b, 1), t1 = W(a, 1) ^ W(b, 2), t2 = W(a, 2) ^ W(b, 3), t3 = W(a, 3);
                    return Words(BitOperations.RotateLeft(t0, 1), BitOperations.RotateLeft(t1, 1), BitOperations.RotateLeft(t2, 1),
                        BitOperations.RotateLeft(t3, 1) ^ BitOperations.RotateLeft(t0, 2));
                }
            case IrOpcode.Sha256H or IrOpcode.Sha256H2:
                {
                    bool part1 = i.Opcode == IrOpcode.Sha256H;
                    var x = part1 ? a : b;
                    var y = part1 ? b : a;
                    uint x0 = W(x, 0), x1 = W(x, 1), x2 = W(x, 2), x3 = W(x, 3);
                    uint y0 = W(y, 0), y1 = W(y, 1), y2 = W(y, 2), y3 = W(y, 3);
                    for (int e = 0; e < 4; e++)
                    {
                        uint chs = ((y1 ^ y2) & y0) ^ y2;
                        uint maj = (x0 & x1) | ((x0 | x1) & x2);
                        uint t = y3 + (BitOperations.RotateRight(y0, 6) ^ BitOperations.RotateRight(y0, 11) ^ BitOperations.RotateRight(y0, 25)) + chs + W(c, e);
                        x3 = t + x3;
                        y3 = t + (BitOperations.RotateRight(x0, 2) ^ BitOperations.RotateRight(x0, 13) ^ BitOperations.RotateRight(x0, 22)) + maj;
                        // <Y, X> = ROL(Y : X, 32): X's top word moves to Y's bottom, Y's top word to X's bottom.
                        uint xTop = x3, yTop = y3;
                        x3 = x2; x2 = x1; x1 = x0; x0 = yTop;
                        y3 = y2; y2 = y1; y1 = y0; y0 = xTop;
                    }
                    return part1 ? Words(x0, x1, x2, x3) : Words(y0, y1, y2, y3);
                }
            case IrOpcode.Sha256Su0:
                {
                    // T = operand2<31:0> : operand1<127:32>
                    uint r0 = W(a, 0) + Sigma0Schedule(W(a, 1)), r1 = W(a, 1) + Sigma0Schedule(W(a, 2));
                    uint r2 = W(a, 2) + Sigma0Schedule(W(a, 3)), r3 = W(a, 3) + Sigma0Schedule(W(b, 0));
                    return Words(r0, r1, r2, r3);
                }
            case IrOpcode.Sha256Su1:
                {
                    // T0 = operand3<31:0> : operand2<127:32>; T1 = operand3<127:64>
                    uint t00 = W(b, 1), t01 = W(b, 2), t02 = W(b, 3), t03 = W(c, 0);
                    uint r0 = Sigma1Schedule(W(c, 2)) + W(a, 0) + t00;
                    uint r1 = Sigma1Schedule(W(c, 3)) + W(a, 1) + t01;
                    uint r2 = Sigma1Schedule(r0) + W(a, 2) + t02;
                    uint r3 = Sigma1Schedule(r1) + W(a, 3) + t03;
                    return Words(r0, r1, r2, r3);
                }
            case IrOpcode.PolyMul64:
                {
                    bool upper = IrVec.Extra(i.Immediate) == 1;
                    ulong x = upper ? a.Hi : a.Lo, y = upper ? b.Hi : b.Lo;
                    ulong lo = 0, hi = 0;
                    for (int k = 0; k < 64; k++)
                    {
                        if (((y >> k) & 1) == 0) continue;
                        lo ^= x << k;
                        if (k != 0) hi ^= x >> (64 - k);
                    }
                    return new V128(lo, hi);
                }
            default:
                throw new InvalidOperationException($"{i.Opcode} is not a crypto opcode.");
        }
    }

    private static uint W(V128 v, int word) => (uint)v.Get(word, 4);

    private static V128 Words(uint w0, uint w1, uint w2, uint w3) => new(w0 | (ulong)w1 << 32, w2 | (ulong)w3 << 32);

    private static uint Sigma0Schedule(uint x) => BitOperations.RotateRight(x, 7) ^ BitOperations.RotateRight(x, 18) ^ (x >> 3);

    private static uint Sigma1Schedule(uint x) => BitOperations.RotateRight(x, 17) ^ BitOperations.RotateRight(x, 19) ^ (x >> 10);
}

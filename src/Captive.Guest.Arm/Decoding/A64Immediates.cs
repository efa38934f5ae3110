using System.Numerics;

namespace Captive.Guest.Arm.Decoding;

/// <summary>Immediate decoding shared by the lowering and the disassembler (ARM DDI 0487 shared pseudocode).</summary>
internal static class A64Immediates
{
    /// <summary>
    /// <c>DecodeBitMasks(immN, imms, immr, immediate)</c> for a <paramref name="dataSize"/>-bit operation.
    /// False where the pseudocode says UNDEFINED (and, for logical immediates, the reserved all-ones element).
    /// </summary>
    public static bool TryDecodeBitMasks(int n, int imms, int immr, bool immediate, int dataSize, out ulong wmask, out ulong tmask)
    {
        wmask = tmask = 0;
        int combined = (n << 6) | (~imms & 0x3F);
        if (combined == 0) return false;
        int len = 31 - BitOperations.LeadingZeroCount((uint)combined);
        if (len < 1) return false;
        int esize = 1 << len;
        if (esize > dataSize) return false;
        int levels = esize - 1;
        if (immediate && (imms & levels) == levels) return false;
        int s = imms & levels, r = immr & levels;
        int diff = (s - r) & levels;
        ulong welem = Ones(s + 1);
        ulong telem = Ones(diff + 1);
        welem = RotateRight(welem, r, esize);
        wmask = Replicate(welem, esize, dataSize);
        tmask = Replicate(telem, esize, dataSize);
        return true;
    }

    /// <summary>The value of a logical-immediate field, or false when the encoding is reserved.</summary>
    public static bool TryDecodeLogicalImmediate(int n, int imms, int immr, int dataSize, out ulong value)
    {
        bool ok = TryDecodeBitMasks(n, imms, immr, true, dataSize, out value, out _);
        return ok;
    }

    /// <summary>The low <paramref name="count"/> bits set (count 0–64).</summary>
    public static ulong Ones(int count) => count >= 64 ? ulong.MaxValue : (1ul << count) - 1;

    private static ulong RotateRight(ulong x, int amount, int width)
    {
        if (amount == 0) return x;
        ulong mask = Ones(width);
        x &= mask;
        return ((x >> amount) | (x << (width - amount))) & mask;
    }

    private static ulong Replicate(ulong element, int esize, int dataSize)
    {
        ulong result = 0;
        for (int i = 0; i < dataSize; i += esize)
            result |= element << i;
        return dataSize == 64 ? result : result & Ones(dataSize);
    }

    /// <summary><c>AdvSIMDExpandImm(op, cmode, imm8)</c>: the 64-bit pattern of a modified immediate.</summary>
    public static ulong AdvSimdExpandImm(int op, int cmode, int imm8)
    {
        ulong i = (ulong)(imm8 & 0xFF);
        switch (cmode >> 1)
        {
            case 0: return Rep32(i);
            case 1: return Rep32(i << 8);
            case 2: return Rep32(i << 16);
            case 3: return Rep32(i << 24);
            case 4: return Rep16(i);
            case 5: return Rep16(i << 8);
            case 6: return (cmode & 1) == 0 ? Rep32((i << 8) | 0xFF) : Rep32((i << 16) | 0xFFFF);
            default:
                if ((cmode & 1) == 0 && op == 0)
                    return i * 0x0101010101010101ul;
                if ((cmode & 1) == 0)
                {
                    ulong r = 0;
                    for (int b = 0; b < 8; b++)
                        if ((imm8 >> b & 1) != 0) r |= 0xFFul << (8 * b);
                    return r;
                }
                if (op == 0)
                    return Rep32(VfpExpandImm32(imm8));
                return VfpExpandImm64(imm8);
        }

        static ulong Rep32(ulong x) => (x & 0xFFFF_FFFF) | (x << 32);
        static ulong Rep16(ulong x) => (x & 0xFFFF) * 0x0001_0001_0001_0001ul;
    }

    /// <summary><c>VFPExpandImm</c> for single precision: the bit pattern of an 8-bit FP immediate.</summary>
    public static ulong VfpExpandImm32(int imm8)
    {
        uint a = (uint)(imm8 >> 7 & 1), b = (uint)(imm8 >> 6 & 1), cdefgh = (uint)(imm8 & 0x3F);
        uint exp = ((b ^ 1) << 7) | (b != 0 ? 0x7Cu : 0u) | (cdefgh >> 4);
        return (a << 31) | (exp << 23) | ((cdefgh & 0xF) << 19);
    }

    /// <summary><c>VFPExpandImm</c> for double precision.</summary>
    public static ulong VfpExpandImm64(int imm8)
    {
        ulong a = (ulong)(imm8 >> 7 & 1), b = (ulong)(imm8 >> 6 & 1), cdefgh = (ulong)(imm8 & 0x3F);
        ulong exp = ((b ^ 1) << 10) | (b != 0 ? 0x3FCul : 0ul) | (cdefgh >> 4);
        return (a << 63) | (exp << 52) | ((cdefgh & 0xF) << 48);
    }
}

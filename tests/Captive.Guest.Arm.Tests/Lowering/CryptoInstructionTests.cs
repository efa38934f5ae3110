using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SHA1 = System.Security.Cryptography.SHA1;
using SHA256 = System.Security.Cryptography.SHA256;
using System.Text;
using Captive.Guest.Arm.Decoding;
using Captive.Guest.Arm.Disassembly;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

// The ARMv8.0 Cryptographic Extension (AES, SHA1, SHA256, PMULL .1q) through decoder, lowering and interpreter:
// FIPS-197 / FIPS 180-4 known answers computed by guest code, PMULL known products, and a cross-check of each op
// against the host (AES-NI, PCLMULQDQ, System.Security.Cryptography) on random inputs.
public sealed class CryptoInstructionTests : InstructionTestBase
{
    // ---- helpers

    private static (ulong Lo, ulong Hi) FromBytes(ReadOnlySpan<byte> b)
        => (BinaryPrimitives.ReadUInt64LittleEndian(b), BinaryPrimitives.ReadUInt64LittleEndian(b[8..]));

    private static (ulong Lo, ulong Hi) FromHex(string hex) => FromBytes(Convert.FromHexString(hex));

    private static string ToHex((ulong Lo, ulong Hi) v)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(b, v.Lo);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), v.Hi);
        return Convert.ToHexString(b).ToLowerInvariant();
    }

    private static (ulong Lo, ulong Hi) Words(uint w0, uint w1, uint w2, uint w3) => (w0 | (ulong)w1 << 32, w2 | (ulong)w3 << 32);

    private static A64TestMachine Run(string asm, params (int Reg, (ulong Lo, ulong Hi) Value)[] regs)
    {
        var m = Prepare(asm, "");
        foreach (var (reg, value) in regs) m.SetV(reg, value.Lo, value.Hi);
        return m.RunToEnd();
    }

    // An independent AES-128 key expansion (FIPS-197 5.2), with its own S-box.
    private static byte[] SBox()
    {
        var s = new byte[256];
        byte p = 1, q = 1;
        do
        {
            p = (byte)(p ^ (p << 1) ^ ((p & 0x80) != 0 ? 0x1B : 0));
            q ^= (byte)(q << 1); q ^= (byte)(q << 2); q ^= (byte)(q << 4);
            if ((q & 0x80) != 0) q ^= 0x09;
            byte x = (byte)(q ^ (byte)((q << 1) | (q >> 7)) ^ (byte)((q << 2) | (q >> 6)) ^ (byte)((q << 3) | (q >> 5)) ^ (byte)((q << 4) | (q >> 4)));
            s[p] = (byte)(x ^ 0x63);
        } while (p != 1);
        s[0] = 0x63;
        return s;
    }

    private static byte[][] ExpandKey(byte[] key)
    {
        var s = SBox();
        var w = new byte[176];
        key.CopyTo(w, 0);
        byte rcon = 1;
        for (int i = 16; i < 176; i += 4)
        {
            byte t0 = w[i - 4], t1 = w[i - 3], t2 = w[i - 2], t3 = w[i - 1];
            if (i % 16 == 0)
            {
                (t0, t1, t2, t3) = ((byte)(s[t1] ^ rcon), s[t2], s[t3], s[t0]);
                rcon = (byte)((rcon << 1) ^ ((rcon & 0x80) != 0 ? 0x1B : 0));
            }
            w[i] = (byte)(w[i - 16] ^ t0); w[i + 1] = (byte)(w[i - 15] ^ t1); w[i + 2] = (byte)(w[i - 14] ^ t2); w[i + 3] = (byte)(w[i - 13] ^ t3);
        }
        return Enumerable.Range(0, 11).Select(r => w[(16 * r)..(16 * r + 16)]).ToArray();
    }

    // ---- decoding and disassembly

    [Theory]
    [InlineData(0x4e284820u, nameof(A64Op.CryptoAes))]          // aese v0.16b, v1.16b
    [InlineData(0x4e283820u, nameof(A64Op.Undefined))]          // AES opcode 00011 is unallocated
    [InlineData(0x5e020020u, nameof(A64Op.CryptoSha1Three))]    // sha1c q0, s1, v2.4s
    [InlineData(0x5e420020u, nameof(A64Op.Undefined))]          // SHA three-register with size 01
    [InlineData(0x5e027020u, nameof(A64Op.Undefined))]          // SHA three-register opcode 111
    [InlineData(0x5e282820u, nameof(A64Op.CryptoShaTwo))]       // sha256su0 v0.4s, v1.4s
    [InlineData(0x5e283820u, nameof(A64Op.Undefined))]          // SHA two-register opcode 00011
    [InlineData(0x4ee2e020u, nameof(A64Op.CryptoPmull64))]      // pmull2 v0.1q, v1.2d, v2.2d
    public void Classifies(uint word, string op) => Assert.Equal(op, A64Decoder.Decode(word).Op.ToString());

    [Theory]
    [InlineData(0x4e284820u, "aese v0.16b, v1.16b")]
    [InlineData(0x4e285820u, "aesd v0.16b, v1.16b")]
    [InlineData(0x4e286820u, "aesmc v0.16b, v1.16b")]
    [InlineData(0x4e287820u, "aesimc v0.16b, v1.16b")]
    [InlineData(0x5e020020u, "sha1c q0, s1, v2.4s")]
    [InlineData(0x5e023020u, "sha1su0 v0.4s, v1.4s, v2.4s")]
    [InlineData(0x5e024020u, "sha256h q0, q1, v2.4s")]
    [InlineData(0x5e026020u, "sha256su1 v0.4s, v1.4s, v2.4s")]
    [InlineData(0x5e280820u, "sha1h s0, s1")]
    [InlineData(0x0ee2e020u, "pmull v0.1q, v1.1d, v2.1d")]
    public void Disassembles(uint word, string text) => Assert.Equal(text, A64Disassembler.Disassemble(word, 0));

    // ---- AES (FIPS-197)

    [Fact]
    public void Aes_round_one_of_FIPS_197_appendix_B_step_by_step()
    {
        // AESE = AddRoundKey, SubBytes, ShiftRows; AESMC = MixColumns (FIPS-197 Appendix B, round 1).
        var input = FromHex("3243f6a8885a308d313198a2e0370734");
        var key = FromHex("2b7e151628aed2a6abf7158809cf4f3c");
        var m = Run("aese v0.16b, v1.16b; mov v2.16b, v0.16b; aesmc v0.16b, v0.16b; brk #0xf00d", (0, input), (1, key));
        Assert.Equal("d4bf5d30e0b452aeb84111f11e2798e5", ToHex(m.V(2)));   // after ShiftRows
        Assert.Equal("046681e5e0cb199a48f8d37a2806264c", ToHex(m.V(0)));   // after MixColumns
        m = Run("aesimc v3.16b, v0.16b; aesd v3.16b, v1.16b; brk #0xf00d", (0, FromHex("046681e5e0cb199a48f8d37a2806264c")), (1, (0, 0)));
        Assert.Equal(ToHex(FromHex("193de3bea0f4e22b9ac68d2ae9f84808")), ToHex(m.V(3)));
    }

    private static string EncryptProgram()
    {
        var sb = new StringBuilder();
        for (int r = 1; r <= 9; r++) sb.Append($"aese v0.16b, v{r}.16b; aesmc v0.16b, v0.16b; ");
        sb.Append("aese v0.16b, v10.16b; eor v0.16b, v0.16b, v11.16b; brk #0xf00d");
        return sb.ToString();
    }

    private static string DecryptProgram()
    {
        // Equivalent inverse cipher: round keys 9..1 through InvMixColumns.
        var sb = new StringBuilder("aesd v0.16b, v11.16b; aesimc v0.16b, v0.16b; ");
        for (int r = 9; r >= 1; r--)
        {
            sb.Append($"aesimc v{r + 1}.16b, v{r + 1}.16b; aesd v0.16b, v{r + 1}.16b; ");
            if (r > 1) sb.Append("aesimc v0.16b, v0.16b; ");
        }
        sb.Append("eor v0.16b, v0.16b, v1.16b; brk #0xf00d");
        return sb.ToString();
    }

    [Theory]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734", "3925841d02dc09fbdc118597196a0b32")] // Appendix B
    [InlineData("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a")] // Appendix C.1
    public void Aes128_encrypts_and_decrypts_the_FIPS_197_examples(string key, string plain, string cipher)
    {
        var keys = ExpandKey(Convert.FromHexString(key));
        var regs = new List<(int, (ulong, ulong))> { (0, FromHex(plain)) };
        for (int r = 0; r <= 10; r++) regs.Add((r + 1, FromBytes(keys[r])));
        Assert.Equal(cipher, ToHex(Run(EncryptProgram(), [.. regs]).V(0)));
        regs[0] = (0, FromHex(cipher));
        Assert.Equal(plain, ToHex(Run(DecryptProgram(), [.. regs]).V(0)));
    }

    // ---- SHA (FIPS 180-4), one 512-bit block by the standard ARMv8 round code

    private static readonly uint[] Sha256K =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>The message padded to one block, as big-endian words in v4–v7 (word 0 in lane 0 of v4).</summary>
    private static List<(int, (ulong, ulong))> MessageBlock(byte[] message)
    {
        Assert.True(message.Length <= 55);
        var block = new byte[64];
        message.CopyTo(block, 0);
        block[message.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block.AsSpan(56), (ulong)message.Length * 8);
        var regs = new List<(int, (ulong, ulong))>();
        for (int v = 0; v < 4; v++)
        {
            uint W(int k) => BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan(16 * v + 4 * k));
            regs.Add((4 + v, Words(W(0), W(1), W(2), W(3))));
        }
        return regs;
    }

    private static string Sha1Program()
    {
        var sb = new StringBuilder();
        for (int g = 0; g < 20; g++)
        {
            int cur = 4 + g % 4;
            sb.Append($"add v20.4s, v{cur}.4s, v{16 + g / 5}.4s; ");
            int eNext = g % 2 == 0 ? 2 : 1, eCur = g % 2 == 0 ? 1 : 2;
            sb.Append($"sha1h s{eNext}, s0; ");
            string round = (g / 5) switch { 0 => "sha1c", 2 => "sha1m", _ => "sha1p" };
            sb.Append($"{round} q0, s{eCur}, v20.4s; ");
            if (g < 16)
                sb.Append($"sha1su0 v{cur}.4s, v{4 + (g + 1) % 4}.4s, v{4 + (g + 2) % 4}.4s; sha1su1 v{cur}.4s, v{4 + (g + 3) % 4}.4s; ");
        }
        sb.Append("add v0.4s, v0.4s, v24.4s; add v1.4s, v1.4s, v25.4s; brk #0xf00d");
        return sb.ToString();
    }

    private static string Sha256Program()
    {
        var sb = new StringBuilder();
        for (int g = 0; g < 16; g++)
        {
            int cur = 4 + g % 4;
            sb.Append($"add v3.4s, v{cur}.4s, v{8 + g}.4s; mov v2.16b, v0.16b; sha256h q0, q1, v3.4s; sha256h2 q1, q2, v3.4s; ");
            if (g < 12)
                sb.Append($"sha256su0 v{cur}.4s, v{4 + (g + 1) % 4}.4s; sha256su1 v{cur}.4s, v{4 + (g + 2) % 4}.4s, v{4 + (g + 3) % 4}.4s; ");
        }
        sb.Append("add v0.4s, v0.4s, v24.4s; add v1.4s, v1.4s, v25.4s; brk #0xf00d");
        return sb.ToString();
    }

    private static string Sha1Guest(byte[] message)
    {
        var regs = MessageBlock(message);
        var abcd = Words(0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476);
        var e = Words(0xc3d2e1f0, 0, 0, 0);
        regs.AddRange([(0, abcd), (24, abcd), (1, e), (25, e)]);
        uint[] k = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];
        for (int j = 0; j < 4; j++) regs.Add((16 + j, Words(k[j], k[j], k[j], k[j])));
        var m = Run(Sha1Program(), [.. regs]);
        var (lo, hi) = m.V(0);
        return $"{(uint)lo:x8}{lo >> 32:x8}{(uint)hi:x8}{hi >> 32:x8}{(uint)m.V(1).Lo:x8}";
    }

    private static string Sha256Guest(byte[] message)
    {
        var regs = MessageBlock(message);
        var abcd = Words(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a);
        var efgh = Words(0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
        regs.AddRange([(0, abcd), (24, abcd), (1, efgh), (25, efgh)]);
        for (int j = 0; j < 16; j++) regs.Add((8 + j, Words(Sha256K[4 * j], Sha256K[4 * j + 1], Sha256K[4 * j + 2], Sha256K[4 * j + 3])));
        var m = Run(Sha256Program(), [.. regs]);
        var sb = new StringBuilder();
        foreach (var (lo, hi) in new[] { m.V(0), m.V(1) })
            sb.Append($"{(uint)lo:x8}{lo >> 32:x8}{(uint)hi:x8}{hi >> 32:x8}");
        return sb.ToString();
    }

    [Fact]
    public void Sha1_of_abc_is_the_FIPS_180_4_digest()
        => Assert.Equal("a9993e364706816aba3e25717850c26c9cd0d89d", Sha1Guest("abc"u8.ToArray()));

    [Fact]
    public void Sha256_of_abc_is_the_FIPS_180_4_digest()
        => Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256Guest("abc"u8.ToArray()));

    [Fact]
    public void Sha1_and_Sha256_of_random_messages_match_the_host()
    {
        var random = new Random(180);
        for (int k = 0; k < 8; k++)
        {
            var message = new byte[random.Next(0, 56)];
            random.NextBytes(message);
            Assert.Equal(Convert.ToHexString(SHA1.HashData(message)).ToLowerInvariant(), Sha1Guest(message));
            Assert.Equal(Convert.ToHexString(SHA256.HashData(message)).ToLowerInvariant(), Sha256Guest(message));
        }
    }

    // ---- PMULL .1q

    [Theory]
    [InlineData("pmull v0.1q, v1.1d, v2.1d", "v1.lo=0x8000000000000000 v1.hi=3 v2.lo=0x8000000000000000 v2.hi=5", "v0.lo=0 v0.hi=0x4000000000000000")] // x^63·x^63 = x^126
    [InlineData("pmull2 v0.1q, v1.2d, v2.2d", "v1.lo=1 v1.hi=3 v2.lo=1 v2.hi=3", "v0.lo=5 v0.hi=0")]                                                     // (x+1)^2 = x^2+1
    [InlineData("pmull v0.1q, v1.1d, v2.1d", "v1.lo=-1 v2.lo=-1", "v0.lo=0x5555555555555555 v0.hi=0x5555555555555555")]                                // squaring spreads the bits
    // Intel's CLMUL white paper example (PCLMULQDQ imm 0x00)
    [InlineData("pmull v0.1q, v1.1d, v2.1d", "v1.lo=0x63746f725d53475d v1.hi=0x7b5b546573745665 v2.lo=0x5b477565726f6e5d v2.hi=0x4869285368617929", "v0.lo=0x929633d5d36f0451 v0.hi=0x1d4d84c85c3440c0")]
    public void Pmull_known_products(string asm, string setup, string expect) => Check(asm, setup, expect);

    // ---- cross-check against the host on random inputs

    private static Vector128<byte> Vec((ulong Lo, ulong Hi) v) => Vector128.Create(v.Lo, v.Hi).AsByte();

    private static (ulong, ulong) Pair(Vector128<byte> v) => (v.AsUInt64().GetElement(0), v.AsUInt64().GetElement(1));

    private static (ulong, ulong) RandomVector(Random r) => ((ulong)r.NextInt64() ^ (ulong)r.NextInt64() << 1, (ulong)r.NextInt64() ^ (ulong)r.NextInt64() << 1);

    [Fact]
    public void Aes_ops_match_AES_NI_on_random_inputs()
    {
        if (!Aes.IsSupported) Assert.Skip("The host has no AES-NI.");
        var random = new Random(197);
        var zero = Vector128<byte>.Zero;
        for (int k = 0; k < 64; k++)
        {
            var s = RandomVector(random);
            var key = RandomVector(random);
            var x = Vec(s) ^ Vec(key);
            var m = Run("mov v2.16b, v0.16b; aese v2.16b, v1.16b; aesmc v3.16b, v2.16b; mov v4.16b, v0.16b; aesd v4.16b, v1.16b; aesimc v5.16b, v4.16b; aesimc v6.16b, v0.16b; brk #0xf00d",
                (0, s), (1, key));
            Assert.Equal(Pair(Aes.EncryptLast(x, zero)), m.V(2));     // AESE = SubBytes, ShiftRows of s ^ k
            Assert.Equal(Pair(Aes.Encrypt(x, zero)), m.V(3));         // AESMC(AESE) = a full middle round
            Assert.Equal(Pair(Aes.DecryptLast(x, zero)), m.V(4));     // AESD
            Assert.Equal(Pair(Aes.Decrypt(x, zero)), m.V(5));         // AESIMC(AESD)
            Assert.Equal(Pair(Aes.InverseMixColumns(Vec(s))), m.V(6)); // AESIMC
        }
    }

    [Fact]
    public void Pmull_matches_PCLMULQDQ_on_random_inputs()
    {
        if (!Pclmulqdq.IsSupported) Assert.Skip("The host has no PCLMULQDQ.");
        var random = new Random(64);
        for (int k = 0; k < 64; k++)
        {
            var a = RandomVector(random);
            var b = RandomVector(random);
            var m = Run("pmull v2.1q, v0.1d, v1.1d; pmull2 v3.1q, v0.2d, v1.2d; brk #0xf00d", (0, a), (1, b));
            var va = Vector128.Create(a.Item1, a.Item2);
            var vb = Vector128.Create(b.Item1, b.Item2);
            Assert.Equal(Pair(Pclmulqdq.CarrylessMultiply(va, vb, 0x00).AsByte()), m.V(2));
            Assert.Equal(Pair(Pclmulqdq.CarrylessMultiply(va, vb, 0x11).AsByte()), m.V(3));
        }
    }
}

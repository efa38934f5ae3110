namespace Captive.Differential;

/// <summary>
/// AdvSIMD instructions, vector and scalar: three-same, across-lanes, permutes, EXT, TBL/TBX, shift by
/// immediate, two-register misc, three-different, copy, pairwise, by element; or (the crypto class) AES, SHA1,
/// SHA256, PMULL and CRC32/CRC32C.
/// The V registers start from the FP class's edge-case values (so FP lanes meet NaNs, denormals and
/// infinities) and FPCR is random and changes inside the stream, as in <see cref="FpScalarClass"/>.
/// Every instruction of these classes writes Vd (TBX and the accumulating forms also read it), CRC32 writes Xd.
/// QEMU's cortex-a57 model implements the crypto extension, like captive.
/// </summary>
public sealed class AdvSimdClass : FpScalarClass
{
    private readonly bool _crypto;

    /// <summary>The AdvSIMD class (vector and scalar), or (<paramref name="crypto"/>) the crypto+CRC class.</summary>
    public AdvSimdClass(bool crypto = false) => _crypto = crypto;

    public override string Name => _crypto ? "crypto" : "advsimd";

    public override IReadOnlyList<string> Ops => _crypto ? CryptoOps : VectorOps;

    private static readonly string[] VectorOps =
    [
        "AdvSimd3Same", "AdvSimdAcross", "AdvSimdPermute", "AdvSimdExt", "AdvSimdShiftImm", "AdvSimd2RegMisc",
        "AdvSimd3Diff", "AdvSimdTbl", "AdvSimdByElement", "AdvSimdScalarByElement",
        "AdvSimdScalar3Same", "AdvSimdScalar3Diff", "AdvSimdScalar2RegMisc", "AdvSimdScalarPairwise", "AdvSimdScalarCopy",
        "AdvSimdScalarShiftImm",
    ];

    /// <summary>The Cryptographic Extension and CRC32/CRC32C (the latter write a general register).</summary>
    private static readonly string[] CryptoOps =
        ["CryptoAes", "CryptoSha1Three", "CryptoSha256Three", "CryptoShaTwo", "CryptoPmull64", "Crc32"];

    public override bool TryGenerate(EncodingPattern line, uint word, Random rng, GenerationContext context, out GeneratedInstruction instruction)
    {
        instruction = default;
        string op = DecoderTable.Decode(word);
        if (op != line.Op)
        {
            context.Reject($"{line.Op}: decodes as {op}");
            return false;
        }
        ulong written = op == "Crc32" ? 1UL << line.Get(word, 'd') : 1UL << (32 + line.Get(word, 'd'));
        instruction = new GeneratedInstruction(word, written, []);
        return true;
    }
}

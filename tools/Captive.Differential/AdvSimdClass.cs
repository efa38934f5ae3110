namespace Captive.Differential;

/// <summary>
/// AdvSIMD vector instructions and the Cryptographic Extension: three-same, across-lanes, permutes,
/// EXT, TBL/TBX, shift by immediate, two-register misc, three-different, AES, SHA1, SHA256 and PMULL.
/// The V registers start from the FP class's edge-case values (so FP lanes meet NaNs, denormals and
/// infinities) and FPCR is random and changes inside the stream, as in <see cref="FpScalarClass"/>.
/// Every instruction of these classes writes Vd (TBX and the accumulating forms also read it).
/// QEMU's cortex-a57 model implements the crypto extension, like captive.
/// </summary>
public sealed class AdvSimdClass : FpScalarClass
{
    public override string Name => "advsimd";

    public override IReadOnlyList<string> Ops { get; } =
    [
        "AdvSimd3Same", "AdvSimdAcross", "AdvSimdPermute", "AdvSimdExt", "AdvSimdShiftImm", "AdvSimd2RegMisc",
        "AdvSimd3Diff", "AdvSimdTbl", "CryptoAes", "CryptoSha1Three", "CryptoSha256Three", "CryptoShaTwo", "CryptoPmull64",
    ];

    public override bool TryGenerate(EncodingPattern line, uint word, Random rng, GenerationContext context, out GeneratedInstruction instruction)
    {
        instruction = default;
        string op = DecoderTable.Decode(word);
        if (op != line.Op)
        {
            context.Reject($"{line.Op}: decodes as {op}");
            return false;
        }
        instruction = new GeneratedInstruction(word, 1UL << (32 + line.Get(word, 'd')), []);
        return true;
    }
}

namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// Reserved field values (UNDEFINED) of the Cryptographic Extension classes (ARM DDI 0487, C4.1.6: Cryptographic
/// AES, Cryptographic three-register SHA, Cryptographic two-register SHA; PMULL/PMULL2 with size 11).
/// </summary>
internal static class A64CryptoDecoding
{
    public static A64Op Classify(A64Encoding e, uint w)
    {
        A64Op op = e.Op;
        switch (op)
        {
            case A64Op.CryptoAes:
                return e.Field(w, 'o') >= 4 ? op : A64Op.Undefined;             // opcodes 00100–00111
            case A64Op.CryptoSha1Three:
                return e.Field(w, 'z') == 0 ? op : A64Op.Undefined;
            case A64Op.CryptoSha256Three:
                return e.Field(w, 'z') == 0 && e.Field(w, 'o') != 3 ? op : A64Op.Undefined; // opcode 111 unallocated
            case A64Op.CryptoShaTwo:
                return e.Field(w, 'z') == 0 && e.Field(w, 'o') <= 2 ? op : A64Op.Undefined;
            default:
                return op;
        }
    }
}

namespace Captive.Core.IR;

// Builders for the Cryptographic Extension opcodes (AesEncrypt…PolyMul64). Each defines a vector (Size 16).
public sealed partial class IrBuilder
{
    private static readonly long AesImm = IrVec.Pack(1), ShaImm = IrVec.Pack(4);

    /// <summary>AESE: ShiftRows(SubBytes(state ^ key)).</summary>
    public IrValue AesEncrypt(IrValue state, IrValue key) => Emit(IrOpcode.AesEncrypt, 16, state.Index, key.Index, imm: AesImm);
    /// <summary>AESD: InvShiftRows(InvSubBytes(state ^ key)).</summary>
    public IrValue AesDecrypt(IrValue state, IrValue key) => Emit(IrOpcode.AesDecrypt, 16, state.Index, key.Index, imm: AesImm);
    /// <summary>AESMC.</summary>
    public IrValue AesMixColumns(IrValue state) => Emit(IrOpcode.AesMixColumns, 16, state.Index, imm: AesImm);
    /// <summary>AESIMC.</summary>
    public IrValue AesInvMixColumns(IrValue state) => Emit(IrOpcode.AesInvMixColumns, 16, state.Index, imm: AesImm);

    /// <summary>SHA1C/SHA1P/SHA1M: <paramref name="op"/> is Sha1Choose, Sha1Parity or Sha1Majority; <paramref name="e"/> is a scalar.</summary>
    public IrValue Sha1Rounds(IrOpcode op, IrValue abcd, IrValue e, IrValue wk)
        => Emit(op is IrOpcode.Sha1Choose or IrOpcode.Sha1Parity or IrOpcode.Sha1Majority ? op : throw new ArgumentOutOfRangeException(nameof(op)),
            16, abcd.Index, e.Index, wk.Index, imm: ShaImm);
    /// <summary>SHA1H of word 0 of <paramref name="a"/>.</summary>
    public IrValue Sha1Hash(IrValue a) => Emit(IrOpcode.Sha1Hash, 16, a.Index, imm: ShaImm);
    /// <summary>SHA1SU0.</summary>
    public IrValue Sha1Su0(IrValue d, IrValue n, IrValue m) => Emit(IrOpcode.Sha1Su0, 16, d.Index, n.Index, m.Index, imm: ShaImm);
    /// <summary>SHA1SU1.</summary>
    public IrValue Sha1Su1(IrValue d, IrValue n) => Emit(IrOpcode.Sha1Su1, 16, d.Index, n.Index, imm: ShaImm);
    /// <summary>SHA256H.</summary>
    public IrValue Sha256H(IrValue d, IrValue n, IrValue m) => Emit(IrOpcode.Sha256H, 16, d.Index, n.Index, m.Index, imm: ShaImm);
    /// <summary>SHA256H2.</summary>
    public IrValue Sha256H2(IrValue d, IrValue n, IrValue m) => Emit(IrOpcode.Sha256H2, 16, d.Index, n.Index, m.Index, imm: ShaImm);
    /// <summary>SHA256SU0.</summary>
    public IrValue Sha256Su0(IrValue d, IrValue n) => Emit(IrOpcode.Sha256Su0, 16, d.Index, n.Index, imm: ShaImm);
    /// <summary>SHA256SU1.</summary>
    public IrValue Sha256Su1(IrValue d, IrValue n, IrValue m) => Emit(IrOpcode.Sha256Su1, 16, d.Index, n.Index, m.Index, imm: ShaImm);
    /// <summary>PMULL (<paramref name="upper"/> false) or PMULL2 .1q: carry-less product of 64-bit halves.</summary>
    public IrValue PolyMul64(IrValue a, IrValue b, bool upper) => Emit(IrOpcode.PolyMul64, 16, a.Index, b.Index, imm: IrVec.Pack(8, upper ? 1 : 0));

    /// <summary>Operand kinds of a crypto opcode for the verifier: 'v' vector, 's' scalar, '-' absent; null when not a crypto opcode.</summary>
    internal static string? CryptoOperandKinds(IrOpcode op) => op switch
    {
        IrOpcode.AesMixColumns or IrOpcode.AesInvMixColumns or IrOpcode.Sha1Hash => "v--",
        IrOpcode.AesEncrypt or IrOpcode.AesDecrypt or IrOpcode.Sha1Su1 or IrOpcode.Sha256Su0 or IrOpcode.PolyMul64 => "vv-",
        IrOpcode.Sha1Choose or IrOpcode.Sha1Parity or IrOpcode.Sha1Majority => "vsv",
        IrOpcode.Sha1Su0 or IrOpcode.Sha256H or IrOpcode.Sha256H2 or IrOpcode.Sha256Su1 => "vvv",
        _ => null,
    };
}

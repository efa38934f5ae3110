namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// Decodes A64 instruction words with <see cref="A64DecoderTable"/>. The table is compiled once into
/// 2048 buckets keyed by bits 31:21; each bucket lists the lines that can match a word with those bits,
/// most specific first, so a decode is one array index and a short mask/compare scan. Never throws and
/// never allocates.
/// </summary>
internal static class A64Decoder
{
    private const int KeyShift = 21;

    /// <summary>Every table line, most specific (most fixed bits) first; ties keep table order.</summary>
    public static readonly A64Encoding[] Encodings = Build();

    // The buckets, flattened: bucket k is Lines[BucketStart[k] .. BucketStart[k + 1]). Each line carries its mask
    // and value next to its encoding, so a decode reads two arrays instead of a bucket array and an object per line.
    private static readonly int[] BucketStart;
    private static readonly Line[] Lines;

    private readonly struct Line(A64Encoding encoding)
    {
        public readonly uint Mask = encoding.Mask;
        public readonly uint Value = encoding.Value;
        public readonly A64Encoding Encoding = encoding;
    }

    static A64Decoder()
    {
        var buckets = BuildBuckets(Encodings);
        BucketStart = new int[buckets.Length + 1];
        var lines = new List<Line>();
        for (int k = 0; k < buckets.Length; k++)
        {
            BucketStart[k] = lines.Count;
            foreach (var e in buckets[k]) lines.Add(new Line(e));
        }
        BucketStart[buckets.Length] = lines.Count;
        Lines = lines.ToArray();
    }

    private static A64Encoding[] Build()
    {
        var lines = A64DecoderTable.Lines;
        var list = new List<(A64Encoding Encoding, int Order)>(lines.Length);
        for (int k = 0; k < lines.Length; k++)
            list.Add((new A64Encoding(lines[k].Op, lines[k].Pattern), k));
        list.Sort((x, y) =>
        {
            int c = System.Numerics.BitOperations.PopCount(y.Encoding.Mask).CompareTo(System.Numerics.BitOperations.PopCount(x.Encoding.Mask));
            return c != 0 ? c : x.Order.CompareTo(y.Order);
        });
        return list.ConvertAll(e => e.Encoding).ToArray();
    }

    private static A64Encoding[][] BuildBuckets(A64Encoding[] encodings)
    {
        var buckets = new A64Encoding[1 << (32 - KeyShift)][];
        var scratch = new List<A64Encoding>();
        for (uint key = 0; key < buckets.Length; key++)
        {
            scratch.Clear();
            uint keyBits = key << KeyShift;
            foreach (var e in encodings)
            {
                uint m = e.Mask & 0xFFE0_0000u;
                if ((keyBits & m) == (e.Value & m))
                    scratch.Add(e);
            }
            buckets[key] = scratch.ToArray();
        }
        return buckets;
    }

    /// <summary>Decodes one word.</summary>
    public static A64Instruction Decode(uint word)
    {
        var starts = BucketStart;
        uint key = word >> KeyShift;
        var lines = Lines;
        for (int k = starts[key], end = starts[key + 1]; k < end; k++)
        {
            ref readonly var line = ref lines[k];
            if ((word & line.Mask) == line.Value)
                return new A64Instruction(word, Classify(line.Encoding, word), line.Encoding);
        }
        return new A64Instruction(word, A64Op.Undefined, null);
    }

    /// <summary>The largest number of lines a bucket holds (for tests and tuning).</summary>
    public static int LongestBucket
    {
        get
        {
            int longest = 0;
            for (int k = 0; k + 1 < BucketStart.Length; k++) longest = Math.Max(longest, BucketStart[k + 1] - BucketStart[k]);
            return longest;
        }
    }

    /// <summary>
    /// Turns reserved field values of a matched line into <see cref="A64Op.Undefined"/>, and defined
    /// variants that are not implemented into <see cref="A64Op.Unsupported"/>.
    /// </summary>
    [System.Runtime.CompilerServices.SkipLocalsInit] // every decode runs it: no zeroing of the out locals in its prolog
    private static A64Op Classify(A64Encoding e, uint w)
    {
        A64Op op = e.Op;
        int sf = (int)(w >> 31);
        switch (op)
        {
            case A64Op.Casp:
                // CASP names even register pairs; an odd Rs or Rt is UNDEFINED.
                return ((e.Field(w, 's') | e.Field(w, 't')) & 1) != 0 ? A64Op.Undefined : op;
            case A64Op.AndImm or A64Op.OrrImm or A64Op.EorImm or A64Op.AndsImm:
                {
                    int n = e.Field(w, 'N');
                    if (sf == 0 && n == 1) return A64Op.Undefined;
                    return A64Immediates.TryDecodeLogicalImmediate(n, e.Field(w, 's'), e.Field(w, 'r'), sf == 0 ? 32 : 64, out _)
                        ? op : A64Op.Undefined;
                }
            case A64Op.Movn or A64Op.Movz or A64Op.Movk:
                return sf == 0 && e.Field(w, 'h') >= 2 ? A64Op.Undefined : op;
            case A64Op.Sbfm or A64Op.Bfm or A64Op.Ubfm:
                if (e.Field(w, 'N') != sf) return A64Op.Undefined;
                return sf == 0 && (e.Field(w, 'r') >= 32 || e.Field(w, 's') >= 32) ? A64Op.Undefined : op;
            case A64Op.Extr:
                if (e.Field(w, 'N') != sf) return A64Op.Undefined;
                return sf == 0 && e.Field(w, 's') >= 32 ? A64Op.Undefined : op;
            case A64Op.Dcps:
                return e.Field(w, 'l') == 0 ? A64Op.Undefined : op;
            case A64Op.MsrImm:
                return (e.Field(w, 'o'), e.Field(w, 'p')) is (0, 5) or (3, 6) or (3, 7) ? op : A64Op.Undefined;
            case A64Op.Sys:
                if (!A64SystemInstructions.TryGet(e.Field(w, 'o'), e.Field(w, 'n'), e.Field(w, 'm'), e.Field(w, 'p'), out var sys))
                    return A64Op.Undefined;
                return sys.Kind == SysInstructionKind.Absent ? A64Op.Undefined : op;
            case A64Op.LdrLitSimd:
                return e.Field(w, 'o') == 3 ? A64Op.Undefined : op;
            case A64Op.LdStPair:
                {
                    int opc = e.Field(w, 'o');
                    if (opc == 3) return A64Op.Undefined;
                    if (opc == 1 && (e.Field(w, 'L') == 0 || e.Field(w, 'p') == 0)) return A64Op.Undefined;
                    if (opc == 1)
                    {
                        // LDPSW with overlapping registers is CONSTRAINED UNPREDICTABLE; like binutils, take UNDEFINED.
                        int t = e.Field(w, 't'), t2 = e.Field(w, 'u'), n = e.Field(w, 'n');
                        bool writeback = (e.Field(w, 'p') & 1) == 1;
                        if (t == t2 || (writeback && n != 31 && (t == n || t2 == n))) return A64Op.Undefined;
                    }
                    return op;
                }
            case A64Op.LdStPairSimd:
                return e.Field(w, 'o') == 3 ? A64Op.Undefined : op;
            case A64Op.LdStImm9:
                {
                    int mode = e.Field(w, 'w');
                    var kind = LoadStoreKind(e.Field(w, 'z'), e.Field(w, 'v'), e.Field(w, 'o'), allowPrefetch: mode == 0);
                    if (kind == LdStKind.Invalid) return A64Op.Undefined;
                    if (mode == 2 && kind == LdStKind.Simd) return A64Op.Undefined; // LDTR/STTR have no SIMD&FP forms
                    return op;
                }
            case A64Op.LdStReg:
                if ((e.Field(w, 'x') & 2) == 0) return A64Op.Undefined;
                return LoadStoreKind(e.Field(w, 'z'), e.Field(w, 'v'), e.Field(w, 'o'), allowPrefetch: true) == LdStKind.Invalid ? A64Op.Undefined : op;
            case A64Op.LdStUImm:
                return LoadStoreKind(e.Field(w, 'z'), e.Field(w, 'v'), e.Field(w, 'o'), allowPrefetch: true) == LdStKind.Invalid ? A64Op.Undefined : op;
            case A64Op.LdStMultiple or A64Op.LdStMultiplePost or A64Op.LdStSingle or A64Op.LdStSinglePost:
                return A64SimdStructureDecoding.Classify(e, w);
            case A64Op.AndReg or A64Op.BicReg or A64Op.OrrReg or A64Op.OrnReg or A64Op.EorReg or A64Op.EonReg or A64Op.AndsReg or A64Op.BicsReg:
                return sf == 0 && e.Field(w, 'i') >= 32 ? A64Op.Undefined : op;
            case A64Op.AddShift or A64Op.AddsShift or A64Op.SubShift or A64Op.SubsShift:
                if (e.Field(w, 'h') == 3) return A64Op.Undefined;
                return sf == 0 && e.Field(w, 'i') >= 32 ? A64Op.Undefined : op;
            case A64Op.AddExt or A64Op.AddsExt or A64Op.SubExt or A64Op.SubsExt:
                return e.Field(w, 'i') > 4 ? A64Op.Undefined : op;
            case A64Op.Crc32:
                return (e.Field(w, 's') == 3) != (sf == 1) ? A64Op.Undefined : op;
            case A64Op.SimdModImm:
                {
                    if (e.Field(w, 'r') == 1) return A64Op.Undefined; // FP16 (ARMv8.2)
                    if (e.Field(w, 'p') == 1 && e.Field(w, 'c') == 15 && e.Field(w, 'q') == 0) return A64Op.Undefined;
                    return op;
                }
            case A64Op.FmovGen:
                {
                    int type = e.Field(w, 't'), rmode = e.Field(w, 'r');
                    bool ok = (sf == 0 && type == 0 && rmode == 0) || (sf == 1 && type == 1 && rmode == 0) || (sf == 1 && type == 2 && rmode == 1);
                    return ok ? op : A64Op.Undefined;
                }
            case A64Op.FmovImm:
                return e.Field(w, 't') <= 1 ? op : A64Op.Undefined;
            case >= A64Op.FpCompare and <= A64Op.FpFixedConvert:
                return A64FpDecoding.Classify(e, w);
            case >= A64Op.CryptoAes and <= A64Op.CryptoPmull64:
                return A64CryptoDecoding.Classify(e, w);
            case >= A64Op.AdvSimd3Same and <= A64Op.AdvSimdTbl:
                return A64AdvSimdDecoding.Classify(e, w);
            case >= A64Op.AdvSimdScalar3Same and <= A64Op.AdvSimdScalarShiftImm:
                return A64AdvSimdDecoding.ClassifyScalar(e, w);
            case A64Op.AdvSimdByElement or A64Op.AdvSimdScalarByElement:
                return A64ByElementDecoding.Classify(e, w);
            case A64Op.DupElem or A64Op.DupGen:
                {
                    int imm5 = e.Field(w, 'i');
                    if ((imm5 & 0xF) == 0) return A64Op.Undefined;
                    return (imm5 & 0xF) == 8 && e.Field(w, 'q') == 0 ? A64Op.Undefined : op;
                }
            case A64Op.Umov:
                {
                    int imm5 = e.Field(w, 'i'), q = e.Field(w, 'q');
                    int size = ElementSizeLog2(imm5);
                    if (size < 0) return A64Op.Undefined;
                    return (q == 1) == (size == 3) ? op : A64Op.Undefined;
                }
            case A64Op.Smov:
                {
                    int size = ElementSizeLog2(e.Field(w, 'i'));
                    if (size < 0 || size == 3) return A64Op.Undefined;
                    return size == 2 && e.Field(w, 'q') == 0 ? A64Op.Undefined : op;
                }
            case A64Op.Ins or A64Op.InsElem:
                return ElementSizeLog2(e.Field(w, 'i')) < 0 ? A64Op.Undefined : op;
            default:
                return op;
        }
    }

    /// <summary>Log2 of the element size in bytes that an imm5 selects (lowest set bit), or -1 when reserved.</summary>
    public static int ElementSizeLog2(int imm5)
    {
        if ((imm5 & 1) != 0) return 0;
        if ((imm5 & 2) != 0) return 1;
        if ((imm5 & 4) != 0) return 2;
        if ((imm5 & 8) != 0) return 3;
        return -1;
    }

    /// <summary>What a single-register load/store (size, V, opc) does.</summary>
    public enum LdStKind : byte
    {
        /// <summary>Unallocated.</summary>
        Invalid,
        /// <summary>Store of a general register.</summary>
        Store,
        /// <summary>Zero-extending load of a general register.</summary>
        Load,
        /// <summary>Sign-extending load to a W register.</summary>
        LoadSigned32,
        /// <summary>Sign-extending load to an X register.</summary>
        LoadSigned64,
        /// <summary>Prefetch (PRFM/PRFUM).</summary>
        Prefetch,
        /// <summary>Load or store of a SIMD&amp;FP register (B, H, S, D or Q).</summary>
        Simd,
    }

    /// <summary>Classifies the size/V/opc fields of a single-register load or store (C4.1.4).</summary>
    public static LdStKind LoadStoreKind(int size, int v, int opc, bool allowPrefetch)
    {
        if (v == 1)
            return (opc & 2) == 0 || size == 0 ? LdStKind.Simd : LdStKind.Invalid;
        return opc switch
        {
            0 => LdStKind.Store,
            1 => LdStKind.Load,
            2 => size != 3 ? LdStKind.LoadSigned64 : allowPrefetch ? LdStKind.Prefetch : LdStKind.Invalid,
            _ => size <= 1 ? LdStKind.LoadSigned32 : LdStKind.Invalid,
        };
    }

    /// <summary>Access size in bytes and whether the access is a load, for a SIMD&amp;FP single-register form.</summary>
    public static (int Bytes, bool Load) SimdAccess(int size, int opc)
        => (opc & 2) != 0 ? (16, (opc & 1) != 0) : (1 << size, (opc & 1) != 0);
}

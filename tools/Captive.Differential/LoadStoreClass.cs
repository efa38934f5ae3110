namespace Captive.Differential;

/// <summary>
/// Integer loads and stores: unsigned offset, unscaled, pre- and post-index, register offset (every
/// extend), pairs (LDP, STP, LDPSW, LDNP, STNP), literal, exclusives and acquire/release; and the AdvSIMD
/// structure loads and stores (LD1–LD4, ST1–ST4 of 1–4 registers, single lanes, LD1R–LD4R; no offset,
/// post-index by the transfer size and by a register). Every base and index register is reserved and its
/// value known to the generator, so every effective address is known statically and kept inside the
/// window, aligned to the element size (with the MMU off data accesses are Device-nGnRnE: an unaligned
/// one is an alignment fault), and outside the exclusive granule at X28 unless the instruction is an
/// exclusive. The V registers start random and every dump prints all 32.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>X28: window base (fixed, 16-byte aligned, mid-window); the only base of exclusives.</item>
/// <item>X27 and SP: bases that writeback moves (tracked, kept in the inner window).</item>
/// <item>X24 (small positive), X25 (random high half, small negative low word), X26 (random high half,
/// small positive low word): index registers, so UXTW, SXTW, LSL and SXTX each meet a useful value.</item>
/// <item>X23 (small negative) and X24: the post-index registers of the structure forms.</item>
/// </list>
/// Filtered as CONSTRAINED UNPREDICTABLE: writeback with Rt (or Rt2) == Rn, load pairs with Rt == Rt2,
/// STXR with Rs == Rt, exclusive stores whose size differs from the armed load's, and plain stores into
/// the armed exclusive granule (whether they clear the monitor is IMPLEMENTATION DEFINED).
/// </remarks>
public sealed class LoadStoreClass : InstructionClass
{
    private const int WindowBase = 28, WritebackBase = 27, IndexSmall = 24, IndexNegW = 25, IndexPosW = 26, IndexNeg = 23, Sp = 31;
    private static readonly int[] ReservedRegisters = [IndexNeg, IndexSmall, IndexNegW, IndexPosW, WritebackBase, WindowBase];
    private static readonly int[] Bases = [WindowBase, WritebackBase, Sp];
    private static readonly int[] WritebackBases = [WritebackBase, Sp];
    private static readonly int[] Indexes = [IndexSmall, IndexNegW, IndexPosW, 31];
    private static readonly int[] PostIndexes = [IndexSmall, IndexNeg, 31]; // 31: by the bytes transferred

    private readonly bool _atomics;

    /// <summary>The plain load/store class, or (<paramref name="atomics"/>) the ARMv8.1 LSE atomics class.</summary>
    public LoadStoreClass(bool atomics = false) => _atomics = atomics;

    public override string Name => _atomics ? "atomics" : "loadstore";

    /// <summary>LSE is ARMv8.1: QEMU's cortex-a57 model has none, its 'max' model has it.</summary>
    public override string QemuCpu => _atomics ? "max" : base.QemuCpu;

    public override IReadOnlyList<string> Ops => _atomics ? AtomicOps : PlainOps;

    /// <summary>The plain class has the structure loads and stores, so the V registers are part of its state.</summary>
    public override bool NeedsFp => !_atomics;

    /// <summary>Random bits (the FP classes' edge-case values mean nothing to loads and stores).</summary>
    public override ulong[] InitialVectors(Random rng)
    {
        var v = new ulong[64];
        for (int k = 0; k < v.Length; k++) v[k] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);
        return v;
    }

    /// <summary>Every V register in every dump (a structure access touches up to four, wrapping at V31).</summary>
    public override ulong AlwaysDumped => _atomics ? 0 : 0xFFFF_FFFF_0000_0000;

    private static readonly string[] PlainOps =
    [
        "LdStUImm", "LdStImm9", "LdStReg", "LdStPair", "LdStPairSimd", "LdrLit", "LdrLitSimd",
        "Ldxr", "Ldaxr", "Stxr", "Stlxr", "Stlr", "Ldar", "Ldxp", "Ldaxp", "Stxp", "Stlxp",
        "LdStMultiple", "LdStMultiplePost", "LdStSingle", "LdStSinglePost",
    ];

    private static readonly string[] AtomicOps = ["Cas", "Casp", "AtomicOp", "Swp"];

    public override IReadOnlyCollection<int> Reserved => ReservedRegisters;

    private static ulong Granule => ImageLayout.Window + ImageLayout.WindowSize / 2;

    public override void Initialise(ulong[] registers, GenerationContext context, Random rng)
    {
        ulong w = ImageLayout.Window;
        registers[WindowBase] = Granule;
        registers[WritebackBase] = w + 0x400 + (ulong)rng.Next(0, 0x40) * 8;
        registers[Sp] = w + 0xB00 + (ulong)rng.Next(0, 0x40) * 8;
        registers[IndexSmall] = (ulong)rng.Next(1, 32) * 8;
        registers[IndexNegW] = ((ulong)(uint)rng.Next() << 32) | (uint)-(rng.Next(1, 32) * 8);
        registers[IndexPosW] = ((ulong)(uint)rng.Next() << 32) | (uint)(rng.Next(1, 32) * 8);
        registers[IndexNeg] = (ulong)-(rng.Next(1, 32) * 8);
        foreach (int r in (int[])[.. ReservedRegisters, Sp]) context.Known[r] = registers[r];
    }

    private static bool InWindow(ulong ea, int bytes, int align, bool exclusive)
    {
        if (ea < ImageLayout.Window || ea + (ulong)bytes > ImageLayout.Window + ImageLayout.WindowSize || ea % (ulong)align != 0) return false;
        bool inGranule = ea < Granule + 16 && ea + (ulong)bytes > Granule;
        return exclusive || !inGranule;
    }

    private static bool BaseStaysInner(ulong value) =>
        value >= ImageLayout.Window + 0x100 && value <= ImageLayout.Window + ImageLayout.WindowSize - 0x100;

    private static int[] Dwords(ulong ea, int bytes)
    {
        int first = (int)(ea - ImageLayout.Window) & ~7, last = (int)(ea + (ulong)bytes - 1 - ImageLayout.Window) & ~7;
        var dwords = new int[(last - first) / 8 + 1];
        for (int k = 0; k < dwords.Length; k++) dwords[k] = first + 8 * k;
        return dwords;
    }

    private bool NotReserved(int r) => r == 31 || !Reserved.Contains(r);

    public override bool TryGenerate(EncodingPattern line, uint word, Random rng, GenerationContext context, out GeneratedInstruction instruction)
    {
        instruction = default;
        bool simd = line.Op is "LdStPairSimd" or "LdrLitSimd" || (line.Has('v') && line.Get(word, 'v') == 1); // B..Q registers
        int? newBase = null; ulong newBaseValue = 0;
        ulong ea; int bytes, align; bool store, load = false;
        int t = line.Has('t') ? line.Get(word, 't') : 0;
        switch (line.Op)
        {
            case "LdStUImm" or "LdStImm9" or "LdStReg":
            {
                int size = line.Get(word, 'z'), opc = line.Get(word, 'o');
                if (simd && size == 0 && opc >= 2) size = 4; // Q: 16 bytes (other size/opc pairs are UNDEFINED: Check draws again)
                bytes = 1 << size; align = bytes;
                bool prefetch = !simd && size == 3 && opc == 2;
                store = simd ? (opc & 1) == 0 : opc == 0; load = !store && !prefetch;
                int mode = line.Op == "LdStImm9" ? line.Get(word, 'w') : 0;
                bool writeback = mode is 1 or 3;
                int n = writeback ? WritebackBases[rng.Next(2)] : Bases[rng.Next(3)];
                word = line.Set(word, 'n', n);
                ulong b = context.Known[n];
                if (line.Op == "LdStUImm")
                {
                    int imm = rng.Next(0, 0x800 >> size);
                    word = line.Set(word, 'i', imm);
                    ea = b + ((ulong)imm << size);
                }
                else if (line.Op == "LdStImm9")
                {
                    long imm = line.Get(word, 'i'); if (imm >= 256) imm -= 512;
                    ea = mode == 1 ? b : b + (ulong)imm;
                    if (writeback) { newBase = n; newBaseValue = b + (ulong)imm; }
                }
                else
                {
                    int m = Indexes[rng.Next(Indexes.Length)];
                    word = line.Set(word, 'm', m);
                    ulong xm = m == 31 ? 0 : context.Known[m];
                    int option = line.Get(word, 'x');
                    ulong index = option switch { 2 => (uint)xm, 6 => (ulong)(long)(int)(uint)xm, _ => xm };
                    ea = b + (index << (line.Get(word, 'S') == 1 ? size : 0));
                }
                if (load && !simd && !NotReserved(t)) word = line.Set(word, 't', t = RandomFreeRegister(rng));
                if (writeback && !simd && t == n && n != 31) { context.Reject("writeback with Rt == Rn (CONSTRAINED UNPREDICTABLE)"); return false; }
                break;
            }
            case "LdStPair" or "LdStPairSimd":
            {
                int opc = line.Get(word, 'o'), mode = line.Get(word, 'p');
                bool isLoad = line.Get(word, 'L') == 1;
                int scale = simd ? 4 << opc : opc == 2 ? 8 : 4;
                bytes = 2 * scale; align = scale; store = !isLoad; load = isLoad;
                bool writeback = mode is 1 or 3;
                int n = writeback ? WritebackBases[rng.Next(2)] : Bases[rng.Next(3)];
                word = line.Set(word, 'n', n);
                long imm = line.Get(word, 'i'); if (imm >= 64) imm -= 128;
                ulong b = context.Known[n];
                ea = mode == 1 ? b : b + (ulong)(imm * scale);
                if (writeback) { newBase = n; newBaseValue = b + (ulong)(imm * scale); }
                int u = line.Get(word, 'u');
                if (load)
                {
                    if (!simd && !NotReserved(t)) word = line.Set(word, 't', t = RandomFreeRegister(rng));
                    if (!simd && !NotReserved(u)) word = line.Set(word, 'u', u = RandomFreeRegister(rng));
                    if (t == u) { context.Reject("load pair with Rt == Rt2 (CONSTRAINED UNPREDICTABLE)"); return false; }
                }
                if (writeback && !simd && n != 31 && (t == n || u == n)) { context.Reject("pair writeback with Rt or Rt2 == Rn (CONSTRAINED UNPREDICTABLE)"); return false; }
                break;
            }
            case "LdrLit" or "LdrLitSimd":
            {
                int opc = line.Get(word, 'o');
                bytes = simd ? 4 << opc : opc == 1 ? 8 : 4; align = bytes; store = false; load = simd || opc != 3;
                ulong lo = Math.Max(ImageLayout.Window, context.Pc - 0xF_0000); // not below: the flush flag differs between engines
                ulong target = (lo + (ulong)rng.NextInt64(0, (long)(context.Pc - lo))) & ~(ulong)(align - 1);
                word = line.Set(word, 'i', (int)((long)(target - context.Pc) >> 2));
                if (load && !simd && !NotReserved(t)) word = line.Set(word, 't', t = RandomFreeRegister(rng));
                ea = 0;
                break;
            }
            case "Ldxr" or "Ldaxr" or "Stxr" or "Stlxr" or "Ldxp" or "Ldaxp" or "Stxp" or "Stlxp":
            {
                bool pair = line.Op.EndsWith('p');
                bool isStore = line.Op.StartsWith("St", StringComparison.Ordinal);
                int size = line.Get(word, 'z');
                if (pair) size += 3; // 32-bit pair = 8 bytes, 64-bit pair = 16 bytes
                if (isStore && context.ExclusiveSize is int armed)
                {
                    if (armed != size) { context.Reject("store exclusive of another size than the armed load (CONSTRAINED UNPREDICTABLE)"); return false; }
                }
                bytes = 1 << size; align = bytes; store = isStore; load = !isStore;
                word = line.Set(word, 'n', WindowBase);
                ea = context.Known[WindowBase];
                if (!isStore) word = line.Set(word, 's', 31);
                if (!pair) word = line.Set(word, 'u', 31);
                if (load && !NotReserved(t)) word = line.Set(word, 't', t = RandomFreeRegister(rng));
                if (pair && load)
                {
                    int u = line.Get(word, 'u');
                    if (!NotReserved(u)) word = line.Set(word, 'u', u = RandomFreeRegister(rng));
                    if (t == u) { context.Reject("load exclusive pair with Rt == Rt2 (CONSTRAINED UNPREDICTABLE)"); return false; }
                }
                if (isStore)
                {
                    int s = RandomFreeRegister(rng, allowZr: false);
                    word = line.Set(word, 's', s);
                    if (s == t || (pair && s == line.Get(word, 'u'))) { context.Reject("store exclusive with Rs == Rt or Rt2 (CONSTRAINED UNPREDICTABLE)"); return false; }
                }
                if (!Check(line, ref word, context)) return false;
                context.ExclusiveSize = isStore ? null : size;
                ulong regs = RegisterMask(line, word, isStore ? "s" : pair ? "tu" : "t");
                instruction = new GeneratedInstruction(word, regs, isStore ? Dwords(ea, bytes) : []);
                return true;
            }
            case "Cas" or "AtomicOp" or "Swp" or "Casp":
            {
                // LSE: base X27 or SP (known, 8-byte aligned, never the exclusive granule); Rs and Rt
                // (and the CASP pairs) kept off the reserved registers.
                bool pair = line.Op == "Casp";
                int size = line.Get(word, 'z');
                bytes = pair ? 2 << (size + 2) : 1 << size;
                align = bytes;
                int n = WritebackBases[rng.Next(2)];
                word = line.Set(word, 'n', n);
                int sReg = line.Get(word, 's');
                if (pair)
                {
                    sReg = 2 * rng.Next(0, 12); t = 2 * rng.Next(0, 12); // even pairs below the reserved X24
                    word = line.Set(line.Set(word, 's', sReg), 't', t);
                }
                else
                {
                    if (!NotReserved(sReg)) word = line.Set(word, 's', sReg = RandomFreeRegister(rng));
                    if (!NotReserved(t)) word = line.Set(word, 't', t = RandomFreeRegister(rng));
                }
                ea = context.Known[n];
                if (!InWindow(ea, bytes, align, exclusive: false))
                {
                    context.Reject("atomic address unaligned or outside the window (regenerated)");
                    return false;
                }
                if (!Check(line, ref word, context)) return false;
                ulong written = line.Op switch
                {
                    "Casp" => 3UL << sReg,
                    "Cas" => sReg == 31 ? 0 : 1UL << sReg,
                    _ => t == 31 ? 0 : 1UL << t,
                };
                instruction = new GeneratedInstruction(word, written, Dwords(ea, bytes));
                return true;
            }
            case "LdStMultiple" or "LdStMultiplePost" or "LdStSingle" or "LdStSinglePost":
                return TryStructure(line, word, rng, context, out instruction);
            case "Stlr" or "Ldar":
            {
                int size = line.Get(word, 'z');
                bytes = 1 << size; align = bytes; store = line.Op == "Stlr"; load = !store;
                int n = WritebackBases[rng.Next(2)];
                word = line.Set(word, 'n', n);
                if (store) { word = line.Set(word, 's', 31); word = line.Set(word, 'u', 31); }
                if (load && !NotReserved(t)) word = line.Set(word, 't', t = RandomFreeRegister(rng));
                ea = context.Known[n];
                break;
            }
            default:
                throw new InvalidOperationException($"{line.Op} is not a load/store op this class handles.");
        }

        if (!line.Op.StartsWith("LdrLit", StringComparison.Ordinal) && !InWindow(ea, bytes, align, exclusive: false))
        {
            context.Reject("address outside the window, unaligned, or in the exclusive granule (regenerated)");
            return false;
        }
        if (newBase is int nb && !BaseStaysInner(newBaseValue))
        {
            context.Reject("writeback would move the base out of the window (regenerated)");
            return false;
        }
        if (!Check(line, ref word, context)) return false;
        if (newBase is int reg) context.Known[reg] = newBaseValue;
        ulong loaded = load ? RegisterMask(line, word, line.Op.StartsWith("LdStPair", StringComparison.Ordinal) ? "tu" : "t") : 0;
        if (simd) loaded <<= 32; // V registers: bit 32 + n
        ulong mask = loaded | (newBase is int wb ? 1UL << wb : 0);
        instruction = new GeneratedInstruction(word, mask, store ? Dwords(ea, bytes) : []);
        return true;
    }

    /// <summary>
    /// An AdvSIMD structure load or store: base X27 or SP (X28 is the exclusive granule), post-index by the
    /// bytes transferred or by X24/X23; the accessed bytes inside the window, aligned to the element size.
    /// </summary>
    private bool TryStructure(EncodingPattern line, uint word, Random rng, GenerationContext context, out GeneratedInstruction instruction)
    {
        instruction = default;
        if (!Check(line, ref word, context)) return false; // reserved field values: draw again
        bool post = line.Op.EndsWith("Post", StringComparison.Ordinal);
        int n = WritebackBases[rng.Next(2)];
        word = line.Set(word, 'n', n);
        int m = 31;
        if (post) word = line.Set(word, 'm', m = PostIndexes[rng.Next(PostIndexes.Length)]);
        int q = line.Get(word, 'q'), size = line.Get(word, 'z'), opcode = line.Get(word, 'o');
        bool load = line.Get(word, 'L') == 1;
        int registers, elementBytes, bytes;
        if (line.Op.StartsWith("LdStMultiple", StringComparison.Ordinal))
        {
            registers = StructureShape.Multiple(opcode);
            elementBytes = 1 << size;
            bytes = registers * (q == 1 ? 16 : 8);
        }
        else
        {
            (registers, int scale) = StructureShape.Single(line.Get(word, 'R'), opcode, size);
            elementBytes = 1 << scale;
            bytes = registers * elementBytes;
        }
        ulong ea = context.Known[n];
        if (!InWindow(ea, bytes, elementBytes, exclusive: false))
        {
            context.Reject("structure: address outside the window, unaligned, or in the exclusive granule (regenerated)");
            return false;
        }
        ulong newBase = ea + (m == 31 ? (ulong)bytes : context.Known[m]);
        if (post && !BaseStaysInner(newBase))
        {
            context.Reject("structure: writeback would move the base out of the window (regenerated)");
            return false;
        }
        if (post) context.Known[n] = newBase;
        int t = line.Get(word, 't');
        ulong written = post ? 1UL << n : 0;
        if (load)
            for (int r = 0; r < registers; r++) written |= 1UL << (32 + ((t + r) & 31));
        instruction = new GeneratedInstruction(word, written, load ? [] : Dwords(ea, bytes));
        return true;
    }

    /// <summary>The register count and element size of a structure form, from the ARM ARM's decode (not captive's).</summary>
    private static class StructureShape
    {
        /// <summary>Registers of a multiple-structure opcode (rpt × selem).</summary>
        public static int Multiple(int opcode) => opcode switch { 0 => 4, 2 => 4, 4 => 3, 6 => 3, 7 => 1, 8 => 2, 10 => 2, _ => 0 };

        /// <summary>Registers (selem) and log2 element bytes of a single-structure form.</summary>
        public static (int Registers, int Scale) Single(int r, int opcode, int size)
        {
            int registers = ((opcode & 1) << 1 | r) + 1, scale = opcode >> 1;
            if (scale == 3) return (registers, size);                 // LD1R..LD4R
            if (scale == 2 && (size & 1) == 1) return (registers, 3); // doubleword lanes
            return (registers, scale);
        }
    }

    private static bool Check(EncodingPattern line, ref uint word, GenerationContext context)
    {
        string op = DecoderTable.Decode(word);
        if (op == line.Op) return true;
        context.Reject($"{line.Op}: decodes as {op}");
        return false;
    }
}

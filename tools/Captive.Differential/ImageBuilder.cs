using System.Buffers.Binary;
using static Captive.Differential.A64Asm;

namespace Captive.Differential;

/// <summary>Builds a raw bare-metal image: fixed routines, random initial state, a random stream of one class with dumps.</summary>
public static class ImageBuilder
{
    /// <summary>Interesting register values the initial state draws from (half the time; else random).</summary>
    private static readonly ulong[] Interesting =
    [
        0, 1, 2, 31, 32, 63, 64, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, ulong.MaxValue, ulong.MaxValue - 1,
        0xFFFF_FFFF_8000_0000, 0x0000_0000_8000_0001,
    ];

    private sealed class Code(ulong origin)
    {
        public List<uint> Words { get; } = [];
        public ulong Pc => origin + 4 * (ulong)Words.Count;
        public void Emit(uint w) => Words.Add(w);
        public void Emit(IEnumerable<uint> ws) => Words.AddRange(ws);
        public int Mark() => Words.Count;
        public long Offset(int from, int to) => 4L * (to - from);
        public void Patch(int at, uint w) => Words[at] = w;
    }

    /// <summary>
    /// Builds an image of <paramref name="instructions"/> random instructions of the class, dumping every <paramref name="perDump"/> (1–16).
    /// With <paramref name="loopIterations"/> &gt; 0 each group of instructions between dumps runs that many times, as a loop
    /// of three blocks (an unconditional branch halfway splits the body; the counter lives in TPIDRRO_EL0 and X30 is
    /// parked in TPIDR_EL1 around it, so no register or flag of the stream is disturbed): the translator's loop regions
    /// meet random code. Only for classes without memory writes whose addresses the generator tracks (integer).
    /// With <paramref name="mmu"/> the prologue turns the guest MMU on first (<see cref="ImageLayout.PageTables"/>: RAM and
    /// the UART identity-mapped by 1 GiB blocks), so every access of the stream goes through translation: the
    /// translator's software TLB and in-VM walker meet random loads and stores.
    /// </summary>
    public static TestImage Build(InstructionClass cls, int seed, int instructions, int perDump = 16, int fullEvery = 64, int loopIterations = 0,
        bool mmu = false)
    {
        if (loopIterations is < 0 or > 0xFFFF) throw new ArgumentOutOfRangeException(nameof(loopIterations));
        if (perDump is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(perDump));
        var rng = new Random(seed);
        var context = new GenerationContext { Mmu = mmu };

        // Initial state: X0..X30, SP, NZCV.
        var regs = new ulong[33];
        for (int r = 0; r < 32; r++) regs[r] = rng.Next(2) == 0 ? Interesting[rng.Next(Interesting.Length)] : (ulong)rng.NextInt64() ^ ((ulong)rng.Next(2) << 63);
        regs[32] = (ulong)rng.Next(16) << 28;
        cls.Initialise(regs, context, rng);
        ulong[] vectors = [];
        ulong fpcr = 0;
        if (cls.NeedsFp)
        {
            vectors = cls.InitialVectors(rng);
            fpcr = cls.InitialFpcr(rng);
        }
        ulong allRegisters = cls.NeedsFp ? ulong.MaxValue : ulong.MaxValue >> 32;

        var stream = new Code(ImageLayout.Stream);
        EmitPrologue(stream, cls, mmu);
        var dumps = new List<DumpPoint>();
        var words = new List<uint>(instructions);
        var addresses = new List<ulong>(instructions);
        EmitDump(stream, dumps, allRegisters, full: true, cls.NeedsFp, [], 0, 0, 0);

        var candidates = cls.Candidates;
        int produced = 0, segment = 0;
        while (produced < instructions)
        {
            int first = words.Count;
            ulong mask = 0;
            var stored = new SortedSet<int>();
            var setup = cls.GroupPrologue(rng, context);
            foreach (uint w in setup)
            {
                addresses.Add(stream.Pc);
                stream.Emit(w);
                words.Add(w);
            }
            int loopStart = 0;
            if (loopIterations > 0)
            {
                stream.Emit(Msr(TpidrEl1, 30));
                stream.Emit(Movz(30, loopIterations));
                stream.Emit(Msr(TpidrroEl0, 30));
                stream.Emit(Mrs(30, TpidrEl1));
                loopStart = stream.Mark();
            }
            for (int k = 0; k < perDump && produced < instructions; k++)
            {
                if (loopIterations > 0 && k == perDump / 2 && k > 0) stream.Emit(B(4)); // a second block
                context.Pc = stream.Pc;
                GeneratedInstruction g;
                int tries = 0;
                while (true)
                {
                    var line = candidates[rng.Next(candidates.Count)];
                    if (cls.TryGenerate(line, line.Random(rng), rng, context, out g)) break;
                    if (++tries > 10_000) throw new InvalidOperationException($"Class {cls.Name} cannot generate an instruction (seed {seed}).");
                }
                stream.Emit(g.Word);
                words.Add(g.Word);
                addresses.Add(context.Pc);
                mask |= g.Registers;
                foreach (int d in g.StoredDwords) stored.Add(d);
                produced++;
            }
            if (loopIterations > 0)
            {
                // x30 := --counter; if zero leave, else restore x30 and go round again (NZCV untouched).
                stream.Emit(Msr(TpidrEl1, 30));
                stream.Emit(Mrs(30, TpidrroEl0));
                stream.Emit(SubImm(30, 30, 1));
                stream.Emit(Msr(TpidrroEl0, 30));
                stream.Emit(Cbz(30, 12));
                stream.Emit(Mrs(30, TpidrEl1));
                stream.Emit(B(stream.Offset(stream.Mark(), loopStart)));
                stream.Emit(Mrs(30, TpidrEl1));
            }
            segment++;
            bool full = produced == instructions || segment % fullEvery == 0;
            EmitDump(stream, dumps, full ? allRegisters : mask | cls.AlwaysDumped, full, cls.NeedsFp, [.. stored], first, words.Count - first, setup.Count);
        }
        stream.Emit(B((long)(ImageLayout.Routines + (ulong)RoutineCode.Finish - stream.Pc)));

        var image = new byte[(int)(ImageLayout.Stream - ImageLayout.LoadAddress) + 4 * stream.Words.Count];
        void Put(ulong address, IEnumerable<uint> ws)
        {
            int at = (int)(address - ImageLayout.LoadAddress);
            foreach (var w in ws) { BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(at), w); at += 4; }
        }
        Put(ImageLayout.LoadAddress, [B((long)(ImageLayout.Stream - ImageLayout.LoadAddress))]);
        Put(ImageLayout.Vectors, Vectors());
        Put(ImageLayout.Routines, Routines());
        for (int r = 0; r < regs.Length; r++)
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan((int)(ImageLayout.RegisterTable - ImageLayout.LoadAddress) + 8 * r), regs[r]);
        int table = (int)(ImageLayout.RegisterTable - ImageLayout.LoadAddress);
        for (int k = 0; k < vectors.Length; k++)
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(table + ImageLayout.VectorOffset + 8 * k), vectors[k]);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(table + ImageLayout.FpcrOffset), fpcr);
        rng.NextBytes(image.AsSpan((int)(ImageLayout.Window - ImageLayout.LoadAddress), ImageLayout.WindowSize));
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan((int)(ImageLayout.FlushFlag - ImageLayout.LoadAddress)), 1);
        Put(ImageLayout.Stream, stream.Words);

        return new TestImage
        {
            ClassName = cls.Name, QemuCpu = cls.QemuCpu, Seed = seed, Bytes = image, Words = [.. words], Addresses = [.. addresses],
            Dumps = [.. dumps], Rejections = context.Rejections,
        };
    }

    private static void EmitPrologue(Code c, InstructionClass cls, bool mmu)
    {
        c.Emit(MovConstant(0, ImageLayout.Vectors));
        c.Emit(Msr(VbarEl1, 0));
        if (mmu)
        {
            // 4 KiB granule, T0SZ 25 (39-bit VAs). Level 1: [0] the first GiB as Device-nGnRnE (the UART), [1] RAM through
            // a level 2 table: its first 2 MiB through a level 3 table of pages, the rest as 2 MiB blocks, all identity —
            // except the memory window's page, which maps elsewhere (ImageLayout.WindowPhysical), readable and writable at EL0
            // as well (unprivileged LDTR/STTR check EL0's permissions; the code pages stay EL1-only). The prologue fills that
            // page with other bytes than the image's window (a copy of the stream's first 4 KiB), so that a translator
            // that ignored the translation would read the image's window instead and differ at its first load.
            const ulong normal = 1UL << 2 | 3UL << 8 | 1UL << 10; // attr 1, inner shareable, AF
            ulong l1 = ImageLayout.PageTables, l2 = l1 - 0x1000, l3 = l1 - 0x2000;
            c.Emit(MovConstant(0, ImageLayout.Stream));
            c.Emit(MovConstant(1, ImageLayout.WindowPhysical));
            c.Emit(MovConstant(2, ImageLayout.WindowSize / 8));
            int copy = c.Mark();
            c.Emit(LdrXPost(3, 0, 8));
            c.Emit(StrXPost(3, 1, 8));
            c.Emit(SubsImm(2, 2, 1));
            c.Emit(BNe(copy - c.Mark()));
            c.Emit(MovConstant(0, l1));
            c.Emit(MovConstant(1, 0x0UL | 1 | 1UL << 10 | 1UL << 53 | 1UL << 54));
            c.Emit(StrX(1, 0, 0));
            c.Emit(MovConstant(1, l2 | 3));
            c.Emit(StrX(1, 0, 8));
            c.Emit(MovConstant(0, l2));                                   // level 2: [0] → level 3, [1..511] blocks
            c.Emit(MovConstant(1, l3 | 3));
            c.Emit(StrXPost(1, 0, 8));
            c.Emit(MovConstant(1, ImageLayout.RamBase + 0x20_0000 | 1 | normal));
            c.Emit(MovConstant(2, 511));
            int blocks = c.Mark();
            c.Emit(StrXPost(1, 0, 8));
            c.Emit(AddImmShifted(1, 1, 0x200));                          // + 2 MiB
            c.Emit(SubsImm(2, 2, 1));
            c.Emit(BNe(blocks - c.Mark()));
            c.Emit(MovConstant(0, l3));                                   // level 3: 512 identity pages
            c.Emit(MovConstant(1, ImageLayout.RamBase | 3 | normal));
            c.Emit(MovConstant(2, 512));
            int pages = c.Mark();
            c.Emit(StrXPost(1, 0, 8));
            c.Emit(AddImmShifted(1, 1, 1));                              // + 4 KiB
            c.Emit(SubsImm(2, 2, 1));
            c.Emit(BNe(pages - c.Mark()));
            c.Emit(MovConstant(0, l3 + (ImageLayout.Window - ImageLayout.RamBase) / 0x1000 * 8));
            c.Emit(MovConstant(1, ImageLayout.WindowPhysical | 3 | normal | 1UL << 6)); // AP 01: EL0 too, so LDTR/STTR work
            c.Emit(StrX(1, 0, 0));
            c.Emit(MovConstant(0, l1));
            c.Emit(MovConstant(1, 0xFF00));
            c.Emit(Msr(MairEl1, 1));
            c.Emit(MovConstant(1, 25UL | 1UL << 8 | 1UL << 10 | 3UL << 12 | 1UL << 23 | 2UL << 32));
            c.Emit(Msr(TcrEl1, 1));
            c.Emit(Msr(Ttbr0El1, 0));
            c.Emit(DsbSy);
            c.Emit(TlbiVmalle1);
            c.Emit(DsbSy);
            c.Emit(Isb());
        }
        c.Emit(MovConstant(0, mmu ? ImageLayout.Sctlr | ImageLayout.SctlrMmuOn : ImageLayout.Sctlr));
        c.Emit(Msr(SctlrEl1, 0));
        if (cls.NeedsFp)
        {
            c.Emit(MovConstant(0, 3UL << 20));
            c.Emit(Msr(CpacrEl1, 0));
        }
        c.Emit(Isb());
        c.Emit(MovConstant(0, ImageLayout.SaveArea));
        c.Emit(MovConstant(1, ImageLayout.Log));
        c.Emit(StrX(1, 0, ImageLayout.LogPointerOffset));
        c.Emit(MovConstant(0, ImageLayout.RegisterTable));
        if (cls.NeedsFp)
        {
            for (int v = 0; v < 32; v += 2) c.Emit(LdpQ(v, v + 1, 0, ImageLayout.VectorOffset + 16 * v));
            c.Emit(LdrX(1, 0, ImageLayout.FpcrOffset));
            c.Emit(Msr(Fpcr, 1));
            c.Emit(Msr(Fpsr, Zr));
        }
        c.Emit(LdrX(1, 0, 248));
        c.Emit(MovSp(Zr, 1));
        c.Emit(LdrX(1, 0, 256));
        c.Emit(Msr(Nzcv, 1));
        for (int r = 1; r < 31; r += 2) c.Emit(Ldp(r, r + 1, 0, 8 * r));
        c.Emit(LdrX(0, 0, 0));
    }

    /// <summary>
    /// The dump call: X30 parks in TPIDR_EL1, BL passes the descriptor words that follow it: the X register
    /// mask, flags (bit 0 full, bit 1 FP state, bits 31:16 the number of doublewords), the V register mask,
    /// the doubleword offsets.
    /// </summary>
    private static void EmitDump(Code c, List<DumpPoint> dumps, ulong mask, bool full, bool fp, int[] dwords, int first, int count, int setup)
    {
        if (!fp) mask &= ulong.MaxValue >> 32;
        c.Emit(Msr(TpidrEl1, 30));
        c.Emit(Bl((long)(DumpRoutine - c.Pc)));
        c.Emit((uint)mask);
        c.Emit((full ? 1u : 0u) | (fp ? 2u : 0u) | ((uint)dwords.Length << 16));
        c.Emit((uint)(mask >> 32));
        foreach (int d in dwords) c.Emit((uint)d);
        c.Emit(Mrs(30, TpidrEl1));
        dumps.Add(new DumpPoint(dumps.Count, mask, full, dwords, first, count, fp, setup));
    }

    private static ulong DumpRoutine => ImageLayout.Routines;

    /// <summary>
    /// The routines at <see cref="ImageLayout.Routines"/>: dump (saves everything, prints the described
    /// values as 16 hex digits each and a newline, restores everything including NZCV and SP; FPSR is
    /// cleared after it is printed, so that a dump shows the cumulative exceptions of its group only), print_hex
    /// (X6 → UART; clobbers X13–X16, X30) and the exception handler.
    /// </summary>
    private static readonly (List<uint> Words, int Handler, int Finish) RoutineCode = BuildRoutines();

    private static List<uint> Routines() => RoutineCode.Words;

    private static (List<uint> Words, int Handler, int Finish) BuildRoutines()
    {
        var c = new Code(ImageLayout.Routines);
        // print_hex is placed after dump; its address is patched in.
        var printCalls = new List<int>();
        void CallPrint() { printCalls.Add(c.Mark()); c.Emit(0); }

        // ---- dump
        c.Emit(Msr(TpidrEl0, 0));
        c.Emit(MovConstant(0, ImageLayout.SaveArea));
        for (int r = 1; r < 31; r += 2) c.Emit(Stp(r, r + 1, 0, 8 * r));
        c.Emit(StrX(30, 0, 264));           // the return address (descriptor words)
        c.Emit(Mrs(1, TpidrEl0)); c.Emit(StrX(1, 0, 0));
        c.Emit(Mrs(1, TpidrEl1)); c.Emit(StrX(1, 0, 240));
        c.Emit(MovSp(1, Zr)); c.Emit(StrX(1, 0, 248));
        c.Emit(Mrs(1, Nzcv)); c.Emit(StrX(1, 0, 256));
        c.Emit(LdrX(13, 0, ImageLayout.LogPointerOffset));
        c.Emit(LdrW(2, 30, 0));
        c.Emit(LdrW(3, 30, 4));
        c.Emit(LdrW(9, 30, 8));
        c.Emit(AddImm(10, 30, 12));
        c.Emit(Movz(4, 0));
        int loop = c.Mark();
        c.Emit(LsrvW(5, 2, 4));
        int skipBranch = c.Mark(); c.Emit(0);
        c.Emit(LdrXIndexed(6, 0, 4));
        CallPrint();
        int skip = c.Mark();
        c.Patch(skipBranch, Tbz(5, 0, c.Offset(skipBranch, skip)));
        c.Emit(AddImm(4, 4, 1));
        c.Emit(CmpImm(4, 32));
        c.Emit(BCond(CondNe, c.Offset(c.Mark(), loop)));
        // V registers (FP state only): saved with STP Q, each printed as low then high doubleword
        int noVectorsBranch = c.Mark(); c.Emit(0);
        for (int v = 0; v < 32; v += 2) c.Emit(StpQ(v, v + 1, 0, ImageLayout.VectorOffset + 16 * v));
        c.Emit(MovConstant(12, ImageLayout.SaveArea + ImageLayout.VectorOffset));
        c.Emit(Movz(4, 0));
        int vloop = c.Mark();
        c.Emit(LsrvW(5, 9, 4));
        int vskipBranch = c.Mark(); c.Emit(0);
        c.Emit(LdrX(6, 12, 0));
        CallPrint();
        c.Emit(LdrX(6, 12, 8));
        CallPrint();
        int vskip = c.Mark();
        c.Patch(vskipBranch, Tbz(5, 0, c.Offset(vskipBranch, vskip)));
        c.Emit(AddImm(12, 12, 16));
        c.Emit(AddImm(4, 4, 1));
        c.Emit(CmpImm(4, 32));
        c.Emit(BCond(CondNe, c.Offset(c.Mark(), vloop)));
        int noVectors = c.Mark();
        c.Patch(noVectorsBranch, Tbz(3, 1, c.Offset(noVectorsBranch, noVectors)));
        c.Emit(LdrX(6, 0, 256));
        CallPrint();
        // FPSR (FP state), FPCR (FP state, full dumps)
        int noFpBranch = c.Mark(); c.Emit(0);
        c.Emit(Mrs(6, Fpsr));
        CallPrint();
        c.Emit(Msr(Fpsr, Zr)); // so that each dump shows the exceptions of its own group only
        int noFpcrBranch = c.Mark(); c.Emit(0);
        c.Emit(Mrs(6, Fpcr));
        CallPrint();
        int noFp = c.Mark();
        c.Patch(noFpBranch, Tbz(3, 1, c.Offset(noFpBranch, noFp)));
        c.Patch(noFpcrBranch, Tbz(3, 0, c.Offset(noFpcrBranch, noFp)));
        int noFullBranch = c.Mark(); c.Emit(0);
        c.Emit(MovConstant(12, ImageLayout.Window));
        c.Emit(Movz(14, ImageLayout.WindowSize));
        c.Emit(Movz(6, 0));
        int sum = c.Mark();
        c.Emit(SubsImm(14, 14, 8));
        c.Emit(LdrXRegister(15, 12, 14));
        c.Emit(EorRor(6, 15, 6, 59));
        c.Emit(BCond(CondNe, c.Offset(c.Mark(), sum)));
        CallPrint();
        int noFull = c.Mark();
        c.Patch(noFullBranch, Tbz(3, 0, c.Offset(noFullBranch, noFull)));
        c.Emit(Movz(8, 16));
        c.Emit(LsrvW(7, 3, 8));
        c.Emit(MovConstant(12, ImageLayout.Window));
        int mem = c.Mark();
        int doneBranch = c.Mark(); c.Emit(0);
        c.Emit(LdrWPost(11, 10, 4));
        c.Emit(LdrXRegister(6, 12, 11));
        CallPrint();
        c.Emit(SubsImmW(7, 7, 1));
        c.Emit(B(c.Offset(c.Mark(), mem)));
        int done = c.Mark();
        c.Patch(doneBranch, CbzW(7, c.Offset(doneBranch, done)));
        c.Emit(Movz(15, '\n'));
        c.Emit(StrbPost(15, 13, 1));
        c.Emit(StrX(13, 0, ImageLayout.LogPointerOffset));
        c.Emit(Mov(30, 10));
        c.Emit(LdrX(1, 0, 256)); c.Emit(Msr(Nzcv, 1));
        c.Emit(LdrX(1, 0, 248)); c.Emit(MovSp(Zr, 1));
        for (int r = 1; r < 29; r += 2) c.Emit(Ldp(r, r + 1, 0, 8 * r));
        c.Emit(LdrX(29, 0, 232));
        c.Emit(LdrX(0, 0, 0));
        c.Emit(Ret());

        // ---- print_hex: X6 as 16 hex digits at X13 (the log), advancing X13
        int printHex = c.Mark();
        c.Emit(Movz(14, 60));
        int digit = c.Mark();
        c.Emit(Lsrv(15, 6, 14));
        c.Emit(AndLow4(15, 15));
        c.Emit(AddImm(16, 15, '0'));
        c.Emit(AddImm(15, 15, 'a' - 10));
        c.Emit(CmpImm(16, '9' + 1));
        c.Emit(Csel(15, 16, 15, CondLo));
        c.Emit(StrbPost(15, 13, 1));
        c.Emit(SubsImm(14, 14, 4));
        c.Emit(BCond(CondGe, c.Offset(c.Mark(), digit)));
        c.Emit(Ret());

        // ---- exception handler: X7 = vector number; prints "!" vector ESR ELR FAR, powers off
        int handler = c.Mark();
        c.Emit(MovConstant(0, ImageLayout.SaveArea));
        c.Emit(LdrX(13, 0, ImageLayout.LogPointerOffset));
        c.Emit(Movz(15, '!'));
        c.Emit(StrbPost(15, 13, 1));
        c.Emit(Mov(6, 7)); CallPrint();
        c.Emit(Mrs(6, EsrEl1)); CallPrint();
        c.Emit(Mrs(6, ElrEl1)); CallPrint();
        c.Emit(Mrs(6, FarEl1)); CallPrint();
        c.Emit(Movz(15, '\n'));
        c.Emit(StrbPost(15, 13, 1));
        c.Emit(StrX(13, 0, ImageLayout.LogPointerOffset));

        // ---- finish: copy the log to the UART when the flush flag is set; SYSTEM_OFF
        int finish = c.Mark();
        c.Emit(MovConstant(0, ImageLayout.SaveArea));
        c.Emit(LdrX(13, 0, ImageLayout.LogPointerOffset));
        c.Emit(MovConstant(1, ImageLayout.FlushFlag));
        c.Emit(LdrW(1, 1, 0));
        int noFlush = c.Mark(); c.Emit(0);
        c.Emit(MovConstant(2, ImageLayout.Log));
        c.Emit(Movz(3, 0x0900, 1));
        int copy = c.Mark();
        c.Emit(CmpReg(2, 13));
        int copyDone = c.Mark(); c.Emit(0);
        c.Emit(LdrbPost(4, 2, 1));
        c.Emit(Strb(4, 3));
        c.Emit(B(c.Offset(c.Mark(), copy)));
        int off = c.Mark();
        c.Patch(noFlush, CbzW(1, c.Offset(noFlush, off)));
        c.Patch(copyDone, BCond(CondHs, c.Offset(copyDone, off)));
        c.Emit(MovConstant(0, ImageLayout.PsciSystemOff));
        c.Emit(Hvc());
        c.Emit(B(0));

        foreach (int call in printCalls) c.Patch(call, Bl(c.Offset(call, printHex)));
        if (c.Words.Count * 4 > 0x1000) throw new InvalidOperationException("The routines outgrew their slot.");
        return (c.Words, 4 * handler, 4 * finish);
    }

    private static List<uint> Vectors()
    {
        var words = new List<uint>(0x200);
        ulong handler = ImageLayout.Routines + (ulong)RoutineCode.Handler;
        for (int v = 0; v < 16; v++)
        {
            ulong at = ImageLayout.Vectors + 0x80UL * (ulong)v;
            words.Add(Movz(7, v));
            words.Add(B((long)(handler - (at + 4))));
            while (words.Count % 32 != 0) words.Add(Nop());
        }
        return words;
    }
}

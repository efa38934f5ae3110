using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Captive.Core.IR;
using Captive.Core.Runtime;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

/// <summary>Addresses in the VM that translated code jumps to.</summary>
/// <param name="Dispatch">The dispatcher: looks up the PC in the register file and jumps to its block.</param>
/// <param name="Channel">Posts the request already written in the control block and acts on the answer.</param>
/// <param name="ChannelCall">Posts the request already written and returns once it is answered (stops the vCPU if the host says so).</param>
/// <param name="TlbWalk">The in-VM TLB refill (<see cref="Runtime.RuntimeCode.TlbWalk"/>), or 0.</param>
/// <param name="FaultEntry">The compiled fault entry of the front end (an abort the walker found), or 0.</param>
internal readonly record struct RuntimeEntryPoints(ulong Dispatch, ulong Channel, ulong ChannelCall, ulong TlbWalk = 0, ulong FaultEntry = 0);

/// <summary>A direct branch of a compiled block whose target was not translated yet.</summary>
/// <param name="Rel32Address">x86 address of the rel32 field of the <c>jmp</c> to patch.</param>
/// <param name="GuestTarget">The key (guest address and translation mode, <see cref="IrBlock.KeyOf"/>) of the block it should reach.</param>
/// <param name="Forward">
/// The branch goes to a higher guest address: it may enter the target past its interrupt check (every cycle of direct
/// branches has a backward edge, which keeps the check; see X86BlockCompiler.Interrupts.cs).
/// </param>
/// <param name="SourcePage">
/// The virtual page of the branching block when it has a code page check and lies in that page: a target in the same
/// checked page is entered past its own check (X86BlockCompiler.CodePages.cs). <see cref="ulong.MaxValue"/> otherwise.
/// </param>
internal readonly record struct PendingLink(ulong Rel32Address, ulong GuestTarget, bool Forward = false, ulong SourcePage = ulong.MaxValue);

/// <summary>Options of the code generator.</summary>
/// <param name="CountExecution">Emit counters of executed blocks and guest instructions.</param>
/// <param name="UseLzcnt">The host executes LZCNT.</param>
/// <param name="RamBase">Guest-physical base of RAM: accesses inside RAM are plain x86 accesses.</param>
/// <param name="RamSize">RAM size in bytes.</param>
/// <param name="UseFma">The host executes FMA3 (VFMADD231SD): FpMulAdd gets a fast path.</param>
/// <param name="MmuEnabled">Whether a block's translation context (<see cref="IrBlock.Context"/>) has the guest MMU on; null: never.</param>
/// <param name="InVmMaintenance">
/// TLB and instruction cache maintenance by address (<see cref="IrTrapKind.TlbInvalidateByAddress"/>,
/// <see cref="IrTrapKind.CodeInvalidateByAddress"/>) is carried out in the VM when the code filters
/// (<see cref="VmLayout.CodeLineFilterOffset"/>) show no translation depends on it.
/// </param>
/// <param name="CodePageSelectBit">
/// With the guest MMU on, blocks at virtual addresses with this bit clear (the half address-space switches change)
/// start with a code page check (<see cref="VmLayout.CodePageTableOffset"/>); -1: no checks.
/// </param>
internal readonly record struct CompilerOptions(bool CountExecution, bool UseLzcnt, ulong RamBase, ulong RamSize, bool UseFma = false,
    Func<ulong, bool>? MmuEnabled = null, bool InVmMaintenance = false, int CodePageSelectBit = -1);

/// <summary>
/// Compiles one IR block to x86-64 that runs at CPL3 in the VM. Conventions: R15 points at the
/// vCPU's register file (the control block follows at <see cref="ControlBlock.Base"/>); RAX, RCX,
/// RDX are scratch; ten other registers hold IR values and cached guest registers. Guest
/// registers read in a block are loaded once and written back once, at the block's end.
/// NZCV lives in the register file as <c>lahf</c>/<c>seto</c> output (AH = SF ZF - AF - PF - CF,
/// AL = OF) with CF the inverse of ARM's C, so every ARM condition is a single x86 condition.
/// Vector values and the operands and results of scalar FP ops live in XMM0–XMM12 (XMM13–XMM15 scratch),
/// as do cached V registers and FP register halves; FP and vector code generation is in the partial files X86BlockCompiler.Fp.cs and
/// X86BlockCompiler.Vector.cs. <see cref="CanCompile(IrBlock)"/> accepts a block only when every op has code
/// generation; any other block becomes an interpret stub.
/// One instance per translating thread; not thread-safe.
/// </summary>
internal sealed partial class X86BlockCompiler
{
    private static readonly Register[] Pool =
        [Register.RBX, Register.RSI, Register.RDI, Register.R8, Register.R9, Register.R10, Register.R11, Register.R12, Register.R13, Register.R14];
    private const int PoolSize = 10;
    private const int MaxSlots = VmLayout.RegisterFileSize / 8;

    private readonly AssemblerRegister64[] _r64 = Pool.Select(r => new AssemblerRegister64(r)).ToArray();
    private readonly AssemblerRegister32[] _r32 =
        [ebx, esi, edi, r8d, r9d, r10d, r11d, r12d, r13d, r14d];
    private readonly AssemblerRegister16[] _r16 =
        [bx, si, di, r8w, r9w, r10w, r11w, r12w, r13w, r14w];
    private readonly AssemblerRegister8[] _r8 = Pool.Select(r => new AssemblerRegister8(SubRegister8(r))).ToArray();

    private readonly GuestStateLayout _layout;
    private readonly CompilerOptions _options;
    private readonly RuntimeEntryPoints _entry;
    private readonly X86Emitter _a = new();
    private readonly List<PendingLink> _pending = new();

    // Per-block allocation state; arrays grow to the largest block seen.
    private int[] _loc = new int[256];
    private ValueInfo[] _info = new ValueInfo[256];
    private readonly int[] _regLive = new int[PoolSize], _regBound = new int[PoolSize];
    // Bit r set when _regLive[r] (_regBound[r]) is non-zero: the allocator finds a free register with one bit scan.
    private int _liveMask, _boundMask;
    private readonly int[] _slotReg = new int[MaxSlots];
    private readonly bool[] _slotDirty = new bool[MaxSlots];
    // The slot's cached register holds a 4-byte IR value, so its upper half is zero (every 4-byte value is kept
    // zero-extended in its register: SetReg.8 of one stores the whole register). A W read can then share it.
    private readonly bool[] _slotZext = new bool[MaxSlots];
    private readonly SlotList _touched = new(); // slots cached this block
    private readonly List<(int Rel32At, ulong Target, bool Forward, ulong SourcePage)> _links = new(); // unresolved direct branches: offset of the rel32 field
    private SlowPath[] _slowPaths = new SlowPath[16]; // the integer code's out-of-line paths, emitted after the block
    private int _slowPathCount;
    private readonly List<Action> _outOfLine = new(); // the FP and vector code's out-of-line paths
    private bool _flagsInX86;
    private Func<ulong, bool>? _killsFlagsOf;  // per block: whether a successor overwrites NZCV first (null: none known)
    private Func<ulong, ulong> _resolve = _ => 0; // per block: x86 address of a translated guest block, or 0
    private ulong _selfPc, _rip;
    private bool _selfKills;
    private int _deferSaveAt = -1;   // the flag writer whose save moves to the block's outgoing edges
    private bool _savePending;       // x86 flags hold guest flags not yet stored
    private int _spillSlots;
    private int _pinned;
    private int _current;
    private const int SpillArea = (int)VmLayout.ControlBlockOffset + 0x1000, MaxSpillSlots = 512;
    private IrBlock _block = null!;

    public X86BlockCompiler(GuestStateLayout layout, CompilerOptions options, RuntimeEntryPoints entry)
    {
        _layout = layout;
        _options = options;
        _entry = entry;
        Array.Fill(_slotReg, -1);
    }

    private static Register SubRegister8(Register r) => r switch
    {
        Register.RBX => Register.BL, Register.RSI => Register.SIL, Register.RDI => Register.DIL,
        Register.R8 => Register.R8L, Register.R9 => Register.R9L, Register.R10 => Register.R10L,
        Register.R11 => Register.R11L, Register.R12 => Register.R12L, Register.R13 => Register.R13L,
        Register.R14 => Register.R14L, _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    /// <summary>Interpret-stub reason: the block writes FPCR and has FP ops (its FPCR guard runs at entry).</summary>
    public const int ReasonFpcrWrite = 256;
    /// <summary>Interpret-stub reason: the engine was asked to interpret every block.</summary>
    public const int ReasonInterpretAll = 257;
    /// <summary>Interpret reason: the FPCR guard of a compiled block found a non-default FPCR.</summary>
    public const int ReasonFpcrGuard = 258;

    /// <summary>The name of an interpret reason (an IR opcode, or one of the Reason constants), for the statistics.</summary>
    public static string ReasonName(int reason) => reason switch
    {
        ReasonFpcrWrite => "fpcr-write",
        ReasonInterpretAll => "all",
        ReasonFpcrGuard => "fpcr",
        < 256 => ((IrOpcode)reason).ToString().ToLowerInvariant(),
        _ => "unknown",
    };

    /// <summary>True when every IR operation of <paramref name="block"/> has x86-64 code generation.</summary>
    public bool CanCompile(IrBlock block) => CanCompile(block, out _);

    /// <summary>
    /// True when every IR operation of <paramref name="block"/> has x86-64 code generation (a per-op list:
    /// anything else makes the whole block an interpret stub); otherwise <paramref name="reason"/> is the first
    /// op without it, or <see cref="ReasonFpcrWrite"/> for a block with FP ops that writes FPCR (its FPCR guard
    /// runs at entry).
    /// </summary>
    public bool CanCompile(IrBlock block, out int reason)
    {
        bool fp = false, writesFpcr = false;
        foreach (ref readonly var i in block.Instructions)
        {
            reason = (int)i.Opcode;
            if (i.IsFloatingPoint)
            {
                if (!FpSupported(i)) return false;
                fp = true;
            }
            else if (i.IsVectorOp)
            {
                if (!VectorSupported(i)) return false;
                if (i.Opcode is IrOpcode.VecSQAdd or IrOpcode.VecUQAdd or IrOpcode.VecSQSub or IrOpcode.VecUQSub && _layout.FpsrOffset < 0) return false;
                fp |= IsVectorFpArithmetic(i.Opcode);
            }
            else if (i.Opcode == IrOpcode.SetReg && _layout.FpcrOffset >= 0 && Overlaps((int)i.Immediate, i.Size, _layout.FpcrOffset, 8))
                writesFpcr = true;
        }
        reason = ReasonFpcrWrite;
        return !(fp && writesFpcr);
    }

    private static bool Overlaps(int offset, int size, int other, int otherSize) => offset < other + otherSize && other < offset + size;

    /// <summary>
    /// Code for a block the generator cannot compile: it asks the host, through the channel, to
    /// interpret the block at <paramref name="guestPc"/> and continues at the dispatcher.
    /// <paramref name="reason"/> (an IR opcode or a Reason constant) goes with the request, for the statistics.
    /// </summary>
    public void CompileInterpretStub(ulong guestPc, ulong rip, Runtime.SpanCodeWriter writer, int reason = ReasonInterpretAll)
    {
        _a.Reset();
        _a.mov(rax, (long)guestPc);
        _a.mov(__qword_ptr[r15 + _layout.PcOffset], rax);
        _a.mov(__dword_ptr[r15 + ControlBlock.Arg0], reason); // counted by reason on the host
        // The interpreter may write FPSR: the pending MXCSR flags go to FPSR first, and must not be ORed in again after.
        if (_layout.FpsrOffset >= 0) EmitFpFlagsFold(_a, _layout.FpsrOffset);
        EmitMxcsrReset(_a);
        _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.Interpret);
        _a.jmp(_entry.Channel);
        _a.Encode(rip, writer);
    }

    /// <summary>
    /// Compiles <paramref name="block"/> for execution at <paramref name="rip"/>, writing the code
    /// through <paramref name="writer"/>. <paramref name="resolve"/> gives the x86 address of an
    /// already translated guest block, or 0. Returns the direct branches still to be linked (a list reused by the
    /// next call: consume it before compiling again).
    /// </summary>
    public List<PendingLink> Compile(IrBlock block, ulong rip, Runtime.SpanCodeWriter writer, Func<ulong, ulong> resolve,
        Func<ulong, bool>? killsFlags = null)
    {
        BeginUnit(rip, resolve, killsFlags);
        _regionCount = 0;
        CompileBody(block);
        return EndUnit(rip, writer);
    }

    /// <summary>
    /// Compiles <paramref name="block"/> as runtime code that translated code jumps to in the middle of a guest
    /// instruction's work (the front end's fault entry), not as a guest block: no interrupt check at its start. An
    /// interrupt taken there would be taken at the block's address — not a guest PC — and would lose the exception
    /// the code is entering. The vector it jumps to checks, once the entry has masked or left interrupts as the guest
    /// architecture says.
    /// </summary>
    public List<PendingLink> CompileRuntimeEntry(IrBlock block, ulong rip, Runtime.SpanCodeWriter writer)
    {
        _runtimeEntry = true;
        try { return Compile(block, rip, writer, _ => 0); }
        finally { _runtimeEntry = false; }
    }

    private bool _runtimeEntry; // compiling a runtime entry (CompileRuntimeEntry): no interrupt check

    /// <summary>Starts a unit of code: one block, or the blocks of a region.</summary>
    private void BeginUnit(ulong rip, Func<ulong, ulong> resolve, Func<ulong, bool>? killsFlags)
    {
        _killsFlagsOf = killsFlags;
        _flagAssumptions.Clear();
        _resolve = resolve;
        _rip = rip;
        _a.Reset();
        _links.Clear();
        _slowPathCount = 0;
        _irqCount = 0;
        _outOfLine.Clear();
        _constants.Clear();
        _snapshotCount = 0;
        _abortExitUsed = false;
    }

    /// <summary>Compiles one block's body and terminal into the current unit.</summary>
    private void CompileBody(IrBlock block)
    {
        _selfKills = KillsFlagsAtEntry(block);
        _selfPc = block.GuestAddress;
        _block = block;
        _mmu = _options.MmuEnabled is { } mmuOn && mmuOn(block.Context);
        _writesInterruptMask = WritesInterruptMask(block);
        _touched.Clear();
        // Only the registers the masks name hold non-zero counts.
        for (int m = _liveMask | _boundMask; m != 0; m &= m - 1)
        {
            int r = System.Numerics.BitOperations.TrailingZeroCount(m);
            _regLive[r] = 0; _regBound[r] = 0;
        }
        _liveMask = 0; _boundMask = 0;
        _flagsInX86 = false;
        Analyse(block);
        if (_regionCount > 0) BindRegionSlots();
        EmitCodePageCheck(block);
        if (_runtimeEntry) InterruptCheckBytes = 0; else EmitInterruptCheck(block.GuestAddress);
        if (_hasFp) EmitFpGuard();

        if (_options.CountExecution)
        {
            _a.add(__qword_ptr[r15 + ControlBlock.InstructionsExecuted], block.GuestInstructionCount);
            _a.add(__qword_ptr[r15 + ControlBlock.BlocksExecuted], 1);
        }

        var insts = block.Instructions;
        for (int i = 0; i < insts.Length; i++)
        {
            // A constant has no code of its own (it is materialised where used), no operands and no register: a fifth
            // of all IR instructions, skipped without the dispatch.
            if (insts[i].Opcode == IrOpcode.Const) continue;
            _pinned = 0;
            _xPinned = 0;
            _current = i;
            if (!_info[i].Deferred) EmitInstruction(i, insts[i]);
            ReleaseDead(i, insts[i]);
        }
        _pinned = 0;
        _current = insts.Length;
        if (_regionCount > 0) EmitRegionTerminal(block); else EmitTerminal(block);
        foreach (int s in _touched) { _slotReg[s] = -1; _slotX[s] = -1; _vecX[s] = -1; _slotDirty[s] = false; _immPending[s] = false; }
        _vecCount = 0;
    }

    /// <summary>Ends the unit: out-of-line code, constants, encoding and the direct branches still to link.</summary>
    private List<PendingLink> EndUnit(ulong rip, Runtime.SpanCodeWriter writer)
    {
        EmitSlowPaths();
        EmitCodePageMiss();
        EmitInterruptStubs();
        foreach (var emit in _outOfLine) emit();
        EmitAbortExit();
        EmitConstants();

        _a.Encode(rip, writer);
        var pending = _pending;
        pending.Clear();
        foreach (var (at, key, forward, sourcePage) in _links) pending.Add(new PendingLink(rip + (ulong)at, key, forward, sourcePage));
        return pending;
    }

    private const int FailRegisterPressure = 0, FailSpillSlots = 1, FailDeadValue = 2, FailNoImmediate = 3;

    /// <summary>
    /// Throws the compiler's internal errors. Out of line because a throw that formats its message made the hot
    /// methods it sat in (register allocation, operand use) several times slower.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Fail(int what, ulong block, long detail) => throw new InvalidOperationException(what switch
    {
        FailRegisterPressure => $"Register pressure too high in block 0x{block:x}: one instruction needs more than {PoolSize} registers.",
        FailSpillSlots => $"Block 0x{block:x} needs more than {MaxSpillSlots} spill slots.",
        FailDeadValue => $"v{detail} is used after its last use in block 0x{block:x}.",
        _ => $"No immediate form of {(Alu)detail}.",
    });

    // ───────────────────────────── analysis ─────────────────────────────

    [Flags]
    private enum OpInfo : byte { None = 0, WritesFlags = 1, ReadsFlags = 2, RaisesInexact = 4 }

    /// <summary>Per IR opcode, what the analysis asks of it (a table: the IrInstruction properties are long pattern tests).</summary>
    private static readonly OpInfo[] OpInfos = BuildOpInfos();

    private static OpInfo[] BuildOpInfos()
    {
        var t = new OpInfo[256];
        foreach (var op in Enum.GetValues<IrOpcode>())
        {
            var x = new IrInstruction { Opcode = op };
            var f = OpInfo.None;
            if (x.WritesFlags) f |= OpInfo.WritesFlags;
            if (x.ReadsFlags) f |= OpInfo.ReadsFlags;
            if (x.IsFloatingPoint || IsVectorFpArithmetic(op)) f |= OpInfo.RaisesInexact;
            t[(int)op] = f;
        }
        return t;
    }

    private void Analyse(IrBlock block)
    {
        int n = block.Count;
        if (_loc.Length < n + 1)
        {
            int size = Math.Max(n + 1, _loc.Length * 2);
            _loc = new int[size]; _info = new ValueInfo[size];
            _xloc = new int[size]; _isVec = new bool[size]; _preferX = new bool[size];
        }
        _spillSlots = 0;
        if (_xmmUsed)
        {
            Array.Clear(_xLive);
            Array.Clear(_xBound);
            _xmmUsed = false;
        }
        _xPinned = 0;
        var insts = block.Instructions;
        var opInfo = OpInfos;
        int lastFp = -1, lastFlagWriter = -1;
        bool peepholes = false, condCompares = false; // Select or Shl present; CondCompare present
        // Every per-value array holds at least n + 1 entries (above), so the resets below index them unchecked:
        // with the checks, resetting the arrays at every instruction was a visible part of the analysis.
        ref int loc = ref MemoryMarshal.GetArrayDataReference(_loc);
        ref int xloc = ref MemoryMarshal.GetArrayDataReference(_xloc);
        ref ValueInfo values = ref MemoryMarshal.GetArrayDataReference(_info);
        ref bool isVec = ref MemoryMarshal.GetArrayDataReference(_isVec);
        ref bool preferX = ref MemoryMarshal.GetArrayDataReference(_preferX);
        var info = _info;
        // One forward pass. Operands name earlier values, so their entries are reset before this instruction counts
        // them. Flags written by an instruction matter if something reads them before the next write, or if nothing
        // overwrites them before the block ends (the successor may read them): a read marks the last writer.
        for (int i = 0; i < n; i++)
        {
            ref readonly var x = ref insts[i];
            var f = opInfo[(int)x.Opcode];
            if ((f & OpInfo.RaisesInexact) != 0) lastFp = i;
            peepholes |= x.Opcode is IrOpcode.Select or IrOpcode.Shl;
            condCompares |= x.Opcode == IrOpcode.CondCompare;
            Unsafe.Add(ref loc, i) = -1; Unsafe.Add(ref xloc, i) = -1; Unsafe.Add(ref preferX, i) = false;
            Unsafe.Add(ref isVec, i) = x.IsVector;
            Unsafe.Add(ref values, i) = ValueInfo.Unused;
            if (x.A >= 0) { ref var u = ref info[x.A]; u.LastUse = i; u.Uses++; }
            if (x.B >= 0) { ref var u = ref info[x.B]; u.LastUse = i; u.Uses++; }
            if (x.C >= 0) { ref var u = ref info[x.C]; u.LastUse = i; u.Uses++; }
            if ((f & OpInfo.ReadsFlags) != 0 && lastFlagWriter >= 0) Unsafe.Add(ref values, lastFlagWriter).FlagsNeeded = true;
            if ((f & OpInfo.WritesFlags) != 0) lastFlagWriter = i;
        }
        if (lastFlagWriter >= 0) Unsafe.Add(ref values, lastFlagWriter).FlagsNeeded = true; else lastFlagWriter = n;
        _hasFp = lastFp >= 0;
        int tc = block.Terminal.Condition, tv = block.Terminal.Value;
        if (tc >= 0) { info[tc].LastUse = n; info[tc].Uses++; }
        if (tv >= 0) { info[tv].LastUse = n; info[tv].Uses++; }
        AnalyseXmmPreference(block);

        // A compare used only by the block's branch is emitted at the branch, as cmp/jcc.
        int c = block.Terminal.Kind == IrTerminalKind.Branch ? block.Terminal.Condition : -1;
        if (c >= 0 && _info[c].Uses == 1)
        {
            var ci = insts[c];
            if (ci.Opcode is IrOpcode.CmpEq or IrOpcode.CmpNe or IrOpcode.CmpUlt or IrOpcode.CmpSlt)
            {
                _info[c].Deferred = true;
                _info[ci.A].LastUse = Math.Max(_info[ci.A].LastUse, n);
                _info[ci.B].LastUse = Math.Max(_info[ci.B].LastUse, n);
            }
            else if (ci.Opcode == IrOpcode.CondHolds && (lastFlagWriter == n || lastFlagWriter < c))
            {
                _info[c].Deferred = true;
            }
        }

        // A left shift by 1–3 used only by an addition becomes that addition's scaled index (one LEA).
        for (int i = 0; i < n && peepholes; i++)
        {
            ref readonly var x = ref insts[i];
            if (x.Opcode != IrOpcode.Add || x.Size is not (4 or 8)) continue;
            foreach (int s in (ReadOnlySpan<int>)[x.B, x.A])
            {
                if (s < 0 || _info[s].Uses != 1 || _info[s].Deferred) continue;
                ref readonly var sh = ref insts[s];
                if (sh.Opcode != IrOpcode.Shl || sh.Size != x.Size || !IsConst(sh.B) || ConstValue(sh.B) is < 1 or > 3) continue;
                if (x.A == x.B) continue;
                _info[s].Deferred = true;
                _info[sh.A].LastUse = Math.Max(_info[sh.A].LastUse, i);
                break;
            }
        }

        // A condition used only by one Select, with no flag write in between, becomes that Select's CMOVcc.
        for (int i = 0; i < n && peepholes; i++)
        {
            if (insts[i].Opcode != IrOpcode.Select) continue;
            int h = insts[i].A;
            if (h < 0 || _info[h].Uses != 1 || insts[h].Opcode != IrOpcode.CondHolds || _info[h].Deferred) continue;
            bool clean = true;
            for (int k = h + 1; k < i && clean; k++) clean = !insts[k].WritesFlags;
            if (clean) _info[h].Deferred = true;
        }

        // Save the last flags on the outgoing edges instead, when nothing after the writer can
        // disturb the x86 flags: then an edge whose target overwrites the flags first skips the save.
        _deferSaveAt = -1;
        _savePending = false;
        bool terminalKeepsFlags = block.Terminal.Kind == IrTerminalKind.Jump
            || (block.Terminal.Kind == IrTerminalKind.Branch && c >= 0 && _info[c].Deferred && insts[c].Opcode == IrOpcode.CondHolds);
        if (terminalKeepsFlags && lastFlagWriter < n && insts[lastFlagWriter].Opcode is IrOpcode.AddFlags or IrOpcode.SubFlags
                or IrOpcode.AdcFlags or IrOpcode.SbcFlags or IrOpcode.SetLogicFlags)
        {
            bool quiet = true;
            for (int i = lastFlagWriter + 1; i < n && quiet; i++) quiet = _info[i].Deferred || Quiet(insts[i]);
            if (quiet) _deferSaveAt = lastFlagWriter;
        }

        // Flags that only a CCMP right after reads (through the x86 flags) need no save: CCMP replaces them all
        // before anything else can see them.
        _anyNoSave = condCompares;
        for (int i = 0; i < n && condCompares; i++)
        {
            if (!insts[i].WritesFlags || insts[i].Opcode == IrOpcode.SetNzcv) continue;
            int j = i + 1;
            while (j < n && (_info[j].Deferred || Quiet(insts[j]))) j++;
            if (j < n && insts[j].Opcode == IrOpcode.CondCompare && _info[j].FlagsNeeded) _info[i].NoSave = true;
        }
    }

    /// <summary>Instructions whose code leaves the x86 flags alone (FPSR accesses fold MXCSR, which clobbers them).</summary>
    private bool Quiet(in IrInstruction x) => x.Opcode is IrOpcode.Const or IrOpcode.GetReg or IrOpcode.SetReg
        && !(_layout.FpsrOffset >= 0 && x.Opcode != IrOpcode.Const && Overlaps((int)x.Immediate, x.Size, _layout.FpsrOffset, 8));

    /// <summary>What the analysis and the allocator know of one IR value (the instruction of the same index).</summary>
    private struct ValueInfo
    {
        public int LastUse;       // the last instruction reading it (the block's length for the terminal), or -1
        public int Uses;          // how many operands name it
        public int Spill;         // its spill slot, or -1
        public bool Deferred;     // emitted where used (a compare at the branch, a shift in an LEA, a condition in a CMOVcc)
        public bool FlagsNeeded;  // for a flag writer: the flags it writes are read
        public bool NoSave;       // for a flag writer: its flags need not be stored (see Analyse)

        public static ValueInfo Unused => new() { LastUse = -1, Spill = -1 };
    }
    private bool _anyNoSave;

    /// <summary>
    /// True when the block's first access to NZCV writes all four flags, before anything that could
    /// fault: flags left by a predecessor are dead on entry. A block that traps, touches memory first,
    /// or leaves without touching them keeps them live.
    /// </summary>
    public static bool KillsFlagsAtEntry(IrBlock block)
    {
        foreach (ref readonly var i in block.Instructions)
        {
            if (i.ReadsFlags) return false;
            if (i.WritesFlags) return true;
            // A memory access may fault before the write: the fault must see the flags as they were.
            if (i.Opcode is IrOpcode.Load or IrOpcode.Store or IrOpcode.LoadVec or IrOpcode.StoreVec) return false;
        }
        return false;
    }

    /// <summary>Whether the block at <paramref name="target"/> overwrites NZCV before reading it.</summary>
    private bool KillsFlags(ulong target)
    {
        if (target == _selfPc) return _selfKills;
        int k = RegionIndex(target);
        if (k >= 0) return _regionKills[k];
        return _killsFlagsOf is not null && _killsFlagsOf(KeyFor(target));
    }

    /// <summary>
    /// The cache key of a direct-branch target of the block being compiled: direct branches stay in the block's
    /// translation mode (only exception entry and return change it, and they leave through the dispatcher).
    /// </summary>
    private ulong KeyFor(ulong target) => IrBlock.KeyOf(target, _block.Mode);

    /// <summary>The x86 address of the translated block of <paramref name="target"/> (this block itself included), or 0.</summary>
    private ulong ResolveTarget(ulong target) => target == _selfPc ? _rip : _resolve(KeyFor(target));

    /// <summary>Stores pending guest flags unless the edge's target overwrites them first.</summary>
    private void SaveFlagsForEdge(ulong target)
    {
        if (!_savePending) return;
        if (!KillsFlags(target)) { SaveFlags(); _savePending = false; }
        else if (target != _selfPc && RegionIndex(target) < 0) _flagAssumptions.Add(KeyFor(target));
    }

    private readonly List<ulong> _flagAssumptions = new();

    /// <summary>
    /// The blocks outside the last unit compiled whose code its correctness depends on: it leaves for them without
    /// storing the guest flags, because they overwrite the flags before reading them. If one of them changes (its code,
    /// or the mapping of its address), the unit must go too (<see cref="CodeCache.RecordFlagAssumptions"/>).
    /// </summary>
    public IReadOnlyList<ulong> FlagAssumptions => _flagAssumptions;

    // ───────────────────────────── registers ─────────────────────────────

    private bool IsConst(int v) => _block.Instructions[v].Opcode == IrOpcode.Const;
    private long ConstValue(int v) => _block.Instructions[v].Immediate;

    /// <summary>True when value <paramref name="v"/> is a constant usable as an imm32 in an operation of <paramref name="size"/> bytes.</summary>
    private bool IsImm(int v, int size, out int imm)
    {
        imm = 0;
        if (!IsConst(v)) return false;
        long c = ConstValue(v);
        if (size == 4) { imm = unchecked((int)(uint)c); return true; }
        if (c != (int)c) return false;
        imm = (int)c;
        return true;
    }

    private bool Pinned(int r) => (_pinned & (1 << r)) != 0;

    private int Alloc()
    {
        int r = AllocUnpinned();
        _pinned |= 1 << r;
        return r;
    }

    private const int PoolMask = (1 << PoolSize) - 1;

    private int AllocUnpinned()
    {
        // The lowest register holding nothing; else the lowest one holding only cached guest registers.
        int free = ~(_liveMask | _boundMask | _pinned) & PoolMask;
        if (free != 0) return System.Numerics.BitOperations.TrailingZeroCount(free);
        int unbound = ~(_liveMask | _pinned) & PoolMask;
        if (unbound != 0)
        {
            int u = System.Numerics.BitOperations.TrailingZeroCount(unbound);
            Unbind(u);
            return u;
        }
        // Spill: the unpinned register whose values are needed furthest ahead.
        int victim = -1, furthest = -1;
        for (int r = 0; r < PoolSize; r++)
        {
            if (Pinned(r)) continue;
            int next = 0;
            for (int v = 0; v < _current; v++) if (_loc[v] == r) next = Math.Max(next, _info[v].LastUse);
            if (next > furthest) { furthest = next; victim = r; }
        }
        if (victim < 0)
            Fail(FailRegisterPressure, _block.GuestAddress, 0);
        int slot = -1;
        for (int v = 0; v < _current; v++)
        {
            if (_loc[v] != victim) continue;
            if (_info[v].Spill < 0)
            {
                if (slot < 0)
                {
                    if (_spillSlots == MaxSpillSlots) Fail(FailSpillSlots, _block.GuestAddress, 0);
                    slot = _spillSlots++;
                    _a.mov(__qword_ptr[r15 + SpillArea + slot * 8], _r64[victim]);
                }
                _info[v].Spill = slot;
            }
            _loc[v] = -1;
        }
        _regLive[victim] = 0;
        _liveMask &= ~(1 << victim);
        Unbind(victim);
        return victim;
    }

    /// <summary>Writes back and drops the guest registers cached in host register <paramref name="r"/>.</summary>
    private void Unbind(int r)
    {
        if (_regBound[r] == 0) return;
        foreach (int s in _touched)
        {
            if (_slotReg[s] != r) continue;
            if (_slotDirty[s]) _a.mov(__qword_ptr[r15 + s * 8], _r64[r]);
            _slotReg[s] = -1; _slotDirty[s] = false;
        }
        _regBound[r] = 0;
        _boundMask &= ~(1 << r);
    }

    private void AddLive(int r) { _regLive[r]++; _liveMask |= 1 << r; }

    private void DropLive(int r) { if (--_regLive[r] == 0) _liveMask &= ~(1 << r); }

    private void AddBound(int r) { _regBound[r]++; _boundMask |= 1 << r; }

    private void DropBound(int r) { if (--_regBound[r] == 0) _boundMask &= ~(1 << r); }

    private void Define(int v, int r) { _loc[v] = r; AddLive(r); }

    private int Use(int v)
    {
        if (_loc[v] >= 0) { _pinned |= 1 << _loc[v]; return _loc[v]; }
        if (_xloc[v] >= 0) return UseFromXmm(v);
        if (_info[v].Spill >= 0)
        {
            int reload = Alloc();
            _a.mov(_r64[reload], __qword_ptr[r15 + SpillArea + _info[v].Spill * 8]);
            Define(v, reload);
            return reload;
        }
        if (!IsConst(v)) Fail(FailDeadValue, _block.GuestAddress, v);
        int r = Alloc();
        long c = ConstValue(v);
        // mov, never xor: the x86 flags may be holding the guest's NZCV right now.
        if ((ulong)c <= uint.MaxValue) _a.mov(_r32[r], unchecked((int)(uint)c));
        else _a.mov(_r64[r], c);
        Define(v, r);
        return r;
    }

    private void Release(int v)
    {
        if (v < 0) return;
        XRelease(v); // a vector, or a scalar FP value also (or only) in an XMM register
        if (_isVec[v] || _loc[v] < 0) return;
        DropLive(_loc[v]);
        _loc[v] = -1;
    }

    private void ReleaseDead(int i, in IrInstruction inst)
    {
        if (inst.A >= 0 && _info[inst.A].LastUse == i) Release(inst.A);
        if (inst.B >= 0 && _info[inst.B].LastUse == i) Release(inst.B);
        if (inst.C >= 0 && _info[inst.C].LastUse == i) Release(inst.C);
        if (_info[i].LastUse < 0) Release(i);
    }

    /// <summary>
    /// A register for the result of a destructive operation whose first operand is <paramref name="a"/>:
    /// <paramref name="a"/>'s own register when this is its last use and nothing else lives there,
    /// otherwise a fresh register holding a copy.
    /// </summary>
    private int DestFrom(int i, int a, int size, int other = -1)
    {
        if (CanTakeOver(i, a, other))
        {
            int r = _loc[a];
            DropLive(r); _loc[a] = -1;
            _pinned |= 1 << r; // the 32-bit operation that follows zero-extends its result itself
            return r;
        }
        int src = Use(a);
        int d = Alloc();
        if (size == 4) _a.mov(_r32[d], _r32[src]); else _a.mov(_r64[d], _r64[src]);
        return d;
    }

    /// <summary>
    /// True when the result of instruction <paramref name="i"/> may overwrite operand <paramref name="a"/>'s register:
    /// this is <paramref name="a"/>'s last use, nothing else lives or is cached there, and the other operand is elsewhere.
    /// </summary>
    private bool CanTakeOver(int i, int a, int other)
    {
        bool sharesWithOther = other >= 0 && (other == a || (_loc[other] >= 0 && _loc[other] == _loc[a]));
        return _loc[a] >= 0 && _info[a].LastUse == i && _regLive[_loc[a]] == 1 && _regBound[_loc[a]] == 0 && !sharesWithOther;
    }

    // ───────────────────────────── guest register cache ─────────────────────────────

    private void BindSlot(int s, int r, bool dirty)
    {
        _slotZext[s] = false;
        if (_slotReg[s] < 0 && _slotX[s] < 0) _touched.Add(s);
        else if (_slotReg[s] >= 0) DropBound(_slotReg[s]);
        else { _xBound[_slotX[s]]--; _slotX[s] = -1; }
        _slotReg[s] = r;
        _slotDirty[s] = dirty;
        AddBound(r);
    }

    private void EvictSlots(int offset, int size)
    {
        EvictVecCaches(offset, size);
        for (int s = offset / 8; s <= (offset + size - 1) / 8 && s < MaxSlots; s++)
        {
            StorePendingImmediate(s);
            if (_slotX[s] >= 0) { XUnbindSlot(s, writeBack: true); continue; }
            int r = _slotReg[s];
            if (r < 0) continue;
            if (_slotDirty[s]) _a.mov(__qword_ptr[r15 + s * 8], _r64[r]);
            DropBound(r);
            _slotReg[s] = -1; _slotDirty[s] = false;
        }
    }

    private void FlushSlots()
    {
        foreach (int s in _touched)
        {
            StorePendingImmediate(s);
            if (_slotReg[s] >= 0 && _slotDirty[s])
            {
                _a.mov(__qword_ptr[r15 + s * 8], _r64[_slotReg[s]]);
                _slotDirty[s] = false;
            }
            else if (_slotX[s] >= 0 && _slotDirty[s])
            {
                _a.movq(__qword_ptr[r15 + s * 8], X[_slotX[s]]);
                _slotDirty[s] = false;
            }
            else if (_vecX[s] >= 0 && _slotDirty[s])
            {
                _a.movdqu(__xmmword_ptr[r15 + s * 8], X[_vecX[s]]);
                _slotDirty[s] = false;
            }
        }
    }

    // ───────────────────────────── flags ─────────────────────────────

    private void SaveFlags()
    {
        _a.lahf();
        _a.seto(al);
        _a.mov(__word_ptr[r15 + _layout.FlagsOffset], ax);
        _flagsInX86 = true;
    }

    private void SaveFlagsAt(int writer)
    {
        if (writer == _deferSaveAt) { _flagsInX86 = true; _savePending = true; }
        else if (_anyNoSave && _info[writer].NoSave) _flagsInX86 = true;
        else SaveFlags();
    }

    private void LoadFlags()
    {
        if (_flagsInX86) return;
        _a.mov(ax, __word_ptr[r15 + _layout.FlagsOffset]);
        _a.add(al, 0x7F); // OF := AL != 0
        _a.sahf();
        _flagsInX86 = true;
    }

    // ───────────────────────────── instructions ─────────────────────────────

    private enum Alu { Add, Sub, And, Or, Xor, Adc, Sbb, Cmp, Imul }

    private void AluOp(Alu op, int size, int d, int b)
    {
        if (op != Alu.Imul && IsImm(b, size, out int imm)) AluImm(op, size, _r64[d], imm);
        else AluReg(op, size, _r64[d], _r64[Use(b)]);
    }

    /// <summary>The x86 ALU group number (the /digit of 81/83 and the opcode row of the register forms) of each <see cref="Alu"/> but Imul.</summary>
    private static ReadOnlySpan<byte> AluGroup => [0, 5, 4, 1, 6, 2, 3, 7];

    /// <summary><paramref name="d"/> = <paramref name="d"/> op <paramref name="b"/> (64-bit register names; 32-bit forms when <paramref name="size"/> is 4).</summary>
    private void AluReg(Alu op, int size, AssemblerRegister64 d, AssemblerRegister64 b)
    {
        if (op == Alu.Imul)
        {
            if (size == 8) _a.imul(d, b);
            else _a.imul(new AssemblerRegister32(d.Value.GetFullRegister32()), new AssemblerRegister32(b.Value.GetFullRegister32()));
        }
        else _a.Alu(AluGroup[(int)op], size == 8, d, b);
    }

    private void AluImm(Alu op, int size, AssemblerRegister64 d, int imm)
    {
        if (op == Alu.Imul) Fail(FailNoImmediate, 0, (long)op);
        _a.Alu(AluGroup[(int)op], size == 8, d, imm);
    }

    /// <summary>
    /// Puts a second operand that cannot be an immediate into a register now, before the destination
    /// is chosen: allocating it later could hand out the destination (or the register just taken
    /// over from the first operand).
    /// </summary>
    private void PrepareSecond(int b, int size, bool allowImmediate = true)
    {
        if (!(allowImmediate && IsImm(b, size, out _))) Use(b);
    }

    private void Binary(int i, in IrInstruction x, Alu op)
    {
        PrepareSecond(x.B, x.Size, op != Alu.Imul);
        int d = DestFrom(i, x.A, x.Size, x.B);
        AluOp(op, x.Size, d, x.B);
        Define(i, d);
    }

    /// <summary>
    /// An addition whose first operand stays live (or is a cached guest register) is one LEA into a fresh
    /// register instead of a copy and an ADD; LEA also leaves the x86 flags, which may hold the guest's NZCV.
    /// Returns whether the flags were kept.
    /// </summary>
    private bool EmitAdd(int i, in IrInstruction x)
    {
        int shifted = _info[x.B].Deferred ? x.B : _info[x.A].Deferred ? x.A : -1;
        if (shifted >= 0)
        {
            // A + (B << 1..3), the shift deferred to here (Analyse): one LEA with a scaled index.
            ref readonly var sh = ref _block.Instructions[shifted];
            int other = shifted == x.B ? x.A : x.B;
            int rb = Use(other), rs = Use(sh.A);
            int scale = 1 << (int)ConstValue(sh.B);
            int d = Alloc();
            var m = __qword_ptr[_r64[rb] + _r64[rs] * scale];
            if (x.Size == 8) _a.lea(_r64[d], m); else _a.lea(_r32[d], __dword_ptr[_r64[rb] + _r64[rs] * scale]);
            Define(i, d);
            return true;
        }
        if (CanTakeOver(i, x.A, x.B) || x.Size is not (4 or 8)) { Binary(i, x, Alu.Add); return false; }
        int ra = Use(x.A);
        if (IsImm(x.B, x.Size, out int imm))
        {
            int d = Alloc();
            if (x.Size == 8) _a.lea(_r64[d], __qword_ptr[_r64[ra] + imm]); else _a.lea(_r32[d], __dword_ptr[_r64[ra] + imm]);
            Define(i, d);
        }
        else
        {
            int rb = Use(x.B);
            int d = Alloc();
            if (x.Size == 8) _a.lea(_r64[d], __qword_ptr[_r64[ra] + _r64[rb]]); else _a.lea(_r32[d], __dword_ptr[_r64[ra] + _r64[rb]]);
            Define(i, d);
        }
        return true;
    }

    private void EmitInstruction(int i, in IrInstruction x)
    {
        bool keepFlags = false;
        switch (x.Opcode)
        {
            case IrOpcode.Const:
                keepFlags = true;
                break; // materialised where used
            case IrOpcode.GetReg: EmitGetReg(i, x); keepFlags = true; break;
            case IrOpcode.SetReg: EmitSetReg(x); keepFlags = true; break;
            case IrOpcode.Add: keepFlags = EmitAdd(i, x); break;
            case IrOpcode.Sub: Binary(i, x, Alu.Sub); break;
            case IrOpcode.And: Binary(i, x, Alu.And); break;
            case IrOpcode.Or: Binary(i, x, Alu.Or); break;
            case IrOpcode.Xor: Binary(i, x, Alu.Xor); break;
            case IrOpcode.Mul: Binary(i, x, Alu.Imul); break;
            case IrOpcode.Not: { int d = DestFrom(i, x.A, x.Size); if (x.Size == 8) _a.not(_r64[d]); else _a.not(_r32[d]); Define(i, d); keepFlags = true; break; }
            case IrOpcode.Neg: { int d = DestFrom(i, x.A, x.Size); if (x.Size == 8) _a.neg(_r64[d]); else _a.neg(_r32[d]); Define(i, d); break; }
            case IrOpcode.Shl: case IrOpcode.Lsr: case IrOpcode.Asr: case IrOpcode.Ror: EmitShift(i, x); break;
            case IrOpcode.UMulHigh: case IrOpcode.SMulHigh:
            {
                _a.mov(rax, _r64[Use(x.A)]);
                if (x.Opcode == IrOpcode.UMulHigh) _a.mul(_r64[Use(x.B)]); else _a.imul(_r64[Use(x.B)]);
                int d = Alloc(); _a.mov(_r64[d], rdx); Define(i, d);
                break;
            }
            case IrOpcode.UDiv: case IrOpcode.SDiv: EmitDivide(i, x); break;
            case IrOpcode.Clz: EmitClz(i, x); break;
            case IrOpcode.Cls:
            {
                int s = Use(x.A);
                if (x.Size == 8) { _a.mov(rax, _r64[s]); _a.sar(rax, 1); _a.xor(rax, _r64[s]); }
                else { _a.mov(eax, _r32[s]); _a.sar(eax, 1); _a.xor(eax, _r32[s]); }
                int d = Alloc();
                EmitClzOf(d, x.Size);
                _a.sub(_r32[d], 1);
                Define(i, d);
                break;
            }
            case IrOpcode.Rbit: EmitRbit(i, x); break;
            case IrOpcode.ByteSwap: { int d = DestFrom(i, x.A, x.Size); if (x.Size == 8) _a.bswap(_r64[d]); else _a.bswap(_r32[d]); Define(i, d); keepFlags = true; break; }
            case IrOpcode.ByteSwap16:
            {
                int d = DestFrom(i, x.A, x.Size);
                if (x.Size == 8)
                {
                    _a.mov(rcx, 0x00FF00FF00FF00FFL);
                    _a.mov(rax, _r64[d]); _a.shr(rax, 8); _a.and(rax, rcx);
                    _a.and(_r64[d], rcx); _a.shl(_r64[d], 8); _a.or(_r64[d], rax);
                }
                else
                {
                    _a.mov(eax, _r32[d]); _a.shr(eax, 8); _a.and(eax, 0x00FF00FF);
                    _a.and(_r32[d], 0x00FF00FF); _a.shl(_r32[d], 8); _a.or(_r32[d], eax);
                }
                Define(i, d);
                break;
            }
            case IrOpcode.ByteSwap32: { int d = DestFrom(i, x.A, 8); _a.bswap(_r64[d]); _a.ror(_r64[d], 32); Define(i, d); break; }
            case IrOpcode.SignExtend: case IrOpcode.ZeroExtend: EmitExtend(i, x); keepFlags = true; break;
            case IrOpcode.CmpEq: EmitCompare(i, x, X86Cond.E); break;
            case IrOpcode.CmpNe: EmitCompare(i, x, X86Cond.NE); break;
            case IrOpcode.CmpUlt: EmitCompare(i, x, X86Cond.B); break;
            case IrOpcode.CmpSlt: EmitCompare(i, x, X86Cond.L); break;
            case IrOpcode.Select when _info[x.A].Deferred:
            {
                // The condition is a CondHolds deferred to here (Analyse): CMOVcc on the guest's flags.
                int t = Use(x.B), f = Use(x.C);
                int d = Alloc();
                if (x.Size == 8) _a.mov(_r64[d], _r64[f]); else _a.mov(_r32[d], _r32[f]);
                LoadFlags();
                var cc = X86CondEmitter.FromArm((int)_block.Instructions[x.A].Immediate);
                if (x.Size == 8) X86CondEmitter.Cmovcc(_a, cc, _r64[d], _r64[t]); else X86CondEmitter.Cmovcc(_a, cc, _r32[d], _r32[t]);
                Define(i, d);
                keepFlags = true;
                break;
            }
            case IrOpcode.Select:
            {
                int c = Use(x.A), t = Use(x.B), f = Use(x.C);
                int d = Alloc();
                if (x.Size == 8) { _a.mov(_r64[d], _r64[f]); _a.test(_r64[c], _r64[c]); _a.cmovne(_r64[d], _r64[t]); }
                else { _a.mov(_r32[d], _r32[f]); _a.test(_r64[c], _r64[c]); _a.cmovne(_r32[d], _r32[t]); }
                Define(i, d);
                break;
            }
            case IrOpcode.CondHolds:
            {
                var cc = X86CondEmitter.FromArm((int)x.Immediate);
                int d = Alloc();
                if (cc == X86Cond.Always) { _a.mov(_r32[d], 1); keepFlags = true; }
                else { LoadFlags(); X86CondEmitter.Setcc(_a, cc, _r8[d]); _a.movzx(_r32[d], _r8[d]); keepFlags = true; }
                Define(i, d);
                break;
            }
            case IrOpcode.AddFlags: case IrOpcode.SubFlags: case IrOpcode.AdcFlags: case IrOpcode.SbcFlags:
            case IrOpcode.Adc: case IrOpcode.Sbc:
                keepFlags = EmitFlagArithmetic(i, x);
                break;
            case IrOpcode.CondCompare: keepFlags = EmitCondCompare(i, x); break;
            case IrOpcode.SetLogicFlags:
            {
                if (!_info[i].FlagsNeeded) { keepFlags = false; break; }
                int s = Use(x.A);
                if (x.Size == 8) _a.test(_r64[s], _r64[s]); else _a.test(_r32[s], _r32[s]);
                _a.stc(); // ARM C = 0 is x86 CF = 1 in our encoding
                SaveFlagsAt(i);
                keepFlags = true;
                break;
            }
            case IrOpcode.GetNzcv:
            {
                int d = Alloc();
                _a.movzx(eax, __word_ptr[r15 + _layout.FlagsOffset]);
                _a.mov(_r32[d], eax); _a.shr(_r32[d], 14); _a.and(_r32[d], 3); _a.shl(_r32[d], 30);   // N, Z
                _a.mov(ecx, eax); _a.shr(ecx, 8); _a.and(ecx, 1); _a.xor(ecx, 1); _a.shl(ecx, 29); _a.or(_r32[d], ecx); // C
                _a.and(eax, 1); _a.shl(eax, 28); _a.or(_r32[d], eax); // V
                Define(i, d);
                break;
            }
            case IrOpcode.SetNzcv:
            {
                int s = Use(x.A);
                _a.mov(ecx, _r32[s]); _a.shr(ecx, 28);
                _a.mov(eax, ecx); _a.and(eax, 0xC); _a.shl(eax, 12);                 // N → bit 15, Z → bit 14
                _a.mov(edx, ecx); _a.shr(edx, 1); _a.and(edx, 1); _a.xor(edx, 1); _a.shl(edx, 8); _a.or(eax, edx); // !C → bit 8
                _a.and(ecx, 1); _a.or(eax, ecx); _a.or(eax, 0x200);                  // V → AL
                _a.mov(__word_ptr[r15 + _layout.FlagsOffset], ax);
                break;
            }
            case IrOpcode.Load: EmitLoad(i, x); break;
            case IrOpcode.Store: EmitStore(x); break;
            case >= IrOpcode.FpAdd and <= IrOpcode.IntToFp: EmitFp(i, x); break;
            case >= IrOpcode.GetVec: EmitVector(i, x); break;
            case IrOpcode.ReadCounter:
            {
                _a.rdtsc(); _a.shl(rdx, 32); _a.or(rax, rdx);
                _a.sub(rax, __qword_ptr[r15 + ControlBlock.CounterOffset]);
                _a.mov(ecx, __dword_ptr[r15 + ControlBlock.CounterShift]);
                _a.shr(rax, cl);
                int d = Alloc(); _a.mov(_r64[d], rax); Define(i, d);
                break;
            }
            default:
                throw new InvalidOperationException($"No code generation for {x.Opcode}."); // unreachable: the cases cover every opcode
        }
        if (!keepFlags) _flagsInX86 = false;
    }

    private void EmitGetReg(int i, in IrInstruction x)
    {
        int off = (int)x.Immediate;
        EvictVecCaches(off, x.Size);
        for (int s = off / 8; s <= (off + x.Size - 1) / 8 && s < MaxSlots; s++) StorePendingImmediate(s);
        if (_layout.FpsrOffset >= 0 && Overlaps(off, x.Size, _layout.FpsrOffset, 8)) EmitFpFlagsFlush(); // MRS FPSR sees the pending exceptions
        if (x.Size == 8 && off % 8 == 0 && off / 8 < MaxSlots)
        {
            int s = off / 8;
            if (_slotReg[s] >= 0 && _preferX[i]) MoveSlotToXmm(s); // an FP operand: later reads hit XMM too
            if (_slotReg[s] >= 0) { Define(i, _slotReg[s]); return; }
            if (_slotX[s] >= 0 || _preferX[i]) { GetSlotXmm(i, s); return; }
            int r = Alloc();
            _a.mov(_r64[r], __qword_ptr[r15 + off]);
            BindSlot(s, r, dirty: false);
            Define(i, r);
            return;
        }
        if (x.Size == 4 && off % 8 == 0 && off / 8 < MaxSlots)
        {
            // A W-register read: the low half of the cached X register, zero-extended.
            int s = off / 8;
            if (_slotReg[s] < 0 && (_slotX[s] >= 0 || _preferX[i])) { GetSlotXmm(i, s); return; } // an S register: the low 32 bits
            int r = _slotReg[s];
            if (r < 0)
            {
                r = Alloc();
                _a.mov(_r64[r], __qword_ptr[r15 + off]);
                BindSlot(s, r, dirty: false);
            }
            if (_slotZext[s]) { Define(i, r); return; }
            _pinned |= 1 << r;
            int w = Alloc();
            _a.mov(_r32[w], _r32[r]);
            Define(i, w);
            return;
        }
        EvictSlots(off, x.Size);
        int d = Alloc();
        switch (x.Size)
        {
            case 1: _a.movzx(_r32[d], __byte_ptr[r15 + off]); break;
            case 2: _a.movzx(_r32[d], __word_ptr[r15 + off]); break;
            case 4: _a.mov(_r32[d], __dword_ptr[r15 + off]); break;
            default: _a.mov(_r64[d], __qword_ptr[r15 + off]); break;
        }
        Define(i, d);
    }

    private void EmitSetReg(in IrInstruction x)
    {
        int off = (int)x.Immediate;
        EvictVecCaches(off, x.Size);
        if (_layout.FpsrOffset >= 0 && Overlaps(off, x.Size, _layout.FpsrOffset, 8))
        {
            EmitFpFlagsFlush();             // earlier exceptions (of this block or earlier ones) land in the old FPSR
            EmitMxcsrReset(_a);             // MXCSR's flags mean "raised since FPSR was written"
        }
        if (x.Size == 8 && off % 8 == 0 && off / 8 < MaxSlots)
        {
            int s = off / 8;
            if (_loc[x.A] < 0 && _xloc[x.A] < 0 && IsImm(x.A, 8, out int imm))
            {
                if (_slotReg[s] >= 0) { DropBound(_slotReg[s]); _slotReg[s] = -1; _slotDirty[s] = false; }
                if (_slotX[s] >= 0) XUnbindSlot(s, writeBack: false);
                SetPendingImmediate(s, imm); // stored at the block's end, unless overwritten first
                return;
            }
            _immPending[s] = false;
            if (_loc[x.A] < 0 && _xloc[x.A] >= 0 && _block.Instructions[x.A].Size == 8) { BindSlotX(s, XUse(x.A), dirty: true); return; }
            BindSlot(s, Use(x.A), dirty: true);
            _slotZext[s] = _block.Instructions[x.A].Size == 4;
            return;
        }
        EvictSlots(off, x.Size);
        int r = Use(x.A);
        switch (x.Size)
        {
            case 1: _a.mov(__byte_ptr[r15 + off], _r8[r]); break;
            case 2: _a.mov(__word_ptr[r15 + off], _r16[r]); break;
            case 4: _a.mov(__dword_ptr[r15 + off], _r32[r]); break;
            default: _a.mov(__qword_ptr[r15 + off], _r64[r]); break;
        }
    }

    private void EmitShift(int i, in IrInstruction x)
    {
        int width = x.Size * 8;
        int d;
        if (IsConst(x.B) && _loc[x.B] < 0)
        {
            int amount = (int)(ConstValue(x.B) & (width - 1));
            d = DestFrom(i, x.A, x.Size);
            if (amount != 0) ShiftImm(x.Opcode, x.Size, d, (byte)amount);
            else if (x.Size == 4) _a.mov(_r32[d], _r32[d]);
        }
        else
        {
            int amountReg = Use(x.B);
            _a.mov(rcx, _r64[amountReg]);
            d = DestFrom(i, x.A, x.Size);
            ShiftCl(x.Opcode, x.Size, d);
        }
        Define(i, d);
    }

    private void ShiftImm(IrOpcode op, int size, int d, byte n)
    {
        if (size == 8)
        {
            var r = _r64[d];
            switch (op) { case IrOpcode.Shl: _a.shl(r, n); break; case IrOpcode.Lsr: _a.shr(r, n); break; case IrOpcode.Asr: _a.sar(r, n); break; default: _a.ror(r, n); break; }
        }
        else
        {
            var r = _r32[d];
            switch (op) { case IrOpcode.Shl: _a.shl(r, n); break; case IrOpcode.Lsr: _a.shr(r, n); break; case IrOpcode.Asr: _a.sar(r, n); break; default: _a.ror(r, n); break; }
        }
    }

    private void ShiftCl(IrOpcode op, int size, int d)
    {
        if (size == 8)
        {
            var r = _r64[d];
            switch (op) { case IrOpcode.Shl: _a.shl(r, cl); break; case IrOpcode.Lsr: _a.shr(r, cl); break; case IrOpcode.Asr: _a.sar(r, cl); break; default: _a.ror(r, cl); break; }
        }
        else
        {
            var r = _r32[d];
            switch (op) { case IrOpcode.Shl: _a.shl(r, cl); break; case IrOpcode.Lsr: _a.shr(r, cl); break; case IrOpcode.Asr: _a.sar(r, cl); break; default: _a.ror(r, cl); break; }
        }
    }

    private void EmitDivide(int i, in IrInstruction x)
    {
        bool signed = x.Opcode == IrOpcode.SDiv;
        int ra = Use(x.A), rb = Use(x.B);
        int d = Alloc();
        var zero = _a.CreateLabel();
        var done = _a.CreateLabel();
        var minusOne = _a.CreateLabel();
        if (x.Size == 8)
        {
            _a.test(_r64[rb], _r64[rb]); _a.je(zero);
            if (signed) { _a.cmp(_r64[rb], -1); _a.je(minusOne); }
            _a.mov(rax, _r64[ra]);
            if (signed) { _a.cqo(); _a.idiv(_r64[rb]); } else { _a.xor(edx, edx); _a.div(_r64[rb]); }
            _a.mov(_r64[d], rax); _a.jmp(done);
            if (signed) { _a.Label(ref minusOne); _a.mov(_r64[d], _r64[ra]); _a.neg(_r64[d]); _a.jmp(done); }
        }
        else
        {
            _a.test(_r32[rb], _r32[rb]); _a.je(zero);
            if (signed) { _a.cmp(_r32[rb], -1); _a.je(minusOne); }
            _a.mov(eax, _r32[ra]);
            if (signed) { _a.cdq(); _a.idiv(_r32[rb]); } else { _a.xor(edx, edx); _a.div(_r32[rb]); }
            _a.mov(_r32[d], eax); _a.jmp(done);
            if (signed) { _a.Label(ref minusOne); _a.mov(_r32[d], _r32[ra]); _a.neg(_r32[d]); _a.jmp(done); }
        }
        _a.Label(ref zero);
        _a.xor(_r32[d], _r32[d]);
        _a.Label(ref done);
        Define(i, d);
    }

    /// <summary>Counts leading zeros of RAX (or EAX) into register <paramref name="d"/>.</summary>
    private void EmitClzOf(int d, int size)
    {
        if (_options.UseLzcnt)
        {
            if (size == 8) _a.lzcnt(_r64[d], rax); else _a.lzcnt(_r32[d], eax);
            return;
        }
        // BSR leaves the destination undefined for zero input: start from the answer for zero.
        _a.mov(_r32[d], size == 8 ? 127 : 63);
        if (size == 8) { _a.bsr(rcx, rax); _a.cmovne(_r64[d], rcx); _a.xor(_r32[d], 63); }
        else { _a.bsr(ecx, eax); _a.cmovne(_r32[d], ecx); _a.xor(_r32[d], 31); }
    }

    private void EmitClz(int i, in IrInstruction x)
    {
        int s = Use(x.A);
        if (x.Size == 8) _a.mov(rax, _r64[s]); else _a.mov(eax, _r32[s]);
        int d = Alloc();
        EmitClzOf(d, x.Size);
        Define(i, d);
    }

    private void EmitRbit(int i, in IrInstruction x)
    {
        int d = DestFrom(i, x.A, x.Size);
        if (x.Size == 8)
        {
            var r = _r64[d];
            _a.bswap(r);
            foreach (var (mask, shift) in new[] { (0x0F0F0F0F0F0F0F0FL, (byte)4), (0x3333333333333333L, (byte)2), (0x5555555555555555L, (byte)1) })
            {
                _a.mov(rcx, mask);
                _a.mov(rax, r); _a.shr(rax, shift); _a.and(rax, rcx);
                _a.and(r, rcx); _a.shl(r, shift); _a.or(r, rax);
            }
        }
        else
        {
            var r = _r32[d];
            _a.bswap(r);
            foreach (var (mask, shift) in new[] { (0x0F0F0F0F, (byte)4), (0x33333333, (byte)2), (0x55555555, (byte)1) })
            {
                _a.mov(eax, r); _a.shr(eax, shift); _a.and(eax, mask);
                _a.and(r, mask); _a.shl(r, shift); _a.or(r, eax);
            }
        }
        Define(i, d);
    }

    private void EmitExtend(int i, in IrInstruction x)
    {
        int s = Use(x.A);
        int d = Alloc();
        bool signed = x.Opcode == IrOpcode.SignExtend;
        switch (x.Immediate, x.Size, signed)
        {
            case (8, 8, true): _a.movsx(_r64[d], _r8[s]); break;
            case (16, 8, true): _a.movsx(_r64[d], _r16[s]); break;
            case (32, 8, true): _a.movsxd(_r64[d], _r32[s]); break;
            case (8, 4, true): _a.movsx(_r32[d], _r8[s]); break;
            case (16, 4, true): _a.movsx(_r32[d], _r16[s]); break;
            case (8, _, false): _a.movzx(_r32[d], _r8[s]); break;
            case (16, _, false): _a.movzx(_r32[d], _r16[s]); break;
            default: _a.mov(_r32[d], _r32[s]); break; // from 32 bits: zero-extend, or 32→32
        }
        Define(i, d);
    }

    private void EmitCompareOnly(in IrInstruction x)
    {
        int ra = Use(x.A);
        if (IsImm(x.B, x.Size, out int imm))
        {
            if (x.Size == 8) _a.cmp(_r64[ra], imm); else _a.cmp(_r32[ra], imm);
        }
        else
        {
            int rb = Use(x.B);
            if (x.Size == 8) _a.cmp(_r64[ra], _r64[rb]); else _a.cmp(_r32[ra], _r32[rb]);
        }
    }

    private void EmitCompare(int i, in IrInstruction x, X86Cond cond)
    {
        EmitCompareOnly(x);
        int d = Alloc();
        X86CondEmitter.Setcc(_a, cond, _r8[d]);
        _a.movzx(_r32[d], _r8[d]);
        Define(i, d);
    }

    /// <summary>Add/subtract with and without carry, with and without setting NZCV. Returns whether x86 flags hold the guest flags afterwards.</summary>
    /// <summary>
    /// CCMP/CCMN: a jump on the condition (the guest's flags in x86 form), then either the compare or the fallback
    /// NZCV loaded as x86 flags (AH = S Z . . . . 1 !C as SAHF takes it, OF from AL + 0x7F). Returns whether the x86
    /// flags hold the result.
    /// </summary>
    private bool EmitCondCompare(int i, in IrInstruction x)
    {
        if (!_info[i].FlagsNeeded) return false;
        int cond = (int)(x.Immediate & 15), fallback = (int)(x.Immediate >> 4 & 15);
        bool add = (x.Immediate & 0x100) != 0;
        // Operands into registers first: nothing may allocate (and so spill) inside the two paths.
        int ra = Use(x.A);
        int rb = IsImm(x.B, x.Size, out int imm) ? -1 : Use(x.B);
        var compare = _a.CreateLabel();
        var done = _a.CreateLabel();
        LoadFlags();
        X86CondEmitter.Jcc(_a, X86CondEmitter.FromArm(cond), compare);
        int ah = (fallback & 8) << 4 | (fallback & 4) << 4 | 0x02 | ((fallback & 2) == 0 ? 1 : 0);
        _a.mov(eax, ah << 8 | (fallback & 1));
        _a.add(al, 0x7F);
        _a.sahf();
        _a.jmp(done);
        Bind(ref compare);
        if (add)
        {
            if (x.Size == 8) _a.mov(rax, _r64[ra]); else _a.mov(eax, _r32[ra]);
            if (rb < 0) AluImm(Alu.Add, x.Size, rax, imm); else AluReg(Alu.Add, x.Size, rax, _r64[rb]);
            _a.cmc(); // ARM C after an add is x86 CF; we keep its inverse
        }
        else if (rb < 0) AluImm(Alu.Cmp, x.Size, _r64[ra], imm);
        else AluReg(Alu.Cmp, x.Size, _r64[ra], _r64[rb]);
        Bind(ref done);
        SaveFlagsAt(i);
        return true;
    }

    private bool EmitFlagArithmetic(int i, in IrInstruction x)
    {
        bool setsFlags = x.Opcode is IrOpcode.AddFlags or IrOpcode.SubFlags or IrOpcode.AdcFlags or IrOpcode.SbcFlags;
        bool needFlags = setsFlags && _info[i].FlagsNeeded;
        bool needValue = _info[i].LastUse >= 0;
        if (!needFlags && !needValue) return false;

        bool carryIn = x.Opcode is IrOpcode.AdcFlags or IrOpcode.SbcFlags or IrOpcode.Adc or IrOpcode.Sbc;
        bool isAdd = x.Opcode is IrOpcode.AddFlags or IrOpcode.AdcFlags or IrOpcode.Adc;
        Alu op = isAdd ? (carryIn ? Alu.Adc : Alu.Add) : (carryIn ? Alu.Sbb : Alu.Sub);

        PrepareSecond(x.B, x.Size);
        if (!needValue && op == Alu.Sub)
        {
            EmitCompareOnly(x); // CMP: flags only
        }
        else
        {
            int d;
            if (needValue) d = DestFrom(i, x.A, x.Size, x.B);
            else
            {
                // Result unused (CMN and friends): compute into RAX.
                int s = Use(x.A);
                if (x.Size == 8) _a.mov(rax, _r64[s]); else _a.mov(eax, _r32[s]);
                d = -1;
            }
            if (carryIn)
            {
                if (d < 0) { _a.mov(rcx, rax); }
                LoadFlags();               // clobbers RAX
                if (d < 0) { _a.mov(rax, rcx); }
                if (isAdd) _a.cmc();       // x86 ADC wants CF = ARM C
            }
            if (d >= 0) AluOp(op, x.Size, d, x.B);
            else if (IsImm(x.B, x.Size, out int imm)) AluImm(op, x.Size, rax, imm);
            else AluReg(op, x.Size, rax, _r64[Use(x.B)]);
            if (d >= 0) Define(i, d);
        }
        if (!needFlags) return false;
        if (isAdd) _a.cmc();               // ARM C after an add is x86 CF; we keep its inverse
        SaveFlagsAt(i);
        return true;
    }

    /// <summary>
    /// The RAM range check every guest access makes: <c>addr - RamBase &lt; RamSize - size + 1</c>
    /// unsigned. Anything else (devices, unmapped addresses, addresses beyond the guest window) jumps to
    /// <paramref name="slow"/>, so translated code never dereferences a non-RAM guest address.
    /// </summary>
    private void RangeCheck(int ra, int size, Label slow)
    {
        if (_options.RamBase == 0) _a.mov(rax, _r64[ra]);
        else if (_options.RamBase <= int.MaxValue) _a.lea(rax, __qword_ptr[_r64[ra] - (int)_options.RamBase]); // one instruction, not mov + sub
        else { _a.mov(rax, _r64[ra]); _a.mov(rcx, (long)_options.RamBase); _a.sub(rax, rcx); }
        ulong limit = _options.RamSize - (ulong)size; // the last offset an access of this size may start at
        if (limit < int.MaxValue) _a.cmp(rax, (int)limit);
        else { _a.mov(rcx, (long)limit); _a.cmp(rax, rcx); }
        _a.ja(slow);
    }

    /// <summary>
    /// The out-of-line half of a non-RAM access: a synchronous DeviceAccess request through the channel
    /// (the host answers from the device bus, or stops the run for an unmapped address), then back.
    /// </summary>
    private void DeviceAccess(Label slow, Label back, int ra, int size, bool write, int valueReg, long valueImm, int dest, ulong pc)
    {
        var path = new SlowPath
        {
            Kind = SlowPathKind.DeviceAccess, At = slow, Back = back, Address = ra, Size = size, Write = write,
            ValueReg = valueReg, ValueImm = valueImm, Dest = dest,
        };
        if (_mmu)
        {
            // With the MMU on the same path serves TLB misses, devices and aborts: it needs the state at the access.
            path.Kind = SlowPathKind.MemoryAccess;
            path.Snapshot = TakeSnapshot(out path.SnapshotCount);
            path.Target = pc;
            path.Retry = _retry;
            path.ModeBits = AccessModeBits;
        }
        AddSlowPath(path);
    }

    private enum SlowPathKind { DeviceAccess, LinkStub, MemoryAccess }

    /// <summary>An out-of-line path of the integer code: data, not a closure, so that recording one allocates nothing.</summary>
    private struct SlowPath
    {
        public SlowPathKind Kind;
        public Label At, Back;
        public int Address, Size, ValueReg, Dest;
        public bool Write;
        public long ValueImm;
        public ulong Target;                  // the link stub's guest target; the accessing instruction's PC (MemoryAccess)
        public int Snapshot, SnapshotCount;   // MemoryAccess: the guest state to store first (see TakeSnapshot)
        public Label Retry;                   // MemoryAccess: the access's TLB lookup, to run again after an in-VM refill
        public int ModeBits;                  // MemoryAccess: Arg2's mode byte (see AccessModeBits)
    }

    private void AddSlowPath(in SlowPath path)
    {
        if (_slowPathCount == _slowPaths.Length) Array.Resize(ref _slowPaths, _slowPaths.Length * 2);
        _slowPaths[_slowPathCount++] = path;
    }

    private void EmitSlowPaths()
    {
        for (int k = 0; k < _slowPathCount; k++)
        {
            ref var p = ref _slowPaths[k];
            _a.Label(ref p.At);
            if (p.Kind == SlowPathKind.LinkStub)
            {
                _a.mov(rax, (long)p.Target);
                _a.mov(__qword_ptr[r15 + _layout.PcOffset], rax);
                _a.jmp(_entry.Dispatch);
                continue;
            }
            if (p.Kind is SlowPathKind.DeviceAccess or SlowPathKind.MemoryAccess && !p.Write && p.Size == 4 && (p.ModeBits & 2) == 0)
                EmitFastDeviceRead(p.Address, p.Dest, p.Back);
            _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], _r64[p.Address]);
            if (p.Write)
            {
                if (p.ValueReg >= 0) _a.mov(__qword_ptr[r15 + ControlBlock.Arg1], _r64[p.ValueReg]);
                else _a.mov(__qword_ptr[r15 + ControlBlock.Arg1], (int)p.ValueImm);
            }
            if (p.Kind == SlowPathKind.MemoryAccess)
            {
                EmitTlbWalk(p.Size, p.Write, p.Retry, p.Snapshot, p.SnapshotCount, p.Target, p.ModeBits);
                EmitMmuRequest(p.Snapshot, p.SnapshotCount, p.Target, p.Size, p.Write, p.ModeBits);
            }
            else
            {
                _a.mov(__dword_ptr[r15 + ControlBlock.Arg2], p.Size | (p.Write ? 0x100 : 0));
                _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.DeviceAccess);
                _a.call(_entry.ChannelCall);
            }
            if (!p.Write)
            {
                if (p.Size == 8) _a.mov(_r64[p.Dest], __qword_ptr[r15 + ControlBlock.Arg1]);
                else _a.mov(_r32[p.Dest], __dword_ptr[r15 + ControlBlock.Arg1]); // the host zero-extended it
            }
            _a.jmp(p.Back);
        }
    }

    /// <summary>Binds a label to the current position.</summary>
    private void Bind(ref Label label) => _a.Label(ref label);

    private void EmitLoad(int i, in IrInstruction x)
    {
        if (x.Size is 4 or 8 && _preferX[i] && (x.Immediate & 1) == 0) { EmitLoadXmm(i, x); return; } // (unprivileged: the integer path)
        int ra = Use(x.A);
        int d = Alloc();
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        _unprivileged = (x.Immediate & 1) != 0;
        AccessCheck(ra, x.Size, write: false, slow);
        switch (x.Size)
        {
            case 1: _a.movzx(_r32[d], Address(__byte_ptr, ra)); break;
            case 2: _a.movzx(_r32[d], Address(__word_ptr, ra)); break;
            case 4: _a.mov(_r32[d], Address(__dword_ptr, ra)); break;
            default: _a.mov(_r64[d], Address(__qword_ptr, ra)); break;
        }
        Bind(ref back);
        DeviceAccess(slow, back, ra, x.Size, write: false, -1, 0, d, (ulong)x.Immediate & ~1UL);
        _unprivileged = false;
        Define(i, d);
    }

    private void EmitStore(in IrInstruction x)
    {
        if (x.Size is 4 or 8 && _loc[x.B] < 0 && _xloc[x.B] >= 0 && !_isVec[x.B] && (x.Immediate & 1) == 0) { EmitStoreXmm(x); return; }
        int ra = Use(x.A);
        int value = 0;
        bool imm = _loc[x.B] < 0 && IsImm(x.B, x.Size == 8 ? 8 : 4, out value);
        int rv = imm ? -1 : Use(x.B);
        var slow = _a.CreateLabel();
        var back = _a.CreateLabel();
        _unprivileged = (x.Immediate & 1) != 0;
        AccessCheck(ra, x.Size, write: true, slow);
        if (imm)
        {
            switch (x.Size)
            {
                case 1: _a.mov(Address(__byte_ptr, ra), (byte)value); break;
                case 2: _a.mov(Address(__word_ptr, ra), (short)value); break;
                case 4: _a.mov(Address(__dword_ptr, ra), value); break;
                default: _a.mov(Address(__qword_ptr, ra), value); break;
            }
        }
        else
        {
            switch (x.Size)
            {
                case 1: _a.mov(Address(__byte_ptr, ra), _r8[rv]); break;
                case 2: _a.mov(Address(__word_ptr, ra), _r16[rv]); break;
                case 4: _a.mov(Address(__dword_ptr, ra), _r32[rv]); break;
                default: _a.mov(Address(__qword_ptr, ra), _r64[rv]); break;
            }
        }
        Bind(ref back);
        DeviceAccess(slow, back, ra, x.Size, write: true, rv, value, -1, (ulong)x.Immediate & ~1UL);
        _unprivileged = false;
    }

    // ───────────────────────────── terminals ─────────────────────────────

    /// <summary>
    /// Jumps to the block of <paramref name="target"/>: directly when it is translated, else through
    /// a stub that sets the PC and enters the dispatcher, recorded so the jump is patched once the
    /// target exists. A condition other than Always makes it a conditional jump.
    /// </summary>
    private void EmitLink(ulong target, X86Cond cond = X86Cond.Always)
    {
        if (target == _selfPc)
        {
            // The block's own start: a branch inside the block's code, which is dropped only as a whole — past its code
            // page check (it runs in the page) to its interrupt check.
            ulong start = _rip + (ulong)(_regionCount == 0 ? PageCheckBytes : 0);
            if (cond == X86Cond.Always) _a.jmp(start); else X86CondEmitter.Jcc(_a, cond, start);
            return;
        }
        // A rel32 jmp/jcc whose field is recorded: links are patched later as rel32 (at once when the target is
        // translated already). It points at the stub until then, and again if the target's translation is dropped.
        var stub = _a.CreateLabel();
        if (cond == X86Cond.Always) _a.jmp(stub); else X86CondEmitter.Jcc(_a, cond, stub);
        _links.Add((_a.Position - 4, KeyFor(target), target > _block.GuestAddress && !_writesInterruptMask, LinkSourcePage));
        // Filled in place: a SlowPath built on the stack and copied into the array (AddSlowPath) cost a zeroed frame
        // and a block copy with write barriers (its labels hold a reference) at every link of every block.
        if (_slowPathCount == _slowPaths.Length) Array.Resize(ref _slowPaths, _slowPaths.Length * 2);
        ref var path = ref _slowPaths[_slowPathCount++];
        path = default;
        path.Kind = SlowPathKind.LinkStub;
        path.At = stub;
        path.Target = target;
    }

    /// <summary>
    /// Sets the x86 flags for the branch terminal's condition and returns the x86 condition that means "taken"
    /// (<see cref="X86Cond.Always"/> for an ARM condition that always holds).
    /// </summary>
    private X86Cond EmitBranchCondition(IrBlock block)
    {
        int c = block.Terminal.Condition;
        var ci = block.Instructions[c];
        if (_info[c].Deferred && ci.Opcode == IrOpcode.CondHolds)
        {
            var cond = X86CondEmitter.FromArm((int)ci.Immediate);
            if (cond != X86Cond.Always) LoadFlags();
            return cond;
        }
        if (_info[c].Deferred)
        {
            // Materialise operands first: that may allocate, which may spill.
            Use(ci.A); if (!IsImm(ci.B, ci.Size, out _)) Use(ci.B);
            EmitCompareOnly(ci);
            return ci.Opcode switch
            {
                IrOpcode.CmpEq => X86Cond.E, IrOpcode.CmpNe => X86Cond.NE,
                IrOpcode.CmpUlt => X86Cond.B, _ => X86Cond.L,
            };
        }
        int r = Use(c);
        _a.test(_r64[r], _r64[r]);
        return X86Cond.NE;
    }

    private void EmitTerminal(IrBlock block)
    {
        ref readonly var t = ref block.Terminal;
        int n = block.Count;
        switch (t.Kind)
        {
            case IrTerminalKind.Jump:
                FlushSlots();
                SaveFlagsForEdge(t.Target);
                EmitLink(t.Target);
                break;
            case IrTerminalKind.Branch:
            {
                var cond = EmitBranchCondition(block);
                FlushSlots(); // stores: the x86 flags stay
                if (cond == X86Cond.Always) { SaveFlagsForEdge(t.Target); EmitLink(t.Target); break; }
                SaveFlagsForEdge(t.Target);     // lahf/seto/mov leave the flags the jcc tests intact
                EmitLink(t.Target, cond);
                SaveFlagsForEdge(t.FallThrough);
                EmitLink(t.FallThrough);
                break;
            }
            case IrTerminalKind.JumpIndirect:
            {
                int r = Use(t.Value);
                FlushSlots();
                _a.mov(__qword_ptr[r15 + _layout.PcOffset], _r64[r]);
                if (t.ModeChange) { _a.jmp(_entry.Dispatch); break; } // the dispatcher reads the new mode
                // The dispatcher's table lookup, inline: each indirect branch site gets an indirect jump of its own,
                // which the host CPU predicts per site (one shared jump would mix every RET and jump table). The key
                // is the address plus the block's mode; an unaligned address has no key and goes to the dispatcher.
                _a.test(_r32[r], 3);
                _a.jne(_entry.Dispatch);
                _a.lea(rax, __qword_ptr[_r64[r] + _block.Mode]);
                _a.mov(ecx, eax);
                _a.shr(ecx, 2);
                _a.and(ecx, VmLayout.LookupEntries - 1);
                _a.shl(ecx, 4);
                _a.mov(rdx, (long)(VmLayout.RuntimeVirtualBase + VmLayout.LookupTableOffset));
                _a.cmp(__qword_ptr[rdx + rcx], rax);
                _a.jne(_entry.Dispatch); // a miss: the dispatcher asks for a translation
                _a.jmp(__qword_ptr[rdx + rcx + 8]);
                break;
            }
            default:
            {
                int rv = t.Value >= 0 ? Use(t.Value) : -1;
                FlushSlots();
                if (_options.InVmMaintenance && rv >= 0 && t.Trap is IrTrapKind.TlbInvalidateByAddress or IrTrapKind.CodeInvalidateByAddress)
                    EmitMaintenanceInVm(t, _r64[rv]);
                if (_options.InVmMaintenance && rv >= 0 && t.Trap == IrTrapKind.AddressSpaceSwitch)
                    EmitAddressSpaceSwitch(t, _r64[rv]);
                if (rv >= 0) _a.mov(__qword_ptr[r15 + ControlBlock.Arg2], _r64[rv]);
                else _a.mov(__qword_ptr[r15 + ControlBlock.Arg2], 0);
                _a.mov(rax, (long)t.FallThrough);
                _a.mov(__qword_ptr[r15 + _layout.PcOffset], rax);
                _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], (int)t.Trap);
                _a.mov(rax, (long)t.Info);
                _a.mov(__qword_ptr[r15 + ControlBlock.Arg1], rax);
                _a.mov(rax, (long)t.Target);
                _a.mov(__qword_ptr[r15 + ControlBlock.Arg3], rax);
                _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.Trap);
                _a.jmp(_entry.Channel);
                break;
            }
        }
        _ = n;
    }

    /// <summary>
    /// The guest register slots cached in a block, in the order first cached: a list whose enumeration is a span's
    /// (the compiler walks it at every eviction and flush, and <see cref="List{T}"/>'s checked enumerator showed).
    /// </summary>
    private sealed class SlotList
    {
        private int[] _items = new int[MaxSlots];
        private int _count;

        public void Add(int slot)
        {
            if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
            _items[_count++] = slot;
        }

        public void Clear() => _count = 0;

        public Span<int>.Enumerator GetEnumerator() => _items.AsSpan(0, _count).GetEnumerator();
    }
}

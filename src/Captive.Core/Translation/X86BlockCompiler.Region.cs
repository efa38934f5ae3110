using Captive.Core.IR;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

// Regions (issue 4, "guest registers cached in host registers across chained blocks"): a small loop of blocks
// — the block the vCPU asked for and the blocks of the direct-branch cycles through it — compiled as one unit.
// The guest registers the loop uses most are held in fixed host registers (the first pool registers, in
// order) across the unit's internal edges: an internal edge moves the cached values back into those registers
// (a parallel move; usually nothing to do) and jumps, where two separately compiled blocks would store every
// written register and load it again, a store-to-load round trip on every loop-carried dependency. Each
// block of the region keeps an entry of its own for the rest of the code (it loads the fixed registers
// first), and every edge that leaves the region writes back what the loop wrote. Only integer blocks join:
// FP and vector blocks keep their per-block entry guard and register handling.
internal sealed partial class X86BlockCompiler
{
    /// <summary>Most blocks in one region (all of one translation mode: addresses identify them).</summary>
    public const int MaxRegionBlocks = 4;
    private const int MaxRegionSlots = 6;

    private int _regionCount;
    private int _regionCurrent;   // the region block being compiled
    private bool _edgeIsLast;     // the edge being emitted is the block's last code: the next block's body follows
    private readonly ulong[] _regionPc = new ulong[MaxRegionBlocks];
    private readonly bool[] _regionKills = new bool[MaxRegionBlocks];
    private readonly Label[] _regionInner = new Label[MaxRegionBlocks];
    private readonly Label[] _regionOuter = new Label[MaxRegionBlocks];
    private readonly Label[] _regionAfterCheck = new Label[MaxRegionBlocks]; // a block's body, past its interrupt check
    private readonly int[] _regionSlot = new int[MaxRegionSlots];      // guest slot held in pool register i
    private readonly bool[] _regionWritten = new bool[MaxRegionSlots];
    private int _regionSlotCount;
    private readonly int[] _slotUses = new int[MaxSlots];
    private readonly bool[] _slotWritten = new bool[MaxSlots];
    private readonly bool[] _edgeDirty = new bool[MaxSlots], _edgeImm = new bool[MaxSlots];

    private int RegionIndex(ulong pc)
    {
        for (int k = 0; k < _regionCount; k++) if (_regionPc[k] == pc) return k;
        return -1;
    }

    /// <summary>True when <paramref name="block"/> may be part of a region: compiled code with integer ops only.</summary>
    public bool CanJoinRegion(IrBlock block)
    {
        foreach (ref readonly var i in block.Instructions)
            if (i.IsFloatingPoint || i.IsVectorOp) return false;
        return CanCompile(block);
    }

    /// <summary>
    /// Compiles the blocks of a loop as one unit (see the file's header). <paramref name="entries"/> receives each
    /// block's x86 entry point, in the order of <paramref name="blocks"/>; the first block's is <paramref name="rip"/>.
    /// </summary>
    public List<PendingLink> CompileRegion(IReadOnlyList<IrBlock> blocks, ulong rip, Runtime.SpanCodeWriter writer,
        Func<ulong, ulong> resolve, Func<ulong, bool>? killsFlags, List<ulong> entries)
    {
        if (blocks.Count is 0 or > MaxRegionBlocks) throw new ArgumentOutOfRangeException(nameof(blocks));
        BeginUnit(rip, resolve, killsFlags);
        _regionCount = blocks.Count;
        try
        {
            for (int k = 0; k < blocks.Count; k++)
            {
                _regionPc[k] = blocks[k].GuestAddress;
                _regionKills[k] = KillsFlagsAtEntry(blocks[k]);
                _regionInner[k] = _a.CreateLabel();
                _regionOuter[k] = _a.CreateLabel();
                _regionAfterCheck[k] = _a.CreateLabel(); // bound past the block's interrupt check
            }
            ChooseRegionSlots(blocks);
            if (!RegionFitsCodePages(blocks, out _regionCheckedPage))
                throw new ArgumentException("The region's blocks need code page checks but do not share one page.", nameof(blocks));
            _regionMissCount = 0;
            for (int k = 0; k < blocks.Count; k++)
            {
                if (k == 0) { Bind(ref _regionOuter[0]); EmitRegionPageCheck(0, blocks[0].Mode); LoadRegionSlots(); } // falls into the first block
                Bind(ref _regionInner[k]);
                _regionCurrent = k;
                CompileBody(blocks[k]);
            }
            for (int k = 1; k < blocks.Count; k++)
            {
                Bind(ref _regionOuter[k]);
                EmitRegionPageCheck(k, blocks[k].Mode);
                LoadRegionSlots();
                _a.jmp(_regionInner[k]);
            }
            var links = EndUnit(rip, writer);
            entries.Clear();
            for (int k = 0; k < blocks.Count; k++) entries.Add(_a.LabelRip(_regionOuter[k]));
            return links;
        }
        finally
        {
            _regionCount = 0;
            _regionSlotCount = 0;
            _regionCheckedPage = ulong.MaxValue;
        }
    }

    /// <summary>The guest register slots read or written most in the region (whole 8-byte slots only).</summary>
    private void ChooseRegionSlots(IReadOnlyList<IrBlock> blocks)
    {
        Array.Clear(_slotUses);
        Array.Clear(_slotWritten);
        foreach (var b in blocks)
        {
            foreach (ref readonly var x in b.Instructions)
            {
                int off = (int)x.Immediate;
                bool whole = off % 8 == 0 && off >= 0 && off / 8 < MaxSlots;
                if (x.Opcode == IrOpcode.GetReg && whole && x.Size is 4 or 8) _slotUses[off / 8]++;
                else if (x.Opcode == IrOpcode.SetReg && whole && x.Size == 8) { _slotUses[off / 8]++; _slotWritten[off / 8] = true; }
            }
        }
        _regionSlotCount = 0;
        while (_regionSlotCount < MaxRegionSlots)
        {
            int best = -1;
            for (int s = 0; s < MaxSlots; s++)
                if (_slotUses[s] > 0 && (best < 0 || _slotUses[s] > _slotUses[best])) best = s;
            if (best < 0) break;
            _regionSlot[_regionSlotCount] = best;
            _regionWritten[_regionSlotCount] = _slotWritten[best];
            _regionSlotCount++;
            _slotUses[best] = 0;
        }
    }

    private void LoadRegionSlots()
    {
        for (int i = 0; i < _regionSlotCount; i++) _a.mov(_r64[i], __qword_ptr[r15 + _regionSlot[i] * 8]);
    }

    /// <summary>
    /// A region block starts with the region's slots in their registers; the ones the loop writes count as dirty
    /// (the block may have been entered by an internal edge that left them unwritten).
    /// </summary>
    private void BindRegionSlots()
    {
        for (int i = 0; i < _regionSlotCount; i++) BindSlot(_regionSlot[i], i, _regionWritten[i]);
    }

    private bool IsRegionSlot(int s) => RegionRegister(s) >= 0;

    private void EmitRegionTerminal(IrBlock block)
    {
        ref readonly var t = ref block.Terminal;
        bool internalEdge = t.Kind switch
        {
            IrTerminalKind.Jump => RegionIndex(t.Target) >= 0,
            IrTerminalKind.Branch => RegionIndex(t.Target) >= 0 || RegionIndex(t.FallThrough) >= 0,
            _ => false,
        };
        if (!internalEdge) { EmitTerminal(block); return; }
        _edgeIsLast = false;
        if (t.Kind == IrTerminalKind.Jump) { _edgeIsLast = true; EmitEdge(t.Target); return; }

        // The condition first: what follows on either path (moves, stores, lahf/seto) keeps the x86 flags.
        var cond = EmitBranchCondition(block);
        if (cond == X86Cond.Always) { _edgeIsLast = true; EmitEdge(t.Target); return; }

        int k = RegionIndex(t.Target);
        if (k >= 0 && EdgeIsBare(t.Target))
        {
            X86CondEmitter.Jcc(_a, cond, InternalEntry(k));
            _edgeIsLast = true;
            EmitEdge(t.FallThrough);
            return;
        }
        var taken = _a.CreateLabel();
        X86CondEmitter.Jcc(_a, cond, taken);
        bool savePending = _savePending, flagsInX86 = _flagsInX86;
        foreach (int s in _touched) { _edgeDirty[s] = _slotDirty[s]; _edgeImm[s] = _immPending[s]; }
        EmitEdge(t.FallThrough);
        _savePending = savePending; _flagsInX86 = flagsInX86;
        foreach (int s in _touched) { _slotDirty[s] = _edgeDirty[s]; _immPending[s] = _edgeImm[s]; }
        Bind(ref taken);
        _edgeIsLast = true;
        EmitEdge(t.Target);
    }

    /// <summary>
    /// Where an internal edge to region block <paramref name="k"/> enters it: past its interrupt check when the edge goes
    /// forward (a later block of the unit's order, compiled after the current one), at it when it goes back — every
    /// cycle of the loop has such an edge.
    /// </summary>
    private Label InternalEntry(int k) => k > _regionCurrent ? _regionAfterCheck[k] : _regionInner[k];

    /// <summary>True when the internal edge to <paramref name="target"/> is a bare jump: nothing to move, store or save.</summary>
    private bool EdgeIsBare(ulong target)
    {
        if (_savePending && !KillsFlags(target)) return false;
        foreach (int s in _touched)
        {
            if (_immPending[s]) return false;
            if (_slotReg[s] < 0) { if (IsRegionSlot(s)) return false; continue; }
            if (IsRegionSlot(s)) { if (_slotReg[s] != RegionRegister(s)) return false; }
            else if (_slotDirty[s]) return false;
        }
        return true;
    }

    private int RegionRegister(int s)
    {
        for (int i = 0; i < _regionSlotCount; i++) if (_regionSlot[i] == s) return i;
        return -1;
    }

    /// <summary>One edge of a region block: inside the region, the parallel move and a jump; outside, the usual exit.</summary>
    private void EmitEdge(ulong target)
    {
        int k = RegionIndex(target);
        if (k < 0)
        {
            FlushSlots();
            SaveFlagsForEdge(target);
            EmitLink(target);
            return;
        }
        foreach (int s in _touched)
        {
            if (IsRegionSlot(s)) continue;
            if (_immPending[s]) _a.mov(__qword_ptr[r15 + s * 8], _immValue[s]); // a constant not stored yet
            else if (_slotReg[s] >= 0 && _slotDirty[s]) _a.mov(__qword_ptr[r15 + s * 8], _r64[_slotReg[s]]);
        }
        EmitRegionMoves();
        SaveFlagsForEdge(target);
        if (!(_edgeIsLast && k == _regionCurrent + 1)) _a.jmp(InternalEntry(k)); // else the next block's body follows
    }

    /// <summary>
    /// Puts every region slot's value into its register: register moves in an order that never overwrites a
    /// value still to be moved (a cycle goes through RAX), then the constants written but not stored yet, then loads
    /// of the slots that are in memory (a slot without a register was written back when it lost it). Changes no
    /// compile-time state and no x86 flags.
    /// </summary>
    private void EmitRegionMoves()
    {
        const int Done = -3, FromRax = -2, FromMemory = -1;
        Span<int> src = stackalloc int[MaxRegionSlots];
        int pending = 0;
        for (int i = 0; i < _regionSlotCount; i++)
        {
            int cur = _slotReg[_regionSlot[i]];
            src[i] = cur == i ? Done : cur;
            if (cur >= 0 && cur != i) pending++;
        }
        while (pending > 0)
        {
            bool progress = false;
            for (int i = 0; i < _regionSlotCount; i++)
            {
                if (src[i] is Done or FromMemory) continue;
                bool needed = false;
                for (int j = 0; j < _regionSlotCount && !needed; j++) needed = j != i && src[j] == i;
                if (needed) continue;
                if (src[i] == FromRax) _a.mov(_r64[i], rax); else _a.mov(_r64[i], _r64[src[i]]);
                src[i] = Done;
                pending--;
                progress = true;
            }
            if (progress) continue;
            // Every pending destination is still someone's source: a cycle. Park one value in RAX.
            int p = 0;
            while (p < _regionSlotCount && src[p] is Done or FromMemory or FromRax) p++;
            if (p == _regionSlotCount) throw new InvalidOperationException("Region register moves made no progress.");
            _a.mov(rax, _r64[p]);
            for (int j = 0; j < _regionSlotCount; j++) if (src[j] == p) src[j] = FromRax;
        }
        for (int i = 0; i < _regionSlotCount; i++)
        {
            if (src[i] != FromMemory) continue;
            int s = _regionSlot[i];
            if (_immPending[s]) _a.mov(_r64[i], _immValue[s]); // sign-extended, as the pending store would be
            else _a.mov(_r64[i], __qword_ptr[r15 + s * 8]);
        }
    }
}

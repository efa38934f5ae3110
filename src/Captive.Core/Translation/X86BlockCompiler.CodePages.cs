using Captive.Core.IR;
using Captive.Core.Runtime;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

// Code page checks (VmLayout.CodePageTableOffset). Translations are found by virtual address, and a context switch maps
// other code — or none — at the addresses of the half it switches. Instead of re-walking every translated page of that
// half at each switch, the switch starts a new epoch, and a block there begins with
//     mov rax, tag(page, mode)
//     xor rax, [r15 + CodeEpoch]
//     cmp [r15 + CodePageEntry(page)], rax
//     jne miss                                  ; out of line
// (twice for a block that runs into the next page). The miss path first tries itself (EL0 code): if the guest's tables
// still map the page to the frame the entry records, the entry becomes current. Otherwise a Translate request: the
// host checks the page's translations against what is mapped there now — keeping or parking them — and marks the page
// current. A direct branch from a block of the same
// page enters past the check: that block ran in this epoch, so the page is current.
internal sealed partial class X86BlockCompiler
{
    /// <summary>Bytes of the code page check at the start of the last block compiled alone (0 without one).</summary>
    public int PageCheckBytes { get; private set; }

    /// <summary>
    /// The virtual page number of the last block compiled when it has a code page check and lies in that one page (a
    /// direct branch from a block of the same page may skip the check); <see cref="ulong.MaxValue"/> otherwise.
    /// </summary>
    public ulong CheckedPage { get; private set; } = ulong.MaxValue;

    private Label _pageMiss;
    private bool _pageMissUsed;

    /// <summary>Whether a block at <paramref name="address"/> lowered with translation context <paramref name="context"/> gets a code page check.</summary>
    public bool ChecksCodePageAt(ulong address, ulong context) => _options.CodePageSelectBit >= 0
        && _options.MmuEnabled is { } mmuOn && mmuOn(context) && (address >> _options.CodePageSelectBit & 1) == 0;

    /// <summary>Whether <paramref name="block"/>, compiled alone, starts with a code page check (see the file's comment).</summary>
    private bool ChecksCodePage(IrBlock block) => !_runtimeEntry && _regionCount == 0 && ChecksCodePageAt(block.GuestAddress, block.Context);

    /// <summary>The virtual page number of <paramref name="block"/>'s last instruction.</summary>
    private static ulong LastPage(IrBlock block) => (block.GuestAddress + 4 * (ulong)Math.Max(block.GuestInstructionCount, 1) - 1) >> 12;

    /// <summary>Jumps to <paramref name="stale"/> unless the code page entry of <paramref name="page"/> (mode <paramref name="mode"/>) is current. Clobbers RAX.</summary>
    private void EmitPageEntryTest(ulong page, int mode, Label stale)
    {
        _a.mov(rax, (long)VmLayout.CodePageTag(page, mode));
        _a.xor(rax, __qword_ptr[r15 + ControlBlock.CodeEpoch]);
        _a.cmp(__qword_ptr[r15 + VmLayout.CodePageEntry(page)], rax);
        _a.jne(stale);
    }

    /// <summary>Emits the code page check of <paramref name="block"/>, when it needs one, as the unit's first code.</summary>
    private void EmitCodePageCheck(IrBlock block)
    {
        PageCheckBytes = 0;
        CheckedPage = ulong.MaxValue;
        _pageMissUsed = false;
        if (!ChecksCodePage(block)) return;
        ulong first = block.GuestAddress >> 12, last = LastPage(block);
        _pageMiss = _a.CreateLabel();
        _pageMissUsed = true;
        int start = _a.Position;
        for (ulong page = first; page <= last; page++) EmitPageEntryTest(page, block.Mode, _pageMiss);
        PageCheckBytes = start == 0 ? _a.Position : 0; // skippable only as the unit's first bytes
        if (first == last && PageCheckBytes > 0) CheckedPage = first;
    }

    /// <summary>The out-of-line halves of the unit's code page checks: a Translate request for the block (the host checks the page).</summary>
    private void EmitCodePageMiss()
    {
        if (_pageMissUsed)
        {
            _pageMissUsed = false;
            Bind(ref _pageMiss);
            if (CheckedPage != ulong.MaxValue) EmitPageRefill(CheckedPage, _block.Mode, () => _a.jmp(_rip));
            EmitPageMissRequest(_selfPc);
        }
        for (int k = 0; k < _regionMissCount; k++)
        {
            Bind(ref _regionMiss[k]);
            int entry = k;
            EmitPageRefill(_regionCheckedPage, _block.Mode, () => _a.jmp(_regionOuter[entry])); // (a unit's blocks share a mode)
            EmitPageMissRequest(_regionPc[k]);
        }
        _regionMissCount = 0;
    }

    /// <summary>
    /// Translated code's own attempt at a stale code page entry of <paramref name="page"/> (mode <paramref name="mode"/>,
    /// EL0 only): when the entry still records the frame the page's translations are valid for, and the guest's tables
    /// map the page to that frame now (executable at EL0, read-only; the walker's fetch check), the entry becomes current
    /// and <paramref name="retry"/> runs the check again. Otherwise it falls through to the host. Clobbers RAX, RCX, RDX.
    /// </summary>
    private void EmitPageRefill(ulong page, int mode, Action retry)
    {
        if (mode != 0 || _entry.TlbWalk == 0) return;
        var host = _a.CreateLabel();
        int entry = VmLayout.CodePageEntry(page);
        long tag = (long)VmLayout.CodePageTag(page, mode);
        _a.mov(rax, tag);
        _a.cmp(__qword_ptr[r15 + (entry + 8)], rax);
        _a.jne(host);
        _a.mov(rax, (long)(page << 12));
        _a.mov(__qword_ptr[r15 + ControlBlock.Arg0], rax);
        _a.mov(__dword_ptr[r15 + ControlBlock.Arg2], 1 | 0x200);  // one byte, a fetch check, mode 0
        _a.call(_entry.TlbWalk);
        _a.cmp(eax, 1);
        _a.jne(host);
        _a.mov(rax, __qword_ptr[r15 + ControlBlock.Arg1]);
        _a.cmp(__qword_ptr[r15 + (entry + 16)], rax);
        _a.jne(host);
        _a.mov(rax, tag);
        _a.xor(rax, __qword_ptr[r15 + ControlBlock.CodeEpoch]);
        _a.mov(__qword_ptr[r15 + entry], rax);                   // current
        _a.add(__qword_ptr[r15 + ControlBlock.CodePageChecks], 1);
        retry();
        _a.Label(ref host);
    }

    private void EmitPageMissRequest(ulong guestPc)
    {
        _a.mov(rax, (long)guestPc);
        _a.mov(__qword_ptr[r15 + _layout.PcOffset], rax);
        _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.Translate);
        _a.jmp(_entry.Channel);
    }

    // Regions (X86BlockCompiler.Region.cs) of the switched half: all their blocks lie in one page, checked at each outer
    // entry (internal edges stay in the page), and the unit's direct branches leave from that page.
    private readonly Label[] _regionMiss = new Label[MaxRegionBlocks];
    private int _regionMissCount;
    private ulong _regionCheckedPage = ulong.MaxValue;

    /// <summary>
    /// Whether a region of <paramref name="blocks"/> may be compiled: without code page checks always; with them, when every
    /// block lies in one and the same page (<paramref name="page"/>, else <see cref="ulong.MaxValue"/>).
    /// </summary>
    public bool RegionFitsCodePages(IReadOnlyList<IrBlock> blocks, out ulong page)
    {
        page = ulong.MaxValue;
        if (blocks.Count == 0 || !ChecksCodePageAt(blocks[0].GuestAddress, blocks[0].Context)) return true;
        ulong first = blocks[0].GuestAddress >> 12;
        foreach (var b in blocks)
        {
            if (b.GuestAddress >> 12 != first || LastPage(b) != first) return false;
            if (!ChecksCodePageAt(b.GuestAddress, b.Context)) return false;
        }
        page = first;
        return true;
    }

    /// <summary>The code page check at region block <paramref name="k"/>'s outer entry (nothing for a region without checks).</summary>
    private void EmitRegionPageCheck(int k, int mode)
    {
        if (_regionCheckedPage == ulong.MaxValue) return;
        _regionMiss[k] = _a.CreateLabel();
        _regionMissCount = Math.Max(_regionMissCount, k + 1);
        EmitPageEntryTest(_regionCheckedPage, mode, _regionMiss[k]);
    }

    /// <summary>The page direct branches of the unit being compiled leave from, for <see cref="PendingLink.SourcePage"/>.</summary>
    private ulong LinkSourcePage => _regionCount > 0 ? _regionCheckedPage : CheckedPage;
}

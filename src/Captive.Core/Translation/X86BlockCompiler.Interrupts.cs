using Captive.Core.Runtime;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

// The interrupt check (ARCHITECTURE §6): every block starts with
//     cmp dword [r15 + InterruptPending], 0
//     jne irq                                  ; out of line, after the unit
// — one macro-fused compare-and-branch on a line the host writes only when the guest's interrupt line changes. Region
// blocks have it too, at their inner entry, so the loop's internal back edges pass through it and a tight loop sees an
// interrupt within one iteration. The out-of-line path tests the guest's interrupt mask (a pending but masked interrupt
// costs a taken branch per block until the guest unmasks or the line drops), stores the region's registers the loop
// writes (at a block entry nothing else is cached), and asks the host through the channel to take the interrupt at
// this block's address; the answer continues at the dispatcher, at the vector.
//
// Flags: a block entered with NZCV dead (its predecessors skipped saving them: KillsFlagsAtEntry) is interrupted with
// the flags slot one write behind, so SPSR_EL1.NZCV may be stale there; the block overwrites NZCV before reading it
// after the ERET, so only a handler that inspects SPSR_EL1.NZCV could tell.
internal sealed partial class X86BlockCompiler
{
    private Label[] _irqAt = new Label[8], _irqBack = new Label[8];
    private ulong[] _irqPc = new ulong[8];
    private int[] _irqRegion = new int[8];   // 1 when the stub stores the region's written registers
    private int _irqCount;

    private bool ChecksInterrupts => _layout.InterruptMaskOffset >= 0;

    private bool _writesInterruptMask; // of the block being compiled (see WritesInterruptMask)

    /// <summary>
    /// Bytes of the interrupt check at the start of the last block compiled alone (0 for a guest without interrupts):
    /// a forward direct branch enters the block past them (<see cref="PendingLink.Forward"/>). Every cycle of direct
    /// branches has a backward edge, which enters at the check, as do the dispatcher, indirect branches and exception
    /// returns; so a loop still meets the check once an iteration, and straight-line code pays for it nowhere.
    /// </summary>
    public int InterruptCheckBytes { get; private set; }

    /// <summary>
    /// Whether <paramref name="block"/> writes the guest's interrupt mask (for AArch64, MSR DAIF/DAIFClr, which end their
    /// block): then even its forward branches enter at the next block's check, so an interrupt the write unmasks is taken
    /// at once.
    /// </summary>
    private bool WritesInterruptMask(IR.IrBlock block)
    {
        if (!ChecksInterrupts) return false;
        foreach (ref readonly var i in block.Instructions)
            if (i.Opcode == IR.IrOpcode.SetReg && Overlaps((int)i.Immediate, i.Size, _layout.InterruptMaskOffset, 8)) return true;
        return false;
    }

    /// <summary>Emits the block-entry interrupt check of <paramref name="guestPc"/> (a no-op for a guest without interrupts).</summary>
    private void EmitInterruptCheck(ulong guestPc)
    {
        InterruptCheckBytes = 0;
        if (!ChecksInterrupts)
        {
            if (_regionCount > 0) Bind(ref _regionAfterCheck[_regionCurrent]);
            return;
        }
        int start = _a.Position;
        if (_irqCount == _irqAt.Length)
        {
            Array.Resize(ref _irqAt, _irqCount * 2);
            Array.Resize(ref _irqBack, _irqCount * 2);
            Array.Resize(ref _irqPc, _irqCount * 2);
            Array.Resize(ref _irqRegion, _irqCount * 2);
        }
        int k = _irqCount++;
        _irqAt[k] = _a.CreateLabel();
        _irqBack[k] = _a.CreateLabel();
        _irqPc[k] = guestPc;
        _irqRegion[k] = _regionCount > 0 ? 1 : 0;
        _a.cmp(__dword_ptr[r15 + ControlBlock.InterruptPending], 0);
        _a.jne(_irqAt[k]);
        Bind(ref _irqBack[k]);
        if (_regionCount == 0 && start == PageCheckBytes) InterruptCheckBytes = _a.Position - start; // right after the code page check, if any
        if (_regionCount > 0) Bind(ref _regionAfterCheck[_regionCurrent]);
    }

    /// <summary>The out-of-line halves of the unit's interrupt checks.</summary>
    private void EmitInterruptStubs()
    {
        for (int k = 0; k < _irqCount; k++)
        {
            Bind(ref _irqAt[k]);
            _a.mov(eax, __dword_ptr[r15 + _layout.InterruptMaskOffset]);
            _a.test(eax, _layout.InterruptMaskBit);
            _a.jne(_irqBack[k]); // masked: run the block
            if (_irqRegion[k] != 0)
                for (int i = 0; i < _regionSlotCount; i++)
                    if (_regionWritten[i]) _a.mov(__qword_ptr[r15 + _regionSlot[i] * 8], _r64[i]);
            _a.mov(rax, (long)_irqPc[k]);
            _a.mov(__qword_ptr[r15 + _layout.PcOffset], rax);
            _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.Interrupt);
            _a.jmp(_entry.Channel);
        }
        _irqCount = 0;
    }
}

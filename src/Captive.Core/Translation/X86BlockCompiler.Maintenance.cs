using Captive.Core.IR;
using Captive.Core.Runtime;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

// TLB and instruction cache maintenance by address, carried out by translated code when no translation depends on it.
//
// A guest changing its own code or its page tables announces it with IC IVAU and TLBI by address, one cache line or one
// page at a time, and most of those name addresses no translation came from: Linux's boot patches 44,000 function entries
// (ftrace) through a temporary mapping, each followed by a TLBI of that mapping and an IC IVAU of the entry, mostly in code
// that has not run yet. The host's answer to each is a channel request; here translated code asks the code filters the
// engine keeps in VM memory (VmLayout.CodeLineFilterOffset, CodeBlockFilterOffset) and traps only when a translation may be
// affected:
//  - IC IVAU: the line's bit in the line filter clear → no translation covers the line: nothing to drop.
//  - TLBI by address: no line of the page in the filter, and the page is not in a 2 MiB or 1 GiB block code was translated
//    through → no translation depends on the page's mapping: translated code invalidates the page's entries in the in-VM
//    TLB (all of it when some entries came from block mappings, which a TLBI of any of their pages must remove) and in the
//    device page tables, and counts the maintenance in ControlBlock.TlbGeneration so the host empties its own TLB before
//    it next translates an address.
internal sealed partial class X86BlockCompiler
{
    private void EmitMaintenanceInVm(in IrTerminal t, AssemblerRegister64 address)
    {
        var host = _a.CreateLabel();
        _a.mov(rdx, (long)(VmLayout.RuntimeVirtualBase + VmLayout.CodeLineFilterOffset));
        const int lineMask = (1 << VmLayout.CodeLineFilterBits) - 1;
        if (t.Trap == IrTrapKind.CodeInvalidateByAddress)
        {
            _a.mov(rax, address);
            _a.shr(rax, 6);
            _a.and(eax, lineMask);                    // the line's bit
            EmitFilterTest(0, host);
            _a.add(__qword_ptr[r15 + ControlBlock.CodeMaintenanceInVm], 1);
            EmitLink(t.FallThrough);
            _a.Label(ref host);
            return;
        }

        // Code in the page: its 64 lines are one 64-bit word of the line filter.
        _a.mov(rax, address);
        _a.shr(rax, 12);
        _a.and(eax, lineMask >> 6);
        _a.cmp(__qword_ptr[rdx + rax * 8], 0);
        _a.jne(host);
        // Code translated through a block mapping that holds the page.
        const int blockMask = (1 << VmLayout.CodeBlockFilterBits) - 1;
        int blockFilters = (int)(VmLayout.CodeBlockFilterOffset - VmLayout.CodeLineFilterOffset);
        foreach (var (shift, filter) in (ReadOnlySpan<(byte, int)>)[(21, 0), (30, 1)])
        {
            _a.mov(rax, address);
            _a.shr(rax, shift);
            _a.and(eax, blockMask);
            EmitFilterTest(blockFilters + filter * ((blockMask + 1) / 8), host);
        }

        // The in-VM TLB: the page's entry in each of the four tables, or every entry when some came from a block mapping.
        var whole = _a.CreateLabel();
        var done = _a.CreateLabel();
        _a.cmp(__dword_ptr[r15 + ControlBlock.TlbHasBlocks], 0);
        _a.jne(whole);
        _a.mov(rax, address);
        _a.shr(rax, 8);
        _a.and(eax, (TlbEntries - 1) * TlbEntrySize);
        for (int table = 0; table < 4; table++)
            _a.mov(__qword_ptr[r15 + rax + (TlbOffset + table * TlbEntries * TlbEntrySize)], 1);
        _a.mov(rax, address);
        _a.shr(rax, 8);
        _a.and(eax, (VmLayout.DeviceMirrorEntries - 1) << 4);
        for (int mode = 0; mode < 2; mode++)
            _a.mov(__qword_ptr[r15 + rax + ((int)VmLayout.DeviceVirtualTableOffset + mode * VmLayout.DeviceMirrorEntries * 16)], 1);
        _a.jmp(done);
        _a.Label(ref whole);
        EmitClearTlb();
        _a.Label(ref done);
        _a.add(__qword_ptr[r15 + ControlBlock.TlbGeneration], 1);
        _a.add(__qword_ptr[r15 + ControlBlock.TlbMaintenanceInVm], 1);
        EmitLink(t.FallThrough);
        _a.Label(ref host);
    }

    /// <summary>Empties the in-VM TLB and the device page tables, as the host's ClearVmTlb does. Clobbers RAX.</summary>
    private void EmitClearTlb()
    {
        var loop = _a.CreateLabel();
        _a.mov(eax, TlbOffset);
        _a.Label(ref loop);
        _a.mov(__qword_ptr[r15 + rax], 1);
        _a.add(eax, TlbEntrySize);
        _a.cmp(eax, TlbOffset + 4 * TlbEntries * TlbEntrySize);
        _a.jb(loop);
        for (int entry = 0; entry < 2 * VmLayout.DeviceMirrorEntries; entry++)
            _a.mov(__qword_ptr[r15 + ((int)VmLayout.DeviceVirtualTableOffset + entry * 16)], 1);
        _a.mov(__dword_ptr[r15 + ControlBlock.TlbHasBlocks], 0);
    }

    /// <summary>
    /// A switch of the lower half's translation table base (<see cref="IrTrapKind.AddressSpaceSwitch"/>; the register is
    /// written already) to a value the engine's space table holds: the switch is the walker's table base, an empty TLB,
    /// a new TLB generation for the host and, with code page checks, a new code page epoch (without them, every
    /// translation is valid in a space the table holds). Other values trap.
    /// </summary>
    private void EmitAddressSpaceSwitch(in IrTerminal t, AssemblerRegister64 value)
    {
        var host = _a.CreateLabel();
        var hit = _a.CreateLabel();
        var set = _a.CreateLabel();
        for (int k = 0; k < ControlBlock.SpaceEntries; k++)
        {
            _a.mov(ecx, k * 16);
            _a.cmp(__qword_ptr[r15 + rcx + ControlBlock.SpaceTable], value);
            _a.je(hit);
        }
        if (_options.CodePageSelectBit >= 0)
        {
            // With code page checks any space will do: the table base is the value's base bits (the host's mask).
            _a.mov(rcx, __qword_ptr[r15 + ControlBlock.WalkLowerBaseMask]);
            _a.test(rcx, rcx);
            _a.je(host);
            _a.mov(rax, value);
            _a.and(rax, rcx);
            _a.jmp(set);
        }
        else _a.jmp(host);
        _a.Label(ref hit);
        _a.mov(rax, __qword_ptr[r15 + rcx + (ControlBlock.SpaceTable + 8)]);
        _a.Label(ref set);
        _a.mov(__qword_ptr[r15 + (ControlBlock.WalkLower + ControlBlock.WalkHalfBase)], rax);
        EmitClearTlb();
        if (_options.CodePageSelectBit >= 0)
        {
            // A new code page epoch: the switched half's code is checked page by page as it runs (X86BlockCompiler.CodePages.cs).
            _a.mov(rax, __qword_ptr[r15 + ControlBlock.CodeEpoch]);
            _a.mov(rcx, 1L << VmLayout.CodePageEpochShift);
            _a.add(rax, rcx);
            _a.test(rax, rax);
            X86CondEmitter.Jcc(_a, X86Cond.S, host); // (bit 63) the epoch is about to wrap: the host empties the table
            _a.mov(__qword_ptr[r15 + ControlBlock.CodeEpoch], rax);
        }
        _a.add(__qword_ptr[r15 + ControlBlock.TlbGeneration], 1);
        _a.add(__qword_ptr[r15 + ControlBlock.SpaceSwitchesInVm], 1);
        EmitLink(t.FallThrough);
        _a.Label(ref host);
    }

    /// <summary>Jumps to <paramref name="set"/> when bit EAX of the bitmap at RDX + <paramref name="offset"/> is set. Clobbers RAX, RCX.</summary>
    private void EmitFilterTest(int offset, Label set)
    {
        _a.mov(ecx, eax);
        _a.and(ecx, 63);
        _a.shr(eax, 6);
        _a.mov(rax, __qword_ptr[rdx + rax * 8 + offset]);
        _a.shr(rax, cl);
        _a.test(eax, 1);
        _a.jne(set);
    }
}

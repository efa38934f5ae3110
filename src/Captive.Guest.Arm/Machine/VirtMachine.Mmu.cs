using Captive.Core.Execution;
using Captive.Core.IR;
using Captive.Core.Memory;
using Captive.Guest.Arm.Board;
using Captive.Guest.Arm.Decoding;
using Captive.Guest.Arm.Lowering;
using Captive.Guest.Arm.Memory;

namespace Captive.Guest.Arm.Machine;

// The guest MMU as the machine runs it: the stage 1 walker over the engine's RAM with the registers decoded once per
// change (every write to SCTLR_EL1, TCR_EL1, TTBR0_EL1 and TTBR1_EL1 traps to here), the aborts it raises taken as
// exceptions, and TLB maintenance and AT carried out on the engine's TLBs.
public sealed partial class VirtMachine : IGuestMmu
{
    private A64TranslationRegime _regime;
    private bool _regimeValid;
    private ulong _regimeTtbr0; // the TTBR0_EL1 value _regime was decoded with

    /// <inheritdoc/>
    IGuestMmu? IGuestSystem.Mmu => this;

    /// <inheritdoc/>
    int IGuestMmu.SwitchedHalfSelectBit => 55; // TTBR0_EL1's half: VA bit 55 clear

    /// <inheritdoc/>
    bool IGuestMmu.IsEnabled(ulong translationContext) => (translationContext & 1) != 0; // SCTLR_EL1.M, bit 0 of the context

    /// <inheritdoc/>
    GuestTranslation IGuestMmu.Translate(ulong virtualAddress, GuestAccessKind kind, int mode) => Translate(virtualAddress, kind, mode, false);

    /// <inheritdoc/>
    GuestTranslation IGuestMmu.TranslateUnprivileged(ulong virtualAddress, GuestAccessKind kind, int mode) => Translate(virtualAddress, kind, mode, mode != 0);

    private GuestTranslation Translate(ulong virtualAddress, GuestAccessKind kind, int mode, bool unprivileged)
    {
        var access = new A64Access(kind switch
        {
            GuestAccessKind.Read => A64AccessKind.Read,
            GuestAccessKind.Write => A64AccessKind.Write,
            _ => A64AccessKind.InstructionFetch,
        }, mode, Unprivileged: unprivileged);
        var r = Walk(virtualAddress, access);
        if (r.IsFault) return GuestTranslation.Fault(r.Fault.Syndrome);
        var p = mode == 0 || unprivileged ? r.El0 : r.El1;
        var permissions = ((p & A64Permissions.Read) != 0 ? GuestPagePermissions.Read : 0)
            | ((p & A64Permissions.Write) != 0 ? GuestPagePermissions.Write : 0)
            | ((p & A64Permissions.Execute) != 0 ? GuestPagePermissions.Execute : 0);
        return GuestTranslation.Mapped(r.PhysicalAddress, permissions, Math.Max(r.BlockSize, 0x1000UL));
    }

    /// <inheritdoc/>
    bool IGuestMmu.TryDescribeTables(out GuestTableWalk walk)
    {
        walk = default;
        var regs = new GuestRegisters(Engine.RegisterFile);
        if (!((IGuestMmu)this).IsEnabled(regs.Read(ArmState.TranslationContext))) return false;
        EnsureRegime();
        var r = _regime;
        // The in-VM walker knows little-endian 4 KiB-granule tables, and checks output addresses only against RAM:
        // RAM must lie within the output address size, so that no RAM address is an address size fault.
        if (!r.MmuEnabled || r.BigEndianWalks || VirtBoard.RamBase + (ulong)Engine.Ram.Length > 1UL << r.OutputAddressBits) return false;
        static GuestTableHalf Half(in A64TranslationTable t) => t.GranuleBits != 12 || t.TableBaseOutOfRange
            ? new GuestTableHalf(false, 0, 0, 0, false)
            : new GuestTableHalf(!t.WalkDisabled, t.TableBase, t.StartLevel, t.InputAddressBits, t.TopByteIgnored);
        var lower = Half(r.Lower);
        var upper = Half(r.Upper);
        // A half with another granule or an out-of-range table base is the host's: its addresses fault or walk there.
        if ((!lower.Enabled && !r.Lower.WalkDisabled && r.Lower.GranuleBits != 12) || (!upper.Enabled && !r.Upper.WalkDisabled && r.Upper.GranuleBits != 12))
            return false;
        walk = new GuestTableWalk(GuestTableFormat.Vmsav8Granule4K, lower, upper);
        return true;
    }

    private void EnsureRegime()
    {
        var regs = new Core.Execution.GuestRegisters(Engine.RegisterFile);
        // Translated code switches TTBR0 by itself between spaces the engine knows (IrTrapKind.AddressSpaceSwitch).
        if (_regimeValid && regs.Read(ArmState.Ttbr0El1) != _regimeTtbr0) _regimeValid = false;
        if (!_regimeValid)
        {
            _regimeTtbr0 = regs.Read(ArmState.Ttbr0El1);
            _regime = A64TranslationRegime.Decode(regs.Read(ArmState.SctlrEl1), regs.Read(ArmState.TcrEl1), regs.Read(ArmState.Ttbr0El1),
                regs.Read(ArmState.Ttbr1El1), regs.Read(ArmState.MairEl1));
            _regimeValid = true;
        }
    }

    private A64TranslationResult Walk(ulong virtualAddress, A64Access access)
    {
        EnsureRegime();
        var reader = new A64RamDescriptorReader(Engine.Ram, VirtBoard.RamBase);
        return A64PageTableWalker.Translate(_regime, virtualAddress, access, ref reader);
    }

    /// <summary>The virtual addresses TTBR0_EL1 translates (bit 55 clear) and those TTBR1_EL1 translates.</summary>
    private const ulong LowerHalfLast = 0x007F_FFFF_FFFF_FFFF, UpperHalfFirst = 0xFF80_0000_0000_0000;

    /// <summary>
    /// The MMU's registers or the page tables changed in a way the guest announced (a register write, TLB maintenance):
    /// the decoded registers and the engine's TLBs go, and — because translations are found by virtual address — the
    /// translated code of the pages between <paramref name="first"/> and <paramref name="last"/> whose mapping did
    /// change.
    /// </summary>
    private void MmuChanged(ulong first = 0, ulong last = ulong.MaxValue, bool switching = false)
    {
        _regimeValid = false;
        if (!switching) Engine.ForgetAddressSpaces(); // the known spaces' tables or controls may have changed
        Engine.FlushTlb();
        if (!((IGuestMmu)this).IsEnabled(new GuestRegisters(Engine.RegisterFile).Read(ArmState.TranslationContext))) return;
        // Only code pages whose mapping actually moved lose their translations (the engine re-walks the pages it fetched
        // from): a context switch keeps the code the two address spaces share, a TLBI after a data page changed keeps all.
        Engine.RevalidateTranslations(first, last);
    }

    /// <summary>A data or instruction abort: FAR_EL1 = the address, the exception taken at the accessing instruction.</summary>
    private TrapResult TakeAbort(ulong esr, ulong address, ulong pc, GuestRegisters registers)
    {
        registers.Write(ArmState.FarEl1, address);
        return TrapResult.Continue(TakeException(registers, esr, pc, VectorSynchronous));
    }

    /// <summary>No instruction at <paramref name="pc"/>: with the MMU on, the instruction abort the fetch takes if it faults.</summary>
    private TrapResult FetchFault(ulong pc, GuestRegisters registers)
    {
        if (((IGuestMmu)this).IsEnabled(registers.Read(ArmState.TranslationContext)))
        {
            int el = (int)registers.Read(ArmState.CurrentEl);
            var r = Walk(pc, A64Access.Fetch(el));
            if (r.IsFault) return TakeAbort(r.Fault.Syndrome, pc, pc, registers);
        }
        return TrapResult.Halt(StopReason.Error, FetchFaultMessage(pc, registers));
    }

    /// <summary>TLBI (every EL1 form), AT S1E1R/W, S1E0R/W, and instruction cache invalidation.</summary>
    private TrapResult SystemInstruction(in GuestTrap trap, GuestRegisters registers)
    {
        int key = (int)trap.Info;
        int crn = key >> 7 & 15, crm = key >> 3 & 15, op2 = key & 7;
        if (crn == 8)
        {
            // TLB maintenance: the TLBs go whole (refilling them is cheap); translations go by what the operation covers.
            // By address (VAE1, VALE1, VAAE1, VAALE1): that address's code. By ASID (ASIDE1): the lower half, where
            // Linux's ASID-tagged (non-global) mappings are — with KPTI the kernel's own mappings would be non-global
            // too, and this would have to be everything. VMALLE1: everything.
            switch (op2)
            {
                case 1 or 3 or 5 or 7: MmuChanged(trap.Value & ~0xFFFUL, trap.Value | 0xFFF); break; // the lowered IR made Xt the address
                case 2: MmuChanged(0, LowerHalfLast); break;
                default: MmuChanged(); break;
            }
            return TrapResult.Continue(trap.NextPc);
        }
        if (crn == 7 && (crm == 1 || crm == 5))
        {
            // IC IALLUIS, IC IALLU, IC IVAU: the guest made modified instructions visible; its translations may be stale.
            // IC IVAU names one cache line: the blocks that start in it or run into it.
            if (op2 == 1)
            {
                ulong line = trap.Value & ~63UL, reach = (ulong)Engine.Options.MaxBlockInstructions * 4;
                Engine.InvalidateTranslations(line >= reach ? line - reach : 0, line + 63);
            }
            else Engine.RevalidateCode(); // everything may have changed: the translations whose instructions did go
            return TrapResult.Continue(trap.NextPc);
        }
        if (crn == 7 && crm == 8 && op2 <= 3)
        {
            bool write = (op2 & 1) != 0;
            int el = op2 >= 2 ? 0 : 1;
            var r = Walk(trap.Value, write ? A64Access.Write(el) : A64Access.Read(el));
            registers.Write(ArmState.ParEl1, ParValue(r));
            return TrapResult.Continue(trap.NextPc);
        }
        return TrapResult.Halt(StopReason.Error, $"system instruction 0x{key:x} {Describe(trap)} is not implemented");
    }

    /// <summary>
    /// PAR_EL1 after AT (ARM DDI 0487 D13.2.98): on success PA[47:12], the memory attributes in [63:56], SH in [8:7], NS
    /// (bit 9) = 1 — this machine has no Secure state, so every access is Non-secure —, F = 0; on a fault F = 1 with FST =
    /// the status code in [6:1] (S1PTW 0, stage 1: S = 0). Bit 11 is RES1 in both formats.
    /// </summary>
    private static ulong ParValue(in A64TranslationResult r)
    {
        const ulong res1 = 1UL << 11, ns = 1UL << 9;
        if (r.IsFault) return res1 | 1UL | (ulong)(uint)r.Fault.StatusCode << 1;
        return (r.PhysicalAddress & 0x0000_FFFF_FFFF_F000UL) | (ulong)r.MemoryAttributes << 56 | (ulong)(r.Shareability & 3) << 7 | ns | res1;
    }

    /// <summary>The vector offsets within a group of four (ARM DDI 0487 D1.10.2).</summary>
    private const ulong VectorSynchronous = 0x000, VectorIrq = 0x080;

    /// <summary>
    /// Takes an exception to EL1 on the host, exactly as the lowered IR's exception entry does: SPSR_EL1 = PSTATE,
    /// ELR_EL1 = <paramref name="preferredReturn"/>, ESR_EL1 = <paramref name="esr"/> (synchronous exceptions only),
    /// SP_EL1 selected, DAIF masked. Returns the vector address.
    /// </summary>
    private ulong TakeException(GuestRegisters registers, ulong esr, ulong preferredReturn, ulong kind)
    {
        ulong el = registers.Read(ArmState.CurrentEl) & 3;
        ulong onEl1 = registers.Read(ArmState.SpSel) & el & 1;
        ulong spsr = Engine.ReadNzcv() | (registers.Read(ArmState.Daif) & 0x3C0) | el << 2 | onEl1
            | (registers.Read(ArmState.PstateSs) & 1UL << 21); // PSTATE.SS (software step), then cleared
        registers.Write(ArmState.PstateSs, 0);
        ulong offset = (el == 0 ? 0x400UL : onEl1 != 0 ? 0x200UL : 0) + kind;
        ulong sp = registers.Read(ArmState.Sp);
        if (onEl1 != 0) registers.Write(ArmState.SpEl1, sp); else registers.Write(ArmState.SpEl0, sp);
        registers.Write(ArmState.Sp, registers.Read(ArmState.SpEl1));
        registers.Write(ArmState.SpsrEl1, spsr);
        registers.Write(ArmState.ElrEl1, preferredReturn);
        if (kind == VectorSynchronous) registers.Write(ArmState.EsrEl1, esr);
        registers.Write(ArmState.Daif, 0x3C0);
        registers.Write(ArmState.SpSel, 1);
        registers.Write(ArmState.CurrentEl, 1);
        return registers.Read(ArmState.VbarEl1) + offset;
    }

    /// <summary>
    /// TTBR0_EL1 written (the lowered IR wrote the register): the lower half's translations are revalidated, and the
    /// engine may remember the space for switches back to it without the host. The host carries out every switch that
    /// reaches it, even to the value it last decoded, because translated code may have switched elsewhere since.
    /// </summary>
    private TrapResult SwitchAddressSpace(in GuestTrap trap)
    {
        MmuChanged(0, LowerHalfLast, switching: true);
        Engine.NoteAddressSpace(trap.Value);
        return TrapResult.Continue(trap.NextPc);
    }

    /// <summary>Whether a write to <paramref name="encoding"/> is one of the MMU's registers (handled, with the change announced).</summary>
    private bool TryWriteMmuRegister(ulong encoding, ulong value, GuestRegisters registers)
    {
        int offset;
        if (encoding == (ulong)A64SystemRegisters.Encode(3, 0, 2, 0, 0)) offset = ArmState.Ttbr0El1;
        else if (encoding == (ulong)A64SystemRegisters.Encode(3, 0, 2, 0, 1)) offset = ArmState.Ttbr1El1;
        else if (encoding == (ulong)A64SystemRegisters.Encode(3, 0, 2, 0, 2)) offset = ArmState.TcrEl1;
        else return false;
        if (registers.Read(offset) == value) return true;
        registers.Write(offset, value);
        // A new TTBR0 changes the lower half's mappings (a context switch keeps the kernel's translations), a new TTBR1
        // the upper half's; TCR may change both.
        if (offset == ArmState.Ttbr0El1) MmuChanged(0, LowerHalfLast);
        else if (offset == ArmState.Ttbr1El1) MmuChanged(UpperHalfFirst, ulong.MaxValue);
        else MmuChanged();
        return true;
    }
}

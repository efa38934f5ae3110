using Captive.Core.IR;
using Captive.Core.Runtime;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Translation;

// Guest memory accesses with the guest MMU on (ARCHITECTURE §4, the inline software TLB). A block lowered with the
// MMU on (its translation context says so) checks every access against the vCPU's TLB in VM memory: four direct-mapped
// tables of 256 entries (EL0/EL1 × read/write), each entry the page's virtual address (the tag) and the addend that
// turns the virtual address into the x86 address of its RAM. A hit is a handful of instructions and one extra
// register in the access's address; a miss, a device page, an access that crosses a page or one the MMU refuses
// goes out of line to the host (a MemoryAccess channel request): it walks the guest's tables, fills the entry when
// the page is RAM, and makes the access — or takes the abort. So that the abort is precise, the out-of-line path
// first stores the guest state as it is at the accessing instruction — every register the block has changed so far,
// still held in host registers, and the instruction's PC — and an aborted access leaves through the dispatcher to
// the exception vector the host chose.
internal sealed partial class X86BlockCompiler
{
    /// <summary>The TLB's place in the vCPU area (relative to the register file, which R15 points at).</summary>
    public const int TlbOffset = (int)VmLayout.TlbOffset;

    /// <summary>Entries per table.</summary>
    public const int TlbEntries = 256;

    /// <summary>Bytes per entry: the tag (page virtual address; 1 when empty) and the addend.</summary>
    public const int TlbEntrySize = 16;

    /// <summary>The table of translation mode <paramref name="mode"/> (0 or 1) for reads or writes, relative to the register file.</summary>
    public static int TlbTable(int mode, bool write) => TlbOffset + ((mode & 1) * 2 + (write ? 1 : 0)) * TlbEntries * TlbEntrySize;

    private bool _mmu;              // the block being compiled accesses memory through the guest MMU
    private bool _unprivileged;     // the access being compiled is unprivileged (IR Load/Store Immediate bit 0)

    /// <summary>The TLB tables and permissions of the access being compiled: mode 0's for an unprivileged one.</summary>
    private int AccessMode => _unprivileged ? 0 : _block.Mode;

    /// <summary>
    /// Arg2's byte 2 for the access being compiled: bit 0 the mode whose permissions and TLB apply, bit 1 set for an
    /// unprivileged access from a higher mode (its fault is taken from there).
    /// </summary>
    private int AccessModeBits => AccessMode | (_unprivileged && _block.Mode != 0 ? 2 : 0);
    private Label _retry;           // the TLB lookup of the access being compiled
    private Label _abortExit;       // the unit's exit for an aborted access (created when first needed)
    private bool _abortExitUsed;

    /// <summary>One guest slot's value as it stands at an access: where the out-of-line path finds it.</summary>
    private enum SnapshotKind : byte { Register, Immediate, Xmm64, Xmm128 }

    private struct SnapshotEntry
    {
        public int Slot, Value;
        public SnapshotKind Kind;
    }

    private SnapshotEntry[] _snapshot = new SnapshotEntry[64];
    private int _snapshotCount;

    /// <summary>
    /// The check before an access of <paramref name="size"/> bytes at the guest address in pool register
    /// <paramref name="ra"/>: the RAM range check with the MMU off (the x86 address is the guest address), the TLB
    /// lookup with it on (the x86 address is <paramref name="ra"/> + RAX). Anything else jumps to <paramref name="slow"/>.
    /// </summary>
    private void AccessCheck(int ra, int size, bool write, Label slow)
    {
        if (!_mmu) { RangeCheck(ra, size, slow); return; }
        _retry = _a.CreateLabel();
        _a.Label(ref _retry);
        var va = _r64[ra];
        int table = TlbTable(AccessMode, write);
        _a.mov(rax, va);
        _a.shr(rax, 8);
        _a.and(eax, (TlbEntries - 1) * TlbEntrySize); // ((va >> 12) & 255) * 16
        if (size == 1) _a.mov(rcx, va);
        else _a.lea(rcx, __qword_ptr[va + (size - 1)]);
        _a.and(rcx, -4096);                          // the page of the last byte: an access that crosses a page misses
        _a.cmp(__qword_ptr[r15 + rax + table], rcx);
        _a.jne(slow);
        _a.mov(rax, __qword_ptr[r15 + rax + (table + 8)]);
    }

    /// <summary>The x86 address of a checked access (see <see cref="AccessCheck"/>).</summary>
    private AssemblerMemoryOperand Address(AssemblerMemoryOperandFactory width, int ra) => _mmu ? width[_r64[ra] + rax] : width[_r64[ra]];

    /// <summary>Records the guest state at the current access for its out-of-line path; returns the snapshot's first entry.</summary>
    private int TakeSnapshot(out int count)
    {
        int start = _snapshotCount;
        foreach (int s in _touched)
        {
            SnapshotEntry e;
            if (_immPending[s]) e = new SnapshotEntry { Slot = s, Kind = SnapshotKind.Immediate, Value = _immValue[s] };
            else if (!_slotDirty[s]) continue;
            else if (_slotReg[s] >= 0) e = new SnapshotEntry { Slot = s, Kind = SnapshotKind.Register, Value = _slotReg[s] };
            else if (_slotX[s] >= 0) e = new SnapshotEntry { Slot = s, Kind = SnapshotKind.Xmm64, Value = _slotX[s] };
            else if (_vecX[s] >= 0) e = new SnapshotEntry { Slot = s, Kind = SnapshotKind.Xmm128, Value = _vecX[s] };
            else continue;
            if (_snapshotCount == _snapshot.Length) Array.Resize(ref _snapshot, _snapshot.Length * 2);
            _snapshot[_snapshotCount++] = e;
        }
        count = _snapshotCount - start;
        return start;
    }

    /// <summary>
    /// The MMU half of an out-of-line access path: with Arg0 (the virtual address) and, for a write, Arg1 (the value)
    /// already set, stores the snapshotted guest state and the instruction's PC, asks the host, and leaves through the
    /// abort exit when the host took an abort. Otherwise Arg1 holds a load's value, zero-extended. Clobbers RAX.
    /// </summary>
    private void EmitMmuRequest(int snapshot, int count, ulong pc, int size, bool write, int modeBits)
    {
        EmitSnapshotStores(snapshot, count);
        _a.mov(rax, (long)pc);
        _a.mov(__qword_ptr[r15 + _layout.PcOffset], rax);
        _a.mov(__dword_ptr[r15 + ControlBlock.Arg2], size | (write ? 0x100 : 0) | modeBits << 16);
        _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.MemoryAccess);
        _a.call(_entry.ChannelCall);
        _a.cmp(__dword_ptr[r15 + ControlBlock.Arg3], 0);
        if (!_abortExitUsed) { _abortExit = _a.CreateLabel(); _abortExitUsed = true; }
        _a.jne(_abortExit);
    }

    /// <summary>What an out-of-line access path of the FP and vector code needs for its request (recorded at the access).</summary>
    private readonly record struct PendingAccess(bool Mmu, int Snapshot, int SnapshotCount, ulong Pc, Label Retry);

    /// <summary>Records the state at the current access when the MMU is on (the FP and vector out-of-line paths run later).</summary>
    private PendingAccess MmuAccess(ulong pc)
    {
        if (!_mmu) return default;
        int start = TakeSnapshot(out int count);
        return new PendingAccess(true, start, count, pc, _retry);
    }

    /// <summary>
    /// The first step of an MMU-on out-of-line path, with Arg0 = the virtual address: the in-VM TLB refill; when it
    /// filled the entry the access needs, the access's lookup runs again (and hits). Clobbers RAX, RCX, RDX.
    /// </summary>
    private void EmitTlbWalk(int size, bool write, Label retry, int snapshot, int count, ulong pc, int modeBits)
    {
        if (_entry.TlbWalk == 0) return;
        _a.mov(__dword_ptr[r15 + ControlBlock.Arg2], size | (write ? 0x100 : 0) | modeBits << 16);
        _a.call(_entry.TlbWalk);
        _a.cmp(eax, 1);
        _a.je(retry);
        if (_entry.FaultEntry == 0) return;
        // The walker found the abort: the guest state as it is at the access, then the front end's fault entry.
        var host = _a.CreateLabel();
        _a.cmp(eax, 2);
        _a.jne(host);
        EmitSnapshotStores(snapshot, count);
        _a.mov(rcx, (long)pc);
        _a.mov(__qword_ptr[r15 + _layout.PcOffset], rcx);
        _a.jmp(_entry.FaultEntry);
        _a.Label(ref host);
    }

    /// <summary>The walk step of an FP or vector access's out-of-line path (see <see cref="EmitTlbWalk(int, bool, Label, int, int, ulong, int)"/>); never unprivileged.</summary>
    private void EmitTlbWalk(in PendingAccess access, int size, bool write)
    {
        if (access.Mmu) EmitTlbWalk(size, write, access.Retry, access.Snapshot, access.SnapshotCount, access.Pc, _block.Mode);
    }

    /// <summary>Stores the snapshotted guest state (see <see cref="TakeSnapshot"/>). Uses no scratch register.</summary>
    private void EmitSnapshotStores(int snapshot, int count)
    {
        for (int k = snapshot; k < snapshot + count; k++)
        {
            ref readonly var e = ref _snapshot[k];
            switch (e.Kind)
            {
                case SnapshotKind.Register: _a.mov(__qword_ptr[r15 + e.Slot * 8], _r64[e.Value]); break;
                case SnapshotKind.Immediate: _a.mov(__qword_ptr[r15 + e.Slot * 8], e.Value); break;
                case SnapshotKind.Xmm64: _a.movq(__qword_ptr[r15 + e.Slot * 8], X[e.Value]); break;
                default: _a.movdqu(__xmmword_ptr[r15 + e.Slot * 8], X[e.Value]); break;
            }
        }
    }

    /// <summary>The request of an out-of-line access path, Arg0 (and Arg1 for a write) set: a device access, or with the MMU on a memory access.</summary>
    private void EmitAccessRequest(in PendingAccess access, int size, bool write)
    {
        if (access.Mmu)
        {
            EmitMmuRequest(access.Snapshot, access.SnapshotCount, access.Pc, size, write, _block.Mode);
            return;
        }
        _a.mov(__dword_ptr[r15 + ControlBlock.Arg2], size | (write ? 0x100 : 0));
        _a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.DeviceAccess);
        _a.call(_entry.ChannelCall);
    }

    /// <summary>
    /// The front of a 4-byte device read's out-of-line path: when the address (with the MMU on, the virtual page the host
    /// has seen map to it) is a register of a device page in the fast device-read table (<see cref="VmLayout.DeviceReadTableOffset"/>) the value comes from the engine's copy,
    /// no request; otherwise it falls through to the request. Clobbers RAX, RCX, RDX.
    /// </summary>
    private void EmitFastDeviceRead(int ra, int dest, Label back)
    {
        const int table = (int)VmLayout.DeviceReadTableOffset, mirror = (int)VmLayout.DeviceMirrorOffset;
        var request = _a.CreateLabel();
        var address = _r64[ra];
        _a.mov(rdx, address);
        _a.and(rdx, -4096);
        if (!_mmu)
        {
            _a.mov(rax, address);
            _a.shr(rax, 1);
            _a.and(eax, (VmLayout.DeviceMirrorEntries - 1) << 11); // ((address >> 12) & 3) * 2 KiB: the entry
            _a.cmp(__qword_ptr[r15 + rax + table], rdx);
            _a.jne(request);
        }
        else
        {
            // With the MMU on, the virtual page leads to the entry: the host filled the mode's small table when it
            // translated a read of the page (and empties it with the TLB).
            int virtualTable = (int)VmLayout.DeviceVirtualTableOffset + (_block.Mode & 1) * VmLayout.DeviceMirrorEntries * 16;
            _a.mov(rax, address);
            _a.shr(rax, 8);
            _a.and(eax, (VmLayout.DeviceMirrorEntries - 1) << 4);  // ((address >> 12) & 3) * 16
            _a.cmp(__qword_ptr[r15 + rax + virtualTable], rdx);
            _a.jne(request);
            _a.mov(rax, __qword_ptr[r15 + rax + (virtualTable + 8)]); // the physical entry's offset
        }
        _a.mov(edx, _r32[ra]);
        _a.and(edx, 0xFFF);
        _a.mov(ecx, edx);
        _a.and(ecx, 3);
        _a.jne(request);                                      // a misaligned register access: the device decides
        _a.shr(edx, 2);
        _a.lea(rcx, __qword_ptr[rax + rdx]);
        _a.cmp(__byte_ptr[r15 + rcx + (table + 16)], 0);
        _a.je(request);
        _a.shl(edx, 2);
        _a.add(eax, eax);                                     // the entry's mirror page: entry index * 4 KiB
        _a.add(rax, rdx);
        _a.mov(_r32[dest], __dword_ptr[r15 + rax + mirror]);
        _a.jmp(back);
        _a.Label(ref request);
    }

    /// <summary>The unit's abort exit: the host has entered the exception (PC = the vector); on to the dispatcher.</summary>
    private void EmitAbortExit()
    {
        if (!_abortExitUsed) return;
        _a.Label(ref _abortExit);
        _a.jmp(_entry.Dispatch);
    }
}

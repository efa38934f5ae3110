namespace Captive.Core.Runtime;

/// <summary>
/// Field offsets of a vCPU's control block, relative to R15 (the register-file pointer) in
/// translated code. The block is shared between the vCPU and the host: the channel request and
/// response, the reason for an exit, trap details and counters the VM keeps itself.
/// <code>
///  +0x00 RequestSequence   u32  vCPU bumps it to post a request
///  +0x04 ResponseSequence  u32  host copies RequestSequence here when it has answered
///  +0x08 RequestKind       u32  <see cref="ChannelRequest"/>
///  +0x0C ResponseAction    u32  <see cref="ChannelAction"/>
///  +0x10 ServiceState      u32  0 = host service thread asleep, 1 = polling
///  +0x14 RequestClaim      u32  host side: who is handling the request (service thread or vCPU thread)
///  +0x18 ExitReason        u32  <see cref="ExitReason"/> for the next exit-page write
///  +0x20 Arg0..Arg3        u64  request arguments (PC, trap kind/info/value ...)
///  +0x40 ExceptionVector, ExceptionError, ExceptionRip, ExceptionCr2  u64 (written by CPL0 stubs)
///  +0x60 CounterOffset     u64  subtracted from rdtsc for CNTVCT
///  +0x68 CounterShift      u64
///  +0x70 BlocksExecuted    u64  counted only when statistics are on
///  +0x78 InstructionsExecuted u64
///  +0x80 ChannelRequests[8] u64 per <see cref="ChannelRequest"/>, counted by the VM
///  +0xC0 MxcsrScratch      u32  translated FP code's stmxcsr/ldmxcsr slot
///  +0xE0 InterruptPending  u32  non-zero while the guest's interrupt line is asserted (the host writes it, from any
///                               thread); translated code tests it at every block entry
///  +0x100 VectorArgs       3 × 16 bytes: vector operands A, B, C of a FpOp request; the answer replaces A
///  +0x200 WalkEnabled      u32  1 when the in-VM walker may refill the TLB (the host writes the fields below)
///  +0x208 WalkLower        one half: +0 table base u64, +8 start level u32, +12 input bits u32, +16 top byte ignored u32, +20 enabled u32
///  +0x220 WalkUpper        the other half, the same fields
///  +0x240 WalkRamBase      u64  RAM's first guest-physical address; +0x248 WalkRamLimit u64: RAM's size minus 4 KiB
///  +0x250 WalkRefills      u64  TLB entries the in-VM walker filled; +0x258 WalkFaults u64: aborts it found
/// </code>
/// </summary>
public static class ControlBlock
{
    /// <summary>The control block relative to the register file.</summary>
    public const int Base = (int)VmLayout.ControlBlockOffset;
#pragma warning disable CS1591
    public const int RequestSequence = Base + 0x00;
    public const int ResponseSequence = Base + 0x04;
    public const int RequestKind = Base + 0x08;
    public const int ResponseAction = Base + 0x0C;
    public const int ServiceState = Base + 0x10;
    public const int RequestClaim = Base + 0x14;
    public const int ExitReason = Base + 0x18;
    public const int Arg0 = Base + 0x20;
    public const int Arg1 = Base + 0x28;
    public const int Arg2 = Base + 0x30;
    public const int Arg3 = Base + 0x38;
    public const int ExceptionVector = Base + 0x40;
    public const int ExceptionError = Base + 0x48;
    public const int ExceptionRip = Base + 0x50;
    public const int ExceptionCr2 = Base + 0x58;
    public const int CounterOffset = Base + 0x60;
    public const int CounterShift = Base + 0x68;
    public const int BlocksExecuted = Base + 0x70;
    public const int InstructionsExecuted = Base + 0x78;
    public const int ChannelRequestCounts = Base + 0x80;
    public const int MxcsrScratch = Base + 0xC0;
    public const int InterruptPending = Base + 0xE0;
    public const int VectorArgs = Base + 0x100;
    public const int WalkEnabled = Base + 0x200;
    public const int WalkLower = Base + 0x208;
    public const int WalkUpper = Base + 0x220;
    public const int WalkHalfBase = 0, WalkHalfLevel = 8, WalkHalfBits = 12, WalkHalfTbi = 16, WalkHalfEnabled = 20, WalkHalfSize = 0x18;
    public const int WalkRamBase = Base + 0x240;
    public const int WalkRamLimit = Base + 0x248;
    public const int WalkRefills = Base + 0x250;
    public const int WalkFaults = Base + 0x258;

    /// <summary>u32: the in-VM TLB holds entries filled from block mappings (2 MiB, 1 GiB), so TLB maintenance of one address must empty all of it; cleared with the TLB.</summary>
    public const int TlbHasBlocks = Base + 0x260;

    /// <summary>u64: counts the TLB maintenance and address space switches translated code carried out itself; the host empties its own TLB when it sees the count move.</summary>
    public const int TlbGeneration = Base + 0x268;

    /// <summary>u64: instruction cache maintenance translated code found nothing to do for (no translation covers the line).</summary>
    public const int CodeMaintenanceInVm = Base + 0x270;

    /// <summary>u64: address space switches translated code carried out without the host.</summary>
    public const int SpaceSwitchesInVm = Base + 0x278;

    /// <summary>
    /// The known address spaces of the lower half: <see cref="SpaceEntries"/> entries of (u64 translation table base
    /// register value, u64 the in-VM walker's table base for it); an unused entry's value is all ones. The host keeps
    /// here only values under which every translation in the code cache is valid (each of its code pages maps the same
    /// physical page), so translated code may switch to one without revalidating anything (see
    /// <see cref="IR.IrTrapKind.AddressSpaceSwitch"/>).
    /// </summary>
    public const int SpaceTable = Base + 0x280;

    /// <summary>Entries of <see cref="SpaceTable"/>.</summary>
    public const int SpaceEntries = 8;

    /// <summary>u64: TLB maintenance by address translated code carried out without the host.</summary>
    public const int TlbMaintenanceInVm = Base + 0x300;

    /// <summary>
    /// The code page epoch, shifted to bit <see cref="VmLayout.CodePageEpochShift"/>: an entry of the code page table
    /// (<see cref="VmLayout.CodePageTableOffset"/>) is valid while it equals its page's tag XOR this. A switch of the
    /// switched address-space half adds one (every page's translations must be checked again before they run there).
    /// </summary>
    public const int CodeEpoch = Base + 0x308;

    /// <summary>Code page entries translated code made current itself (the page still mapped the recorded frame).</summary>
    public const int CodePageChecks = Base + 0x310;

    /// <summary>
    /// The bits of a lower-half table base register value that are the walker's table base (the host writes it with the
    /// walker's description; 0 when translated code may not switch to spaces the space table does not hold). With code
    /// page checks, any switch is the table base, an empty TLB and a new epoch: translated code does it itself.
    /// </summary>
    public const int WalkLowerBaseMask = Base + 0x318;
#pragma warning restore CS1591
}

/// <summary>What the vCPU asks of the host through the shared-memory channel.</summary>
public enum ChannelRequest : uint
{
    /// <summary>No request.</summary>
    None = 0,
    /// <summary>Translate the block at guest address Arg0 (and its static successors).</summary>
    Translate = 1,
    /// <summary>A block ended in a trap: Arg0 = trap kind | info &lt;&lt; 8 ..., see <see cref="Execution.GuestTrap"/>.</summary>
    Trap = 2,
    // 3 was AddressFault: guest addresses outside RAM are DeviceAccess requests now.
    /// <summary>
    /// The block at the PC in the register file uses IR the code generator does not compile yet: the
    /// host executes it with the IR interpreter on the vCPU's register file and memory. Arg0 = why (for
    /// the statistics): the first IR opcode without code generation, or an X86BlockCompiler.Reason* code.
    /// </summary>
    Interpret = 4,
    /// <summary>
    /// A load or store outside RAM: Arg0 = guest-physical address, Arg2 = size | 0x100 for a write,
    /// Arg1 = the value written, or (answer) the value read, zero-extended.
    /// </summary>
    DeviceAccess = 5,
    /// <summary>
    /// The exact path of a scalar FP operation whose SSE fast path met a case SSE does not do as ARM does (NaN,
    /// tiny or infinite result, out-of-range conversion): Arg0 = opcode | size &lt;&lt; 8 | IR immediate &lt;&lt; 32,
    /// Arg1–Arg3 = operands A, B, C. The host answers with the ARM result in Arg1 (zero-extended) and ORs the
    /// exceptions into FPSR in the register file. For the vector FP opcodes the operands and the answer are
    /// 16-byte vectors at <see cref="ControlBlock.VectorArgs"/> (A, B, C; the answer replaces A).
    /// </summary>
    FpOp = 6,
    /// <summary>
    /// A guest access with the guest MMU on that missed the TLB (or reached a device, crossed a page, or may fault):
    /// Arg0 = virtual address, Arg1 = value (writes; a read's result on return), Arg2 = size | write &lt;&lt; 8 | mode &lt;&lt; 16.
    /// The guest state at the accessing instruction, PC included, is in the register file. On return Arg3 is 0, or 1
    /// when the host took an abort instead (PC = the vector).
    /// </summary>
    MemoryAccess = 7,
    /// <summary>
    /// Translated code found <see cref="ControlBlock.InterruptPending"/> set at the entry of the block at the PC in the
    /// register file, with the guest's interrupt mask clear: the host takes the interrupt (or continues at the PC when
    /// it is no longer pending). Every guest register and the flags are in the register file.
    /// </summary>
    Interrupt = 8,
}

/// <summary>What the vCPU does after the host answered.</summary>
public enum ChannelAction : uint
{
    /// <summary>Continue at the dispatcher with the PC in the register file.</summary>
    Continue = 0,
    /// <summary>Leave the VM: write the exit page with <see cref="ExitReason.Stop"/>.</summary>
    Stop = 1,
    /// <summary>
    /// Write the exit page with <see cref="ExitReason.Wait"/>, then continue at the dispatcher: the vCPU's host thread
    /// blocks until an interrupt or the alarm (WFI) while the vCPU is out of the VM.
    /// </summary>
    Wait = 2,
}

/// <summary>Why the vCPU wrote the exit page.</summary>
public enum ExitReason : uint
{
    /// <summary>Not set.</summary>
    None = 0,
    /// <summary>A channel request the host has not picked up: handle it on the vCPU thread.</summary>
    Doorbell = 1,
    /// <summary>The host asked the vCPU to stop (power off, error).</summary>
    Stop = 2,
    /// <summary>A CPL0 stub caught an x86 exception; details in the control block.</summary>
    X86Exception = 3,
    /// <summary>The host answered <see cref="ChannelAction.Wait"/>: block this vCPU's thread until an event, then resume.</summary>
    Wait = 4,
}

namespace Captive.Core.IR;

/// <summary>How a block ends.</summary>
public enum IrTerminalKind : byte
{
    /// <summary>Continue at the constant guest address <see cref="IrTerminal.Target"/>.</summary>
    Jump,

    /// <summary>
    /// If value <see cref="IrTerminal.Condition"/> is non-zero continue at <see cref="IrTerminal.Target"/>,
    /// else at <see cref="IrTerminal.FallThrough"/>.
    /// </summary>
    Branch,

    /// <summary>Continue at the guest address held in value <see cref="IrTerminal.Value"/>.</summary>
    JumpIndirect,

    /// <summary>
    /// Hand control to the host (system instructions, exceptions, unsupported encodings).
    /// <see cref="IrTerminal.Target"/> is the PC of the trapping instruction and
    /// <see cref="IrTerminal.FallThrough"/> the PC after it.
    /// </summary>
    Trap,
}

/// <summary>What a <see cref="IrTerminalKind.Trap"/> asks the host to do.</summary>
public enum IrTrapKind : byte
{
    /// <summary>No trap.</summary>
    None,
    /// <summary>HVC #imm16 (Info = imm16). Execution continues after it unless the host says otherwise.</summary>
    Hvc,
    /// <summary>SMC #imm16 (Info = imm16).</summary>
    Smc,
    /// <summary>SVC #imm16 (Info = imm16).</summary>
    Svc,
    /// <summary>BRK #imm16 (Info = imm16).</summary>
    Brk,
    /// <summary>HLT #imm16 (Info = imm16).</summary>
    Hlt,
    /// <summary>WFI: wait for an interrupt.</summary>
    Wfi,
    /// <summary>An encoding that is UNDEFINED (Info = the instruction word).</summary>
    Undefined,
    /// <summary>An encoding that is defined but not implemented yet (Info = the instruction word).</summary>
    Unsupported,
    /// <summary>
    /// A system-register write the host must see (Info = the op0:op1:CRn:CRm:op2 encoding,
    /// <see cref="IrTerminal.Value"/> = the value written).
    /// </summary>
    SystemRegisterWrite,
    /// <summary>No instruction could be fetched at the block's address (Info = 0).</summary>
    FetchFault,
    /// <summary>
    /// A system instruction the host carries out (TLB maintenance, address translation): Info = its op1:CRn:CRm:op2
    /// encoding, <see cref="IrTerminal.Value"/> = Xt (0 when it takes none).
    /// </summary>
    SystemInstruction,
    /// <summary>
    /// Raised by an engine, never by lowered IR: a memory access the guest MMU refused (Info = the MMU's fault
    /// information, <see cref="Captive.Core.Memory.GuestTranslation.FaultInfo"/>; Value = the virtual address; the trap's
    /// PC = the accessing instruction, whose register writes have not happened).
    /// </summary>
    MemoryAbort,
    /// <summary>
    /// A system-register read the host answers (Info = the op0:op1:CRn:CRm:op2 encoding | Rt &lt;&lt; 16): the host writes
    /// the value to the destination register (nothing for Rt = 31) and continues after the instruction.
    /// </summary>
    SystemRegisterRead,
    /// <summary>
    /// Raised by an engine, never by lowered IR: the interrupt-pending flag was seen set at a block boundary with the
    /// guest's interrupt mask clear (the trap's PC = NextPc = the block the guest was about to run). The host takes the
    /// interrupt, or continues at the PC when it is no longer pending.
    /// </summary>
    Interrupt,
    /// <summary>
    /// TLB maintenance of one address (Info = the front end's encoding of the operation, as for
    /// <see cref="SystemInstruction"/>; <see cref="IrTerminal.Value"/> = the virtual address, any byte of its page). The
    /// host carries it out like a <see cref="SystemInstruction"/>; translated code may carry it out itself when no
    /// translation depends on the address's mapping (the engine's code filters say so) and trap only otherwise.
    /// </summary>
    TlbInvalidateByAddress,
    /// <summary>
    /// Instruction cache invalidation of the line holding <see cref="IrTerminal.Value"/> (a virtual address; Info = the
    /// operation's encoding). The host drops the translations of code in the line; translated code skips the trap when
    /// no translation covers the line.
    /// </summary>
    CodeInvalidateByAddress,
    /// <summary>
    /// The guest switched the translation table base of the lower half of its address space (an operating system's
    /// context switch): the lowered IR has already written the register; <see cref="IrTerminal.Value"/> = the value. The
    /// host carries the switch out (its TLBs, the walker's table base, the translations of code whose mapping differs);
    /// translated code switches by itself when the engine's table of known address spaces holds the value
    /// (<see cref="Runtime.ControlBlock.SpaceTable"/>).
    /// </summary>
    AddressSpaceSwitch,
}

/// <summary>The terminal of a block.</summary>
public struct IrTerminal
{
    /// <summary>The kind of terminal.</summary>
    public IrTerminalKind Kind;

    /// <summary>For traps: what is asked of the host.</summary>
    public IrTrapKind Trap;

    /// <summary>Jump/branch target; for traps, the PC of the trapping instruction.</summary>
    public ulong Target;

    /// <summary>Branch not-taken address; for traps, the PC after the trapping instruction.</summary>
    public ulong FallThrough;

    /// <summary>Branch condition value index, or -1.</summary>
    public int Condition;

    /// <summary>Indirect target value index, or the value of a trap (see <see cref="IrTrapKind"/>), or -1.</summary>
    public int Value;

    /// <summary>Trap detail (immediate, instruction word or register encoding).</summary>
    public ulong Info;

    /// <summary>
    /// For <see cref="IrTerminalKind.JumpIndirect"/>: the block changed the translation mode (an exception entry), so the
    /// target is looked up in the mode the guest state now holds, not the block's.
    /// </summary>
    public bool ModeChange;

    /// <inheritdoc/>
    public override readonly string ToString() => Kind switch
    {
        IrTerminalKind.Jump => $"jump 0x{Target:x}",
        IrTerminalKind.Branch => $"branch v{Condition} ? 0x{Target:x} : 0x{FallThrough:x}",
        IrTerminalKind.JumpIndirect => ModeChange ? $"jump v{Value} (mode change)" : $"jump v{Value}",
        _ => $"trap {Trap} info=0x{Info:x} at 0x{Target:x} next 0x{FallThrough:x}" + (Value >= 0 ? $" v{Value}" : ""),
    };
}

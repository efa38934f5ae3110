namespace Captive.Core.IR;

/// <summary>Where a guest's state lives in its register file, as the engines need to know it.</summary>
/// <param name="Size">Size of the register file in bytes (a multiple of 8).</param>
/// <param name="PcOffset">Byte offset of the 64-bit program counter.</param>
/// <param name="FlagsOffset">
/// Byte offset of an 8-byte slot that holds the condition flags in the executing engine's own
/// encoding; read and write them only through <see cref="IrOpcode.GetNzcv"/>/<see cref="IrOpcode.SetNzcv"/>
/// or the engine's accessors.
/// </param>
/// <param name="FpcrOffset">Byte offset of the 64-bit FPCR slot, or -1 when the guest has no FP.</param>
/// <param name="FpsrOffset">Byte offset of the 64-bit FPSR slot, or -1 when the guest has no FP.</param>
/// <param name="ModeOffset">
/// Byte offset of the 64-bit slot holding the current translation mode (0–3, e.g. the exception level), or -1 when
/// the guest has one mode: the engines look blocks up by address and mode (<see cref="IrBlock.KeyOf"/>).
/// </param>
/// <param name="ContextOffset">
/// Byte offset of the 64-bit translation context slot (<see cref="IrBlock.Context"/>), or -1 when lowering depends on
/// nothing but the mode.
/// </param>
/// <param name="FaultInfoOffset">
/// Byte offset of the 64-bit slot where an in-VM walker leaves the guest's description of an abort it found (for
/// AArch64, the ESR value), for the front end's fault entry (<see cref="IGuestFrontEnd.LowerFaultEntry"/>); -1 when none.
/// </param>
/// <param name="FaultAddressOffset">Byte offset of the 64-bit slot where the walker leaves the faulting virtual address; -1 when none.</param>
/// <param name="InterruptMaskOffset">
/// Byte offset of the 64-bit slot that holds the guest's interrupt mask (for AArch64, DAIF), or -1 when the guest takes no
/// asynchronous interrupts: the engines take a pending interrupt at a block boundary only while
/// <paramref name="InterruptMaskBit"/> is clear in it.
/// </param>
/// <param name="InterruptMaskBit">The mask bit in that slot (a value with one bit set below 256; AArch64: PSTATE.I, 0x80).</param>
/// <param name="AddressSpaceOffset">
/// Byte offset of the 64-bit slot holding the translation table base register of the lower half of the address space
/// (AArch64: TTBR0_EL1), whose values name the address spaces <see cref="IrTrapKind.AddressSpaceSwitch"/> switches
/// between; -1 when the front end raises no such trap.
/// </param>
public readonly record struct GuestStateLayout(int Size, int PcOffset, int FlagsOffset, int FpcrOffset = -1, int FpsrOffset = -1,
    int ModeOffset = -1, int ContextOffset = -1, int FaultInfoOffset = -1, int FaultAddressOffset = -1, int InterruptMaskOffset = -1,
    int InterruptMaskBit = 0, int AddressSpaceOffset = -1);

/// <summary>Reads guest instruction words for a front end.</summary>
public interface IInstructionFetcher
{
    /// <summary>Reads the 32-bit instruction at <paramref name="address"/>; false when it cannot be fetched.</summary>
    bool TryFetch(ulong address, out uint word);
}

/// <summary>A guest instruction set: decodes guest code and lowers it to IR.</summary>
public interface IGuestFrontEnd
{
    /// <summary>The register-file layout the lowered IR uses.</summary>
    GuestStateLayout StateLayout { get; }

    /// <summary>
    /// Lowers the block that starts at <paramref name="address"/> into <paramref name="block"/>
    /// (already reset to that address and the translation mode to lower for): at most <paramref name="maxInstructions"/> guest instructions,
    /// ending at the first branch or trap. A fetch failure ends the block with a trap.
    /// </summary>
    void LowerBlock(ulong address, IInstructionFetcher fetcher, IrBlock block, int maxInstructions);

    /// <summary>Disassembles one instruction word, or returns null when the disassembler does not know it.</summary>
    string? Disassemble(uint word, ulong address);

    /// <summary>
    /// Lowers the fault entry into <paramref name="block"/> (reset, empty): the IR that takes the abort an in-VM walker
    /// found — described in the layout's <see cref="GuestStateLayout.FaultInfoOffset"/> and
    /// <see cref="GuestStateLayout.FaultAddressOffset"/> slots — at the instruction whose PC is in the PC slot, and
    /// continues at the exception's handler through an indirect jump. False when the front end has none (aborts then
    /// go through the host).
    /// </summary>
    bool LowerFaultEntry(IrBlock block) => false;
}

using Captive.Core.IR;
using Captive.Guest.Arm.Disassembly;

namespace Captive.Guest.Arm.Lowering;

/// <summary>
/// The A64 front end: decodes AArch64 code and lowers it to IR over the <see cref="ArmState"/> register file.
/// Stateless and thread-safe; lowering allocates nothing per instruction.
/// </summary>
/// <remarks>
/// <para>Block boundaries. A block ends after the first instruction that branches or traps, after an
/// instruction whose effect the host must see before the next one (MSR DAIF/DAIFSet/DAIFClr), or after
/// <c>maxInstructions</c> instructions with a jump to the next address.</para>
/// <para>Traps. UNDEFINED encodings trap <see cref="IrTrapKind.Undefined"/>, defined encodings that are not
/// implemented yet trap <see cref="IrTrapKind.Unsupported"/>; both with Info = the instruction word,
/// Target = its address and FallThrough = the next address. SVC, HVC, SMC, BRK and HLT trap with
/// Info = imm16; WFI traps <see cref="IrTrapKind.Wfi"/>; MSR SCTLR_EL1 traps
/// <see cref="IrTrapKind.SystemRegisterWrite"/> with Info = <see cref="A64SystemRegisters.SctlrEl1"/> and
/// Value = the value written, and does not store it (the host does). ERET, TLBI, AT, the exclusive pair
/// instructions, LDTR/STTR, CRC32 and MRS/MSR of registers not listed in the <see cref="ArmState"/> table
/// trap as unsupported, so the host can emulate them from the instruction word.</para>
/// <para>Fetch failure. When the instruction at some address cannot be fetched, the block ends before it
/// with a jump to it; if it is the first instruction of the block, the block is a single
/// <see cref="IrTrapKind.Undefined"/> trap with Info = 0, Target = the address, FallThrough = address + 4,
/// and <see cref="IrBlock.GuestInstructionCount"/> = 0. The host tells it from UDF #0 (also Info = 0) by
/// the instruction count, or by fetching again, and raises the instruction abort.</para>
/// <para>Not modelled yet: the code runs at EL1 (CurrentEL reads EL1, there is no EL0 lowering mode),
/// CPACR_EL1.FPEN does not trap SIMD&amp;FP instructions, and alignment checks are not made.</para>
/// </remarks>
public sealed class A64FrontEnd : IGuestFrontEnd
{
    [ThreadStatic] private static A64Lowerer? t_lowerer;

    /// <inheritdoc/>
    public GuestStateLayout StateLayout => ArmState.Layout;

    /// <inheritdoc/>
    public void LowerBlock(ulong address, IInstructionFetcher fetcher, IrBlock block, int maxInstructions)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(block);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInstructions, 1);
        if (block.IsTerminated || block.Count != 0)
            throw new ArgumentException("The block must be empty (reset it first).", nameof(block));
        var lowerer = t_lowerer ??= new A64Lowerer();
        lowerer.LowerBlock(address, fetcher, block, maxInstructions);
    }

    /// <inheritdoc/>
    public string? Disassemble(uint word, ulong address) => A64Disassembler.Disassemble(word, address);
}

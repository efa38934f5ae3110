using Captive.Core.IR;
using Captive.Guest.Arm.Disassembly;

namespace Captive.Guest.Arm.Lowering;

/// <summary>
/// The A64 front end: decodes AArch64 code and lowers it to IR over the <see cref="ArmState"/> register file.
/// Thread-safe; its only state is the machine's breakpoints (<see cref="Breakpoints"/>). Lowering allocates nothing per instruction.
/// </summary>
/// <remarks>
/// <para>Block boundaries. A block ends after the first instruction that branches or traps, after an
/// instruction whose effect the host must see before the next one (MSR DAIF/DAIFSet/DAIFClr), or after
/// <c>maxInstructions</c> instructions with a jump to the next address.</para>
/// <para>Exceptions. Synchronous exceptions are taken in the lowered IR itself, like the hardware takes them:
/// UNDEFINED encodings (and SMC and HLT: this machine has no EL3 and no halting debug), SVC and BRK write
/// ESR_EL1, ELR_EL1 and SPSR_EL1, switch to SP_EL1, mask DAIF, enter EL1 and end the block with an indirect
/// jump to the vector (VBAR_EL1 + 0x000, 0x200 or 0x400).</para>
/// <para>Traps to the host. Defined encodings that are not implemented yet trap <see cref="IrTrapKind.Unsupported"/>
/// with Info = the instruction word, Target = its address and FallThrough = the next address. HVC traps with
/// Info = imm16 (PSCI, the firmware's interface); WFI traps <see cref="IrTrapKind.Wfi"/>; MSR SCTLR_EL1 and CNTKCTL_EL1 trap <see cref="IrTrapKind.SystemRegisterWrite"/> with
/// Info = <see cref="A64SystemRegisters.SctlrEl1"/> and Value = the value written, and does not store it (the host
/// does). MRS/MSR of a register this CPU does not have is UNDEFINED (an exception in the IR, never a host trap).</para>
/// <para>Fetch failure. When the instruction at some address cannot be fetched, the block ends before it
/// with a jump to it; if it is the first instruction of the block, the block is a single
/// <see cref="IrTrapKind.FetchFault"/> trap with Target = the address, FallThrough = address + 4,
/// and <see cref="IrBlock.GuestInstructionCount"/> = 0.</para>
/// <para>Not modelled yet: EL0 (the lowering has no per-EL mode; ERET to EL0 stops the run), asynchronous
/// exceptions, the MMU and its aborts, CPACR_EL1.FPEN traps of SIMD&amp;FP instructions, alignment checks.</para>
/// </remarks>
public sealed class A64FrontEnd : IGuestFrontEnd
{
    /// <summary>The translation mode (<see cref="IrBlock.Mode"/>) of code running at EL0: the mode is the exception level.</summary>
    public const int ModeEl0 = 0;

    /// <summary>The translation mode of code running at EL1.</summary>
    public const int ModeEl1 = 1;

    [ThreadStatic] private static A64Lowerer? t_lowerer;

    /// <summary>A front end for a CPU without the GICv3 system-register interface (a machine with GICv2, or none).</summary>
    public A64FrontEnd() : this(gicSystemRegisters: false)
    {
    }

    /// <summary>A front end for a CPU with or without the GICv3 CPU interface's system registers.</summary>
    /// <param name="gicSystemRegisters">
    /// True when the machine's interrupt controller is a GICv3 whose CPU interface the ICC_*_EL1 registers reach:
    /// ID_AA64PFR0_EL1.GIC then reads 1. The CPU's identification is fixed for the life of a machine, so it is the
    /// front end's (every block lowered by this instance sees it) rather than part of each block's translation context.
    /// </param>
    public A64FrontEnd(bool gicSystemRegisters) => GicSystemRegisters = gicSystemRegisters;

    /// <summary>True when ID_AA64PFR0_EL1 reports the GICv3 system-register interface (see the constructor).</summary>
    public bool GicSystemRegisters { get; }

    /// <inheritdoc/>
    public GuestStateLayout StateLayout => ArmState.Layout;

    /// <summary>
    /// The hardware breakpoints blocks are lowered for (the machine's, replaced as a whole when DBGBVR/DBGBCR or MDSCR_EL1
    /// change, after which every translation is dropped). The only state of a front end: one per machine.
    /// </summary>
    internal A64Breakpoints Breakpoints { get; set; } = A64Breakpoints.None;

    /// <inheritdoc/>
    public bool LowerFaultEntry(IrBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (block.IsTerminated || block.Count != 0)
            throw new ArgumentException("The block must be empty (reset it first).", nameof(block));
        var lowerer = t_lowerer ??= new A64Lowerer();
        lowerer.Breakpoints = Breakpoints;
        lowerer.LowerFaultEntry(block);
        return true;
    }

    /// <inheritdoc/>
    public void LowerBlock(ulong address, IInstructionFetcher fetcher, IrBlock block, int maxInstructions)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        ArgumentNullException.ThrowIfNull(block);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInstructions, 1);
        if (block.IsTerminated || block.Count != 0)
            throw new ArgumentException("The block must be empty (reset it first).", nameof(block));
        var lowerer = t_lowerer ??= new A64Lowerer();
        lowerer.GicSystemRegisters = GicSystemRegisters;
        lowerer.Breakpoints = Breakpoints;
        lowerer.LowerBlock(address, fetcher, block, maxInstructions);
    }

    /// <inheritdoc/>
    public string? Disassemble(uint word, ulong address) => A64Disassembler.Disassemble(word, address);
}

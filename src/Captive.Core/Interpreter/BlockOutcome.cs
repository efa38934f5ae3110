using Captive.Core.IR;

namespace Captive.Core.Interpreter;

/// <summary>How the execution of one block ended.</summary>
/// <param name="NextPc">
/// Where the guest continues: the jump or branch target, or for a trap the address after the trapping
/// instruction (<see cref="IrTerminal.FallThrough"/>).
/// </param>
/// <param name="Trap">The trap the block ended with, or <see cref="IrTrapKind.None"/>.</param>
/// <param name="TrapInfo">The trap's <see cref="IrTerminal.Info"/>; 0 without a trap.</param>
/// <param name="TrapValue">The value of <see cref="IrTerminal.Value"/> when the trap carries one; else 0.</param>
/// <param name="TrapPc">The address of the trapping instruction (<see cref="IrTerminal.Target"/>); 0 without a trap.</param>
public readonly record struct BlockOutcome(ulong NextPc, IrTrapKind Trap, ulong TrapInfo, ulong TrapValue, ulong TrapPc);

using Captive.Core.Devices;
using Captive.Core.IR;

namespace Captive.Core.Execution;

/// <summary>A trap raised by guest code for the host to handle (see <see cref="IrTrapKind"/>).</summary>
/// <param name="Kind">What was asked.</param>
/// <param name="Pc">PC of the trapping instruction.</param>
/// <param name="NextPc">PC after it.</param>
/// <param name="Info">Immediate, instruction word or register encoding.</param>
/// <param name="Value">The value of the trap (for example a system-register write), or 0.</param>
public readonly record struct GuestTrap(IrTrapKind Kind, ulong Pc, ulong NextPc, ulong Info, ulong Value);

/// <summary>Why a run ended.</summary>
public enum StopReason
{
    /// <summary>The guest powered the machine off (PSCI SYSTEM_OFF).</summary>
    PowerOff,
    /// <summary>The guest asked for a reset (PSCI SYSTEM_RESET).</summary>
    Reset,
    /// <summary>The run was cancelled by the embedder.</summary>
    Cancelled,
    /// <summary>The guest did something the machine cannot continue from; see <see cref="RunResult.Message"/>.</summary>
    Error,
}

/// <summary>How the host answers a trap.</summary>
/// <param name="Stop">True to end the run.</param>
/// <param name="NextPc">Where to continue (when not stopping).</param>
/// <param name="Reason">Why the run ends (when stopping).</param>
/// <param name="Message">Diagnostic text (errors).</param>
/// <param name="Wait">
/// Continue at <see cref="NextPc"/> once an interrupt is pending (<see cref="ExecutionEngine.SetInterruptLine"/>), the
/// engine's alarm (<see cref="ExecutionEngine.Alarm"/>) is due, or the run is cancelled: WFI.
/// </param>
public readonly record struct TrapResult(bool Stop, ulong NextPc, StopReason Reason, string? Message, bool Wait = false)
{
    /// <summary>Continue at <paramref name="pc"/>.</summary>
    public static TrapResult Continue(ulong pc) => new(false, pc, default, null);

    /// <summary>Wait for an interrupt or the alarm, then continue at <paramref name="pc"/> (WFI).</summary>
    public static TrapResult WaitForInterrupt(ulong pc) => new(false, pc, default, null, Wait: true);

    /// <summary>End the run.</summary>
    public static TrapResult Halt(StopReason reason, string? message = null) => new(true, 0, reason, message);
}

/// <summary>The outcome of <see cref="ExecutionEngine.Run"/>.</summary>
/// <param name="Reason">Why the run ended.</param>
/// <param name="Message">What went wrong, for <see cref="StopReason.Error"/>; otherwise null.</param>
public readonly record struct RunResult(StopReason Reason, string? Message);

/// <summary>
/// What a machine (a board) gives an engine: its instruction set, its devices and the handler for
/// traps. Engines call <see cref="HandleTrap"/> on the vCPU's own thread or the host service thread,
/// never on two threads at once for one vCPU.
/// </summary>
public interface IGuestSystem
{
    /// <summary>The guest instruction set.</summary>
    IGuestFrontEnd FrontEnd { get; }

    /// <summary>The device bus for MMIO.</summary>
    IDeviceBus Bus { get; }

    /// <summary>The guest MMU, or null for a machine whose guest addresses are always physical.</summary>
    Memory.IGuestMmu? Mmu => null;

    /// <summary>The guest's watchpoints, or null for a machine without them.</summary>
    IGuestDebug? Debug => null;

    /// <summary>Handles a trap; <paramref name="registers"/> is the vCPU's register file.</summary>
    TrapResult HandleTrap(in GuestTrap trap, GuestRegisters registers);
}

/// <summary>A view of a vCPU's guest register file (layout given by the front end's <see cref="GuestStateLayout"/>).</summary>
public readonly ref struct GuestRegisters
{
    private readonly Span<byte> _state;

    /// <summary>Wraps a register file.</summary>
    public GuestRegisters(Span<byte> state) => _state = state;

    /// <summary>Reads the 64-bit slot at <paramref name="offset"/>.</summary>
    public ulong Read(int offset) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(_state[offset..]);

    /// <summary>Writes the 64-bit slot at <paramref name="offset"/>.</summary>
    public void Write(int offset, ulong value) => System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(_state[offset..], value);

    /// <summary>The raw bytes.</summary>
    public Span<byte> Bytes => _state;
}

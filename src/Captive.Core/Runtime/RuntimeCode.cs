using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Core.Runtime;

/// <summary>
/// The runtime code that lives in the VM, generated with Iced at start-up:
/// <list type="bullet">
/// <item>CPL0 trap stubs for x86 exceptions 0–31: integer-only and short, because CPL0 is emulated
/// instruction by instruction on PVM hosts. They record vector, error code, RIP and CR2 in the
/// control block and leave through the exit page.</item>
/// <item>The CPL3 entry, which starts the virtual counter and falls into the dispatcher.</item>
/// <item>The CPL3 dispatcher: guest PC → translated block through a direct-mapped table in VM memory.</item>
/// <item>The CPL3 channel: posts a request in the control block, polls for the host's answer while
/// the host service thread is awake, and rings the doorbell (one VM exit) only when it is not.</item>
/// </list>
/// </summary>
internal sealed class RuntimeCode
{
    /// <summary>Iterations the channel spins before ringing the doorbell anyway (a safety net; the service thread normally answers first).</summary>
    public const int SpinLimit = 1 << 24;

    private RuntimeCode(ulong entry, ulong dispatch, ulong channel, ulong channelCall, ulong[] stubs, int size)
    {
        Entry = entry; Dispatch = dispatch; Channel = channel; ChannelCall = channelCall; Stubs = stubs; Size = size;
    }

    /// <summary>The channel as a subroutine: posts, waits, returns (for synchronous requests such as device accesses).</summary>
    public ulong ChannelCall { get; }

    /// <summary>Where a vCPU starts (CPL3, R15 = register file, RSP = CPL3 stack).</summary>
    public ulong Entry { get; }

    /// <summary>The dispatcher.</summary>
    public ulong Dispatch { get; }

    /// <summary>The channel (request fields already written).</summary>
    public ulong Channel { get; }

    /// <summary>CPL0 stub of each exception vector.</summary>
    public ulong[] Stubs { get; }

    /// <summary>Bytes of code.</summary>
    public int Size { get; }

    /// <summary>Generates the runtime for execution at <paramref name="rip"/> and writes it to <paramref name="target"/>.</summary>
    public static unsafe RuntimeCode Generate(ulong rip, byte* target, int capacity, ulong lookupTable, int lookupEntries, int pcOffset,
        int fpsrOffset = -1, int modeOffset = -1)
    {
        var a = new Assembler(64) { PreferShortBranch = false };
        var stubLabels = new Label[32];
        var common = a.CreateLabel();
        for (int v = 0; v < 32; v++)
        {
            stubLabels[v] = a.CreateLabel();
            a.Label(ref stubLabels[v]);
            bool hasError = v is 8 or 10 or 11 or 12 or 13 or 14 or 17 or 21 or 29 or 30;
            if (!hasError) a.push(0);
            a.push(v);
            a.jmp(common);
        }

        // CPL0, emulated on PVM: a dozen integer instructions, run only when something went wrong.
        a.Label(ref common);
        a.mov(rax, rsp);
        a.and(rax, unchecked((int)~(VmLayout.VcpuAreaSize - 1)));   // this vCPU's area (CPL0 stacks live inside it)
        a.add(rax, (int)VmLayout.ControlBlockOffset);
        a.pop(rcx); a.mov(__qword_ptr[rax + (ControlBlock.ExceptionVector - ControlBlock.Base)], rcx);
        a.pop(rcx); a.mov(__qword_ptr[rax + (ControlBlock.ExceptionError - ControlBlock.Base)], rcx);
        a.mov(rcx, __qword_ptr[rsp]); a.mov(__qword_ptr[rax + (ControlBlock.ExceptionRip - ControlBlock.Base)], rcx);
        a.mov(rcx, cr2); a.mov(__qword_ptr[rax + (ControlBlock.ExceptionCr2 - ControlBlock.Base)], rcx);
        a.mov(__dword_ptr[rax + (ControlBlock.ExitReason - ControlBlock.Base)], (int)ExitReason.X86Exception);
        var dead = a.CreateLabel();
        a.Label(ref dead);
        a.mov(rcx, (long)VmLayout.ExitPageVirtual);
        a.mov(__dword_ptr[rcx], eax);
        a.jmp(dead); // the host never resumes a vCPU after an x86 exception

        // CPL3 entry: start CNTVCT at zero.
        var entry = a.CreateLabel();
        var dispatch = a.CreateLabel();
        var channel = a.CreateLabel();
        a.Label(ref entry);
        a.rdtsc(); a.shl(rdx, 32); a.or(rax, rdx);
        a.mov(__qword_ptr[r15 + ControlBlock.CounterOffset], rax);
        // MXCSR: round to nearest, all exceptions masked, flags clear (translated FP code relies on it).
        a.mov(__dword_ptr[r15 + ControlBlock.MxcsrScratch], 0x1F80);
        a.ldmxcsr(__dword_ptr[r15 + ControlBlock.MxcsrScratch]);

        // Dispatcher: table entry = { key, host address }, indexed by (key >> 2) mod entries, where the key is the
        // guest PC with the translation mode in its two low bits (IrBlock.KeyOf). An unaligned PC has no key: the
        // host hears of it through the translate request.
        a.Label(ref dispatch);
        var miss = a.CreateLabel();
        a.mov(rax, __qword_ptr[r15 + pcOffset]);
        a.test(al, 3);
        a.jne(miss);
        if (modeOffset >= 0) a.or(rax, __qword_ptr[r15 + modeOffset]);
        a.mov(rcx, rax);
        a.shr(rcx, 2);
        a.and(ecx, lookupEntries - 1);
        a.shl(rcx, 4);
        a.mov(rdx, (long)lookupTable);
        a.add(rdx, rcx);
        a.cmp(__qword_ptr[rdx], rax);
        a.jne(miss);
        a.jmp(__qword_ptr[rdx + 8]);
        a.Label(ref miss);
        a.mov(__qword_ptr[r15 + ControlBlock.Arg0], rax);
        a.mov(__dword_ptr[r15 + ControlBlock.RequestKind], (int)ChannelRequest.Translate);

        // Channel: the request is in the control block. The subroutine posts it and waits; a block or
        // the dispatcher jumps here and continues at the dispatcher once it is answered.
        var channelCall = a.CreateLabel();
        a.Label(ref channel);
        a.call(channelCall);
        a.jmp(dispatch);

        // Channel subroutine: count the request, publish it, then wait for the answer.
        a.Label(ref channelCall);
        var doorbell = a.CreateLabel();
        var spin = a.CreateLabel();
        var answered = a.CreateLabel();
        var stop = a.CreateLabel();
        var notContinue = a.CreateLabel();
        // Translated code leaves the FP exceptions it raised pending in MXCSR (X86BlockCompiler.Fp.cs): the host
        // may read FPSR while it answers, so they go to FPSR now.
        if (fpsrOffset >= 0) a.db(Translation.X86BlockCompiler.FpFlagsFoldCode(fpsrOffset));
        a.mov(ecx, __dword_ptr[r15 + ControlBlock.RequestKind]);
        a.and(ecx, 7);
        a.add(__qword_ptr[r15 + rcx * 8 + ControlBlock.ChannelRequestCounts], 1);
        a.mov(eax, __dword_ptr[r15 + ControlBlock.RequestSequence]);
        a.add(eax, 1);
        a.mov(__dword_ptr[r15 + ControlBlock.RequestSequence], eax);
        a.mfence(); // the post must be visible before we read whether the service thread is awake
        a.cmp(__dword_ptr[r15 + ControlBlock.ServiceState], 1);
        a.jne(doorbell);
        a.mov(ecx, SpinLimit);
        a.Label(ref spin);
        a.cmp(__dword_ptr[r15 + ControlBlock.ResponseSequence], eax);
        a.je(answered);
        a.pause();
        a.cmp(__dword_ptr[r15 + ControlBlock.ServiceState], 1);
        a.jne(doorbell);
        a.sub(ecx, 1);
        a.jne(spin);
        a.Label(ref doorbell);
        a.mov(__dword_ptr[r15 + ControlBlock.ExitReason], (int)ExitReason.Doorbell);
        a.mov(rdx, (long)VmLayout.ExitPageVirtual);
        a.mov(__dword_ptr[rdx], eax);                   // VM exit: the host answers on this vCPU's thread
        a.cmp(__dword_ptr[r15 + ControlBlock.ResponseSequence], eax);
        a.jne(doorbell);
        a.Label(ref answered);
        a.cmp(__dword_ptr[r15 + ControlBlock.ResponseAction], (int)ChannelAction.Continue);
        a.jne(notContinue);
        a.ret();
        // Wait (WFI with nothing pending): leave the VM so the host can block this vCPU's thread; it resumes us here.
        a.Label(ref notContinue);
        a.cmp(__dword_ptr[r15 + ControlBlock.ResponseAction], (int)ChannelAction.Wait);
        a.jne(stop);
        a.mov(__dword_ptr[r15 + ControlBlock.ExitReason], (int)ExitReason.Wait);
        a.mov(rdx, (long)VmLayout.ExitPageVirtual);
        a.mov(__dword_ptr[rdx], eax);
        a.ret();
        a.Label(ref stop);
        a.mov(__dword_ptr[r15 + ControlBlock.ExitReason], (int)ExitReason.Stop);
        a.mov(rdx, (long)VmLayout.ExitPageVirtual);
        a.mov(__dword_ptr[rdx], eax);
        a.jmp(stop); // a stopped vCPU is only resumed from a fresh entry

        var writer = new SpanCodeWriter(target, capacity);
        var result = a.Assemble(writer, rip, BlockEncoderOptions.ReturnNewInstructionOffsets);
        var stubs = new ulong[32];
        for (int v = 0; v < 32; v++) stubs[v] = result.GetLabelRIP(stubLabels[v]);
        return new RuntimeCode(result.GetLabelRIP(entry), result.GetLabelRIP(dispatch), result.GetLabelRIP(channel),
            result.GetLabelRIP(channelCall), stubs, writer.Position);
    }
}

/// <summary>An Iced <see cref="CodeWriter"/> that writes into unmanaged memory (the code cache) and fails cleanly when it is full.</summary>
internal sealed class SpanCodeWriter : CodeWriter
{
    private readonly unsafe byte* _pointer;
    private readonly int _length;

    /// <summary>Writes into unmanaged memory at <paramref name="pointer"/>.</summary>
    public unsafe SpanCodeWriter(byte* pointer, int length) { _pointer = pointer; _length = length; }

    /// <summary>Bytes written.</summary>
    public int Position { get; private set; }

    /// <summary>Overwrites 4 bytes already written at <paramref name="offset"/>.</summary>
    public unsafe void PatchInt32(ulong offset, int value)
    {
        if (offset + 4 > (ulong)Position) throw new ArgumentOutOfRangeException(nameof(offset));
        *(int*)(_pointer + offset) = value;
    }

    /// <summary>Writes <paramref name="bytes"/> at the current position (all or nothing).</summary>
    public unsafe void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _length - Position) throw new CodeBufferFullException();
        bytes.CopyTo(new Span<byte>(_pointer + Position, bytes.Length));
        Position += bytes.Length;
    }

    /// <summary>Restarts at offset 0.</summary>
    public void Reset() => Position = 0;

    /// <inheritdoc/>
    public override unsafe void WriteByte(byte value)
    {
        if (Position >= _length) throw new CodeBufferFullException();
        _pointer[Position++] = value;
    }
}

/// <summary>The code buffer ran out of space.</summary>
internal sealed class CodeBufferFullException : Exception
{
    public CodeBufferFullException() : base("The code buffer is full.") { }
}

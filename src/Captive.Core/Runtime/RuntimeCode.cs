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

    private RuntimeCode(ulong entry, ulong dispatch, ulong channel, ulong channelCall, ulong tlbWalk, ulong[] stubs, int size)
    {
        Entry = entry; Dispatch = dispatch; Channel = channel; ChannelCall = channelCall; TlbWalk = tlbWalk; Stubs = stubs; Size = size;
    }

    /// <summary>
    /// The in-VM TLB refill, a subroutine for the out-of-line path of an MMU-on access (X86BlockCompiler.Memory.cs):
    /// Arg0 = the virtual address, Arg2 = size | write &lt;&lt; 8 | mode &lt;&lt; 16 (bit 17 with it: an unprivileged access made
    /// from mode 1, checked as mode 0). It walks the guest's tables as described
    /// in the control block (<see cref="ControlBlock.WalkEnabled"/>) and, when the access's page is RAM the mode may access
    /// that way, fills the TLB entries (read, and write where allowed) and returns EAX = 1: the access then hits. Anything
    /// else — a device, an access that crosses a page, a walk it cannot follow — returns 0 and the host decides; a
    /// translation, access flag or permission fault it finds returns 2 with the fault in the layout's fault slots.
    /// Keeps every register but RAX, RCX, RDX and the flags.
    /// </summary>
    public ulong TlbWalk { get; }

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
        int fpsrOffset = -1, int modeOffset = -1, int faultInfoOffset = -1, int faultAddressOffset = -1)
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

        var tlbWalk = EmitTlbWalk(a, faultInfoOffset, faultAddressOffset);

        var writer = new SpanCodeWriter(target, capacity);
        var result = a.Assemble(writer, rip, BlockEncoderOptions.ReturnNewInstructionOffsets);
        var stubs = new ulong[32];
        for (int v = 0; v < 32; v++) stubs[v] = result.GetLabelRIP(stubLabels[v]);
        return new RuntimeCode(result.GetLabelRIP(entry), result.GetLabelRIP(dispatch), result.GetLabelRIP(channel),
            result.GetLabelRIP(channelCall), result.GetLabelRIP(tlbWalk), stubs, writer.Position);
    }

    /// <summary>The in-VM walker for <see cref="Memory.GuestTableFormat.Vmsav8Granule4K"/> tables (see <see cref="TlbWalk"/>).</summary>
    private static Label EmitTlbWalk(Assembler a, int faultInfoOffset, int faultAddressOffset)
    {
        const int lower = ControlBlock.WalkLower;
        const int tlb = (int)VmLayout.TlbOffset, table = Translation.X86BlockCompiler.TlbEntries * Translation.X86BlockCompiler.TlbEntrySize;
        var walk = a.CreateLabel();
        var fail = a.CreateLabel();
        var done = a.CreateLabel();
        // Faults the walk finds where the host would find the same (its order: descriptor validity level by level, then
        // the output address, the access flag, permissions): the ESR goes to the fault slots and EAX = 2, for the front
        // end's fault entry. Without fault slots every fault is the host's.
        bool reports = faultInfoOffset >= 0 && faultAddressOffset >= 0;
        var translationFault = reports ? a.CreateLabel() : fail;
        var accessFlagFault = reports ? a.CreateLabel() : fail;
        var permissionFault = reports ? a.CreateLabel() : fail;
        a.Label(ref walk);
        a.push(rbx); a.push(rsi); a.push(rdi); a.push(r8);
        a.xor(ebx, ebx);                                       // restrictions from APTable: bit 0 no EL0, bit 1 no writes
        a.cmp(__dword_ptr[r15 + ControlBlock.WalkEnabled], 0);
        a.je(fail);
        a.mov(rsi, __qword_ptr[r15 + ControlBlock.Arg0]);       // the virtual address
        a.mov(eax, esi);
        a.and(eax, 0xFFF);
        a.movzx(edx, __byte_ptr[r15 + ControlBlock.Arg2]);
        a.add(eax, edx);
        a.cmp(eax, 0x1000);
        a.ja(fail);                                            // it crosses a page: the retried access would miss again

        // The half: address bit 55. Its range check: the bits above its input size (above bit 55 too unless the top byte
        // is ignored) all equal bit 55.
        var lowerHalf = a.CreateLabel();
        a.xor(r8d, r8d);
        a.bt(rsi, 55);
        a.jae(lowerHalf);
        a.mov(r8d, ControlBlock.WalkHalfSize);
        a.Label(ref lowerHalf);
        a.cmp(__dword_ptr[r15 + r8 + (lower + ControlBlock.WalkHalfEnabled)], 0);
        a.je(fail);
        a.mov(rax, rsi);
        var noTbi = a.CreateLabel();
        a.cmp(__dword_ptr[r15 + r8 + (lower + ControlBlock.WalkHalfTbi)], 0);
        a.je(noTbi);
        a.shl(rax, 8);
        a.sar(rax, 8);
        a.Label(ref noTbi);
        a.mov(ecx, __dword_ptr[r15 + r8 + (lower + ControlBlock.WalkHalfBits)]);
        a.sar(rax, cl);
        var ranged = a.CreateLabel();
        a.test(r8d, r8d);
        a.je(ranged);
        a.not(rax);                                            // the upper half wants all ones
        a.Label(ref ranged);
        a.test(rax, rax);
        a.jne(fail);
        a.mov(rdi, __qword_ptr[r15 + r8 + (lower + ControlBlock.WalkHalfBase)]);
        a.mov(r8d, __dword_ptr[r15 + r8 + (lower + ControlBlock.WalkHalfLevel)]);

        // One level: index = (va >> (39 - 9 * level)) & 511; the table must be in RAM (the x86 address of RAM is its
        // guest-physical address).
        var loop = a.CreateLabel();
        var leaf = a.CreateLabel();
        var block = a.CreateLabel();
        var mapping = a.CreateLabel();
        a.Label(ref loop);
        a.lea(ecx, __[r8 + r8 * 8]);
        a.neg(ecx);
        a.add(ecx, 39);
        a.mov(rax, rsi);
        a.shr(rax, cl);
        a.and(eax, 511);
        a.mov(rdx, rdi);
        a.sub(rdx, __qword_ptr[r15 + ControlBlock.WalkRamBase]);
        a.cmp(rdx, __qword_ptr[r15 + ControlBlock.WalkRamLimit]);
        a.ja(fail);
        a.mov(rax, __qword_ptr[rdi + rax * 8]);
        a.test(al, 1);
        a.je(translationFault);                                // invalid
        a.cmp(r8d, 3);
        a.je(leaf);
        a.test(al, 2);
        a.je(block);
        a.mov(rdx, rax);                                       // a table: APTable (bits 62:61) restricts what lies below
        a.shr(rdx, 61);
        a.and(edx, 3);
        a.or(ebx, edx);
        var noUxnTable = a.CreateLabel();
        a.bt(rax, 60);                                         // and UXNTable (bit 60): EBX bit 2
        a.jae(noUxnTable);
        a.or(ebx, 4);
        a.Label(ref noUxnTable);
        a.mov(rdi, rax);                                       // next table: bits 47:12
        a.shl(rdi, 16);
        a.shr(rdi, 28);
        a.shl(rdi, 12);
        a.add(r8d, 1);
        a.jmp(loop);
        a.Label(ref block);
        a.test(r8d, r8d);
        a.je(translationFault);                                // no level 0 blocks with 4 KiB pages
        a.jmp(mapping);
        a.Label(ref leaf);
        a.test(al, 2);
        a.je(translationFault);                                // 0b01 at level 3 is reserved
        a.Label(ref mapping);

        // The physical page, in RDI: output address bits 47:shift, then the address's own bits below the block size.
        // Anything but RAM (a device, nothing, an address size fault) is the host's.
        a.lea(ecx, __[r8 + r8 * 8]);
        a.neg(ecx);
        a.add(ecx, 39);
        a.mov(rdi, rax);
        a.shl(rdi, 16);
        a.shr(rdi, 16);
        a.shr(rdi, cl);
        a.shl(rdi, cl);
        a.mov(rdx, -1L);
        a.shl(rdx, cl);
        a.not(rdx);
        a.and(rdx, rsi);
        a.or(rdi, rdx);
        a.and(rdi, -4096);
        a.mov(rdx, rdi);
        a.sub(rdx, __qword_ptr[r15 + ControlBlock.WalkRamBase]);
        a.cmp(rdx, __qword_ptr[r15 + ControlBlock.WalkRamLimit]);
        a.ja(fail);
        a.bt(rax, 10);
        a.jae(accessFlagFault);                                // AF = 0

        // A fetch check (Arg2 bit 9; translated code's code page checks, at EL0 only): the page must be executable at EL0
        // (UXN and UXNTable clear, APTable not denying EL0) and read-only there (AP = 11: no write permission, so WXN
        // cannot matter). Anything else is the host's. The physical page goes to Arg1; the TLB is not filled.
        var dataAccess = a.CreateLabel();
        a.test(__byte_ptr[r15 + (ControlBlock.Arg2 + 1)], 2);
        a.je(dataAccess);
        a.test(__byte_ptr[r15 + (ControlBlock.Arg2 + 2)], 1);
        a.jne(fail);                                           // EL1: the host's
        a.test(ebx, 1 | 4);
        a.jne(fail);
        a.bt(rax, 54);
        a.jb(fail);
        a.mov(ecx, eax);
        a.shr(ecx, 6);
        a.and(ecx, 3);
        a.cmp(ecx, 3);
        a.jne(fail);
        a.mov(__qword_ptr[r15 + ControlBlock.Arg1], rdi);
        a.mov(eax, 1);
        a.jmp(done);
        a.Label(ref dataAccess);

        // Permissions for the mode, in EDX: bit 0 read, bit 1 write. AP[2:1] = bits 7:6.
        var el0 = a.CreateLabel();
        var permitted = a.CreateLabel();
        a.mov(ecx, eax);
        a.shr(ecx, 6);
        a.and(ecx, 3);
        a.movzx(edx, __byte_ptr[r15 + (ControlBlock.Arg2 + 2)]);
        a.test(edx, 1);
        a.je(el0);
        a.mov(edx, 1);                                         // EL1 reads always; writes unless AP[2] or APTable[1]
        a.test(ecx, 2);
        a.jne(permitted);
        a.test(ebx, 2);
        a.jne(permitted);
        a.or(edx, 2);
        a.jmp(permitted);
        a.Label(ref el0);
        a.xor(edx, edx);                                       // EL0: AP[1] and not APTable[0]; writes only with AP = 01
        a.test(ebx, 1);
        a.jne(permitted);
        a.test(ecx, 1);
        a.je(permitted);
        a.mov(edx, 1);
        a.cmp(ecx, 1);
        a.jne(permitted);
        a.test(ebx, 2);
        a.jne(permitted);
        a.or(edx, 2);
        a.Label(ref permitted);
        a.movzx(ecx, __byte_ptr[r15 + (ControlBlock.Arg2 + 1)]);
        a.and(ecx, 1);
        a.add(ecx, 1);                                         // what the access needs: 1 read, 2 write
        a.test(edx, ecx);
        a.je(permissionFault);
        a.mov(rax, rdi);                                       // the physical page

        // Fill: entry ((va >> 12) & 255) of the mode's read table, and of its write table when writes are allowed. An
        // entry from a block (level 1 or 2) means a TLBI of any page of the block must empty the whole TLB from now on.
        var pageEntry = a.CreateLabel();
        a.cmp(r8d, 3);
        a.je(pageEntry);
        a.mov(__dword_ptr[r15 + ControlBlock.TlbHasBlocks], 1);
        a.Label(ref pageEntry);
        a.mov(rcx, rsi);
        a.shr(rcx, 8);
        a.and(ecx, (Translation.X86BlockCompiler.TlbEntries - 1) * Translation.X86BlockCompiler.TlbEntrySize);
        a.movzx(r8d, __byte_ptr[r15 + (ControlBlock.Arg2 + 2)]);
        a.and(r8d, 1);
        a.shl(r8d, 13);                                        // the mode's pair of tables
        a.add(rcx, r8);
        a.mov(rdi, rsi);
        a.and(rdi, -4096);
        a.sub(rax, rdi);                                       // the addend: x86 address - virtual address
        var noWrite = a.CreateLabel();
        a.mov(__qword_ptr[r15 + rcx + (tlb + 8)], rax);
        a.mov(__qword_ptr[r15 + rcx + tlb], rdi);
        a.test(edx, 2);
        a.je(noWrite);
        a.mov(__qword_ptr[r15 + rcx + (tlb + table + 8)], rax);
        a.mov(__qword_ptr[r15 + rcx + (tlb + table)], rdi);
        a.Label(ref noWrite);
        a.add(__qword_ptr[r15 + ControlBlock.WalkRefills], 1);
        a.mov(eax, 1);
        a.jmp(done);
        if (reports)
        {
            // ESR = EC (0x24 from EL0, 0x25 from EL1) | IL | WnR | DFSC (the fault's kind | its level).
            var report = a.CreateLabel();
            a.Label(ref translationFault);
            a.mov(eax, 0b000100);
            a.jmp(report);
            a.Label(ref accessFlagFault);
            a.mov(eax, 0b001000);
            a.jmp(report);
            a.Label(ref permissionFault);
            a.mov(eax, 0b001100);
            a.Label(ref report);
            a.test(__byte_ptr[r15 + (ControlBlock.Arg2 + 1)], 2);
            a.jne(fail);                                       // a fetch check reports nothing: the host decides
            a.or(eax, r8d);
            a.movzx(ecx, __byte_ptr[r15 + (ControlBlock.Arg2 + 1)]);
            a.and(ecx, 1);
            a.shl(ecx, 6);
            a.or(eax, ecx);
            a.movzx(ecx, __byte_ptr[r15 + (ControlBlock.Arg2 + 2)]);
            a.mov(edx, ecx);
            a.shr(edx, 1);
            a.or(ecx, edx);                                    // taken from EL1: an EL1 access, or an unprivileged one made there
            a.and(ecx, 1);
            a.add(ecx, 0x24);
            a.shl(ecx, 26);
            a.or(eax, ecx);
            a.or(eax, 1 << 25);
            a.mov(__qword_ptr[r15 + faultInfoOffset], rax);
            a.mov(__qword_ptr[r15 + faultAddressOffset], rsi);
            a.add(__qword_ptr[r15 + ControlBlock.WalkFaults], 1);
            a.mov(eax, 2);
            a.jmp(done);
        }
        a.Label(ref fail);
        a.xor(eax, eax);
        a.Label(ref done);
        a.pop(r8); a.pop(rdi); a.pop(rsi); a.pop(rbx);
        a.ret();
        return walk;
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

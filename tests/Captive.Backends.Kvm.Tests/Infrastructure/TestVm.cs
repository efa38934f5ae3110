using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Captive.Core.Backends;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Captive.Backends.Kvm.Tests.Infrastructure;

/// <summary>Which privilege level a test program starts at.</summary>
public enum Ring
{
    Kernel = 0,
    User = 3,
}

/// <summary>
/// A one-vCPU VM set up directly in 64-bit long mode, with identity paging, a GDT, a TSS and an IDT
/// whose handlers report every exception through MMIO writes. Memory map (VM-physical = virtual):
/// <code>
///  0x0000_0000 ┌──────────────────────────┐ RAM block, 4 MiB
///              │ 0x1000 PML4  0x2000 PDPT │
///              │ 0x3000 PD (2 MiB pages)  │
///              │ 0x4000 GDT   0x5000 IDT  │
///              │ 0x6000 TSS               │
///              │ 0x8000 exception stubs   │ CPL0 code, integer only
///              │ ...    kernel stack  ↑   │ top 0x8_0000 (also TSS.RSP0)
///              │ 0x10_0000 test program   │
///              │ 0x20_0000 data page      │
///              │ ...    user stack    ↑   │ top 0x3F_F000
///  0x0040_0000 ├──────────────────────────┤ mapped (U=1), not backed: tests add blocks here
///  0x0060_0000 │ MmioBase                 │ program MMIO exits
///  0x0070_0000 │ ExceptionReport          │ vector, error code, CR2, RIP; then HLT
///  0x0080_0000 ├──────────────────────────┤ PD entry 4: not present (#PF)
/// </code>
/// </summary>
public sealed class TestVm : IDisposable
{
    public const ulong RamSize = 4 << 20;
    public const ulong Pml4 = 0x1000;
    public const ulong Pdpt = 0x2000;
    public const ulong PageDirectory = 0x3000;
    public const ulong Gdt = 0x4000;
    public const ulong Idt = 0x5000;
    public const ulong Tss = 0x6000;
    public const ulong ExceptionStubs = 0x8000;
    public const ulong KernelStackTop = 0x8_0000;
    public const ulong CodeBase = 0x10_0000;
    public const ulong DataPage = 0x20_0000;
    public const ulong UserStackTop = 0x3F_F000;
    public const ulong UnbackedBase = 0x40_0000;
    public const ulong MmioBase = 0x60_0000;
    public const ulong ExceptionReport = 0x70_0000;
    public const ulong NotPresent = 0x80_0000;
    public const int MappedTwoMegabytePages = 4;

    public const ushort KernelCode = 0x08;
    public const ushort KernelData = 0x10;
    public const ushort TaskState = 0x18;
    public const ushort UserData = 0x2b;
    public const ushort UserCode = 0x33;

    private const ulong Cr0PeMpEtNeWpPg = 0x8001_0033;
    private const ulong Cr4PaeOsfxsrOsxmmexcpt = 0x620;
    private const ulong EferLmeLmaNxe = 0xD00;

    private static readonly int[] VectorsWithErrorCode = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];

    private readonly KvmBackend? _ownedBackend;

    public TestVm(KvmBackend backend, bool ownsBackend = false)
    {
        _ownedBackend = ownsBackend ? backend : null;
        Vm = backend.CreateVirtualMachine();
        try
        {
            Ram = Vm.AllocateMemory(0, RamSize);
            Vcpu = Vm.CreateVirtualCpu(0);
            WriteSystemTables();
        }
        catch
        {
            Vm.Dispose();
            throw;
        }
    }

    public KvmVm Vm { get; }

    public IVmMemoryBlock Ram { get; }

    public KvmVcpu Vcpu { get; }

    /// <summary>RAM as bytes, for writing programs and reading results.</summary>
    public unsafe Span<byte> RamBytes => new((void*)Ram.HostAddress, (int)RamSize);

    /// <summary>A live 64-bit word of RAM (the guest may be writing it).</summary>
    public unsafe long ReadRamVolatile(ulong address) => Volatile.Read(ref Unsafe.AsRef<long>((void*)(Ram.HostAddress + (nint)address)));

    /// <summary>Assembles <paramref name="build"/> at <see cref="CodeBase"/> and points the vCPU at it, in <paramref name="ring"/>.</summary>
    public Program Load(Action<Assembler> build, Ring ring)
    {
        var asm = new Assembler(64);
        build(asm);
        var (code, result) = Assemble(asm, CodeBase);
        code.CopyTo(RamBytes[(int)CodeBase..]);

        Vcpu.SetSpecialRegisters(SpecialRegisters(ring));
        Vcpu.SetRegisters(new X86Registers
        {
            Rip = CodeBase,
            Rsp = ring == Ring.Kernel ? KernelStackTop : UserStackTop,
            Rflags = 0x2,
        });
        return new Program(result);
    }

    /// <summary>Runs once and records the exit; for a read exit, supplies <paramref name="readValue"/> (little-endian).</summary>
    public ExitRecord Step(ulong readValue = 0)
    {
        var exit = Vcpu.Run();
        var record = ExitRecord.From(exit);
        if (exit.Kind is VcpuExitKind.IoIn or VcpuExitKind.MmioRead)
        {
            Span<byte> value = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(value, readValue);
            value[..exit.Data.Length].CopyTo(exit.Data);
        }

        return record;
    }

    /// <summary>The exits the exception stubs produce for <paramref name="vector"/>.</summary>
    public static ExitRecord[] ExceptionExits(ulong vector, ulong errorCode, ulong cr2, ulong rip) =>
    [
        ExitRecord.MmioWrite(ExceptionReport, 8, vector),
        ExitRecord.MmioWrite(ExceptionReport + 8, 8, errorCode),
        ExitRecord.MmioWrite(ExceptionReport + 16, 8, cr2),
        ExitRecord.MmioWrite(ExceptionReport + 24, 8, rip),
        ExitRecord.Halt,
    ];

    public static X86SpecialRegisters SpecialRegisters(Ring ring)
    {
        bool user = ring == Ring.User;
        var code = new X86Segment
        {
            Selector = user ? UserCode : KernelCode, Limit = 0xFFFF_FFFF, Type = 0xB, Present = true,
            Dpl = (byte)ring, S = true, L = true, Granularity = true,
        };
        var data = new X86Segment
        {
            Selector = user ? UserData : KernelData, Limit = 0xFFFF_FFFF, Type = 0x3, Present = true,
            Dpl = (byte)ring, Db = true, S = true, Granularity = true,
        };
        return new X86SpecialRegisters
        {
            Cs = code, Ds = data, Es = data, Fs = data, Gs = data, Ss = data,
            Tr = new X86Segment { Selector = TaskState, Base = Tss, Limit = 0x67, Type = 0xB, Present = true },
            Ldt = new X86Segment { Type = 0x2, Present = true, Unusable = true },
            Gdt = new X86DescriptorTable { Base = Gdt, Limit = 7 * 8 - 1 },
            Idt = new X86DescriptorTable { Base = Idt, Limit = 256 * 16 - 1 },
            Cr0 = Cr0PeMpEtNeWpPg, Cr3 = Pml4, Cr4 = Cr4PaeOsfxsrOsxmmexcpt, Efer = EferLmeLmaNxe,
        };
    }

    public void Dispose()
    {
        Vm.Dispose();
        _ownedBackend?.Dispose();
    }

    private void WriteSystemTables()
    {
        var ram = RamBytes;
        const ulong presentWritableUser = 0x7;
        const ulong largePage = 0x80;
        Write64(ram, Pml4, Pdpt | presentWritableUser);
        Write64(ram, Pdpt, PageDirectory | presentWritableUser);
        for (ulong i = 0; i < MappedTwoMegabytePages; i++)
        {
            Write64(ram, PageDirectory + i * 8, (i << 21) | presentWritableUser | largePage);
        }

        Write64(ram, Gdt + 0x08, 0x00AF_9B00_0000_FFFF); // kernel code, 64-bit, DPL 0
        Write64(ram, Gdt + 0x10, 0x00CF_9300_0000_FFFF); // kernel data
        Write64(ram, Gdt + 0x18, 0x0000_8900_0000_0067 | ((Tss & 0xFF_FFFF) << 16)); // 64-bit TSS, low half
        Write64(ram, Gdt + 0x20, Tss >> 32); // TSS, high half
        Write64(ram, Gdt + 0x28, 0x00CF_F300_0000_FFFF); // user data, DPL 3
        Write64(ram, Gdt + 0x30, 0x00AF_FB00_0000_FFFF); // user code, 64-bit, DPL 3

        Write64(ram, Tss + 4, KernelStackTop); // RSP0: the stack for exceptions taken from CPL3
        BinaryPrimitives.WriteUInt16LittleEndian(ram[(int)(Tss + 0x66)..], 0x68); // no I/O permission bitmap

        var stubs = AssembleExceptionStubs();
        for (int vector = 0; vector < 256; vector++)
        {
            ulong handler = stubs[vector];
            ulong low = (handler & 0xFFFF) | ((ulong)KernelCode << 16) | (0x8EUL << 40) | (((handler >> 16) & 0xFFFF) << 48);
            Write64(ram, Idt + (ulong)vector * 16, low);
            Write64(ram, Idt + (ulong)vector * 16 + 8, handler >> 32);
        }
    }

    /// <summary>
    /// One stub per vector pushes a zero error code where the CPU pushes none, then the vector; the
    /// common tail writes vector, error code, CR2 and the faulting RIP to <see cref="ExceptionReport"/>
    /// and halts. Integer instructions only: guest CPL0 is emulated on PVM hosts.
    /// </summary>
    private ulong[] AssembleExceptionStubs()
    {
        var asm = new Assembler(64);
        var common = asm.CreateLabel();
        var entries = new Label[256];
        for (int vector = 0; vector < 256; vector++)
        {
            entries[vector] = asm.CreateLabel();
            asm.Label(ref entries[vector]);
            if (!VectorsWithErrorCode.Contains(vector))
            {
                asm.push(0);
            }

            asm.push(vector);
            asm.jmp(common);
        }

        asm.Label(ref common);
        asm.mov(rax, __qword_ptr[rsp]);
        asm.mov(__qword_ptr[ExceptionReport], rax);
        asm.mov(rax, __qword_ptr[rsp + 8]);
        asm.mov(__qword_ptr[ExceptionReport + 8], rax);
        asm.mov(rax, cr2);
        asm.mov(__qword_ptr[ExceptionReport + 16], rax);
        asm.mov(rax, __qword_ptr[rsp + 16]);
        asm.mov(__qword_ptr[ExceptionReport + 24], rax);
        var halt = asm.CreateLabel();
        asm.Label(ref halt);
        asm.hlt();
        asm.jmp(halt);

        var (code, result) = Assemble(asm, ExceptionStubs);
        code.CopyTo(RamBytes[(int)ExceptionStubs..]);
        return [.. entries.Select(l => result.GetLabelRIP(l))];
    }

    private static (byte[] Code, AssemblerResult Result) Assemble(Assembler asm, ulong address)
    {
        var writer = new ByteWriter();
        var result = asm.Assemble(writer, address, BlockEncoderOptions.ReturnNewInstructionOffsets);
        return (writer.Bytes.ToArray(), result);
    }

    private static void Write64(Span<byte> ram, ulong address, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(ram[(int)address..], value);

    private sealed class ByteWriter : CodeWriter
    {
        public List<byte> Bytes { get; } = [];

        public override void WriteByte(byte value) => Bytes.Add(value);
    }

    /// <summary>An assembled test program: label addresses for assertions.</summary>
    public sealed class Program(AssemblerResult result)
    {
        public ulong AddressOf(Label label) => result.GetLabelRIP(label);
    }
}

namespace Captive.Core.Backends;

/// <summary>x86-64 general-purpose registers, RIP and RFLAGS, independent of the accelerator.</summary>
public struct X86Registers
{
#pragma warning disable CS1591 // register names are their own documentation
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11, R12, R13, R14, R15;
    public ulong Rip, Rflags;
#pragma warning restore CS1591
}

/// <summary>An x86 segment register as loaded in the hidden descriptor cache.</summary>
public struct X86Segment
{
#pragma warning disable CS1591
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    /// <summary>Descriptor type (4 bits).</summary>
    public byte Type;
    public bool Present;
    /// <summary>Descriptor privilege level (0–3).</summary>
    public byte Dpl;
    /// <summary>Default operation size (D/B bit).</summary>
    public bool Db;
    /// <summary>Code or data segment (S bit): false for system segments such as the TSS.</summary>
    public bool S;
    /// <summary>64-bit code segment (L bit).</summary>
    public bool L;
    public bool Granularity;
    public bool Available;
    public bool Unusable;
#pragma warning restore CS1591
}

/// <summary>An x86 descriptor-table register (GDTR or IDTR).</summary>
public struct X86DescriptorTable
{
    /// <summary>Linear base address.</summary>
    public ulong Base;

    /// <summary>Limit (size in bytes minus one).</summary>
    public ushort Limit;
}

/// <summary>x86-64 segment, descriptor-table and control registers, independent of the accelerator.</summary>
public struct X86SpecialRegisters
{
#pragma warning disable CS1591
    public X86Segment Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
    public X86DescriptorTable Gdt, Idt;
    public ulong Cr0, Cr2, Cr3, Cr4, Cr8, Efer, ApicBase;
#pragma warning restore CS1591
}

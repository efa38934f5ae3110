using System.Buffers.Binary;
using Captive.Core.Backends;

namespace Captive.Core.Runtime;

/// <summary>
/// The GDT, TSS and IDT of the VM and the long-mode register state that uses them. Translated code
/// runs at CPL3 (CS 0x33, SS 0x2b, the Linux user selectors); CPL0 only runs the trap stubs the IDT
/// points at.
/// </summary>
public static class X86SystemTables
{
    /// <summary>
    /// Writes the GDT, TSS and IDT into the system-tables area (<paramref name="tables"/> is its host
    /// view) with every IDT vector below 32 pointing at <paramref name="stubAddresses"/>.
    /// </summary>
    public static void Write(Span<byte> tables, ReadOnlySpan<ulong> stubAddresses, ulong cpl0StackTop)
    {
        tables[..(int)VmLayout.SystemTablesSize].Clear();
        var gdt = tables[(int)VmLayout.GdtOffset..];
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x08..], 0x00AF_9A00_0000_FFFF); // kernel code, 64-bit, DPL0
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x10..], 0x00CF_9200_0000_FFFF); // kernel data
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x28..], 0x00CF_F200_0000_FFFF); // user data, DPL3 (0x2b)
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[0x30..], 0x00AF_FA00_0000_FFFF); // user code, 64-bit, DPL3 (0x33)
        ulong tss = VmLayout.RuntimeVirtualBase + VmLayout.TssOffset;
        const ulong tssLimit = 0x67;
        ulong low = tssLimit & 0xFFFF
            | (tss & 0xFF_FFFF) << 16
            | 0x89UL << 40 // present, available 64-bit TSS
            | (tss >> 24 & 0xFF) << 56;
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[VmLayout.TssSelector..], low);
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[(VmLayout.TssSelector + 8)..], tss >> 32);

        var tssBytes = tables[(int)VmLayout.TssOffset..];
        BinaryPrimitives.WriteUInt64LittleEndian(tssBytes[4..], cpl0StackTop); // RSP0
        BinaryPrimitives.WriteUInt16LittleEndian(tssBytes[0x66..], 0x68);      // no I/O bitmap

        var idt = tables[(int)VmLayout.IdtOffset..];
        for (int v = 0; v < stubAddresses.Length; v++)
        {
            ulong a = stubAddresses[v];
            var e = idt[(v * 16)..];
            BinaryPrimitives.WriteUInt16LittleEndian(e, (ushort)a);
            BinaryPrimitives.WriteUInt16LittleEndian(e[2..], VmLayout.KernelCodeSelector);
            e[4] = 0;          // IST 0
            e[5] = 0x8E;       // present, DPL0, 64-bit interrupt gate
            BinaryPrimitives.WriteUInt16LittleEndian(e[6..], (ushort)(a >> 16));
            BinaryPrimitives.WriteUInt32LittleEndian(e[8..], (uint)(a >> 32));
        }
    }

    /// <summary>Special registers for 64-bit long mode at CPL3 with the given page-table root.</summary>
    public static X86SpecialRegisters LongModeUser(X86SpecialRegisters current, ulong cr3)
    {
        var s = current;
        X86Segment Seg(ushort sel, byte type, byte dpl, bool code) => new()
        {
            Base = 0, Limit = 0xFFFF_FFFF, Selector = sel, Type = type, Present = true, Dpl = dpl,
            Db = !code, S = true, L = code, Granularity = true,
        };
        s.Cs = Seg(VmLayout.UserCodeSelector, 0xB, 3, code: true);
        s.Ss = Seg(VmLayout.UserDataSelector, 0x3, 3, code: false);
        s.Ds = s.Es = s.Fs = s.Gs = Seg(VmLayout.UserDataSelector, 0x3, 3, code: false);
        s.Tr = new X86Segment
        {
            Base = VmLayout.RuntimeVirtualBase + VmLayout.TssOffset, Limit = 0x67, Selector = VmLayout.TssSelector,
            Type = 0xB, Present = true, S = false,
        };
        s.Ldt = new X86Segment { Unusable = true, Type = 2, Present = false };
        s.Gdt = new X86DescriptorTable { Base = VmLayout.RuntimeVirtualBase + VmLayout.GdtOffset, Limit = 0x4F };
        s.Idt = new X86DescriptorTable { Base = VmLayout.RuntimeVirtualBase + VmLayout.IdtOffset, Limit = 32 * 16 - 1 };
        s.Cr0 = 0x8005_0033;                 // PG | WP | NE | ET | MP | PE
        s.Cr4 = (1 << 5) | (1 << 9) | (1 << 10); // PAE | OSFXSR | OSXMMEXCPT
        s.Cr3 = cr3;
        s.Efer = (1 << 8) | (1 << 10) | (1 << 11); // LME | LMA | NXE
        return s;
    }
}

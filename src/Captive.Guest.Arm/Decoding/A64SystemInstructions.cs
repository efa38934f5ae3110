using System.Collections.Frozen;

namespace Captive.Guest.Arm.Decoding;

/// <summary>What a SYS instruction (cache, TLB or address-translation maintenance) does here.</summary>
internal enum SysInstructionKind : byte
{
    /// <summary>Cache maintenance: a no-op, because guest memory is coherent and translations are invalidated on stores.</summary>
    CacheMaintenance,
    /// <summary>DC ZVA: zero the naturally aligned 64-byte block that contains the address.</summary>
    ZeroBlock,
    /// <summary>EL1 TLB maintenance, address translation and instruction cache maintenance: the host carries them out (a <c>SystemInstruction</c> trap).</summary>
    HostOperation,
    /// <summary>An EL2 or EL3 operation: UNDEFINED, because this machine has neither level.</summary>
    Absent,
}

/// <summary>One SYS alias: its GNU spelling, whether it takes Xt, and what it does.</summary>
internal readonly record struct SysInstructionInfo(string Name, bool HasRegister, SysInstructionKind Kind);

/// <summary>The ARMv8.0 SYS aliases (DC, IC, AT, TLBI), keyed by <c>op1:CRn:CRm:op2</c>. Any other SYS is UNDEFINED.</summary>
internal static class A64SystemInstructions
{
    /// <summary>The key of (op1, CRn, CRm, op2).</summary>
    public static int Key(int op1, int crn, int crm, int op2) => (op1 << 11) | (crn << 7) | (crm << 3) | op2;

    private static readonly FrozenDictionary<int, SysInstructionInfo> Table = BuildTable();

    private static FrozenDictionary<int, SysInstructionInfo> BuildTable()
    {
        var t = new Dictionary<int, SysInstructionInfo>();
        void Add(string name, int op1, int crn, int crm, int op2, bool reg, SysInstructionKind kind) => t.Add(Key(op1, crn, crm, op2), new(name, reg, kind));
        const SysInstructionKind Cache = SysInstructionKind.CacheMaintenance;
        // The EL1 forms (op1 = 0) are carried out by the host; the EL2 and EL3 forms (op1 = 4, 6) do not exist here.
        static SysInstructionKind Tlb(int op1) => op1 == 0 ? SysInstructionKind.HostOperation : SysInstructionKind.Absent;

        // Instruction cache maintenance is how the architecture makes modified code visible (CTR_EL0.DIC = 0): the host
        // drops the translations it may have made stale.
        Add("ic ialluis", 0, 7, 1, 0, false, SysInstructionKind.HostOperation);
        Add("ic iallu", 0, 7, 5, 0, false, SysInstructionKind.HostOperation);
        Add("ic ivau", 3, 7, 5, 1, true, SysInstructionKind.HostOperation);
        Add("dc zva", 3, 7, 4, 1, true, SysInstructionKind.ZeroBlock);
        Add("dc ivac", 0, 7, 6, 1, true, Cache);
        Add("dc isw", 0, 7, 6, 2, true, Cache);
        Add("dc cvac", 3, 7, 10, 1, true, Cache);
        Add("dc csw", 0, 7, 10, 2, true, Cache);
        Add("dc cvau", 3, 7, 11, 1, true, Cache);
        Add("dc civac", 3, 7, 14, 1, true, Cache);
        Add("dc cisw", 0, 7, 14, 2, true, Cache);

        Add("at s1e1r", 0, 7, 8, 0, true, Tlb(0));
        Add("at s1e1w", 0, 7, 8, 1, true, Tlb(0));
        Add("at s1e0r", 0, 7, 8, 2, true, Tlb(0));
        Add("at s1e0w", 0, 7, 8, 3, true, Tlb(0));
        Add("at s1e2r", 4, 7, 8, 0, true, Tlb(4));
        Add("at s1e2w", 4, 7, 8, 1, true, Tlb(4));
        Add("at s12e1r", 4, 7, 8, 4, true, Tlb(4));
        Add("at s12e1w", 4, 7, 8, 5, true, Tlb(4));
        Add("at s12e0r", 4, 7, 8, 6, true, Tlb(4));
        Add("at s12e0w", 4, 7, 8, 7, true, Tlb(4));
        Add("at s1e3r", 6, 7, 8, 0, true, Tlb(6));
        Add("at s1e3w", 6, 7, 8, 1, true, Tlb(6));

        Add("tlbi vmalle1is", 0, 8, 3, 0, false, Tlb(0));
        Add("tlbi vae1is", 0, 8, 3, 1, true, Tlb(0));
        Add("tlbi aside1is", 0, 8, 3, 2, true, Tlb(0));
        Add("tlbi vaae1is", 0, 8, 3, 3, true, Tlb(0));
        Add("tlbi vale1is", 0, 8, 3, 5, true, Tlb(0));
        Add("tlbi vaale1is", 0, 8, 3, 7, true, Tlb(0));
        Add("tlbi vmalle1", 0, 8, 7, 0, false, Tlb(0));
        Add("tlbi vae1", 0, 8, 7, 1, true, Tlb(0));
        Add("tlbi aside1", 0, 8, 7, 2, true, Tlb(0));
        Add("tlbi vaae1", 0, 8, 7, 3, true, Tlb(0));
        Add("tlbi vale1", 0, 8, 7, 5, true, Tlb(0));
        Add("tlbi vaale1", 0, 8, 7, 7, true, Tlb(0));
        Add("tlbi ipas2e1is", 4, 8, 0, 1, true, Tlb(4));
        Add("tlbi ipas2le1is", 4, 8, 0, 5, true, Tlb(4));
        Add("tlbi alle2is", 4, 8, 3, 0, false, Tlb(4));
        Add("tlbi vae2is", 4, 8, 3, 1, true, Tlb(4));
        Add("tlbi alle1is", 4, 8, 3, 4, false, Tlb(4));
        Add("tlbi vale2is", 4, 8, 3, 5, true, Tlb(4));
        Add("tlbi vmalls12e1is", 4, 8, 3, 6, false, Tlb(4));
        Add("tlbi ipas2e1", 4, 8, 4, 1, true, Tlb(4));
        Add("tlbi ipas2le1", 4, 8, 4, 5, true, Tlb(4));
        Add("tlbi alle2", 4, 8, 7, 0, false, Tlb(4));
        Add("tlbi vae2", 4, 8, 7, 1, true, Tlb(4));
        Add("tlbi alle1", 4, 8, 7, 4, false, Tlb(4));
        Add("tlbi vale2", 4, 8, 7, 5, true, Tlb(4));
        Add("tlbi vmalls12e1", 4, 8, 7, 6, false, Tlb(4));
        Add("tlbi alle3is", 6, 8, 3, 0, false, Tlb(6));
        Add("tlbi vae3is", 6, 8, 3, 1, true, Tlb(6));
        Add("tlbi vale3is", 6, 8, 3, 5, true, Tlb(6));
        Add("tlbi alle3", 6, 8, 7, 0, false, Tlb(6));
        Add("tlbi vae3", 6, 8, 7, 1, true, Tlb(6));
        Add("tlbi vale3", 6, 8, 7, 5, true, Tlb(6));
        return t.ToFrozenDictionary();
    }

    /// <summary>Looks a SYS alias up.</summary>
    public static bool TryGet(int op1, int crn, int crm, int op2, out SysInstructionInfo info) => Table.TryGetValue(Key(op1, crn, crm, op2), out info);
}

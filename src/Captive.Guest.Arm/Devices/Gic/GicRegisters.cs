namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>Interrupt ID ranges and special INTIDs shared by GICv2 and GICv3.</summary>
public static class GicIntIds
{
    /// <summary>Software-generated interrupts are INTIDs 0–15.</summary>
    public const int SgiCount = 16;
    /// <summary>First private peripheral interrupt (PPIs are 16–31, banked per CPU).</summary>
    public const int FirstPpi = 16;
    /// <summary>First shared peripheral interrupt; SPI n is INTID 32 + n.</summary>
    public const int FirstSpi = 32;
    /// <summary>Largest INTID an SPI may have (1019); 1020–1023 are special.</summary>
    public const int MaxSpiIntId = 1019;
    /// <summary>GICv2: the highest-priority pending interrupt is Group 1 and GICC_CTLR.AckCtl is 0.</summary>
    public const int SpuriousGroup1 = 1022;
    /// <summary>No interrupt to acknowledge.</summary>
    public const int Spurious = 1023;
    /// <summary>Physical timer PPI (CNTP, non-secure EL1) on the virt board.</summary>
    public const int PhysicalTimerPpi = 30;
    /// <summary>Virtual timer PPI (CNTV) on the virt board.</summary>
    public const int VirtualTimerPpi = 27;
    /// <summary>The PMU's overflow interrupt on the virt board (QEMU's VIRTUAL_PMU_IRQ 7: INTID 23).</summary>
    public const int PmuPpi = 23;
    /// <summary>SPIs of the 'virt' board's GIC: 256 INTIDs in all, as QEMU's (NUM_IRQS).</summary>
    public const int VirtBoardSpiCount = 224;
}

/// <summary>Distributor register offsets (IHI 0048B §4.1.2 for GICv2, IHI 0069 §12.8 for GICv3).</summary>
public static class GicDistributorRegisters
{
    /// <summary>GICD_CTLR.</summary>
    public const ulong Ctlr = 0x000;
    /// <summary>GICD_TYPER.</summary>
    public const ulong Typer = 0x004;
    /// <summary>GICD_IIDR.</summary>
    public const ulong Iidr = 0x008;
    /// <summary>GICD_TYPER2 (v3).</summary>
    public const ulong Typer2 = 0x00C;
    /// <summary>GICD_IGROUPRn.</summary>
    public const ulong IGroupR = 0x080;
    /// <summary>GICD_ISENABLERn.</summary>
    public const ulong ISEnableR = 0x100;
    /// <summary>GICD_ICENABLERn.</summary>
    public const ulong ICEnableR = 0x180;
    /// <summary>GICD_ISPENDRn.</summary>
    public const ulong ISPendR = 0x200;
    /// <summary>GICD_ICPENDRn.</summary>
    public const ulong ICPendR = 0x280;
    /// <summary>GICD_ISACTIVERn.</summary>
    public const ulong ISActiveR = 0x300;
    /// <summary>GICD_ICACTIVERn.</summary>
    public const ulong ICActiveR = 0x380;
    /// <summary>GICD_IPRIORITYRn (byte-accessible).</summary>
    public const ulong IPriorityR = 0x400;
    /// <summary>GICD_ITARGETSRn (v2, byte-accessible).</summary>
    public const ulong ITargetsR = 0x800;
    /// <summary>GICD_ICFGRn.</summary>
    public const ulong ICfgR = 0xC00;
    /// <summary>GICD_IGRPMODRn (v3).</summary>
    public const ulong IGrpModR = 0xD00;
    /// <summary>GICD_NSACRn.</summary>
    public const ulong NsacR = 0xE00;
    /// <summary>GICD_SGIR (v2).</summary>
    public const ulong SgiR = 0xF00;
    /// <summary>GICD_CPENDSGIRn (v2, byte-accessible).</summary>
    public const ulong CPendSgiR = 0xF10;
    /// <summary>GICD_SPENDSGIRn (v2, byte-accessible).</summary>
    public const ulong SPendSgiR = 0xF20;
    /// <summary>GICD_IROUTERn (v3, 64-bit, n ≥ 32 at 0x6000 + 8n).</summary>
    public const ulong IRouterR = 0x6000;
    /// <summary>First identification register of a GICv2 distributor (GICD_PIDR4).</summary>
    public const ulong V2IdBase = 0xFD0;
    /// <summary>GICD_PIDR2 of a GICv2 distributor: ArchRev in bits [7:4].</summary>
    public const ulong V2Pidr2 = 0xFE8;
    /// <summary>First identification register of a GICv3 distributor or redistributor.</summary>
    public const ulong V3IdBase = 0xFFD0;
    /// <summary>GICD_PIDR2 / GICR_PIDR2 of GICv3: ArchRev in bits [7:4].</summary>
    public const ulong V3Pidr2 = 0xFFE8;
}

/// <summary>GICv2 CPU interface register offsets (IHI 0048B §4.1.3).</summary>
public static class GicCpuInterfaceRegisters
{
    /// <summary>GICC_CTLR.</summary>
    public const ulong Ctlr = 0x00;
    /// <summary>GICC_PMR.</summary>
    public const ulong Pmr = 0x04;
    /// <summary>GICC_BPR.</summary>
    public const ulong Bpr = 0x08;
    /// <summary>GICC_IAR.</summary>
    public const ulong Iar = 0x0C;
    /// <summary>GICC_EOIR.</summary>
    public const ulong Eoir = 0x10;
    /// <summary>GICC_RPR.</summary>
    public const ulong Rpr = 0x14;
    /// <summary>GICC_HPPIR.</summary>
    public const ulong Hppir = 0x18;
    /// <summary>GICC_ABPR.</summary>
    public const ulong Abpr = 0x1C;
    /// <summary>GICC_AIAR.</summary>
    public const ulong Aiar = 0x20;
    /// <summary>GICC_AEOIR.</summary>
    public const ulong Aeoir = 0x24;
    /// <summary>GICC_AHPPIR.</summary>
    public const ulong Ahppir = 0x28;
    /// <summary>GICC_APR0.</summary>
    public const ulong Apr0 = 0xD0;
    /// <summary>GICC_IIDR.</summary>
    public const ulong Iidr = 0xFC;
    /// <summary>GICC_DIR.</summary>
    public const ulong Dir = 0x1000;
}

/// <summary>GICv3 redistributor register offsets (IHI 0069 §12.10), relative to the CPU's RD_base.</summary>
public static class GicRedistributorRegisters
{
    /// <summary>Size of one redistributor: RD_base and SGI_base frames, 64 KiB each.</summary>
    public const ulong FrameSize = 0x20000;
    /// <summary>Offset of the SGI_base frame from RD_base.</summary>
    public const ulong SgiBase = 0x10000;
    /// <summary>GICR_CTLR.</summary>
    public const ulong Ctlr = 0x0000;
    /// <summary>GICR_IIDR.</summary>
    public const ulong Iidr = 0x0004;
    /// <summary>GICR_TYPER (64-bit).</summary>
    public const ulong Typer = 0x0008;
    /// <summary>GICR_STATUSR.</summary>
    public const ulong StatusR = 0x0010;
    /// <summary>GICR_WAKER.</summary>
    public const ulong Waker = 0x0014;
    /// <summary>GICR_IGROUPR0 (SGI_base).</summary>
    public const ulong IGroupR0 = SgiBase + 0x080;
    /// <summary>GICR_ISENABLER0 (SGI_base).</summary>
    public const ulong ISEnableR0 = SgiBase + 0x100;
    /// <summary>GICR_ICENABLER0 (SGI_base).</summary>
    public const ulong ICEnableR0 = SgiBase + 0x180;
    /// <summary>GICR_ISPENDR0 (SGI_base).</summary>
    public const ulong ISPendR0 = SgiBase + 0x200;
    /// <summary>GICR_ICPENDR0 (SGI_base).</summary>
    public const ulong ICPendR0 = SgiBase + 0x280;
    /// <summary>GICR_ISACTIVER0 (SGI_base).</summary>
    public const ulong ISActiveR0 = SgiBase + 0x300;
    /// <summary>GICR_ICACTIVER0 (SGI_base).</summary>
    public const ulong ICActiveR0 = SgiBase + 0x380;
    /// <summary>GICR_IPRIORITYR0–7 (SGI_base, byte-accessible).</summary>
    public const ulong IPriorityR = SgiBase + 0x400;
    /// <summary>GICR_ICFGR0 (SGIs, SGI_base).</summary>
    public const ulong ICfgR0 = SgiBase + 0xC00;
    /// <summary>GICR_ICFGR1 (PPIs, SGI_base).</summary>
    public const ulong ICfgR1 = SgiBase + 0xC04;
    /// <summary>GICR_IGRPMODR0 (SGI_base).</summary>
    public const ulong IGrpModR0 = SgiBase + 0xD00;
    /// <summary>GICR_NSACR (SGI_base).</summary>
    public const ulong NsacR = SgiBase + 0xE00;
}

/// <summary>
/// GICv3 CPU interface system registers by their 16-bit MRS/MSR encoding <c>op0:op1:CRn:CRm:op2</c>
/// (the same key the decoder's system register table uses).
/// </summary>
public enum IccRegister : ushort
{
    /// <summary>ICC_PMR_EL1 (S3_0_C4_C6_0).</summary>
    Pmr = 0xC230,
    /// <summary>ICC_IAR0_EL1 (Group 0 is not implemented: reads 1023).</summary>
    Iar0 = 0xC640,
    /// <summary>ICC_EOIR0_EL1 (ignored).</summary>
    Eoir0 = 0xC641,
    /// <summary>ICC_HPPIR0_EL1 (reads 1023).</summary>
    Hppir0 = 0xC642,
    /// <summary>ICC_BPR0_EL1.</summary>
    Bpr0 = 0xC643,
    /// <summary>ICC_AP0R0_EL1 (RAZ/WI).</summary>
    Ap0r0 = 0xC644,
    /// <summary>ICC_AP1R0_EL1: active Group 1 priorities, one bit per priority level.</summary>
    Ap1r0 = 0xC648,
    /// <summary>ICC_DIR_EL1 (S3_0_C12_C11_1).</summary>
    Dir = 0xC659,
    /// <summary>ICC_RPR_EL1.</summary>
    Rpr = 0xC65B,
    /// <summary>ICC_SGI1R_EL1.</summary>
    Sgi1r = 0xC65D,
    /// <summary>ICC_ASGI1R_EL1 (Group 0 / other security state: ignored).</summary>
    Asgi1r = 0xC65E,
    /// <summary>ICC_SGI0R_EL1 (Group 0 SGIs: ignored).</summary>
    Sgi0r = 0xC65F,
    /// <summary>ICC_IAR1_EL1 (S3_0_C12_C12_0).</summary>
    Iar1 = 0xC660,
    /// <summary>ICC_EOIR1_EL1.</summary>
    Eoir1 = 0xC661,
    /// <summary>ICC_HPPIR1_EL1.</summary>
    Hppir1 = 0xC662,
    /// <summary>ICC_BPR1_EL1.</summary>
    Bpr1 = 0xC663,
    /// <summary>ICC_CTLR_EL1.</summary>
    Ctlr = 0xC664,
    /// <summary>ICC_SRE_EL1.</summary>
    Sre = 0xC665,
    /// <summary>ICC_IGRPEN0_EL1 (RAZ/WI).</summary>
    Igrpen0 = 0xC666,
    /// <summary>ICC_IGRPEN1_EL1.</summary>
    Igrpen1 = 0xC667,
}

namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// One CPU's GICv3 CPU interface: the ICC_*_EL1 system registers as C# calls, for the MRS/MSR
/// lowering to reach (by name, or by encoding through <see cref="TryRead"/> / <see cref="TryWrite"/>).
/// Obtained from <see cref="GicV3.CpuInterface"/>. Group 1 only; see <see cref="GicV3"/>.
/// </summary>
/// <remarks>Every call takes the GIC's lock; any thread may call, though the architecture only
/// has the owning CPU do so.</remarks>
public sealed class GicV3CpuInterface
{
    /// <summary>ICC_SRE_EL1: SRE, DFB and DIB all RAO/WI — the system-register interface is the only one.</summary>
    public const ulong SreValue = 0x7;

    /// <summary>ICC_CTLR_EL1 read-only fields: PRIbits [10:8] = 4 (5 bits), IDbits [13:11] = 0 (16 bits), A3V [15] = 1.</summary>
    public const ulong CtlrFixedBits = (GicCore.PriorityBits - 1) << 8 | 1UL << 15;

    private readonly GicCore _core;

    internal GicV3CpuInterface(GicCore core, int cpu)
    {
        _core = core;
        Cpu = cpu;
    }

    /// <summary>The CPU this interface belongs to.</summary>
    public int Cpu { get; }

    /// <summary>ICC_IAR1_EL1: acknowledges the highest-priority pending Group 1 interrupt that may be signalled, or returns 1023.</summary>
    public ulong ReadIar1()
    {
        lock (_core.Gate)
            return (ulong)_core.Acknowledge(Cpu);
    }

    /// <summary>ICC_EOIR1_EL1: priority drop, and deactivation when ICC_CTLR_EL1.EOImode is 0.</summary>
    public void WriteEoir1(ulong value)
    {
        lock (_core.Gate)
            _core.EndOfInterrupt(Cpu, (int)(value & 0xFF_FFFF), split: (_core.CpuAt(Cpu).Control & GicCore.CpuEoiModeV3) != 0);
    }

    /// <summary>ICC_DIR_EL1: deactivates an interrupt (used with EOImode 1).</summary>
    public void WriteDir(ulong value)
    {
        lock (_core.Gate)
            _core.Deactivate(Cpu, (int)(value & 0xFF_FFFF));
    }

    /// <summary>ICC_HPPIR1_EL1: the highest-priority pending Group 1 interrupt, regardless of the priority mask and running priority, or 1023.</summary>
    public ulong ReadHppir1()
    {
        lock (_core.Gate)
        {
            int id = _core.HighestPending(Cpu);
            return id >= 0 && _core.IsGroup1(Cpu, id) ? (ulong)id : GicIntIds.Spurious;
        }
    }

    /// <summary>ICC_RPR_EL1: the running priority, 0xFF when idle.</summary>
    public ulong ReadRpr()
    {
        lock (_core.Gate)
            return (ulong)_core.RunningPriority(Cpu);
    }

    /// <summary>ICC_PMR_EL1.</summary>
    public ulong ReadPmr()
    {
        lock (_core.Gate)
            return _core.CpuAt(Cpu).PriorityMask;
    }

    /// <summary>ICC_PMR_EL1: bits [2:0] are not implemented.</summary>
    public void WritePmr(ulong value)
    {
        lock (_core.Gate)
        {
            _core.CpuAt(Cpu).PriorityMask = (byte)(value & GicCore.PriorityFieldMask);
            _core.Update();
        }
    }

    /// <summary>ICC_BPR0_EL1.</summary>
    public ulong ReadBpr0()
    {
        lock (_core.Gate)
            return _core.CpuAt(Cpu).BinaryPoint0;
    }

    /// <summary>ICC_BPR0_EL1: values below the minimum (2) read back as the minimum.</summary>
    public void WriteBpr0(ulong value)
    {
        lock (_core.Gate)
        {
            _core.CpuAt(Cpu).BinaryPoint0 = (byte)Math.Max(value & 7, GicCore.MinBinaryPoint0);
            _core.Update();
        }
    }

    /// <summary>ICC_BPR1_EL1.</summary>
    public ulong ReadBpr1()
    {
        lock (_core.Gate)
            return _core.CpuAt(Cpu).BinaryPoint1;
    }

    /// <summary>ICC_BPR1_EL1: values below the minimum (3) read back as the minimum.</summary>
    public void WriteBpr1(ulong value)
    {
        lock (_core.Gate)
        {
            _core.CpuAt(Cpu).BinaryPoint1 = (byte)Math.Max(value & 7, GicCore.MinBinaryPoint1);
            _core.Update();
        }
    }

    /// <summary>ICC_CTLR_EL1.</summary>
    public ulong ReadCtlr()
    {
        lock (_core.Gate)
            return _core.CpuAt(Cpu).Control | CtlrFixedBits;
    }

    /// <summary>ICC_CTLR_EL1: only EOImode (bit 1) is writable.</summary>
    public void WriteCtlr(ulong value)
    {
        lock (_core.Gate)
            _core.CpuAt(Cpu).Control = (uint)(value & GicCore.CpuEoiModeV3);
    }

    /// <summary>ICC_IGRPEN1_EL1.</summary>
    public ulong ReadIgrpen1()
    {
        lock (_core.Gate)
            return _core.CpuAt(Cpu).Group1Enabled ? 1UL : 0UL;
    }

    /// <summary>ICC_IGRPEN1_EL1: bit 0 enables Group 1 at this CPU interface.</summary>
    public void WriteIgrpen1(ulong value)
    {
        lock (_core.Gate)
        {
            _core.CpuAt(Cpu).Group1Enabled = (value & 1) != 0;
            _core.Update();
        }
    }

    /// <summary>ICC_AP1R0_EL1: the active priorities, bit n for group priority n × 8.</summary>
    public ulong ReadAp1r0()
    {
        lock (_core.Gate)
            return _core.CpuAt(Cpu).ActivePriorities;
    }

    /// <summary>ICC_AP1R0_EL1 (for context restore).</summary>
    public void WriteAp1r0(ulong value)
    {
        lock (_core.Gate)
        {
            _core.CpuAt(Cpu).ActivePriorities = (uint)value;
            _core.Update();
        }
    }

    /// <summary>
    /// ICC_SGI1R_EL1 (IHI 0069, ICC_SGI1R_EL1): INTID [27:24]; with IRM [40] = 1 every CPU but
    /// this one, otherwise the CPUs with affinity Aff3 [55:48] . Aff2 [39:32] . Aff1 [23:16] .
    /// (RS [47:44] × 16 + n) for each bit n of TargetList [15:0].
    /// </summary>
    public void WriteSgi1r(ulong value)
    {
        int sgi = (int)(value >> 24 & 0xF);
        lock (_core.Gate)
        {
            if ((value >> 40 & 1) != 0)
            {
                for (int c = 0; c < _core.CpuCount; c++)
                    if (c != Cpu)
                        _core.SendSgi(Cpu, c, sgi);
            }
            else if ((value >> 16 & 0xFF) == 0 && (value >> 32 & 0xFF) == 0 && (value >> 48 & 0xFF) == 0)
            {
                int first = (int)(value >> 44 & 0xF) * 16;
                for (int n = 0; n < 16; n++)
                    if ((value & (1UL << n)) != 0 && first + n < _core.CpuCount)
                        _core.SendSgi(Cpu, first + n, sgi);
            }
            _core.Update();
        }
    }

    /// <summary>Reads an ICC register by encoding. False for encodings that are not ICC registers or are write-only.</summary>
    public bool TryRead(IccRegister register, out ulong value)
    {
        switch (register)
        {
            case IccRegister.Pmr: value = ReadPmr(); return true;
            case IccRegister.Iar1: value = ReadIar1(); return true;
            case IccRegister.Hppir1: value = ReadHppir1(); return true;
            case IccRegister.Rpr: value = ReadRpr(); return true;
            case IccRegister.Bpr0: value = ReadBpr0(); return true;
            case IccRegister.Bpr1: value = ReadBpr1(); return true;
            case IccRegister.Ctlr: value = ReadCtlr(); return true;
            case IccRegister.Sre: value = SreValue; return true;
            case IccRegister.Igrpen1: value = ReadIgrpen1(); return true;
            case IccRegister.Ap1r0: value = ReadAp1r0(); return true;
            case IccRegister.Iar0 or IccRegister.Hppir0: value = GicIntIds.Spurious; return true;   // no Group 0
            case IccRegister.Igrpen0 or IccRegister.Ap0r0: value = 0; return true;
            default: value = 0; return false;
        }
    }

    /// <summary>Writes an ICC register by encoding. False for encodings that are not ICC registers or are read-only.</summary>
    public bool TryWrite(IccRegister register, ulong value)
    {
        switch (register)
        {
            case IccRegister.Pmr: WritePmr(value); return true;
            case IccRegister.Eoir1: WriteEoir1(value); return true;
            case IccRegister.Dir: WriteDir(value); return true;
            case IccRegister.Bpr0: WriteBpr0(value); return true;
            case IccRegister.Bpr1: WriteBpr1(value); return true;
            case IccRegister.Ctlr: WriteCtlr(value); return true;
            case IccRegister.Igrpen1: WriteIgrpen1(value); return true;
            case IccRegister.Sgi1r: WriteSgi1r(value); return true;
            case IccRegister.Ap1r0: WriteAp1r0(value); return true;
            case IccRegister.Sre or IccRegister.Eoir0 or IccRegister.Sgi0r or IccRegister.Asgi1r
                or IccRegister.Igrpen0 or IccRegister.Ap0r0:
                return true;   // RAO/WI or Group 0 / other security state: ignored
            default:
                return false;
        }
    }
}

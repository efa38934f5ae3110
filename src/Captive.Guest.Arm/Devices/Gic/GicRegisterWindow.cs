using Captive.Core.Devices;

namespace Captive.Guest.Arm.Devices.Gic;

/// <summary>
/// Turns guest accesses of any size and alignment into the 32-bit register reads and writes of a
/// GIC register frame, under the GIC's lock. GIC registers are word-accessible; the priority,
/// target and SGI-pending arrays are also byte-accessible (IHI 0048B §4.1.4, IHI 0069 §12.1.3)
/// and 64-bit registers (IROUTER, GICR_TYPER) are two words.
/// </summary>
internal abstract class GicRegisterWindow(GicCore core, string name, ulong size) : ICpuBankedMmioDevice
{
    protected GicCore Core { get; } = core;

    public string Name { get; } = name;

    /// <summary>Whether the byte at <paramref name="offset"/> belongs to a byte-accessible register.</summary>
    protected virtual bool IsByteAccessible(ulong offset) => false;

    /// <summary>Whether reads of this size at this offset are honoured (false: read as zero). Registers with read side effects refuse partial accesses.</summary>
    protected virtual bool AcceptsRead(ulong offset, int size) => true;

    protected abstract uint ReadWord(int cpu, ulong offset);

    protected abstract void WriteWord(int cpu, ulong offset, uint value);

    protected virtual byte ReadByte(int cpu, ulong offset) => 0;

    protected virtual void WriteByte(int cpu, ulong offset, byte value) { }

    public void Read(int cpu, ulong offset, Span<byte> data)
    {
        data.Clear();
        if (data.IsEmpty || (uint)cpu >= (uint)Core.CpuCount || offset >= size || size - offset < (ulong)data.Length
            || !AcceptsRead(offset, data.Length))
            return;
        lock (Core.Gate)
        {
            int i = 0;
            while (i < data.Length)
            {
                ulong at = offset + (ulong)i;
                ulong word = at & ~3UL;
                uint value = IsByteAccessible(word)
                    ? (uint)(ReadByte(cpu, word) | ReadByte(cpu, word + 1) << 8 | ReadByte(cpu, word + 2) << 16 | ReadByte(cpu, word + 3) << 24)
                    : ReadWord(cpu, word);
                for (int b = (int)(at & 3); b < 4 && i < data.Length; b++)
                    data[i++] = (byte)(value >> (8 * b));
            }
        }
    }

    public void Write(int cpu, ulong offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || (uint)cpu >= (uint)Core.CpuCount || offset >= size || size - offset < (ulong)data.Length)
            return;
        lock (Core.Gate)
        {
            if (IsByteAccessible(offset & ~3UL))
            {
                for (int i = 0; i < data.Length; i++)
                    if (IsByteAccessible((offset + (ulong)i) & ~3UL))
                        WriteByte(cpu, offset + (ulong)i, data[i]);
                Core.Update();
                return;
            }
            // Word registers: aligned 32- or 64-bit writes only; anything else is ignored.
            if ((offset & 3) != 0 || (data.Length != 4 && data.Length != 8))
                return;
            for (int i = 0; i < data.Length; i += 4)
                WriteWord(cpu, offset + (ulong)i, (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24));
            Core.Update();
        }
    }

    /// <summary>An <see cref="IMmioDevice"/> that is this window as seen by one CPU.</summary>
    public IMmioDevice ViewFor(int cpu) => new CpuView(this, cpu);

    private sealed class CpuView(GicRegisterWindow window, int cpu) : IMmioDevice
    {
        public string Name => window.Name;
        public void Read(ulong offset, Span<byte> data) => window.Read(cpu, offset, data);
        public void Write(ulong offset, ReadOnlySpan<byte> data) => window.Write(cpu, offset, data);
    }

    // ---- Helpers for the bit-per-interrupt and two-bits-per-interrupt arrays ----

    protected uint ReadBits(int cpu, int firstIntId, Func<int, int, bool> test)
    {
        uint value = 0;
        for (int i = 0; i < 32; i++)
        {
            int intId = firstIntId + i;
            if (Core.IsImplemented(intId) && test(cpu, intId))
                value |= 1u << i;
        }
        return value;
    }

    protected void WriteBits(int cpu, int firstIntId, uint value, Action<int, int> apply)
    {
        for (int i = 0; i < 32; i++)
        {
            int intId = firstIntId + i;
            if ((value & (1u << i)) != 0 && Core.IsImplemented(intId))
                apply(cpu, intId);
        }
    }

    protected uint ReadConfig(int cpu, int firstIntId)
    {
        uint value = 0;
        for (int i = 0; i < 16; i++)
            if (Core.IsImplemented(firstIntId + i))
                value |= Core.GetConfig(cpu, firstIntId + i) << (2 * i);
        return value;
    }

    protected void WriteConfig(int cpu, int firstIntId, uint value)
    {
        for (int i = 0; i < 16; i++)
            if (Core.IsImplemented(firstIntId + i))
                Core.SetConfig(cpu, firstIntId + i, (value >> (2 * i)) & 3);
    }

    /// <summary>The common part of a distributor or SGI_base frame: the bit arrays at 0x080–0x3FF and ICFGR at 0xC00.</summary>
    /// <returns>True when <paramref name="offset"/> was one of them.</returns>
    protected bool TryReadInterruptArrays(int cpu, ulong offset, int intIdBase, out uint value)
    {
        int first = intIdBase + (int)(offset & 0x7F) * 8;
        switch (offset)
        {
            case >= GicDistributorRegisters.IGroupR and < GicDistributorRegisters.ISEnableR:
                value = ReadBits(cpu, first, Core.IsGroup1);
                return true;
            case >= GicDistributorRegisters.ISEnableR and < GicDistributorRegisters.ISPendR:
                value = ReadBits(cpu, first, Core.IsEnabled);
                return true;
            case >= GicDistributorRegisters.ISPendR and < GicDistributorRegisters.ISActiveR:
                value = ReadBits(cpu, first, Core.IsPending);
                return true;
            case >= GicDistributorRegisters.ISActiveR and < GicDistributorRegisters.IPriorityR:
                value = ReadBits(cpu, first, Core.IsActive);
                return true;
            case >= GicDistributorRegisters.ICfgR and < GicDistributorRegisters.IGrpModR:
                value = ReadConfig(cpu, intIdBase + (int)(offset - GicDistributorRegisters.ICfgR) * 4);
                return true;
            default:
                value = 0;
                return false;
        }
    }

    protected bool TryWriteInterruptArrays(int cpu, ulong offset, int intIdBase, uint value)
    {
        int first = intIdBase + (int)(offset & 0x7F) * 8;
        switch (offset)
        {
            case >= GicDistributorRegisters.IGroupR and < GicDistributorRegisters.ISEnableR:
                for (int i = 0; i < 32; i++)
                    if (Core.IsImplemented(first + i))
                        Core.SetGroup1(cpu, first + i, (value & (1u << i)) != 0);
                return true;
            case >= GicDistributorRegisters.ISEnableR and < GicDistributorRegisters.ICEnableR:
                WriteBits(cpu, first, value, (c, id) => Core.SetEnabled(c, id, true));
                return true;
            case >= GicDistributorRegisters.ICEnableR and < GicDistributorRegisters.ISPendR:
                WriteBits(cpu, first, value, (c, id) => Core.SetEnabled(c, id, false));
                return true;
            case >= GicDistributorRegisters.ISPendR and < GicDistributorRegisters.ICPendR:
                WriteBits(cpu, first, value, Core.SetPendingLatch);
                return true;
            case >= GicDistributorRegisters.ICPendR and < GicDistributorRegisters.ISActiveR:
                WriteBits(cpu, first, value, Core.ClearPendingLatch);
                return true;
            case >= GicDistributorRegisters.ISActiveR and < GicDistributorRegisters.ICActiveR:
                WriteBits(cpu, first, value, (c, id) => Core.SetActive(c, id, true));
                return true;
            case >= GicDistributorRegisters.ICActiveR and < GicDistributorRegisters.IPriorityR:
                WriteBits(cpu, first, value, (c, id) => Core.SetActive(c, id, false));
                return true;
            case >= GicDistributorRegisters.ICfgR and < GicDistributorRegisters.IGrpModR:
                WriteConfig(cpu, intIdBase + (int)(offset - GicDistributorRegisters.ICfgR) * 4, value);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Reads the PIDR/CIDR block of 12 words starting at <paramref name="idBase"/>.</summary>
    protected static uint ReadId(ReadOnlySpan<byte> ids, ulong offset, ulong idBase)
    {
        ulong index = (offset - idBase) / 4;
        return index < (ulong)ids.Length ? ids[(int)index] : 0u;
    }
}

using System.Buffers.Binary;
using Captive.Core.Devices;
using Captive.Core.Interpreter;
using Captive.Core.IR;
using Captive.Core.Memory;

namespace Captive.Core.Execution;

/// <summary>
/// Guest-physical memory as host code sees it: RAM through the memory virtualizer, everything else
/// through the device bus, and nothing else. Used by the interpreter, by host-side interpretation
/// of blocks the code generator cannot compile yet, and for instruction fetch by the front end.
/// </summary>
internal sealed unsafe class PhysicalMemoryAccess : IGuestMemoryAccess, IInstructionFetcher
{
    private readonly IMemoryVirtualizer _memory;
    private readonly IDeviceBus _bus;
    private readonly Func<ulong> _counter;
    private readonly byte* _ram;
    private readonly ulong _base, _size;

    public PhysicalMemoryAccess(IMemoryVirtualizer memory, IDeviceBus bus, Func<ulong> counter)
    {
        _memory = memory; _bus = bus; _counter = counter;
        _ram = (byte*)memory.RamHostAddress;
        _base = memory.RamBase.Value;
        _size = memory.RamSize;
    }

    private byte* InRam(ulong address, int size)
    {
        ulong off = address - _base;
        return address >= _base && off <= _size - (ulong)size ? _ram + off : null;
    }

    public bool TryFetch(ulong address, out uint word)
    {
        word = 0;
        if ((address & 3) != 0) return false;
        byte* p = InRam(address, 4);
        if (p == null) return false;
        word = *(uint*)p;
        return true;
    }

    public ulong Read(ulong address, int size)
    {
        byte* p = InRam(address, size);
        if (p != null) return size switch { 1 => *p, 2 => *(ushort*)p, 4 => *(uint*)p, _ => *(ulong*)p };
        Span<byte> data = stackalloc byte[8];
        data.Clear();
        if (!_bus.TryRead(new GuestPhysicalAddress(address), data[..size]))
            throw new GuestMemoryFault(address, size, write: false);
        return BinaryPrimitives.ReadUInt64LittleEndian(data);
    }

    public void Write(ulong address, int size, ulong value)
    {
        byte* p = InRam(address, size);
        if (p != null)
        {
            switch (size) { case 1: *p = (byte)value; break; case 2: *(ushort*)p = (ushort)value; break; case 4: *(uint*)p = (uint)value; break; default: *(ulong*)p = value; break; }
            return;
        }
        Span<byte> data = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(data, value);
        if (!_bus.TryWrite(new GuestPhysicalAddress(address), data[..size]))
            throw new GuestMemoryFault(address, size, write: true);
    }

    public ulong ReadCounter() => _counter();

    /// <summary>The memory virtualizer behind this view.</summary>
    public IMemoryVirtualizer Memory => _memory;
}

using System.Buffers.Binary;
using Captive.Core.Backends;

namespace Captive.Backends.Kvm.Tests.Infrastructure;

/// <summary>
/// A copy of a <see cref="VcpuExit"/> that outlives the run, comparable by value. <see cref="Value"/>
/// is the little-endian data of a write exit (0 for reads, which the test supplies).
/// </summary>
public readonly record struct ExitRecord(VcpuExitKind Kind, ulong Address = 0, int Size = 0, ulong Value = 0)
{
    public static ExitRecord Halt => new(VcpuExitKind.Halt);

    public static ExitRecord Cancelled => new(VcpuExitKind.Cancelled);

    public static ExitRecord IoOut(ushort port, int size, ulong value) => new(VcpuExitKind.IoOut, port, size, value);

    public static ExitRecord IoIn(ushort port, int size) => new(VcpuExitKind.IoIn, port, size);

    public static ExitRecord MmioWrite(ulong address, int size, ulong value) => new(VcpuExitKind.MmioWrite, address, size, value);

    public static ExitRecord MmioRead(ulong address, int size) => new(VcpuExitKind.MmioRead, address, size);

    public static ExitRecord From(VcpuExit exit)
    {
        bool write = exit.Kind is VcpuExitKind.IoOut or VcpuExitKind.MmioWrite;
        ulong value = 0;
        if (write)
        {
            Span<byte> padded = stackalloc byte[8];
            exit.Data[..Math.Min(8, exit.Data.Length)].CopyTo(padded);
            value = BinaryPrimitives.ReadUInt64LittleEndian(padded);
        }

        return exit.Kind switch
        {
            VcpuExitKind.IoIn or VcpuExitKind.IoOut or VcpuExitKind.MmioRead or VcpuExitKind.MmioWrite
                => new ExitRecord(exit.Kind, exit.Address, exit.Data.Length, value),
            VcpuExitKind.FailEntry or VcpuExitKind.InternalError or VcpuExitKind.Unknown
                => new ExitRecord(exit.Kind, exit.HardwareReason, (int)exit.Suberror),
            _ => new ExitRecord(exit.Kind),
        };
    }
}

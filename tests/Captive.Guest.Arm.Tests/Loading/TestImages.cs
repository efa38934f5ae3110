using System.Buffers.Binary;
using System.IO.Compression;
using Xunit;

namespace Captive.Guest.Arm.Tests.Loading;

/// <summary>Hand-built kernel files: ELF64 with chosen program headers, Linux Image headers.</summary>
internal static class TestImages
{
    public sealed record Segment(ulong PhysicalAddress, byte[] Data, ulong MemorySize, uint Type = 1, uint Flags = 5, ulong? VirtualAddress = null);

    /// <summary>An ELF64 file: 64-byte header, program headers at 64, segment data after them.</summary>
    public static byte[] Elf(ulong entry, params Segment[] segments) => Elf(entry, segments, _ => { });

    public static byte[] Elf(ulong entry, Segment[] segments, Action<byte[]> patch)
    {
        const int headerSize = 64, phSize = 56;
        int dataStart = headerSize + phSize * segments.Length;
        var file = new byte[dataStart + segments.Sum(s => s.Data.Length)];
        var s = file.AsSpan();
        s[0] = 0x7F; s[1] = (byte)'E'; s[2] = (byte)'L'; s[3] = (byte)'F';
        s[4] = 2;    // ELFCLASS64
        s[5] = 1;    // ELFDATA2LSB
        s[6] = 1;    // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 2);          // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 183);        // EM_AARCH64
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], entry);
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], headerSize); // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], headerSize); // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], phSize);
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], (ushort)segments.Length);

        int offset = dataStart;
        for (int i = 0; i < segments.Length; i++)
        {
            var seg = segments[i];
            var ph = s.Slice(headerSize + i * phSize, phSize);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, seg.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], seg.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], seg.VirtualAddress ?? seg.PhysicalAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], seg.PhysicalAddress);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)seg.Data.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], seg.MemorySize);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
            seg.Data.CopyTo(s[offset..]);
            offset += seg.Data.Length;
        }
        patch(file);
        return file;
    }

    /// <summary>Offset of program header <paramref name="index"/>'s field at <paramref name="field"/> (8 = p_offset, 24 = p_paddr, 32 = p_filesz, 40 = p_memsz).</summary>
    public static int ProgramHeaderField(int index, int field) => 64 + 56 * index + field;

    /// <summary>A Linux arm64 Image: the 64-byte header, then <paramref name="bodyLength"/> bytes of 0xAB.</summary>
    public static byte[] LinuxImage(ulong textOffset, ulong imageSize, ulong flags = 0b1010, int bodyLength = 0x1000)
    {
        var file = new byte[64 + bodyLength];
        var s = file.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s, 0x91005A4D);               // code0 ("MZ" + add, as the EFI stub has)
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], 0x14000000);          // code1: b .
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], textOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], imageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], flags);
        s[0x38] = (byte)'A'; s[0x39] = (byte)'R'; s[0x3A] = (byte)'M'; s[0x3B] = 0x64;
        s[64..].Fill(0xAB);
        return file;
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }
}

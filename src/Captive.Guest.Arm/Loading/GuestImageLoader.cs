using System.Buffers.Binary;
using System.IO.Compression;
using Captive.Core.Memory;

namespace Captive.Guest.Arm.Loading;

/// <summary>
/// Loads a kernel file into guest RAM the way QEMU's <c>-kernel</c> does on 'virt':
/// <list type="bullet">
/// <item>ELF64 little-endian AArch64 (EM_AARCH64 = 183): every PT_LOAD segment at its physical
/// address (p_paddr); p_filesz bytes copied, the rest of p_memsz zeroed; entry from e_entry
/// (translated from virtual to physical when it lies in an executable segment whose virtual and
/// physical addresses differ, as for a vmlinux).</item>
/// <item>Linux arm64 Image (magic "ARM\x64" at offset 0x38, Documentation/arch/arm64/booting.rst),
/// optionally gzip-compressed as distributions ship it: at the first 2 MiB-aligned RAM address +
/// text_offset, image_size bytes reserved; entry at the load address.</item>
/// <item>Anything else: raw bytes at RAM base + 0x80000, entry there.</item>
/// </list>
/// </summary>
/// <remarks>
/// The file is validated and every placement checked against RAM before the first byte is
/// written, so a <see cref="GuestImageException"/> leaves RAM untouched.
/// </remarks>
public static class GuestImageLoader
{
    /// <summary>Where raw images go, from the RAM base (QEMU's KERNEL64_LOAD_ADDR).</summary>
    public const ulong RawLoadOffset = 0x8_0000;

    /// <summary>Alignment of the base a Linux Image's text_offset is added to.</summary>
    public const ulong LinuxImageBaseAlignment = 2UL << 20;

    /// <summary>text_offset assumed for Images older than Linux 3.17 (image_size = 0).</summary>
    public const ulong LegacyLinuxTextOffset = 0x8_0000;

    /// <summary>Offset of the Linux Image magic.</summary>
    public const int LinuxImageMagicOffset = 0x38;

    /// <summary>"ARM\x64" read as a little-endian 32-bit value.</summary>
    public const uint LinuxImageMagic = 0x644D_5241;

    /// <summary>e_machine of AArch64.</summary>
    public const ushort ElfMachineAArch64 = 183;

    private const int ElfHeaderSize = 64;
    private const int ElfProgramHeaderSize = 56;
    private const int LinuxImageHeaderSize = 64;
    private const ushort ElfTypeExecutable = 2;
    private const ushort ElfTypeShared = 3;
    private const uint ProgramTypeLoad = 1;
    private const uint ProgramFlagExecute = 1;
    private const ushort ProgramHeaderExtendedNumbering = 0xFFFF;

    /// <summary>Identifies a kernel file without loading it.</summary>
    public static GuestImageKind Identify(ReadOnlySpan<byte> file)
    {
        if (IsElf(file))
            return GuestImageKind.Elf;
        if (IsGzip(file) || IsLinuxImage(file))
            return GuestImageKind.LinuxImage;
        return GuestImageKind.Raw;
    }

    /// <summary>Loads <paramref name="file"/> into <paramref name="ram"/>, which is guest RAM starting at <paramref name="ramBase"/>.</summary>
    /// <exception cref="GuestImageException">The file is malformed or does not fit; RAM is unchanged.</exception>
    public static GuestImage Load(ReadOnlySpan<byte> file, GuestPhysicalAddress ramBase, Span<byte> ram)
    {
        var plan = Plan(file, ramBase, (ulong)ram.Length);
        var source = plan.Decompressed is { } d ? d : file;
        foreach (var p in plan.Pieces)
        {
            var target = ram.Slice(checked((int)(p.Address - ramBase.Value)), checked((int)p.MemorySize));
            source.Slice((int)p.FileOffset, (int)p.FileSize).CopyTo(target);
            target[(int)p.FileSize..].Clear();
        }
        return plan.Image;
    }

    /// <summary>
    /// Loads <paramref name="file"/> through <paramref name="write"/> into guest RAM
    /// [<paramref name="ramBase"/>, +<paramref name="ramSize"/>). Zero fill is written explicitly.
    /// </summary>
    /// <exception cref="GuestImageException">The file is malformed or does not fit; nothing was written.</exception>
    public static GuestImage Load(ReadOnlySpan<byte> file, GuestPhysicalAddress ramBase, ulong ramSize, GuestRamWriter write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var plan = Plan(file, ramBase, ramSize);
        var source = plan.Decompressed is { } d ? d : file;
        ReadOnlySpan<byte> zeros = stackalloc byte[4096];
        foreach (var p in plan.Pieces)
        {
            if (p.FileSize != 0)
                write(new GuestPhysicalAddress(p.Address), source.Slice((int)p.FileOffset, (int)p.FileSize));
            for (ulong done = p.FileSize; done < p.MemorySize;)
            {
                int chunk = (int)Math.Min((ulong)zeros.Length, p.MemorySize - done);
                write(new GuestPhysicalAddress(p.Address + done), zeros[..chunk]);
                done += (ulong)chunk;
            }
        }
        return plan.Image;
    }

    // ---- Planning: all validation happens here, before anything is written. ----

    private readonly record struct Piece(ulong Address, ulong FileOffset, ulong FileSize, ulong MemorySize);

    private sealed record LoadPlan(GuestImage Image, Piece[] Pieces, byte[]? Decompressed);

    private static LoadPlan Plan(ReadOnlySpan<byte> file, GuestPhysicalAddress ramBase, ulong ramSize)
    {
        if (ramBase.Value + ramSize < ramBase.Value)
            throw new ArgumentOutOfRangeException(nameof(ramSize), "RAM wraps around the address space.");
        if (file.IsEmpty)
            throw new GuestImageException("The kernel image is empty.");
        if (IsElf(file))
            return PlanElf(file, ramBase, ramSize);
        if (IsGzip(file))
        {
            var image = Gunzip(file, ramSize);
            if (!IsLinuxImage(image))
                throw new GuestImageException("The gzip-compressed kernel does not hold an arm64 Linux Image (no \"ARM\\x64\" magic at 0x38).");
            return PlanLinuxImage(image, ramBase, ramSize) with { Decompressed = image };
        }
        if (IsLinuxImage(file))
            return PlanLinuxImage(file, ramBase, ramSize);
        return PlanFlat(GuestImageKind.Raw, file.Length, (ulong)file.Length, ramBase.Value + RawLoadOffset, ramBase, ramSize, "raw image");
    }

    private static bool IsElf(ReadOnlySpan<byte> file) =>
        file.Length >= 4 && file[0] == 0x7F && file[1] == (byte)'E' && file[2] == (byte)'L' && file[3] == (byte)'F';

    private static bool IsGzip(ReadOnlySpan<byte> file) => file.Length >= 2 && file[0] == 0x1F && file[1] == 0x8B;

    private static bool IsLinuxImage(ReadOnlySpan<byte> file) =>
        file.Length >= LinuxImageHeaderSize && BinaryPrimitives.ReadUInt32LittleEndian(file[LinuxImageMagicOffset..]) == LinuxImageMagic;

    private static LoadPlan PlanElf(ReadOnlySpan<byte> file, GuestPhysicalAddress ramBase, ulong ramSize)
    {
        if (file.Length < 16)
            throw new GuestImageException($"Truncated ELF identification: the file has {file.Length} bytes, e_ident needs 16.");
        switch (file[4])
        {
            case 2: break;
            case 1: throw new GuestImageException("32-bit ELF (ELFCLASS32) is not supported: an AArch64 kernel must be ELFCLASS64.");
            default: throw new GuestImageException($"Invalid ELF class {file[4]} (expected 2, ELFCLASS64).");
        }
        switch (file[5])
        {
            case 1: break;
            case 2: throw new GuestImageException("Big-endian ELF (ELFDATA2MSB) is not supported: the guest runs little-endian.");
            default: throw new GuestImageException($"Invalid ELF data encoding {file[5]} (expected 1, ELFDATA2LSB).");
        }
        if (file[6] != 1)
            throw new GuestImageException($"Unsupported ELF version {file[6]} in e_ident (expected 1).");
        if (file.Length < ElfHeaderSize)
            throw new GuestImageException($"Truncated ELF header: the file has {file.Length} bytes, an ELF64 header needs {ElfHeaderSize}.");

        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(file[16..]);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(file[18..]);
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(file[24..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(file[32..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(file[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(file[56..]);

        if (machine != ElfMachineAArch64)
            throw new GuestImageException($"ELF machine {machine} is not AArch64 (EM_AARCH64 = {ElfMachineAArch64}).");
        if (type == ElfTypeShared)
            throw new GuestImageException("Position-independent ELF (ET_DYN) is not supported: link the kernel at a fixed address (ET_EXEC).");
        if (type != ElfTypeExecutable)
            throw new GuestImageException($"ELF type {type} is not an executable (ET_EXEC = {ElfTypeExecutable}).");
        if (phnum == ProgramHeaderExtendedNumbering)
            throw new GuestImageException("ELF files with extended program header numbering (e_phnum = PN_XNUM) are not supported.");
        if (phnum == 0)
            throw new GuestImageException("The ELF file has no program headers, so nothing to load.");
        if (phentsize < ElfProgramHeaderSize)
            throw new GuestImageException($"ELF program header entry size {phentsize} is smaller than an ELF64 program header ({ElfProgramHeaderSize}).");
        ulong tableSize = (ulong)phnum * phentsize;
        if (phoff > (ulong)file.Length || tableSize > (ulong)file.Length - phoff)
            throw new GuestImageException($"Truncated ELF program header table: {phnum} entries of {phentsize} bytes at offset 0x{phoff:x} run past the end of the file ({file.Length} bytes).");

        ulong ramEnd = ramBase.Value + ramSize;
        var pieces = new List<Piece>();
        ulong? physicalEntry = null, fallbackEntry = null;
        for (int i = 0; i < phnum; i++)
        {
            var ph = file.Slice((int)(phoff + (ulong)i * phentsize), ElfProgramHeaderSize);
            uint ptype = BinaryPrimitives.ReadUInt32LittleEndian(ph);
            if (ptype != ProgramTypeLoad)
                continue;
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            ulong vaddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]);
            ulong paddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[24..]);
            ulong filesz = BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]);
            ulong memsz = BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]);

            if (filesz > memsz)
                throw new GuestImageException($"ELF segment {i}: p_filesz 0x{filesz:x} exceeds p_memsz 0x{memsz:x}.");
            if (memsz == 0)
                continue;
            if (offset > (ulong)file.Length || filesz > (ulong)file.Length - offset)
                throw new GuestImageException($"ELF segment {i}: file data [0x{offset:x}, +0x{filesz:x}) runs past the end of the file ({file.Length} bytes).");
            if (paddr + memsz < paddr)
                throw new GuestImageException($"ELF segment {i}: physical range 0x{paddr:x} + 0x{memsz:x} wraps around the address space.");
            if (paddr < ramBase.Value || paddr + memsz > ramEnd)
                throw new GuestImageException($"ELF segment {i}: physical range [0x{paddr:x}, 0x{paddr + memsz:x}) is outside RAM [0x{ramBase.Value:x}, 0x{ramEnd:x}).");
            pieces.Add(new Piece(paddr, offset, filesz, memsz));

            if (vaddr != paddr && (flags & ProgramFlagExecute) != 0 && entry >= vaddr && entry - vaddr < memsz)
                physicalEntry ??= paddr + (entry - vaddr);
            if (entry >= paddr && entry - paddr < memsz)
                fallbackEntry ??= entry;
        }
        if (pieces.Count == 0)
            throw new GuestImageException("The ELF file has no PT_LOAD segment with a non-zero size.");
        pieces.Sort((a, b) => a.Address.CompareTo(b.Address));
        for (int i = 1; i < pieces.Count; i++)
        {
            if (pieces[i - 1].Address + pieces[i - 1].MemorySize > pieces[i].Address)
                throw new GuestImageException($"ELF segments overlap: [0x{pieces[i - 1].Address:x}, 0x{pieces[i - 1].Address + pieces[i - 1].MemorySize:x}) and [0x{pieces[i].Address:x}, 0x{pieces[i].Address + pieces[i].MemorySize:x}).");
        }
        ulong start = physicalEntry ?? fallbackEntry
            ?? throw new GuestImageException($"The ELF entry point 0x{entry:x} is not inside any loaded segment.");

        var segments = pieces.Select(p => new LoadedSegment(new GuestPhysicalAddress(p.Address), p.FileSize, p.MemorySize)).ToArray();
        var image = new GuestImage(GuestImageKind.Elf, new GuestPhysicalAddress(start),
            segments[0].Address, segments[^1].Range.End, segments);
        return new LoadPlan(image, [.. pieces], null);
    }

    private static LoadPlan PlanLinuxImage(ReadOnlySpan<byte> file, GuestPhysicalAddress ramBase, ulong ramSize)
    {
        ulong textOffset = BinaryPrimitives.ReadUInt64LittleEndian(file[8..]);
        ulong imageSize = BinaryPrimitives.ReadUInt64LittleEndian(file[16..]);
        ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(file[24..]);
        if (imageSize == 0)
        {
            // Before Linux 3.17 the header fields were unspecified; booting.rst says to assume this.
            textOffset = LegacyLinuxTextOffset;
        }
        else if ((flags & 1) != 0)
        {
            throw new GuestImageException("The Linux Image is big-endian (header flags bit 0): the guest runs little-endian.");
        }
        ulong alignedBase = (ramBase.Value + LinuxImageBaseAlignment - 1) & ~(LinuxImageBaseAlignment - 1);
        if (alignedBase < ramBase.Value || textOffset > ulong.MaxValue - alignedBase)
            throw new GuestImageException($"The Linux Image text_offset 0x{textOffset:x} puts the kernel outside the address space.");
        ulong size = Math.Max(imageSize, (ulong)file.Length);
        return PlanFlat(GuestImageKind.LinuxImage, file.Length, size, alignedBase + textOffset, ramBase, ramSize,
            $"Linux Image (text_offset 0x{textOffset:x}, image_size 0x{imageSize:x})");
    }

    private static LoadPlan PlanFlat(GuestImageKind kind, int fileLength, ulong memorySize, ulong address,
        GuestPhysicalAddress ramBase, ulong ramSize, string what)
    {
        ulong ramEnd = ramBase.Value + ramSize;
        if (address < ramBase.Value || address > ramEnd || memorySize > ramEnd - address)
            throw new GuestImageException($"The {what} needs [0x{address:x}, +0x{memorySize:x}), which does not fit in RAM [0x{ramBase.Value:x}, 0x{ramEnd:x}).");
        var piece = new Piece(address, 0, (ulong)fileLength, memorySize);
        var segment = new LoadedSegment(new GuestPhysicalAddress(address), (ulong)fileLength, memorySize);
        var image = new GuestImage(kind, segment.Address, segment.Address, segment.Range.End, [segment]);
        return new LoadPlan(image, [piece], null);
    }

    private static byte[] Gunzip(ReadOnlySpan<byte> file, ulong limit)
    {
        var cap = (long)Math.Min(limit, (ulong)Array.MaxLength);
        try
        {
            using var input = new MemoryStream(file.ToArray(), writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = gzip.Read(buffer)) > 0)
            {
                if (output.Length + n > cap)
                    throw new GuestImageException($"The gzip-compressed kernel expands beyond {cap} bytes, more than fits in RAM.");
                output.Write(buffer, 0, n);
            }
            return output.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new GuestImageException($"The gzip-compressed kernel is corrupt: {ex.Message}", ex);
        }
    }
}

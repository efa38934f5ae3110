using System.Buffers.Binary;
using Captive.Core.Memory;
using Captive.Guest.Arm.Loading;
using static Captive.Guest.Arm.Tests.Loading.TestImages;
using Xunit;

namespace Captive.Guest.Arm.Tests.Loading;

public sealed class GuestImageLoaderTests
{
    private const ulong RamBase = 0x4000_0000;
    private const int RamSize = 4 << 20;
    private static readonly GuestPhysicalAddress Base = new(RamBase);

    private static byte[] FreshRam()
    {
        var ram = new byte[RamSize];
        ram.AsSpan().Fill(0xCC);   // "uninitialised": the loader must zero what it owns
        return ram;
    }

    private static void AssertRejected(byte[] file, string expectedInMessage)
    {
        var ram = FreshRam();
        var ex = Assert.Throws<GuestImageException>(() => GuestImageLoader.Load(file, Base, ram));
        Assert.Contains(expectedInMessage, ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(ram.AsSpan().IndexOfAnyExcept((byte)0xCC) < 0, "RAM was modified by a failed load");
    }

    private static Segment Text => new(RamBase + 0x8_0000, [1, 2, 3, 4, 5, 6, 7, 8], 8);

    // ---- ELF ----

    [Fact]
    public void Elf_segments_are_copied_to_p_paddr_and_the_rest_of_p_memsz_is_zeroed()
    {
        var file = Elf(RamBase + 0x8_0004,
            new Segment(RamBase + 0x8_0000, [1, 2, 3, 4, 5, 6, 7, 8], 8),
            new Segment(RamBase + 0x9_0000, [9, 9], 0x100, Flags: 6));
        var ram = FreshRam();

        var image = GuestImageLoader.Load(file, Base, ram);

        Assert.Equal(GuestImageKind.Elf, image.Kind);
        Assert.Equal(RamBase + 0x8_0004, image.Entry.Value);
        Assert.Equal(RamBase + 0x8_0000, image.LowestAddress.Value);
        Assert.Equal(RamBase + 0x9_0100, image.EndAddress.Value);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], ram.AsSpan(0x8_0000, 8).ToArray());
        Assert.Equal([9, 9], ram.AsSpan(0x9_0000, 2).ToArray());
        Assert.True(ram.AsSpan(0x9_0002, 0xFE).IndexOfAnyExcept((byte)0) < 0, "bss not zeroed");
        Assert.Equal(0xCC, ram[0x9_0100]);                          // nothing beyond p_memsz
        Assert.Equal(0xCC, ram[0x8_0008]);                          // nor between segments
        Assert.Equal(2, image.Segments.Count);
    }

    [Fact]
    public void Elf_entry_given_as_a_virtual_address_is_translated_to_physical()
    {
        // A vmlinux: linked high, loaded low.
        var file = Elf(0xFFFF_8000_1000_0010, new Segment(RamBase + 0x20_0000, new byte[0x40], 0x40, VirtualAddress: 0xFFFF_8000_1000_0000));
        var image = GuestImageLoader.Load(file, Base, FreshRam());
        Assert.Equal(RamBase + 0x20_0010, image.Entry.Value);
    }

    [Fact]
    public void Elf_non_load_and_empty_segments_are_ignored()
    {
        var file = Elf(RamBase + 0x8_0000, Text,
            new Segment(0x1234, [0xEE], 1, Type: 4 /* PT_NOTE */),
            new Segment(0, [], 0));
        var image = GuestImageLoader.Load(file, Base, FreshRam());
        Assert.Single(image.Segments);
    }

    [Fact]
    public void Elf_through_a_writer_callback_matches_the_span_loader()
    {
        var file = Elf(RamBase + 0x8_0000, Text, new Segment(RamBase + 0x9_0000, [9, 9], 0x3000, Flags: 6));
        var direct = FreshRam();
        var viaCallback = FreshRam();
        GuestImageLoader.Load(file, Base, direct);
        var image = GuestImageLoader.Load(file, Base, RamSize, (address, data) =>
            data.CopyTo(viaCallback.AsSpan((int)(address.Value - RamBase))));
        Assert.Equal(direct, viaCallback);
        Assert.Equal(RamBase + 0x9_3000, image.EndAddress.Value);
    }

    [Fact]
    public void Truncated_elf_header_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, Text)[..40], "truncated ELF header");

    [Fact]
    public void Truncated_elf_identification_is_rejected()
        => AssertRejected([0x7F, (byte)'E', (byte)'L', (byte)'F', 2], "truncated ELF identification");

    [Fact]
    public void Elf32_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => f[4] = 1), "32-bit");

    [Fact]
    public void Big_endian_elf_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => f[5] = 2), "big-endian");

    [Fact]
    public void Wrong_machine_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(18), 62)), "machine 62");

    [Fact]
    public void Position_independent_elf_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(16), 3)), "ET_DYN");

    [Fact]
    public void Program_header_table_past_the_end_of_the_file_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(56), 40)), "program header table");

    [Fact]
    public void Program_header_offset_near_2_pow_64_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(32), ulong.MaxValue - 8)), "program header table");

    [Fact]
    public void Small_program_header_entries_are_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(54), 32)), "entry size");

    [Fact]
    public void Segment_data_past_the_end_of_the_file_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(ProgramHeaderField(0, 8)), 0x10_0000)), "past the end of the file");

    [Fact]
    public void Segment_file_size_overflowing_the_offset_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [new Segment(RamBase + 0x8_0000, [1], ulong.MaxValue)],
            f => BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(ProgramHeaderField(0, 32)), ulong.MaxValue - 100)), "past the end of the file");

    [Fact]
    public void File_size_larger_than_memory_size_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, new Segment(RamBase + 0x8_0000, [1, 2, 3, 4], 2)), "exceeds p_memsz");

    [Fact]
    public void Segment_below_RAM_is_rejected()
        => AssertRejected(Elf(0x1000, new Segment(0x1000, [1], 1)), "outside RAM");

    [Fact]
    public void Segment_running_past_the_end_of_RAM_is_rejected()
        => AssertRejected(Elf(RamBase + RamSize - 4, new Segment(RamBase + RamSize - 4, [1, 2, 3, 4], 8)), "outside RAM");

    [Fact]
    public void Segment_wrapping_the_address_space_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, new Segment(RamBase + 0x8_0000, [1], ulong.MaxValue - 0x10)), "wraps");

    [Fact]
    public void Overlapping_segments_are_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, Text, new Segment(RamBase + 0x8_0004, [1], 0x10)), "overlap");

    [Fact]
    public void Elf_without_loadable_segments_is_rejected()
        => AssertRejected(Elf(RamBase, new Segment(RamBase, [1], 1, Type: 4)), "no PT_LOAD");

    [Fact]
    public void Elf_without_program_headers_is_rejected()
        => AssertRejected(Elf(RamBase), "no program headers");

    [Fact]
    public void Entry_point_outside_every_segment_is_rejected()
        => AssertRejected(Elf(RamBase + 0x10_0000, Text), "entry point");

    [Fact]
    public void Extended_program_header_numbering_is_rejected()
        => AssertRejected(Elf(RamBase + 0x8_0000, [Text], f => BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(56), 0xFFFF)), "PN_XNUM");

    // ---- Linux Image ----

    [Fact]
    public void Linux_image_loads_at_the_2MiB_aligned_base_plus_text_offset()
    {
        var file = LinuxImage(textOffset: 0x8_0000, imageSize: 0x20_0000);
        var ram = FreshRam();
        var image = GuestImageLoader.Load(file, Base, ram);

        Assert.Equal(GuestImageKind.LinuxImage, image.Kind);
        Assert.Equal(RamBase + 0x8_0000, image.Entry.Value);
        Assert.Equal(RamBase + 0x8_0000, image.LowestAddress.Value);
        Assert.Equal(RamBase + 0x28_0000, image.EndAddress.Value);          // image_size, not file size
        Assert.Equal(file, ram.AsSpan(0x8_0000, file.Length).ToArray());
        Assert.True(ram.AsSpan(0x8_0000 + file.Length, 0x20_0000 - file.Length).IndexOfAnyExcept((byte)0) < 0);
    }

    [Fact]
    public void Linux_image_base_is_rounded_up_to_2MiB_when_RAM_is_not_aligned()
    {
        var file = LinuxImage(textOffset: 0, imageSize: 0x1_0000);
        var ramBase = new GuestPhysicalAddress(RamBase + 0x10_0000);
        var image = GuestImageLoader.Load(file, ramBase, new byte[RamSize]);
        Assert.Equal(RamBase + 0x20_0000, image.Entry.Value);
    }

    [Fact]
    public void Pre_3_17_Linux_image_assumes_text_offset_0x80000()
    {
        var file = LinuxImage(textOffset: 0x1234_5678, imageSize: 0);
        var image = GuestImageLoader.Load(file, Base, FreshRam());
        Assert.Equal(RamBase + 0x8_0000, image.Entry.Value);
        Assert.Equal(RamBase + 0x8_0000 + (ulong)file.Length, image.EndAddress.Value);
    }

    [Fact]
    public void Gzip_compressed_Linux_image_is_decompressed()
    {
        var plain = LinuxImage(textOffset: 0, imageSize: 0x2000);
        var ram = FreshRam();
        var image = GuestImageLoader.Load(Gzip(plain), Base, ram);
        Assert.Equal(GuestImageKind.LinuxImage, image.Kind);
        Assert.Equal(RamBase, image.Entry.Value);
        Assert.Equal(plain, ram.AsSpan(0, plain.Length).ToArray());
    }

    [Fact]
    public void Big_endian_Linux_image_is_rejected()
        => AssertRejected(LinuxImage(textOffset: 0, imageSize: 0x2000, flags: 1), "big-endian");

    [Fact]
    public void Linux_image_larger_than_RAM_is_rejected()
        => AssertRejected(LinuxImage(textOffset: 0, imageSize: RamSize + 1UL), "does not fit");

    [Fact]
    public void Linux_image_with_a_huge_text_offset_is_rejected()
        => AssertRejected(LinuxImage(textOffset: ulong.MaxValue - 0x1000, imageSize: 0x2000), "text_offset");

    [Fact]
    public void Gzip_without_an_Image_inside_is_rejected()
        => AssertRejected(Gzip([1, 2, 3, 4]), "arm64 Linux Image");

    [Fact]
    public void Corrupt_gzip_is_rejected()
    {
        var gz = Gzip(LinuxImage(0, 0x2000));
        gz.AsSpan(10, 16).Fill(0xFF);
        AssertRejected(gz, "gzip");
    }

    [Fact]
    public void Gzip_expanding_beyond_RAM_is_rejected()
        => AssertRejected(Gzip(LinuxImage(0, 0x2000, bodyLength: RamSize + 100)), "beyond");

    // ---- Raw ----

    [Fact]
    public void Anything_else_loads_raw_at_RAM_base_plus_0x80000()
    {
        byte[] file = [0x00, 0x00, 0x80, 0xD2, 0xC0, 0x03, 0x5F, 0xD6];   // mov x0, #0; ret
        var ram = FreshRam();
        var image = GuestImageLoader.Load(file, Base, ram);
        Assert.Equal(GuestImageKind.Raw, image.Kind);
        Assert.Equal(RamBase + 0x8_0000, image.Entry.Value);
        Assert.Equal(RamBase + 0x8_0008, image.EndAddress.Value);
        Assert.Equal(file, ram.AsSpan(0x8_0000, 8).ToArray());
    }

    [Fact]
    public void Raw_image_larger_than_RAM_is_rejected()
        => AssertRejected(new byte[RamSize - 0x8_0000 + 1], "does not fit");

    [Fact]
    public void Empty_file_is_rejected()
        => AssertRejected([], "empty");

    [Fact]
    public void Identify_names_the_kind_without_loading()
    {
        Assert.Equal(GuestImageKind.Elf, GuestImageLoader.Identify(Elf(RamBase + 0x8_0000, Text)));
        Assert.Equal(GuestImageKind.LinuxImage, GuestImageLoader.Identify(LinuxImage(0, 0x1000)));
        Assert.Equal(GuestImageKind.Raw, GuestImageLoader.Identify([1, 2, 3]));
    }
}

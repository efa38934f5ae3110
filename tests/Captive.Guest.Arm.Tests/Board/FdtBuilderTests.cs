using System.Buffers.Binary;
using System.Text;
using Captive.Guest.Arm.Board.Fdt;
using Xunit;

namespace Captive.Guest.Arm.Tests.Board;

public sealed class FdtBuilderTests
{
    private static byte[] Sample()
    {
        var fdt = new FdtBuilder { BootCpuId = 0 };
        fdt.AddMemoryReservation(0x4000_0000, 0x1000);
        fdt.BeginNode("")
            .Property("#address-cells", 2u)
            .Property("#size-cells", 2u)
            .Property("compatible", "acme,board", "acme,generic")
            .Property("model", "Acme")
            .BeginNode("node@1000")
                .Property("reg", 0x1000u, 0x20u)
                .Property("big", 0x1122_3344_5566_7788UL)
                .Property("blob", new byte[] { 1, 2, 3 })
                .Property("flag")
                .Property("odd", "abcd")          // 5 bytes: the next token must be re-aligned
                .BeginNode("child")
                    .Property("compatible", "acme,child")
                .EndNode()
            .EndNode()
        .EndNode();
        return fdt.Build();
    }

    [Fact]
    public void Header_is_v17_big_endian_with_aligned_blocks()
    {
        var blob = Sample();
        uint U32(int at) => BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(at));

        Assert.Equal(0xD00DFEEDu, U32(0));
        Assert.Equal((uint)blob.Length, U32(4));
        Assert.Equal(17u, U32(20));
        Assert.Equal(16u, U32(24));
        Assert.Equal(0u, U32(16) % 8);                 // memory reservation block
        Assert.Equal(0u, U32(8) % 4);                  // structure block
        Assert.Equal(U32(12), U32(8) + U32(36));       // strings follow the structure block
        Assert.Equal((uint)blob.Length, U32(12) + U32(32));
        Assert.Equal(9u, U32((int)(U32(8) + U32(36) - 4)));   // structure block ends with FDT_END
    }

    [Fact]
    public void Blob_parses_back_to_the_same_tree()
    {
        var fdt = FdtReader.Parse(Sample());

        Assert.Equal(17u, fdt.Version);
        Assert.Equal([(0x4000_0000UL, 0x1000UL)], fdt.Reservations);
        Assert.Equal("", fdt.Root.Name);
        Assert.Equal([2u], fdt.Root.Cells("#address-cells"));
        Assert.Equal(["acme,board", "acme,generic"], fdt.Root.Strings("compatible"));
        var node = fdt.Find("/node@1000");
        Assert.Equal([0x1000u, 0x20u], node.Cells("reg"));
        Assert.Equal(0x1122_3344_5566_7788UL, node.U64("big"));
        Assert.Equal(new byte[] { 1, 2, 3 }, node["blob"]);
        Assert.Empty(node["flag"]);
        Assert.Equal("abcd", node.String("odd"));
        Assert.Equal("acme,child", fdt.Find("/node@1000/child").String("compatible"));
    }

    [Fact]
    public void Property_names_are_stored_once_in_the_strings_block()
    {
        var blob = Sample();
        int stringsOffset = (int)BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(12));
        var strings = Encoding.ASCII.GetString(blob, stringsOffset, blob.Length - stringsOffset);
        Assert.Single(strings.Split('\0'), s => s == "compatible");
    }

    [Fact]
    public void Dtc_decompiles_the_blob()
    {
        var dts = ExternalTools.Decompile(Sample());

        Assert.Contains("/memreserve/\t0x0000000040000000 0x0000000000001000;", dts);
        Assert.Contains("compatible = \"acme,board\\0acme,generic\";", dts);
        Assert.Contains("node@1000 {", dts);
        Assert.Contains("reg = <0x1000 0x20>;", dts);
        Assert.Contains("big = <0x11223344 0x55667788>;", dts);
        Assert.Contains("blob = [01 02 03];", dts);
        Assert.Contains("flag;", dts);
        Assert.Contains("odd = \"abcd\";", dts);
        Assert.Contains("child {", dts);
    }

    [Fact]
    public void Empty_root_is_a_valid_tree()
    {
        var blob = new FdtBuilder().BeginNode("").EndNode().Build();
        var fdt = FdtReader.Parse(blob);
        Assert.Empty(fdt.Root.Properties);
        Assert.Empty(fdt.Root.Children);
        Assert.Contains("/ {", ExternalTools.Decompile(blob));
    }

    [Fact]
    public void A_property_after_a_child_node_is_rejected()
    {
        var fdt = new FdtBuilder().BeginNode("").BeginNode("a").EndNode();
        Assert.Throws<InvalidOperationException>(() => fdt.Property("late", 1u));
    }

    [Fact]
    public void Duplicate_properties_and_children_are_rejected()
    {
        var fdt = new FdtBuilder().BeginNode("").Property("x", 1u);
        Assert.Throws<InvalidOperationException>(() => fdt.Property("x", 2u));
        fdt.BeginNode("a").EndNode();
        Assert.Throws<InvalidOperationException>(() => fdt.BeginNode("a"));
    }

    [Fact]
    public void Unbalanced_nodes_are_rejected()
    {
        Assert.Throws<InvalidOperationException>(() => new FdtBuilder().EndNode());
        Assert.Throws<InvalidOperationException>(() => new FdtBuilder().BeginNode("").Build());
        Assert.Throws<InvalidOperationException>(() => new FdtBuilder().Build());
        Assert.Throws<InvalidOperationException>(() => new FdtBuilder().BeginNode("").EndNode().BeginNode(""));
        Assert.Throws<InvalidOperationException>(() => new FdtBuilder().BeginNode("notroot"));
        Assert.Throws<InvalidOperationException>(() => new FdtBuilder().Property("x", 1u));
    }

    [Fact]
    public void Invalid_names_are_rejected()
    {
        var fdt = new FdtBuilder().BeginNode("");
        Assert.Throws<ArgumentException>(() => fdt.BeginNode("a/b"));
        Assert.Throws<ArgumentException>(() => fdt.BeginNode(""));
        Assert.Throws<ArgumentException>(() => fdt.Property("", 1u));
        Assert.Throws<ArgumentException>(() => fdt.Property(new string('p', 32), 1u));
        Assert.Throws<ArgumentException>(() => fdt.Property("s", "nul\0inside"));
    }

    [Fact]
    public void Phandles_are_allocated_from_1()
    {
        var fdt = new FdtBuilder();
        Assert.Equal(1u, fdt.AllocatePhandle());
        Assert.Equal(2u, fdt.AllocatePhandle());
    }
}

using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace Captive.Guest.Arm.Tests.Board;

/// <summary>
/// An independent DTB parser for the tests: reads a blob back into a tree, checking the header,
/// alignment and token stream as the Devicetree Specification (chapter 5) describes them.
/// </summary>
internal sealed class FdtReader
{
    public sealed class Node(string name)
    {
        public string Name { get; } = name;
        public List<(string Name, byte[] Value)> Properties { get; } = [];
        public List<Node> Children { get; } = [];

        public byte[] this[string property] =>
            Properties.Find(p => p.Name == property).Value ?? throw new KeyNotFoundException($"{Name} has no property {property}");

        public bool Has(string property) => Properties.Exists(p => p.Name == property);

        public Node Child(string name) =>
            Children.Find(c => c.Name == name) ?? throw new KeyNotFoundException($"{Name} has no child {name}");

        public string String(string property)
        {
            var v = this[property];
            Assert.True(v.Length > 0 && v[^1] == 0, $"{property} is not NUL-terminated");
            return Encoding.UTF8.GetString(v, 0, v.Length - 1);
        }

        public string[] Strings(string property)
        {
            var v = this[property];
            Assert.True(v.Length > 0 && v[^1] == 0, $"{property} is not NUL-terminated");
            return Encoding.UTF8.GetString(v, 0, v.Length - 1).Split('\0');
        }

        public uint[] Cells(string property)
        {
            var v = this[property];
            Assert.True(v.Length % 4 == 0, $"{property} is not a whole number of cells");
            var cells = new uint[v.Length / 4];
            for (int i = 0; i < cells.Length; i++)
                cells[i] = BinaryPrimitives.ReadUInt32BigEndian(v.AsSpan(i * 4));
            return cells;
        }

        public ulong U64(string property)
        {
            var v = this[property];
            Assert.Equal(8, v.Length);
            return BinaryPrimitives.ReadUInt64BigEndian(v);
        }
    }

    public uint Version { get; private init; }
    public uint LastCompatibleVersion { get; private init; }
    public uint BootCpuId { get; private init; }
    public List<(ulong Address, ulong Size)> Reservations { get; } = [];
    public Node Root { get; private set; } = new("");

    public Node Find(string path)
    {
        var node = Root;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            node = node.Child(part);
        return node;
    }

    public static FdtReader Parse(byte[] blob)
    {
        Assert.True(blob.Length >= 40, "blob shorter than the header");
        uint U32(int at) => BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(at));
        Assert.Equal(0xD00DFEEDu, U32(0));
        uint total = U32(4), offStruct = U32(8), offStrings = U32(12), offRsv = U32(16);
        uint sizeStrings = U32(32), sizeStruct = U32(36);
        Assert.Equal((uint)blob.Length, total);
        Assert.Equal(0u, offRsv % 8);
        Assert.Equal(0u, offStruct % 4);
        Assert.True(offStruct + sizeStruct <= total && offStrings + sizeStrings <= total);

        var reader = new FdtReader { Version = U32(20), LastCompatibleVersion = U32(24), BootCpuId = U32(28) };
        for (int at = (int)offRsv; ; at += 16)
        {
            ulong a = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at)), s = BinaryPrimitives.ReadUInt64BigEndian(blob.AsSpan(at + 8));
            if (a == 0 && s == 0)
                break;
            reader.Reservations.Add((a, s));
        }

        string CString(int at, int limit)
        {
            int end = Array.IndexOf(blob, (byte)0, at, limit - at);
            Assert.True(end >= 0, "unterminated string");
            return Encoding.UTF8.GetString(blob, at, end - at);
        }

        var stack = new Stack<Node>();
        Node? root = null;
        int pos = (int)offStruct, structEnd = (int)(offStruct + sizeStruct);
        bool ended = false;
        while (!ended)
        {
            Assert.True(pos + 4 <= structEnd, "structure block ends without FDT_END");
            Assert.Equal(0, pos % 4);
            uint token = U32(pos);
            pos += 4;
            switch (token)
            {
                case 1:
                {
                    string name = CString(pos, structEnd);
                    pos = Align4(pos + Encoding.UTF8.GetByteCount(name) + 1);
                    var node = new Node(name);
                    if (stack.Count == 0)
                    {
                        Assert.Null(root);
                        root = node;
                    }
                    else
                    {
                        stack.Peek().Children.Add(node);
                    }
                    stack.Push(node);
                    break;
                }
                case 2:
                    Assert.NotEmpty(stack);
                    stack.Pop();
                    break;
                case 3:
                {
                    Assert.NotEmpty(stack);
                    Assert.Empty(stack.Peek().Children);   // properties precede subnodes
                    int len = (int)U32(pos), nameOff = (int)U32(pos + 4);
                    pos += 8;
                    Assert.True(nameOff < sizeStrings, "property name offset outside the strings block");
                    string name = CString((int)offStrings + nameOff, (int)(offStrings + sizeStrings));
                    stack.Peek().Properties.Add((name, blob.AsSpan(pos, len).ToArray()));
                    pos = Align4(pos + len);
                    break;
                }
                case 4:
                    break;
                case 9:
                    ended = true;
                    break;
                default:
                    Assert.Fail($"unknown token {token} at {pos - 4}");
                    break;
            }
        }
        Assert.Empty(stack);
        Assert.Equal(structEnd, pos);
        reader.Root = root ?? throw new InvalidDataException("no root node");
        return reader;
    }

    private static int Align4(int v) => (v + 3) & ~3;
}

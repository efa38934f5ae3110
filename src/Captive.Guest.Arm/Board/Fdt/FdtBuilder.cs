using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Captive.Guest.Arm.Board.Fdt;

/// <summary>
/// Writes a flattened device tree blob (DTB), format version 17 as defined by the Devicetree
/// Specification (chapter 5): a 40-byte header, the memory reservation block, the structure
/// block (FDT_BEGIN_NODE / FDT_PROP / FDT_END_NODE … FDT_END) and the strings block. Everything
/// is big-endian; tokens and property values are padded to 4 bytes, reservations aligned to 8.
/// </summary>
/// <remarks>
/// Nodes are written in the order they are begun, properties in the order they are added, and
/// property names are stored once in the strings block. Misuse (a property after a child node,
/// a duplicate name, unbalanced nodes) throws <see cref="InvalidOperationException"/> at once.
/// </remarks>
public sealed class FdtBuilder
{
    /// <summary>Header magic.</summary>
    public const uint Magic = 0xD00D_FEED;
    /// <summary>The format version written.</summary>
    public const uint Version = 17;
    /// <summary>The oldest version the output is compatible with.</summary>
    public const uint LastCompatibleVersion = 16;
    /// <summary>Size of the v17 header.</summary>
    public const int HeaderSize = 40;

    /// <summary>Structure block tokens.</summary>
    public const uint TokenBeginNode = 1, TokenEndNode = 2, TokenProperty = 3, TokenNop = 4, TokenEnd = 9;

    private const int MaxPropertyNameLength = 31;

    private readonly ArrayBufferWriter<byte> _structure = new(1024);
    private readonly ArrayBufferWriter<byte> _strings = new(256);
    private readonly Dictionary<string, int> _stringOffsets = new(StringComparer.Ordinal);
    private readonly List<(ulong Address, ulong Size)> _reservations = [];
    private readonly Stack<OpenNode> _open = new();
    private bool _rootDone;
    private uint _nextPhandle = 1;

    private sealed class OpenNode(string name)
    {
        public string Name { get; } = name;
        public HashSet<string> Properties { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Children { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The physical ID of the boot CPU, written to the header (boot_cpuid_phys).</summary>
    public uint BootCpuId { get; set; }

    /// <summary>Nesting depth: 0 before the root is begun and after it ends.</summary>
    public int Depth => _open.Count;

    /// <summary>Returns a fresh phandle value (1, 2, …) for a node to declare with a "phandle" property.</summary>
    public uint AllocatePhandle() => _nextPhandle++;

    /// <summary>Adds an entry to the memory reservation block.</summary>
    public FdtBuilder AddMemoryReservation(ulong address, ulong size)
    {
        if (size == 0)
            throw new ArgumentOutOfRangeException(nameof(size), "A memory reservation needs a non-zero size.");
        _reservations.Add((address, size));
        return this;
    }

    /// <summary>Begins a node. The first node must be the root, named "".</summary>
    /// <param name="name">Node name with optional unit address, e.g. <c>memory@40000000</c>.</param>
    public FdtBuilder BeginNode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_open.Count == 0)
        {
            if (_rootDone)
                throw new InvalidOperationException("The root node is already complete; a device tree has one root.");
            if (name.Length != 0)
                throw new InvalidOperationException($"The first node must be the root, named \"\", not \"{name}\".");
        }
        else
        {
            if (name.Length == 0 || name.Contains('/') || name.Contains('\0'))
                throw new ArgumentException($"Invalid node name \"{name}\": it must be non-empty without '/' or NUL.", nameof(name));
            if (!_open.Peek().Children.Add(name))
                throw new InvalidOperationException($"Node \"{_open.Peek().Name}\" already has a child named \"{name}\".");
        }
        WriteToken(TokenBeginNode);
        WriteStringPadded(name);
        _open.Push(new OpenNode(name));
        return this;
    }

    /// <summary>Ends the innermost open node.</summary>
    public FdtBuilder EndNode()
    {
        if (_open.Count == 0)
            throw new InvalidOperationException("EndNode without a matching BeginNode.");
        _open.Pop();
        WriteToken(TokenEndNode);
        if (_open.Count == 0)
            _rootDone = true;
        return this;
    }

    /// <summary>Adds a property with raw bytes as its value (empty for a boolean property).</summary>
    public FdtBuilder Property(string name, ReadOnlySpan<byte> value)
    {
        var node = CheckProperty(name);
        node.Properties.Add(name);
        WriteToken(TokenProperty);
        WriteUInt32((uint)value.Length);
        WriteUInt32((uint)StringOffset(name));
        Append(value);
        Pad4();
        return this;
    }

    /// <summary>Adds a property with no value (a boolean such as <c>interrupt-controller</c>).</summary>
    public FdtBuilder Property(string name) => Property(name, ReadOnlySpan<byte>.Empty);

    /// <summary>Adds a NUL-terminated string property.</summary>
    public FdtBuilder Property(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Property(name, [value]);
    }

    /// <summary>Adds a string-list property (each string NUL-terminated, e.g. <c>compatible</c>).</summary>
    public FdtBuilder Property(string name, params ReadOnlySpan<string> values)
    {
        int length = 0;
        foreach (var s in values)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(values));
            if (s.Contains('\0'))
                throw new ArgumentException("A device-tree string cannot contain NUL.", nameof(values));
            length += Encoding.UTF8.GetByteCount(s) + 1;
        }
        var bytes = new byte[length];
        int at = 0;
        foreach (var s in values)
        {
            at += Encoding.UTF8.GetBytes(s, bytes.AsSpan(at));
            bytes[at++] = 0;
        }
        return Property(name, bytes);
    }

    /// <summary>Adds a one-cell (32-bit) property.</summary>
    public FdtBuilder Property(string name, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Property(name, (ReadOnlySpan<byte>)bytes);
    }

    /// <summary>Adds a two-cell (64-bit) property.</summary>
    public FdtBuilder Property(string name, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return Property(name, (ReadOnlySpan<byte>)bytes);
    }

    /// <summary>Adds a property made of 32-bit cells, e.g. <c>interrupts = &lt;0 1 4&gt;</c>.</summary>
    public FdtBuilder Property(string name, params ReadOnlySpan<uint> cells)
    {
        var bytes = new byte[cells.Length * 4];
        for (int i = 0; i < cells.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), cells[i]);
        return Property(name, (ReadOnlySpan<byte>)bytes);
    }

    /// <summary>Produces the blob. Every node must be closed.</summary>
    public byte[] Build()
    {
        if (_open.Count != 0)
            throw new InvalidOperationException($"Node \"{_open.Peek().Name}\" is still open.");
        if (!_rootDone)
            throw new InvalidOperationException("The device tree has no root node.");

        int reservationOffset = HeaderSize;                                   // 40 is 8-aligned
        int structureOffset = reservationOffset + (_reservations.Count + 1) * 16;
        int structureSize = _structure.WrittenCount + 4;                        // + FDT_END
        int stringsOffset = structureOffset + structureSize;
        int stringsSize = _strings.WrittenCount;
        int totalSize = stringsOffset + stringsSize;

        var blob = new byte[totalSize];
        var span = blob.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span[0..], Magic);
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)totalSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], (uint)structureOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)stringsOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)reservationOffset);
        BinaryPrimitives.WriteUInt32BigEndian(span[20..], Version);
        BinaryPrimitives.WriteUInt32BigEndian(span[24..], LastCompatibleVersion);
        BinaryPrimitives.WriteUInt32BigEndian(span[28..], BootCpuId);
        BinaryPrimitives.WriteUInt32BigEndian(span[32..], (uint)stringsSize);
        BinaryPrimitives.WriteUInt32BigEndian(span[36..], (uint)structureSize);

        int at = reservationOffset;
        foreach (var (address, size) in _reservations)
        {
            BinaryPrimitives.WriteUInt64BigEndian(span[at..], address);
            BinaryPrimitives.WriteUInt64BigEndian(span[(at + 8)..], size);
            at += 16;
        }
        at += 16;   // the terminating (0, 0) entry is already zero

        _structure.WrittenSpan.CopyTo(span[at..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[(at + _structure.WrittenCount)..], TokenEnd);
        _strings.WrittenSpan.CopyTo(span[stringsOffset..]);
        return blob;
    }

    private OpenNode CheckProperty(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length is 0 or > MaxPropertyNameLength || name.Contains('\0'))
            throw new ArgumentException($"Invalid property name \"{name}\": it must be 1 to {MaxPropertyNameLength} characters without NUL.", nameof(name));
        if (_open.Count == 0)
            throw new InvalidOperationException($"Property \"{name}\" is outside any node.");
        var node = _open.Peek();
        if (node.Children.Count != 0)
            throw new InvalidOperationException($"Property \"{name}\" of node \"{node.Name}\" comes after a child node; properties must precede subnodes.");
        if (node.Properties.Contains(name))
            throw new InvalidOperationException($"Node \"{node.Name}\" already has a property \"{name}\".");
        return node;
    }

    private int StringOffset(string name)
    {
        if (_stringOffsets.TryGetValue(name, out int offset))
            return offset;
        offset = _strings.WrittenCount;
        int length = Encoding.UTF8.GetByteCount(name);
        var span = _strings.GetSpan(length + 1);
        Encoding.UTF8.GetBytes(name, span);
        span[length] = 0;
        _strings.Advance(length + 1);
        _stringOffsets.Add(name, offset);
        return offset;
    }

    private void WriteToken(uint token) => WriteUInt32(token);

    private void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_structure.GetSpan(4), value);
        _structure.Advance(4);
    }

    private void WriteStringPadded(string s)
    {
        int length = Encoding.UTF8.GetByteCount(s);
        var span = _structure.GetSpan(length + 1);
        Encoding.UTF8.GetBytes(s, span);
        span[length] = 0;
        _structure.Advance(length + 1);
        Pad4();
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_structure.GetSpan(bytes.Length));
        _structure.Advance(bytes.Length);
    }

    private void Pad4()
    {
        int padding = (4 - (_structure.WrittenCount & 3)) & 3;
        if (padding == 0)
            return;
        _structure.GetSpan(padding)[..padding].Clear();
        _structure.Advance(padding);
    }
}

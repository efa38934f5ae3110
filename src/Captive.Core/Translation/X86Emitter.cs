using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Captive.Core.Runtime;
using Iced.Intel;

namespace Captive.Core.Translation;

/// <summary>
/// An x86-64 assembler that encodes each instruction into a reused buffer when it is called, for the block
/// compiler: building Iced <see cref="Instruction"/>s through Iced's <see cref="Assembler"/> and encoding them
/// afterwards cost most of the translation time. Its methods have the names and operand types of the subset of
/// Iced's Assembler the compiler uses, and give byte for byte what Iced's Assembler and Encoder give for the same
/// call (X86EmitterTests checks every form): the frequent forms are encoded here, the others by Iced's Encoder
/// (one instruction at a time, through a scratch Assembler that only picks the form). Branches are always rel32
/// (as Iced's with <c>PreferShortBranch = false</c>), so no instruction's size depends on where a label lands and
/// references to labels (branches, RIP-relative operands such as <c>__xmmword_ptr[label]</c>) are patched once
/// every label is bound; branches to absolute addresses are patched then too, when the block's address is known.
/// Labels are Iced <see cref="Label"/>s (so <c>__xmmword_ptr[label]</c> works); any number may be bound at one
/// address. One instance per compiler; not thread-safe.
/// </summary>
internal sealed partial class X86Emitter
{
    private byte[] _buf = new byte[4096];
    private int _pos;
    private readonly Assembler _labelSource = new(64);   // hands out label ids (never reset: a reset costs more than the ids)
    private ulong _labelBase = 1;                        // the id of the first label since Reset
    private ulong _nextLabel = 1;                        // the id the next label gets
    private readonly Assembler _fallback = new(64) { PreferShortBranch = false };
    private readonly Encoder _encoder;
    private int[] _labels = new int[64];   // label id − _labelBase → offset, or -1
    private Fixup[] _fixups = new Fixup[64];
    private int _fixupCount;
    private ulong _rip;

    private struct Fixup
    {
        public int At;        // offset of the rel32 field
        public int End;       // offset of the end of the instruction
        public ulong Target;  // label id, or an absolute address
        public bool IsLabel;
    }

    public X86Emitter()
    {
        _encoder = Encoder.Create(64, new Sink(this));
        Array.Fill(_labels, -1);
    }

    /// <summary>Bytes emitted so far.</summary>
    public int Position => _pos;

    /// <summary>Starts a new piece of code: drops the code, the labels and the pending references.</summary>
    public void Reset()
    {
        Array.Fill(_labels, -1, 0, (int)(_nextLabel - _labelBase));
        _labelBase = _nextLabel;
        _fixupCount = 0;
        _pos = 0;
    }

    /// <summary>A new, unbound label.</summary>
    public Label CreateLabel()
    {
        var l = _labelSource.CreateLabel();
        if (l.Id != _nextLabel) Invalid("Label ids out of step: ", l.Id);
        int index = (int)(_nextLabel++ - _labelBase);
        if (index >= _labels.Length)
        {
            int old = _labels.Length;
            Array.Resize(ref _labels, old * 2);
            Array.Fill(_labels, -1, old, _labels.Length - old);
        }
        return l;
    }

    /// <summary>Binds <paramref name="label"/> to the current position.</summary>
    public void Label(ref Label label)
    {
        ulong index = label.Id - _labelBase;
        if (index >= _nextLabel - _labelBase) Invalid("The label was not created by this emitter since its last reset: ", label.Id);
        if (_labels[index] >= 0) Invalid("A label is bound twice: ", label.Id);
        _labels[index] = _pos;
    }

    /// <summary>
    /// Resolves the label references and branch targets for code placed at <paramref name="rip"/> and writes the
    /// code through <paramref name="writer"/>.
    /// </summary>
    public void Encode(ulong rip, SpanCodeWriter writer)
    {
        _rip = rip;
        var bytes = _buf;
        for (int f = 0; f < _fixupCount; f++)
        {
            ref var fix = ref _fixups[f];
            ulong target;
            if (fix.IsLabel)
            {
                ulong index = fix.Target - _labelBase;
                int at = index < _nextLabel - _labelBase ? _labels[index] : -1;
                if (at < 0) Invalid("Reference to an unbound label.", fix.Target);
                target = rip + (ulong)at;
            }
            else target = fix.Target;
            long rel = (long)(target - (rip + (ulong)fix.End));
            if (rel != (int)rel) Invalid("A branch target is out of rel32 range of the code at 0x", rip);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(fix.At, 4), (int)rel);
        }
        writer.Write(bytes.AsSpan(0, _pos));
    }

    /// <summary>The address of <paramref name="label"/> in the code last written by <see cref="Encode"/>.</summary>
    public ulong LabelRip(Label label)
    {
        ulong index = label.Id - _labelBase;
        if (index >= _nextLabel - _labelBase || _labels[index] < 0) Invalid("The label is not bound: ", label.Id);
        return _rip + (ulong)_labels[index];
    }

    // ───────────────────────────── encoding primitives ─────────────────────────────

    private const int W = 8; // REX.W

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure()
    {
        if (_buf.Length - _pos < 32) Grow(32);
    }

    private void Grow(int free) => Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _pos + free));

    private static int N(AssemblerRegister64 r) => r.Value - Register.RAX;
    private static int N(AssemblerRegister32 r) => r.Value - Register.EAX;
    private static int N(AssemblerRegister16 r) => r.Value - Register.AX;
    private static int N(AssemblerRegisterXMM r) => r.Value - Register.XMM0;

    /// <summary>An 8-bit register's number; SPL–DIL need a REX prefix (AH–BH are not supported).</summary>
    private static int N(AssemblerRegister8 r, out bool rex)
    {
        int i = r.Value - Register.AL;
        if (i < 4) { rex = false; return i; }
        if (i < 8) throw new NotSupportedException("AH, CH, DH and BH are not supported.");
        rex = i < 12;
        return i - 4;
    }

    // Every instruction starts with Ensure (32 free bytes, more than any instruction and its immediate), so the
    // writes below go through unchecked references: bounds checks were a visible part of the emitter's time.

    private ref byte At(int p) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_buf), p);

    private static void Write32(ref byte at, int v) => Unsafe.WriteUnaligned(ref at, BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v));

    /// <summary>The opcode: one byte, 0F xx (0x0Fxx) or 0F 38 xx / 0F 3A xx (0x0F38xx, 0x0F3Axx).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Opcode(ref byte b, int p, int opc)
    {
        if (opc > 0xFFFF) { Unsafe.Add(ref b, p) = 0x0F; Unsafe.Add(ref b, p + 1) = (byte)(opc >> 8); Unsafe.Add(ref b, p + 2) = (byte)opc; return p + 3; }
        if (opc > 0xFF) { Unsafe.Add(ref b, p) = 0x0F; Unsafe.Add(ref b, p + 1) = (byte)opc; return p + 2; }
        Unsafe.Add(ref b, p) = (byte)opc;
        return p + 1;
    }

    /// <summary>[prefix] [REX] opcode ModRM(11, reg, rm).</summary>
    private void RR(int prefix, int w, int opc, int reg, int rm, bool forceRex = false)
    {
        Ensure();
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_buf);
        int p = _pos;
        if (prefix != 0) Unsafe.Add(ref b, p++) = (byte)prefix;
        int rex = w | ((reg >> 3) << 2) | (rm >> 3);
        if (rex != 0 || forceRex) Unsafe.Add(ref b, p++) = (byte)(0x40 | rex);
        p = Opcode(ref b, p, opc);
        Unsafe.Add(ref b, p++) = (byte)(0xC0 | ((reg & 7) << 3) | (rm & 7));
        _pos = p;
    }

    /// <summary>[prefix] [REX] opcode ModRM [SIB] [disp]; <paramref name="immSize"/> bytes of immediate follow (for RIP-relative targets).</summary>
    private void RM(int prefix, int w, int opc, int reg, in AssemblerMemoryOperand m, int immSize = 0, bool forceRex = false)
    {
        Ensure();
        var baseReg = m.Base;
        var indexReg = m.Index;
        long d64 = m.Displacement;
        if (m.Segment != Register.None) Unsupported("Segment overrides are not supported.");
        ref byte b = ref MemoryMarshal.GetArrayDataReference(_buf);
        int p = _pos;
        if (prefix != 0) Unsafe.Add(ref b, p++) = (byte)prefix;
        if (baseReg == Register.RIP)
        {
            if (indexReg != Register.None) Unsupported("RIP-relative operands have no index.");
            int rexR = w | ((reg >> 3) << 2);
            if (rexR != 0 || forceRex) Unsafe.Add(ref b, p++) = (byte)(0x40 | rexR);
            p = Opcode(ref b, p, opc);
            Unsafe.Add(ref b, p++) = (byte)(((reg & 7) << 3) | 5);
            AddFixup(p, p + 4 + immSize, (ulong)d64, isLabel: true);
            Write32(ref Unsafe.Add(ref b, p), 0);
            _pos = p + 4;
            return;
        }
        int bn = baseReg - Register.RAX;
        if ((uint)bn > 15) Unsupported("Only 64-bit general-purpose base registers are supported.");
        if (d64 != (int)d64) Unsupported("The displacement does not fit 32 bits.");
        int disp = (int)d64;
        int mod = disp == 0 && (bn & 7) != 5 ? 0 : disp == (sbyte)disp ? 1 : 2;
        int rex = w | ((reg >> 3) << 2) | (bn >> 3);
        int rm, sib = -1;
        if (indexReg != Register.None)
        {
            int inum = indexReg - Register.RAX;
            if ((uint)inum > 15 || inum == 4) Unsupported("Only 64-bit general-purpose index registers other than RSP are supported.");
            int scale = m.Scale, ss = scale == 1 ? 0 : scale == 2 ? 1 : scale == 4 ? 2 : scale == 8 ? 3 : -1;
            if (ss < 0) Unsupported("The scale must be 1, 2, 4 or 8.");
            rex |= (inum >> 3) << 1;
            rm = 4;
            sib = (ss << 6) | ((inum & 7) << 3) | (bn & 7);
        }
        else if ((bn & 7) == 4) { rm = 4; sib = 0x24; }
        else rm = bn & 7;
        if (rex != 0 || forceRex) Unsafe.Add(ref b, p++) = (byte)(0x40 | rex);
        p = Opcode(ref b, p, opc);
        Unsafe.Add(ref b, p++) = (byte)((mod << 6) | ((reg & 7) << 3) | rm);
        if (sib >= 0) Unsafe.Add(ref b, p++) = (byte)sib;
        if (mod == 1) Unsafe.Add(ref b, p++) = (byte)disp;
        else if (mod == 2) { Write32(ref Unsafe.Add(ref b, p), disp); p += 4; }
        _pos = p;
    }

    // Out of line: a throw with a formatted message in RM made its prolog zero a string builder on every call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Unsupported(string message) => throw new NotSupportedException(message);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Invalid(string message, ulong value) => throw new InvalidOperationException($"{message}{value:x}");

    private void Byte(int v) => At(_pos++) = (byte)v;

    private void Imm16(int v)
    {
        Unsafe.WriteUnaligned(ref At(_pos), BitConverter.IsLittleEndian ? (short)v : BinaryPrimitives.ReverseEndianness((short)v));
        _pos += 2;
    }

    private void Imm32(int v) { Write32(ref At(_pos), v); _pos += 4; }

    private void Imm64(long v)
    {
        Unsafe.WriteUnaligned(ref At(_pos), BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v));
        _pos += 8;
    }

    private void AddFixup(int at, int end, ulong target, bool isLabel)
    {
        if (_fixupCount == _fixups.Length) Array.Resize(ref _fixups, _fixups.Length * 2);
        _fixups[_fixupCount++] = new Fixup { At = at, End = end, Target = target, IsLabel = isLabel };
    }

    /// <summary>The size of a memory operand (the first field of Iced's AssemblerMemoryOperand: Iced keeps it internal).</summary>
    private static int SizeOf(in AssemblerMemoryOperand m) => Unsafe.As<AssemblerMemoryOperand, int>(ref Unsafe.AsRef(in m));

    // MemoryOperandSize values of Iced.
    private const int SizeByte = 1, SizeWord = 2, SizeDword = 3, SizeQword = 4, SizeXword = 7;

    /// <summary>Encodes the instructions the scratch assembler holds (the rare forms) and empties it.</summary>
    private void Flush()
    {
        var list = _fallback.Instructions;
        for (int i = 0; i < list.Count; i++) AddInstruction(list[i]);
        _fallback.Reset();
    }

    /// <summary>Encodes <paramref name="instruction"/> with Iced's Encoder (no branches or RIP-relative operands).</summary>
    public void AddInstruction(in Instruction instruction)
    {
        if (instruction.IsIPRelativeMemoryOperand || instruction.Op0Kind is OpKind.NearBranch64 or OpKind.NearBranch32 or OpKind.NearBranch16)
            throw new NotSupportedException($"{instruction.Code}: branches and RIP-relative operands go through the emitter's own methods.");
        Ensure();
        if (!_encoder.TryEncode(instruction, (ulong)_pos, out _, out string? error))
            throw new InvalidOperationException($"Cannot encode {instruction.Code}: {error}");
    }

    /// <summary>Lets Iced's Encoder write into the emitter's buffer.</summary>
    private sealed class Sink(X86Emitter owner) : CodeWriter
    {
        public override void WriteByte(byte value)
        {
            if (owner._pos == owner._buf.Length) owner.Grow(32);
            owner._buf[owner._pos++] = value;
        }
    }
}

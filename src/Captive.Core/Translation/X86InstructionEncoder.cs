using Captive.Core.Runtime;
using Iced.Intel;

namespace Captive.Core.Translation;

/// <summary>
/// Encodes the instruction list of an Iced <see cref="Assembler"/> with one reused <see cref="Encoder"/> into a
/// reused buffer, instead of Iced's BlockEncoder (which allocates several objects per instruction and per block).
/// Every instruction keeps the form the assembler chose: branches must be rel32 jmp/jcc/call (the compiler's assembler
/// has <c>PreferShortBranch = false</c>), so instruction sizes do not depend on where labels land and one pass suffices;
/// unlike the block encoder, branches to labels are not shortened to rel8. The frequent instruction forms are written
/// directly (byte for byte what Iced's Encoder gives, which <see cref="Verify"/> checks); the others go through Iced's Encoder.
/// Branches and RIP-relative operands that refer to a label (an id the assembler put in the labelled instruction's
/// IP) are encoded with a placeholder and patched once every label is bound; any other target is absolute.
/// One instance per compiler; not thread-safe.
/// </summary>
internal sealed class X86InstructionEncoder
{
    private readonly ByteBuffer _buffer = new();
    private readonly Encoder _encoder;
    private int[] _labels = new int[64];      // label id → offset of its instruction, or -1
    private int _maxLabel;
    private Fixup[] _fixups = new Fixup[64];
    private int _fixupCount;
    private ulong _rip;

    private struct Fixup
    {
        public int At;        // offset of the 32-bit field
        public int End;       // offset of the end of the instruction
        public ulong Target;  // label id or absolute address
    }

    public X86InstructionEncoder()
    {
        _encoder = Encoder.Create(64, _buffer);
        Array.Fill(_labels, -1);
    }

    /// <summary>Encodes <paramref name="assembler"/>'s instructions for <paramref name="rip"/> and writes them through <paramref name="writer"/>.</summary>
    public void Encode(Assembler assembler, ulong rip, SpanCodeWriter writer)
    {
        var list = (InstructionList)assembler.Instructions;
        for (int k = 0; k <= _maxLabel && k < _labels.Length; k++) _labels[k] = -1;
        _maxLabel = 0;
        _fixupCount = 0;
        _buffer.Reset();
        _rip = rip;
        int count = list.Count;
        for (int i = 0; i < count; i++)
        {
            ref readonly var ins = ref list[i];
            _buffer.Ensure(32);
            int start = _buffer.Position;
            ulong ip = rip + (ulong)start;
            if (ins.IP != 0) Bind(ins.IP, start);
            if (ins.Op0Kind == OpKind.NearBranch64)
            {
                if (!TryFastBranch(ins))
                    throw new InvalidOperationException($"Unsupported branch {ins.Code}: only rel32 jmp, jcc and call are.");
                if (Verify) VerifyLast(ins, start, ip);
                AddFixup(_buffer.Position - 4, _buffer.Position, ins.NearBranch64);
            }
            else if (ins.IsIPRelativeMemoryOperand)
            {
                var copy = ins;
                ulong target = copy.MemoryDisplacement64;
                copy.MemoryDisplacement64 = ip;
                Encode(copy, ip);
                var offsets = _encoder.GetConstantOffsets();
                if (!offsets.HasDisplacement || offsets.DisplacementSize != 4)
                    throw new InvalidOperationException($"Unexpected RIP-relative encoding of {ins.Code}.");
                AddFixup(start + offsets.DisplacementOffset, _buffer.Position, target);
            }
            else if (TryFast(ins))
            {
                if (Verify) VerifyLast(ins, start, ip);
            }
            else Encode(ins, ip);
        }
        var bytes = _buffer.Bytes;
        for (int f = 0; f < _fixupCount; f++)
        {
            ref var fix = ref _fixups[f];
            ulong target = fix.Target < (ulong)_labels.Length && _labels[fix.Target] >= 0 ? rip + (ulong)_labels[fix.Target] : fix.Target;
            if (target < 0x1_0000)
                throw new InvalidOperationException($"Reference to unbound label {fix.Target}.");
            long rel = (long)(target - (rip + (ulong)fix.End));
            if (rel != (int)rel) throw new InvalidOperationException($"Target 0x{target:x} is out of rel32 range of 0x{rip:x}.");
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(fix.At, 4), (int)rel);
        }
        writer.Write(bytes.AsSpan(0, _buffer.Position));
    }

    /// <summary>The address of <paramref name="label"/> in the code last encoded.</summary>
    public ulong LabelRip(Label label)
    {
        ulong id = label.Id;
        if (id >= (ulong)_labels.Length || _labels[id] < 0) throw new InvalidOperationException($"Label {id} is not bound.");
        return _rip + (ulong)_labels[id];
    }

    private void Encode(in Instruction ins, ulong ip)
    {
        if (!_encoder.TryEncode(ins, ip, out _, out string? error))
            throw new InvalidOperationException($"Cannot encode {ins.Code}: {error}");
    }

    private void Bind(ulong id, int offset)
    {
        if (id >= int.MaxValue) throw new InvalidOperationException($"Bad label id {id}.");
        if ((int)id >= _labels.Length)
        {
            int old = _labels.Length;
            Array.Resize(ref _labels, Math.Max((int)id + 1, old * 2));
            Array.Fill(_labels, -1, old, _labels.Length - old);
        }
        _labels[id] = offset;
        if ((int)id > _maxLabel) _maxLabel = (int)id;
    }

    private void AddFixup(int at, int end, ulong target)
    {
        if (_fixupCount == _fixups.Length) Array.Resize(ref _fixups, _fixups.Length * 2);
        _fixups[_fixupCount++] = new Fixup { At = at, End = end, Target = target };
    }

    // ───────────── direct encoding of the frequent forms (anything else goes through Iced's Encoder) ─────────────

    private static readonly bool VerifyByDefault = Environment.GetEnvironmentVariable("CAPTIVE_VERIFY_X86_ENCODER") == "1";

    /// <summary>
    /// Checks every directly encoded instruction against Iced's Encoder and throws on any difference (tests and
    /// diagnostics; on by default when the environment variable CAPTIVE_VERIFY_X86_ENCODER is 1).
    /// </summary>
    internal bool Verify { get; set; } = VerifyByDefault;

    private ByteBuffer? _verifyBuffer;
    private Encoder? _verifyEncoder;

    private void VerifyLast(in Instruction ins, int start, ulong ip)
    {
        _verifyBuffer ??= new ByteBuffer();
        _verifyEncoder ??= Encoder.Create(64, _verifyBuffer);
        _verifyBuffer.Reset();
        var copy = ins;
        if (copy.Op0Kind == OpKind.NearBranch64) copy.NearBranch64 = ip;
        if (!_verifyEncoder.TryEncode(copy, ip, out _, out string? error))
            throw new InvalidOperationException($"Iced cannot encode {ins.Code}: {error}");
        var mine = _buffer.Bytes.AsSpan(start, _buffer.Position - start);
        var iced = _verifyBuffer.Bytes.AsSpan(0, _verifyBuffer.Position);
        if (!mine.SequenceEqual(iced))
            throw new InvalidOperationException($"Direct encoding of {ins.Code} ({ins}) is {Convert.ToHexString(mine)}, Iced gives {Convert.ToHexString(iced)}.");
    }

    private bool TryFastBranch(in Instruction ins)
    {
        var b = _buffer.Bytes;
        int p = _buffer.Position;
        switch (ins.Code)
        {
            case Code.Jmp_rel32_64: b[p] = 0xE9; p++; break;
            case Code.Call_rel32_64: b[p] = 0xE8; p++; break;
            default:
                if (!IsJcc32[(int)ins.Code]) return false;
                b[p] = 0x0F; b[p + 1] = (byte)(0x80 + (int)ins.ConditionCode - 1); p += 2;
                break;
        }
        int len = p - _buffer.Position + 4;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(p, 4), -len); // placeholder: the instruction itself
        _buffer.Position = p + 4;
        return true;
    }

    private static readonly bool[] IsJcc32 = BuildJccTable();

    private static bool[] BuildJccTable()
    {
        var t = new bool[Enum.GetValues<Code>().Length];
        foreach (var c in Enum.GetValues<Code>())
        {
            string n = c.ToString();
            if (n.StartsWith('J') && n.EndsWith("_rel32_64", StringComparison.Ordinal) && c != Code.Jmp_rel32_64 && (int)c < t.Length) t[(int)c] = true;
        }
        return t;
    }

    private bool TryFast(in Instruction ins)
    {
        switch (ins.Code)
        {
            // mov
            case Code.Mov_rm64_r64: return RmReg(ins, 0x89, 0, 1, w: true);
            case Code.Mov_rm32_r32: return RmReg(ins, 0x89, 0, 1);
            case Code.Mov_rm16_r16: return RmReg(ins, 0x89, 0, 1, p66: true);
            case Code.Mov_rm8_r8: return RmReg(ins, 0x88, 0, 1);
            case Code.Mov_r64_rm64: return RmReg(ins, 0x8B, 1, 0, w: true);
            case Code.Mov_r32_rm32: return RmReg(ins, 0x8B, 1, 0);
            case Code.Mov_r16_rm16: return RmReg(ins, 0x8B, 1, 0, p66: true);
            case Code.Mov_r8_rm8: return RmReg(ins, 0x8A, 1, 0);
            case Code.Mov_rm64_imm32: return RmImm(ins, 0xC7, 0, 4, w: true);
            case Code.Mov_rm32_imm32: return RmImm(ins, 0xC7, 0, 4);
            case Code.Mov_rm16_imm16: return RmImm(ins, 0xC7, 0, 2, p66: true);
            case Code.Mov_rm8_imm8: return RmImm(ins, 0xC6, 0, 1);
            case Code.Mov_r64_imm64: return RegImm(ins, 0xB8, 8, w: true);
            case Code.Mov_r32_imm32: return RegImm(ins, 0xB8, 4);
            case Code.Movzx_r32_rm8: return RmReg(ins, 0x0FB6, 1, 0, twoByte: true);
            case Code.Movzx_r32_rm16: return RmReg(ins, 0x0FB7, 1, 0, twoByte: true);
            case Code.Movsxd_r64_rm32: return RmReg(ins, 0x63, 1, 0, w: true);
            case Code.Lea_r64_m: return ins.Op1Kind == OpKind.Memory && RmReg(ins, 0x8D, 1, 0, w: true);
            // ALU
            case Code.Add_rm64_r64: return RmReg(ins, 0x01, 0, 1, w: true);
            case Code.Add_rm32_r32: return RmReg(ins, 0x01, 0, 1);
            case Code.Or_rm64_r64: return RmReg(ins, 0x09, 0, 1, w: true);
            case Code.Or_rm32_r32: return RmReg(ins, 0x09, 0, 1);
            case Code.And_rm64_r64: return RmReg(ins, 0x21, 0, 1, w: true);
            case Code.And_rm32_r32: return RmReg(ins, 0x21, 0, 1);
            case Code.Sub_rm64_r64: return RmReg(ins, 0x29, 0, 1, w: true);
            case Code.Sub_rm32_r32: return RmReg(ins, 0x29, 0, 1);
            case Code.Xor_rm64_r64: return RmReg(ins, 0x31, 0, 1, w: true);
            case Code.Xor_rm32_r32: return RmReg(ins, 0x31, 0, 1);
            case Code.Cmp_rm64_r64: return RmReg(ins, 0x39, 0, 1, w: true);
            case Code.Cmp_rm32_r32: return RmReg(ins, 0x39, 0, 1);
            case Code.Test_rm64_r64: return RmReg(ins, 0x85, 0, 1, w: true);
            case Code.Test_rm32_r32: return RmReg(ins, 0x85, 0, 1);
            case Code.Add_rm64_imm8: return RmImm(ins, 0x83, 0, 1, w: true);
            case Code.Add_rm32_imm8: return RmImm(ins, 0x83, 0, 1);
            case Code.Or_rm64_imm8: return RmImm(ins, 0x83, 1, 1, w: true);
            case Code.Or_rm32_imm8: return RmImm(ins, 0x83, 1, 1);
            case Code.And_rm64_imm8: return RmImm(ins, 0x83, 4, 1, w: true);
            case Code.And_rm32_imm8: return RmImm(ins, 0x83, 4, 1);
            case Code.Sub_rm64_imm8: return RmImm(ins, 0x83, 5, 1, w: true);
            case Code.Sub_rm32_imm8: return RmImm(ins, 0x83, 5, 1);
            case Code.Xor_rm64_imm8: return RmImm(ins, 0x83, 6, 1, w: true);
            case Code.Xor_rm32_imm8: return RmImm(ins, 0x83, 6, 1);
            case Code.Cmp_rm64_imm8: return RmImm(ins, 0x83, 7, 1, w: true);
            case Code.Cmp_rm32_imm8: return RmImm(ins, 0x83, 7, 1);
            case Code.Add_rm64_imm32: return RmImm(ins, 0x81, 0, 4, w: true);
            case Code.Add_rm32_imm32: return RmImm(ins, 0x81, 0, 4);
            case Code.Or_rm64_imm32: return RmImm(ins, 0x81, 1, 4, w: true);
            case Code.Or_rm32_imm32: return RmImm(ins, 0x81, 1, 4);
            case Code.And_rm64_imm32: return RmImm(ins, 0x81, 4, 4, w: true);
            case Code.And_rm32_imm32: return RmImm(ins, 0x81, 4, 4);
            case Code.Sub_rm64_imm32: return RmImm(ins, 0x81, 5, 4, w: true);
            case Code.Sub_rm32_imm32: return RmImm(ins, 0x81, 5, 4);
            case Code.Cmp_rm64_imm32: return RmImm(ins, 0x81, 7, 4, w: true);
            case Code.Cmp_rm32_imm32: return RmImm(ins, 0x81, 7, 4);
            case Code.Shl_rm64_imm8: return RmImm(ins, 0xC1, 4, 1, w: true);
            case Code.Shl_rm32_imm8: return RmImm(ins, 0xC1, 4, 1);
            case Code.Shr_rm64_imm8: return RmImm(ins, 0xC1, 5, 1, w: true);
            case Code.Shr_rm32_imm8: return RmImm(ins, 0xC1, 5, 1);
            case Code.Sar_rm64_imm8: return RmImm(ins, 0xC1, 7, 1, w: true);
            case Code.Sar_rm32_imm8: return RmImm(ins, 0xC1, 7, 1);
            case Code.Sub_RAX_imm32: return Raw(0x48, 0x2D, ins.Immediate32);
            case Code.Cmp_RAX_imm32: return Raw(0x48, 0x3D, ins.Immediate32);
            case Code.Lahf: return Raw1(0x9F);
            case Code.Sahf: return Raw1(0x9E);
            case Code.Seto_rm8: return RmImm(ins, 0x0F90, 0, 0, twoByte: true);
            case Code.DeclareByte:
            {
                int n = ins.DeclareDataCount;
                _buffer.Ensure(n);
                for (int k = 0; k < n; k++) _buffer.Bytes[_buffer.Position + k] = ins.GetDeclareByteValue(k);
                _buffer.Position += n;
                return true;
            }
            default: return false;
        }
    }

    private bool Raw1(byte op)
    {
        _buffer.Bytes[_buffer.Position++] = op;
        return true;
    }

    private bool Raw(byte rex, byte op, uint imm32)
    {
        var b = _buffer.Bytes;
        int p = _buffer.Position;
        b[p] = rex; b[p + 1] = op;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(p + 2, 4), imm32);
        _buffer.Position = p + 6;
        return true;
    }

    /// <summary>A general-purpose register's number (0–15); false for AH–BH and anything that is not a GPR.</summary>
    private static bool Gpr(Register r, out int num, out bool needsRex)
    {
        needsRex = false;
        if (r >= Register.RAX && r <= Register.R15) num = r - Register.RAX;
        else if (r >= Register.EAX && r <= Register.R15D) num = r - Register.EAX;
        else if (r >= Register.AX && r <= Register.R15W) num = r - Register.AX;
        else if (r >= Register.AL && r <= Register.R15L)
        {
            int i = r - Register.AL;
            if (i < 4) num = i;
            else if (i < 8) { num = -1; return false; } // AH, CH, DH, BH
            else { num = i - 4; needsRex = i < 12; }
        }
        else { num = -1; return false; }
        return true;
    }

    private bool RmReg(in Instruction ins, int opcode, int rmOp, int regOp, bool w = false, bool p66 = false, bool twoByte = false)
    {
        if (ins.GetOpKind(regOp) != OpKind.Register || !Gpr(ins.GetOpRegister(regOp), out int reg, out bool rexReg)) return false;
        return ModRm(ins, opcode, reg, rexReg, rmOp, w, p66, twoByte, 0, 0);
    }

    private bool RmImm(in Instruction ins, int opcode, int digit, int immSize, bool w = false, bool p66 = false, bool twoByte = false)
    {
        ulong imm = immSize == 0 ? 0 : ins.GetImmediate(1);
        return ModRm(ins, opcode, digit, false, 0, w, p66, twoByte, immSize, imm);
    }

    private bool RegImm(in Instruction ins, int opcode, int immSize, bool w = false)
    {
        if (ins.Op0Kind != OpKind.Register || !Gpr(ins.Op0Register, out int reg, out _)) return false;
        var b = _buffer.Bytes;
        int p = _buffer.Position;
        int rex = (w ? 8 : 0) | (reg >> 3);
        if (rex != 0) b[p++] = (byte)(0x40 | rex);
        b[p++] = (byte)(opcode + (reg & 7));
        ulong imm = ins.GetImmediate(1);
        if (immSize == 8) System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(p, 8), imm);
        else System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(p, 4), (uint)imm);
        _buffer.Position = p + immSize;
        return true;
    }

    /// <summary>[66] [REX] opcode ModRM [SIB] [disp] [imm] with the r/m operand <paramref name="rmOp"/> of <paramref name="ins"/>.</summary>
    private bool ModRm(in Instruction ins, int opcode, int reg, bool forceRex, int rmOp, bool w, bool p66, bool twoByte, int immSize, ulong imm)
    {
        int rex = (w ? 8 : 0) | ((reg >> 3) << 2);
        int mod, rm, sib = -1, dispSize = 0;
        int disp = 0;
        var kind = ins.GetOpKind(rmOp);
        if (kind == OpKind.Register)
        {
            if (!Gpr(ins.GetOpRegister(rmOp), out int r, out bool rexRm)) return false;
            forceRex |= rexRm;
            mod = 3; rm = r & 7; rex |= r >> 3;
        }
        else if (kind == OpKind.Memory)
        {
            if (ins.SegmentPrefix != Register.None || ins.MemoryDisplSize > 4) return false;
            var baseReg = ins.MemoryBase;
            var indexReg = ins.MemoryIndex;
            if (baseReg < Register.RAX || baseReg > Register.R15) return false;
            int bnum = baseReg - Register.RAX;
            long d = (long)ins.MemoryDisplacement64;
            if (d != (int)d) return false;
            disp = (int)d;
            if (disp == 0 && (bnum & 7) != 5) mod = 0;
            else if (disp == (sbyte)disp) { mod = 1; dispSize = 1; }
            else { mod = 2; dispSize = 4; }
            rex |= bnum >> 3;
            if (indexReg != Register.None)
            {
                if (indexReg < Register.RAX || indexReg > Register.R15 || indexReg == Register.RSP) return false;
                int inum = indexReg - Register.RAX;
                int scale = ins.MemoryIndexScale switch { 1 => 0, 2 => 1, 4 => 2, 8 => 3, _ => -1 };
                if (scale < 0) return false;
                rex |= (inum >> 3) << 1;
                rm = 4; sib = (scale << 6) | ((inum & 7) << 3) | (bnum & 7);
            }
            else if ((bnum & 7) == 4) { rm = 4; sib = 0x24; }
            else rm = bnum & 7;
        }
        else return false;

        var b = _buffer.Bytes;
        int p = _buffer.Position;
        if (p66) b[p++] = 0x66;
        if (rex != 0 || forceRex) b[p++] = (byte)(0x40 | rex);
        if (twoByte) { b[p++] = (byte)(opcode >> 8); b[p++] = (byte)opcode; }
        else b[p++] = (byte)opcode;
        b[p++] = (byte)((mod << 6) | ((reg & 7) << 3) | rm);
        if (sib >= 0) b[p++] = (byte)sib;
        if (dispSize == 1) b[p++] = (byte)(sbyte)disp;
        else if (dispSize == 4) { System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(p, 4), disp); p += 4; }
        switch (immSize)
        {
            case 1: b[p++] = (byte)imm; break;
            case 2: System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(p, 2), (ushort)imm); p += 2; break;
            case 4: System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(p, 4), (uint)imm); p += 4; break;
        }
        _buffer.Position = p;
        return true;
    }

    /// <summary>A growable, reused byte buffer.</summary>
    private sealed class ByteBuffer : CodeWriter
    {
        public byte[] Bytes = new byte[4096];
        public int Position;

        public void Reset() => Position = 0;

        public void Ensure(int free)
        {
            if (Bytes.Length - Position < free) Array.Resize(ref Bytes, Math.Max(Bytes.Length * 2, Position + free));
        }

        public override void WriteByte(byte value)
        {
            if (Position == Bytes.Length) Array.Resize(ref Bytes, Bytes.Length * 2);
            Bytes[Position++] = value;
        }
    }
}

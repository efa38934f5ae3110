namespace Captive.Guest.Arm.Decoding;

/// <summary>
/// The AdvSIMD load/store structure classes (ARM DDI 0487, C4.1.4 and the LD1–LD4, LD1R–LD4R, ST1–ST4 pages):
/// the shape the opcode, size, Q, R and S fields select, and the reserved combinations (UNDEFINED). Shared by
/// the decoder, the lowering and the disassembler.
/// </summary>
internal static class A64SimdStructureDecoding
{
    /// <summary>The shape of a single-structure access (one lane of each register, or a replicate).</summary>
    public readonly record struct SingleShape(int Scale, int Index, int Registers, bool Replicate);

    public static A64Op Classify(A64Encoding e, uint w)
    {
        A64Op op = e.Op;
        int q = (int)(w >> 30) & 1;
        switch (op)
        {
            case A64Op.LdStMultiple or A64Op.LdStMultiplePost:
                {
                    var (_, structure) = Multiple(e.Field(w, 'o'));
                    if (structure == 0) return A64Op.Undefined;
                    // .1D is LD1/ST1 only
                    return e.Field(w, 'z') == 3 && q == 0 && structure != 1 ? A64Op.Undefined : op;
                }
            case A64Op.LdStSingle or A64Op.LdStSinglePost:
                return TrySingle(q, e.Field(w, 'L'), e.Field(w, 'R'), e.Field(w, 'o'), e.Field(w, 'S'), e.Field(w, 'z'), out _)
                    ? op : A64Op.Undefined;
            default:
                return op;
        }
    }

    /// <summary>
    /// Repeats (rpt: consecutive registers of LD1/ST1) and structure elements (selem: the registers LD2–LD4
    /// interleave) of a multiple-structure opcode; (0, 0) when the opcode is unallocated.
    /// </summary>
    public static (int Repeats, int Structure) Multiple(int opcode) => opcode switch
    {
        0b0000 => (1, 4),
        0b0010 => (4, 1),
        0b0100 => (1, 3),
        0b0110 => (3, 1),
        0b0111 => (1, 1),
        0b1000 => (1, 2),
        0b1010 => (2, 1),
        _ => (0, 0),
    };

    /// <summary>
    /// Decodes the single-structure fields as the pseudocode does: scale (log2 of the element bytes), the lane
    /// index, the number of registers (selem) and whether it is a load-and-replicate. False when reserved.
    /// </summary>
    public static bool TrySingle(int q, int l, int r, int opcode, int s, int size, out SingleShape shape)
    {
        shape = default;
        int scale = opcode >> 1, registers = ((opcode & 1) << 1 | r) + 1, index;
        switch (scale)
        {
            case 3:
                if (l == 0 || s == 1) return false;
                shape = new SingleShape(size, 0, registers, true);
                return true;
            case 0:
                index = q << 3 | s << 2 | size;
                break;
            case 1:
                if ((size & 1) != 0) return false;
                index = q << 2 | s << 1 | size >> 1;
                break;
            default:
                if ((size & 2) != 0) return false;
                if ((size & 1) == 0)
                {
                    index = q << 1 | s;
                }
                else
                {
                    if (s == 1) return false;
                    index = q;
                    scale = 3;
                }
                break;
        }
        shape = new SingleShape(scale, index, registers, false);
        return true;
    }
}

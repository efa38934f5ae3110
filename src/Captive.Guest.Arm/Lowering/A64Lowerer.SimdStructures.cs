using Captive.Core.IR;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Lowering;

// AdvSIMD load/store multiple structures and single structure (ARM DDI 0487 C4.1.4; LD1–LD4, ST1–ST4, LD1R–LD4R).
// Registers are Vt, Vt+1, … modulo 32. As everywhere in the load/store lowering: the accesses first, then the
// base write-back (by the bytes transferred when Rm = 31, else by X[Rm]), then the register writes. A multiple-
// structure load writes whole registers (zeros above bit 63 for Q = 0); a lane load writes one lane and keeps
// the other 128 − esize bits, whatever Q says; a replicate fills the 64 or 128 bits and zeroes the rest.
// LD1/ST1 move whole registers; LD2/ST2 and LD4/ST4 (de-)interleave with UZP/ZIP; LD3/ST3 go element by element.
internal sealed partial class A64Lowerer
{
    private void LoadStoreStructures(in A64Instruction i)
    {
        if (i.Op is A64Op.LdStMultiple or A64Op.LdStMultiplePost) LoadStoreMultipleStructures(i);
        else LoadStoreSingleStructure(i);
    }

    private void LoadStoreMultipleStructures(in A64Instruction i)
    {
        int q = i['q'], size = i['z'], t = i['t'], n = i['n'];
        bool load = i['L'] == 1;
        var (repeats, structure) = A64SimdStructureDecoding.Multiple(i['o']);
        int es = 1 << size, ds = q == 1 ? 16 : 8, registers = repeats * structure;
        var address = XSp(n);
        Span<IrValue> values = stackalloc IrValue[4];

        if (structure == 1)
        {
            // LD1/ST1 of 1–4 registers: each register is ds consecutive bytes.
            for (int r = 0; r < registers; r++)
            {
                var at = Offset(address, r * ds);
                if (load) values[r] = LoadChunk(at, q);
                else StoreChunk(at, GetV((t + r) & 31), q);
            }
        }
        else if (structure == 3)
        {
            int elements = ds / es, offset = 0;
            if (load)
            {
                var zero = ZeroVector();
                for (int s = 0; s < 3; s++) values[s] = zero;
                for (int e = 0; e < elements; e++)
                    for (int s = 0; s < 3; s++, offset += es)
                        values[s] = _b.VecInsertLane(values[s], e, es, _b.Load(Offset(address, offset), es));
            }
            else
            {
                for (int s = 0; s < 3; s++) values[s] = GetV((t + s) & 31);
                for (int e = 0; e < elements; e++)
                    for (int s = 0; s < 3; s++, offset += es)
                        _b.Store(Offset(address, offset), _b.VecExtractLane(values[s], e, es), es);
            }
        }
        else if (load)
        {
            // The memory image is `structure` chunks of ds bytes; UZP1/UZP2 take the even and odd elements of
            // a pair of chunks, so one level de-interleaves LD2 and two levels LD4.
            for (int c = 0; c < structure; c++) values[c] = LoadChunk(Offset(address, c * ds), q);
            if (structure == 2)
            {
                var even = Permute(IrOpcode.VecUzp1, values[0], values[1], es, ds);
                values[1] = Permute(IrOpcode.VecUzp2, values[0], values[1], es, ds);
                values[0] = even;
            }
            else
            {
                var even0 = Permute(IrOpcode.VecUzp1, values[0], values[1], es, ds);
                var odd0 = Permute(IrOpcode.VecUzp2, values[0], values[1], es, ds);
                var even1 = Permute(IrOpcode.VecUzp1, values[2], values[3], es, ds);
                var odd1 = Permute(IrOpcode.VecUzp2, values[2], values[3], es, ds);
                values[0] = Permute(IrOpcode.VecUzp1, even0, even1, es, ds);
                values[1] = Permute(IrOpcode.VecUzp1, odd0, odd1, es, ds);
                values[2] = Permute(IrOpcode.VecUzp2, even0, even1, es, ds);
                values[3] = Permute(IrOpcode.VecUzp2, odd0, odd1, es, ds);
            }
        }
        else
        {
            // ST2/ST4: ZIP1/ZIP2 interleave two registers into two chunks; ST4 zips V0 with V2 and V1 with V3,
            // then the two results, which puts V0[k], V1[k], V2[k], V3[k] next to each other.
            for (int s = 0; s < structure; s++) values[s] = GetV((t + s) & 31);
            if (structure == 2)
            {
                StoreChunk(Offset(address, 0), Permute(IrOpcode.VecZip1, values[0], values[1], es, ds), q);
                StoreChunk(Offset(address, ds), Permute(IrOpcode.VecZip2, values[0], values[1], es, ds), q);
            }
            else
            {
                var lo02 = Permute(IrOpcode.VecZip1, values[0], values[2], es, ds);
                var hi02 = Permute(IrOpcode.VecZip2, values[0], values[2], es, ds);
                var lo13 = Permute(IrOpcode.VecZip1, values[1], values[3], es, ds);
                var hi13 = Permute(IrOpcode.VecZip2, values[1], values[3], es, ds);
                StoreChunk(Offset(address, 0), Permute(IrOpcode.VecZip1, lo02, lo13, es, ds), q);
                StoreChunk(Offset(address, ds), Permute(IrOpcode.VecZip2, lo02, lo13, es, ds), q);
                StoreChunk(Offset(address, 2 * ds), Permute(IrOpcode.VecZip1, hi02, hi13, es, ds), q);
                StoreChunk(Offset(address, 3 * ds), Permute(IrOpcode.VecZip2, hi02, hi13, es, ds), q);
            }
        }

        if (i.Op == A64Op.LdStMultiplePost)
            StructureWriteback(n, i['m'], address, registers * ds);
        if (load)
            for (int r = 0; r < registers; r++) SetV((t + r) & 31, values[r]);
    }

    private void LoadStoreSingleStructure(in A64Instruction i)
    {
        int t = i['t'], n = i['n'];
        bool load = i['L'] == 1;
        A64SimdStructureDecoding.TrySingle(i['q'], i['L'], i['R'], i['o'], i['S'], i['z'], out var shape);
        int es = 1 << shape.Scale, registers = shape.Registers;
        var address = XSp(n);
        Span<IrValue> values = stackalloc IrValue[4];
        for (int s = 0; s < registers; s++)
        {
            var at = Offset(address, s * es);
            int reg = (t + s) & 31;
            if (shape.Replicate)
            {
                var replicated = _b.VecFromScalar(_b.Load(at, es), es);
                values[s] = i['q'] == 1 ? replicated : _b.VecZeroUpper(replicated);
            }
            else if (load)
            {
                values[s] = _b.VecInsertLane(GetV(reg), shape.Index, es, _b.Load(at, es));
            }
            else
            {
                _b.Store(at, _b.VecExtractLane(GetV(reg), shape.Index, es), es);
            }
        }
        if (i.Op == A64Op.LdStSinglePost)
            StructureWriteback(n, i['m'], address, registers * es);
        if (load)
            for (int s = 0; s < registers; s++) SetV((t + s) & 31, values[s]);
    }

    /// <summary>Post-index write-back: the base plus the bytes transferred (Rm = 31) or plus X[Rm].</summary>
    private void StructureWriteback(int n, int m, IrValue address, int bytes)
        => SetXSp(n, m == 31 ? Offset(address, bytes) : _b.Add(address, X(m)));

    /// <summary>ds bytes as a vector (Q = 0: 8 bytes, zeros above).</summary>
    private IrValue LoadChunk(IrValue address, int q) => q == 1 ? _b.LoadVec(address) : _b.VecFromHalves(_b.Load(address, 8), K(0));

    /// <summary>The low ds bytes of a vector (Q = 0: 8 bytes).</summary>
    private void StoreChunk(IrValue address, IrValue vector, int q)
    {
        if (q == 1) _b.StoreVec(address, vector);
        else _b.Store(address, _b.VecExtractLane(vector, 0, 8), 8);
    }

    private IrValue Permute(IrOpcode op, IrValue a, IrValue b, int es, int ds) => _b.Vec(op, a, b, es, dataSize: ds);
}

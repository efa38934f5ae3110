using System.Globalization;
using Captive.Guest.Arm.Decoding;

namespace Captive.Guest.Arm.Disassembly;

/// <summary>
/// Disassembles A64 instruction words in GNU objdump (binutils 2.40) syntax, with objdump's choice of
/// preferred aliases (<c>mov</c>, <c>cmp</c>, <c>lsl</c>, <c>ubfx</c>, <c>cset</c>, …), one space between
/// mnemonic and operands, branch targets as <c>0x…</c> addresses, and no trailing comments.
/// </summary>
/// <remarks>
/// It knows every encoding the front end decodes, including the defined ones it does not implement yet
/// where their spelling is known (TLBI, ERET, exclusive pairs, CRC32).
/// UNDEFINED words and words it does not know give null.
/// </remarks>
public static partial class A64Disassembler
{
    private static readonly string[] Conditions = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"];
    private static readonly string[] Shifts = ["lsl", "lsr", "asr", "ror"];
    private static readonly string[] Extends = ["uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"];
    private static readonly string[] SimdLogicNames = ["and", "bic", "orr", "orn", "eor", "bsl", "bit", "bif"];
    private static readonly string?[] BarrierOptions = [null, "oshld", "oshst", "osh", null, "nshld", "nshst", "nsh", null, "ishld", "ishst", "ish", null, "ld", "st", "sy"];
    private static readonly string?[] Hints = BuildHints();

    private static string?[] BuildHints()
    {
        var h = new string?[128];
        string?[] names =
        [
            "nop", "yield", "wfe", "wfi", "sev", "sevl", null, "xpaclri",
            "pacia1716", null, "pacib1716", null, "autia1716", null, "autib1716", null,
            "esb", "psb csync", "tsb csync", null, "csdb", null, "clearbhb", null,
            "paciaz", "paciasp", "pacibz", "pacibsp", "autiaz", "autiasp", "autibz", "autibsp",
            "bti", null, "bti c", null, "bti j", null, "bti jc",
        ];
        names.CopyTo(h, 0);
        return h;
    }

    /// <summary>Disassembles one word at <paramref name="address"/>, or returns null when the word is UNDEFINED or not known.</summary>
    public static string? Disassemble(uint word, ulong address)
    {
        var i = A64Decoder.Decode(word);
        var e = i.Encoding;
        if (e is null || e.Op == A64Op.Unsupported)
            return null;
        if (i.Op == A64Op.Undefined)
            return null; // includes SYS/SYSL encodings ARMv8.0 leaves unallocated, which later architectures name
        try
        {
            return Format(i, e.Op, address);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    // ---- operand spelling

    private static readonly string[] AtomicNames = ["add", "clr", "eor", "set", "smax", "smin", "umax", "umin"];

    private static string R(int n, bool x) => n == 31 ? (x ? "xzr" : "wzr") : (x ? "x" : "w") + n.ToString(CultureInfo.InvariantCulture);
    private static string RSp(int n, bool x) => n == 31 ? (x ? "sp" : "wsp") : (x ? "x" : "w") + n.ToString(CultureInfo.InvariantCulture);
    private static string X(int n) => R(n, true);
    private static string XSp(int n) => RSp(n, true);
    private static string Hex(ulong v) => "#0x" + v.ToString("x", CultureInfo.InvariantCulture);
    private static string Dec(long v) => "#" + v.ToString(CultureInfo.InvariantCulture);
    private static string Target(ulong a) => "0x" + a.ToString("x", CultureInfo.InvariantCulture);
    private static string Shift(int type, int amount) => type == 0 && amount == 0 ? "" : $", {Shifts[type]} #{amount}";
    private static string Cond(int c) => Conditions[c];
    private static string InvCond(int c) => Conditions[c ^ 1];
    private static string V(int n, string arrangement) => $"v{n}.{arrangement}";

    /// <summary>A vector register with its arrangement, or a scalar register when <paramref name="shape"/> is its letter (b, h, s, d).</summary>
    private static string VR(int n, string shape)
        => shape.Length == 1 ? $"{shape}{n.ToString(CultureInfo.InvariantCulture)}" : V(n, shape);

    /// <summary>objdump's <c>%.18e</c> for an FP immediate.</summary>
    private static string FpImmediate(double value)
    {
        string s = value.ToString("E18", CultureInfo.InvariantCulture); // d.ddd…E+000
        int e = s.IndexOf('E');
        int exponent = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return "#" + s[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    private static string PrefetchOp(int prfop)
    {
        int type = prfop >> 3, target = (prfop >> 1) & 3;
        if (type == 3 || target == 3) return "#0x" + prfop.ToString("x2", CultureInfo.InvariantCulture);
        return (type switch { 0 => "pld", 1 => "pli", _ => "pst" }) + "l" + (target + 1) + ((prfop & 1) == 0 ? "keep" : "strm");
    }

    private static string Memory(int n, long offset) => offset == 0 ? $"[{XSp(n)}]" : $"[{XSp(n)}, {Dec(offset)}]";

    // ---- instructions

    private static string? Format(in A64Instruction i, A64Op op, ulong pc)
    {
        bool sf = op switch
        {
            A64Op.Adr or A64Op.Adrp or A64Op.BCond or A64Op.Svc or A64Op.Hvc or A64Op.Smc or A64Op.Brk or A64Op.Hlt
                or A64Op.Dcps or A64Op.Udf or A64Op.B or A64Op.Bl or A64Op.Tbz or A64Op.Tbnz => true,
            _ when i.Encoding!.HasField('z') && i.Encoding.FieldWidth('z') == 1 => i['z'] == 1,
            _ => true,
        };
        int width = sf ? 64 : 32;
        switch (op)
        {
            case A64Op.Adr:
                return $"adr {X(i['d'])}, {Target(pc + (ulong)((i.Signed('j') << 2) | (long)i['i']))}";
            case A64Op.Adrp:
                return $"adrp {X(i['d'])}, {Target((pc & ~0xFFFul) + (ulong)(((i.Signed('j') << 2) | (long)i['i']) << 12))}";

            case A64Op.AddImm or A64Op.AddsImm or A64Op.SubImm or A64Op.SubsImm:
                {
                    int d = i['d'], n = i['n'], sh = i['h'];
                    ulong imm = (ulong)i['i'];
                    string operand = Hex(imm) + (sh == 1 ? ", lsl #12" : "");
                    return op switch
                    {
                        A64Op.AddImm when (d == 31 || n == 31) && sh == 0 && imm == 0 => $"mov {RSp(d, sf)}, {RSp(n, sf)}",
                        A64Op.AddImm => $"add {RSp(d, sf)}, {RSp(n, sf)}, {operand}",
                        A64Op.SubImm => $"sub {RSp(d, sf)}, {RSp(n, sf)}, {operand}",
                        A64Op.AddsImm when d == 31 => $"cmn {RSp(n, sf)}, {operand}",
                        A64Op.AddsImm => $"adds {R(d, sf)}, {RSp(n, sf)}, {operand}",
                        _ when d == 31 => $"cmp {RSp(n, sf)}, {operand}",
                        _ => $"subs {R(d, sf)}, {RSp(n, sf)}, {operand}",
                    };
                }

            case A64Op.AndImm or A64Op.OrrImm or A64Op.EorImm or A64Op.AndsImm:
                {
                    int d = i['d'], n = i['n'], bigN = i['N'], imms = i['s'], immr = i['r'];
                    if (!A64Immediates.TryDecodeLogicalImmediate(bigN, imms, immr, width, out ulong imm)) return null;
                    string k = Hex(imm);
                    return op switch
                    {
                        A64Op.AndImm => $"and {RSp(d, sf)}, {R(n, sf)}, {k}",
                        A64Op.OrrImm when n == 31 && (d == 31 || !MoveWidePreferred(imm, sf)) => $"mov {RSp(d, sf)}, {k}",
                        A64Op.OrrImm => $"orr {RSp(d, sf)}, {R(n, sf)}, {k}",
                        A64Op.EorImm => $"eor {RSp(d, sf)}, {R(n, sf)}, {k}",
                        _ when d == 31 => $"tst {R(n, sf)}, {k}",
                        _ => $"ands {R(d, sf)}, {R(n, sf)}, {k}",
                    };
                }

            case A64Op.Movn or A64Op.Movz or A64Op.Movk:
                {
                    int d = i['d'], hw = i['h'];
                    ulong imm16 = (ulong)i['i'];
                    string raw = Hex(imm16) + (hw != 0 ? $", lsl #{hw * 16}" : "");
                    ulong mask = A64Immediates.Ones(width);
                    switch (op)
                    {
                        case A64Op.Movz:
                            return imm16 == 0 && hw != 0 ? $"movz {R(d, sf)}, {raw}" : $"mov {R(d, sf)}, {Hex((imm16 << (hw * 16)) & mask)}";
                        case A64Op.Movn:
                            if ((imm16 == 0 && hw != 0) || (!sf && imm16 == 0xFFFF)) return $"movn {R(d, sf)}, {raw}";
                            return $"mov {R(d, sf)}, {Hex(~(imm16 << (hw * 16)) & mask)}";
                        default:
                            return $"movk {R(d, sf)}, {raw}";
                    }
                }

            case A64Op.Sbfm or A64Op.Ubfm or A64Op.Bfm: return Bitfield(i, op, sf);

            case A64Op.Extr:
                {
                    int d = i['d'], n = i['n'], m = i['m'], lsb = i['s'];
                    return n == m ? $"ror {R(d, sf)}, {R(n, sf)}, #{lsb}" : $"extr {R(d, sf)}, {R(n, sf)}, {R(m, sf)}, #{lsb}";
                }

            case A64Op.BCond: return $"b.{Cond(i['c'])} {Target(pc + (ulong)(i.Signed('i') << 2))}";
            case A64Op.Svc: return $"svc {Hex((ulong)i['i'])}";
            case A64Op.Hvc: return $"hvc {Hex((ulong)i['i'])}";
            case A64Op.Smc: return $"smc {Hex((ulong)i['i'])}";
            case A64Op.Brk: return $"brk {Hex((ulong)i['i'])}";
            case A64Op.Hlt: return $"hlt {Hex((ulong)i['i'])}";
            case A64Op.Dcps: return i['i'] == 0 ? $"dcps{i['l']}" : $"dcps{i['l']} {Hex((ulong)i['i'])}";
            case A64Op.Udf: return $"udf {Dec(i['i'])}";

            case A64Op.MsrImm:
                {
                    string? field = (i['o'], i['p']) switch { (0, 5) => "spsel", (3, 6) => "daifset", (3, 7) => "daifclr", _ => null };
                    if (field == "spsel" && i['m'] > 1) return $"msr s0_0_c4_c{i['m']}_5, xzr"; // objdump names SPSel only for #0 and #1
                    return field is null ? null : $"msr {field}, {Hex((ulong)i['m'])}";
                }
            case A64Op.Hint:
                {
                    int h = (i['m'] << 3) | i['p'];
                    return Hints[h] ?? $"hint {Hex((ulong)h)}";
                }
            case A64Op.Clrex: return i['m'] == 15 ? "clrex" : $"clrex {Hex((ulong)i['m'])}";
            case A64Op.Dsb:
                {
                    int crm = i['m'];
                    if (crm == 0) return "ssbb";
                    if (crm == 4) return "pssbb";
                    return "dsb " + (BarrierOptions[crm] ?? "#0x" + crm.ToString("x2", CultureInfo.InvariantCulture));
                }
            case A64Op.Dmb:
                {
                    int crm = i['m'];
                    return "dmb " + (BarrierOptions[crm] ?? "#0x" + crm.ToString("x2", CultureInfo.InvariantCulture));
                }
            case A64Op.Isb: return i['m'] == 15 ? "isb" : $"isb {Hex((ulong)i['m'])}";
            case A64Op.Sys:
                {
                    int op1 = i['o'], crn = i['n'], crm = i['m'], op2 = i['p'], t = i['t'];
                    if (A64SystemInstructions.TryGet(op1, crn, crm, op2, out var sys))
                    {
                        return sys.HasRegister ? $"{sys.Name}, {X(t)}" : sys.Name; // objdump ignores Xt of the register-less ones
                    }
                    return $"sys #{op1}, C{crn}, C{crm}, #{op2}" + (t != 31 ? $", {X(t)}" : "");
                }
            case A64Op.Sysl: return $"sysl {X(i['t'])}, #{i['o']}, C{i['n']}, C{i['m']}, #{i['p']}";
            case A64Op.MsrReg or A64Op.Mrs:
                {
                    if (!SystemRegisterTable.TryGet((int)(i.Word >> 5) & 0xFFFF, out var reg)) return null;
                    return op == A64Op.Mrs ? $"mrs {X(i['t'])}, {reg.Name}" : $"msr {reg.Name}, {X(i['t'])}";
                }
            case A64Op.Br: return $"br {X(i['n'])}";
            case A64Op.Blr: return $"blr {X(i['n'])}";
            case A64Op.Ret: return i['n'] == 30 ? "ret" : $"ret {X(i['n'])}";
            case A64Op.Eret: return "eret";
            case A64Op.Drps: return "drps";
            case A64Op.B: return $"b {Target(pc + (ulong)(i.Signed('i') << 2))}";
            case A64Op.Bl: return $"bl {Target(pc + (ulong)(i.Signed('i') << 2))}";
            case A64Op.Cbz: return $"cbz {R(i['t'], sf)}, {Target(pc + (ulong)(i.Signed('i') << 2))}";
            case A64Op.Cbnz: return $"cbnz {R(i['t'], sf)}, {Target(pc + (ulong)(i.Signed('i') << 2))}";
            case A64Op.Tbz or A64Op.Tbnz:
                {
                    int bit = (i['B'] << 5) | i['b'];
                    return $"{(op == A64Op.Tbz ? "tbz" : "tbnz")} {R(i['t'], i['B'] == 1)}, #{bit}, {Target(pc + (ulong)(i.Signed('i') << 2))}";
                }

            case A64Op.Stxr or A64Op.Stlxr or A64Op.Ldxr or A64Op.Ldaxr or A64Op.Stlr or A64Op.Ldar:
                {
                    int size = i['z'];
                    string suffix = size switch { 0 => "b", 1 => "h", _ => "" };
                    string rt = R(i['t'], size == 3), mem = $"[{XSp(i['n'])}]";
                    return op switch
                    {
                        A64Op.Stxr => $"stxr{suffix} {R(i['s'], false)}, {rt}, {mem}",
                        A64Op.Stlxr => $"stlxr{suffix} {R(i['s'], false)}, {rt}, {mem}",
                        A64Op.Ldxr => $"ldxr{suffix} {rt}, {mem}",
                        A64Op.Ldaxr => $"ldaxr{suffix} {rt}, {mem}",
                        A64Op.Stlr => $"stlr{suffix} {rt}, {mem}",
                        _ => $"ldar{suffix} {rt}, {mem}",
                    };
                }
            case A64Op.Cas or A64Op.AtomicOp or A64Op.Swp:
                {
                    int size = i['z'];
                    bool x = size == 3;
                    string order = (i['Y'] == 1 ? "a" : "") + (i['R'] == 1 ? "l" : "");
                    string suffix = size switch { 0 => "b", 1 => "h", _ => "" };
                    string mem = $"[{XSp(i['n'])}]";
                    if (op == A64Op.Cas) return $"cas{order}{suffix} {R(i['s'], x)}, {R(i['t'], x)}, {mem}";
                    if (op == A64Op.Swp) return $"swp{order}{suffix} {R(i['s'], x)}, {R(i['t'], x)}, {mem}";
                    string name = AtomicNames[i['o']];
                    if (i['Y'] == 0 && i['t'] == 31)
                        return $"st{name}{(i['R'] == 1 ? "l" : "")}{suffix} {R(i['s'], x)}, {mem}";
                    return $"ld{name}{order}{suffix} {R(i['s'], x)}, {R(i['t'], x)}, {mem}";
                }
            case A64Op.Casp:
                {
                    bool x = i['z'] == 1;
                    string order = (i['Y'] == 1 ? "a" : "") + (i['R'] == 1 ? "l" : "");
                    int s = i['s'], t = i['t'];
                    if ((s & 1) != 0 || (t & 1) != 0) return null;
                    return $"casp{order} {R(s, x)}, {R(s + 1, x)}, {R(t, x)}, {R(t + 1, x)}, [{XSp(i['n'])}]";
                }
            case A64Op.Stxp or A64Op.Stlxp or A64Op.Ldxp or A64Op.Ldaxp:
                {
                    bool x = i['z'] == 1;
                    string pair = $"{R(i['t'], x)}, {R(i['u'], x)}, [{XSp(i['n'])}]";
                    return op switch
                    {
                        A64Op.Stxp => $"stxp {R(i['s'], false)}, {pair}",
                        A64Op.Stlxp => $"stlxp {R(i['s'], false)}, {pair}",
                        A64Op.Ldxp => $"ldxp {pair}",
                        _ => $"ldaxp {pair}",
                    };
                }

            case A64Op.LdrLit:
                {
                    string target = Target(pc + (ulong)(i.Signed('i') << 2));
                    int t = i['t'];
                    return i['o'] switch
                    {
                        0 => $"ldr {R(t, false)}, {target}",
                        1 => $"ldr {X(t)}, {target}",
                        2 => $"ldrsw {X(t)}, {target}",
                        _ => $"prfm {PrefetchOp(t)}, {target}",
                    };
                }
            case A64Op.LdrLitSimd:
                return $"ldr {"sdq"[i['o']]}{i['t']}, {Target(pc + (ulong)(i.Signed('i') << 2))}";

            case A64Op.LdStPair or A64Op.LdStPairSimd:
                {
                    int opc = i['o'], mode = i['p'], n = i['n'];
                    bool load = i['L'] == 1, simd = op == A64Op.LdStPairSimd;
                    int scale = simd ? 2 + opc : 2 + (opc >> 1);
                    long imm = i.Signed('i') << scale;
                    string name = mode == 0 ? (load ? "ldnp" : "stnp") : load ? (!simd && opc == 1 ? "ldpsw" : "ldp") : "stp";
                    string t1, t2;
                    if (simd) { char c = "sdq"[opc]; t1 = $"{c}{i['t']}"; t2 = $"{c}{i['u']}"; }
                    else { bool x = opc != 0; t1 = R(i['t'], x); t2 = R(i['u'], x); }
                    string mem = mode switch
                    {
                        1 => $"[{XSp(n)}], {Dec(imm)}",
                        3 => $"[{XSp(n)}, {Dec(imm)}]!",
                        _ => Memory(n, imm),
                    };
                    return $"{name} {t1}, {t2}, {mem}";
                }

            case A64Op.LdStImm9 or A64Op.LdStReg or A64Op.LdStUImm: return LoadStoreSingle(i, op);
            case A64Op.LdStMultiple or A64Op.LdStMultiplePost or A64Op.LdStSingle or A64Op.LdStSinglePost: return SimdStructure(i, op);

            case A64Op.AndReg or A64Op.BicReg or A64Op.OrrReg or A64Op.OrnReg or A64Op.EorReg or A64Op.EonReg or A64Op.AndsReg or A64Op.BicsReg:
                {
                    int d = i['d'], n = i['n'], m = i['m'], type = i['h'], amount = i['i'];
                    string rm = R(m, sf) + Shift(type, amount);
                    return op switch
                    {
                        A64Op.AndReg => $"and {R(d, sf)}, {R(n, sf)}, {rm}",
                        A64Op.BicReg => $"bic {R(d, sf)}, {R(n, sf)}, {rm}",
                        A64Op.OrrReg when n == 31 && type == 0 && amount == 0 => $"mov {R(d, sf)}, {R(m, sf)}",
                        A64Op.OrrReg => $"orr {R(d, sf)}, {R(n, sf)}, {rm}",
                        A64Op.OrnReg when n == 31 => $"mvn {R(d, sf)}, {rm}",
                        A64Op.OrnReg => $"orn {R(d, sf)}, {R(n, sf)}, {rm}",
                        A64Op.EorReg => $"eor {R(d, sf)}, {R(n, sf)}, {rm}",
                        A64Op.EonReg => $"eon {R(d, sf)}, {R(n, sf)}, {rm}",
                        A64Op.AndsReg when d == 31 => $"tst {R(n, sf)}, {rm}",
                        A64Op.AndsReg => $"ands {R(d, sf)}, {R(n, sf)}, {rm}",
                        _ => $"bics {R(d, sf)}, {R(n, sf)}, {rm}",
                    };
                }
            case A64Op.AddShift or A64Op.AddsShift or A64Op.SubShift or A64Op.SubsShift:
                {
                    int d = i['d'], n = i['n'];
                    string rm = R(i['m'], sf) + Shift(i['h'], i['i']);
                    return op switch
                    {
                        A64Op.AddShift => $"add {R(d, sf)}, {R(n, sf)}, {rm}",
                        A64Op.AddsShift when d == 31 => $"cmn {R(n, sf)}, {rm}",
                        A64Op.AddsShift => $"adds {R(d, sf)}, {R(n, sf)}, {rm}",
                        A64Op.SubShift when n == 31 => $"neg {R(d, sf)}, {rm}",
                        A64Op.SubShift => $"sub {R(d, sf)}, {R(n, sf)}, {rm}",
                        _ when d == 31 => $"cmp {R(n, sf)}, {rm}",
                        _ when n == 31 => $"negs {R(d, sf)}, {rm}",
                        _ => $"subs {R(d, sf)}, {R(n, sf)}, {rm}",
                    };
                }
            case A64Op.AddExt or A64Op.AddsExt or A64Op.SubExt or A64Op.SubsExt:
                {
                    int d = i['d'], n = i['n'], m = i['m'], option = i['x'], amount = i['i'];
                    bool flags = op is A64Op.AddsExt or A64Op.SubsExt;
                    bool spForm = flags ? n == 31 : d == 31 || n == 31;
                    string rm = R(m, sf && (option & 3) == 3);
                    if (spForm && option == (sf ? 3 : 2))
                        rm += amount == 0 ? "" : $", lsl #{amount}";
                    else
                        rm += $", {Extends[option]}" + (amount != 0 ? $" #{amount}" : "");
                    string name = op is A64Op.AddExt or A64Op.AddsExt ? "add" : "sub";
                    if (!flags) return $"{name} {RSp(d, sf)}, {RSp(n, sf)}, {rm}";
                    if (d == 31) return $"{(name == "add" ? "cmn" : "cmp")} {RSp(n, sf)}, {rm}";
                    return $"{name}s {R(d, sf)}, {RSp(n, sf)}, {rm}";
                }
            case A64Op.Adc or A64Op.Adcs or A64Op.Sbc or A64Op.Sbcs:
                {
                    int d = i['d'], n = i['n'], m = i['m'];
                    return op switch
                    {
                        A64Op.Adc => $"adc {R(d, sf)}, {R(n, sf)}, {R(m, sf)}",
                        A64Op.Adcs => $"adcs {R(d, sf)}, {R(n, sf)}, {R(m, sf)}",
                        A64Op.Sbc when n == 31 => $"ngc {R(d, sf)}, {R(m, sf)}",
                        A64Op.Sbc => $"sbc {R(d, sf)}, {R(n, sf)}, {R(m, sf)}",
                        _ when n == 31 => $"ngcs {R(d, sf)}, {R(m, sf)}",
                        _ => $"sbcs {R(d, sf)}, {R(n, sf)}, {R(m, sf)}",
                    };
                }
            case A64Op.CcmnReg or A64Op.CcmpReg or A64Op.CcmnImm or A64Op.CcmpImm:
                {
                    string name = op is A64Op.CcmnReg or A64Op.CcmnImm ? "ccmn" : "ccmp";
                    string second = op is A64Op.CcmnImm or A64Op.CcmpImm ? Hex((ulong)i['i']) : R(i['m'], sf);
                    return $"{name} {R(i['n'], sf)}, {second}, {Hex((ulong)i['f'])}, {Cond(i['c'])}";
                }
            case A64Op.Csel or A64Op.Csinc or A64Op.Csinv or A64Op.Csneg:
                {
                    int d = i['d'], n = i['n'], m = i['m'], c = i['c'];
                    bool alias = n == m && c < 14;
                    return op switch
                    {
                        A64Op.Csinc when alias && n == 31 => $"cset {R(d, sf)}, {InvCond(c)}",
                        A64Op.Csinc when alias => $"cinc {R(d, sf)}, {R(n, sf)}, {InvCond(c)}",
                        A64Op.Csinv when alias && n == 31 => $"csetm {R(d, sf)}, {InvCond(c)}",
                        A64Op.Csinv when alias => $"cinv {R(d, sf)}, {R(n, sf)}, {InvCond(c)}",
                        A64Op.Csneg when alias => $"cneg {R(d, sf)}, {R(n, sf)}, {InvCond(c)}",
                        _ => $"{op.ToString().ToLowerInvariant()} {R(d, sf)}, {R(n, sf)}, {R(m, sf)}, {Cond(c)}",
                    };
                }
            case A64Op.Madd or A64Op.Msub:
                {
                    int d = i['d'], n = i['n'], m = i['m'], a = i['a'];
                    if (a == 31) return $"{(op == A64Op.Madd ? "mul" : "mneg")} {R(d, sf)}, {R(n, sf)}, {R(m, sf)}";
                    return $"{(op == A64Op.Madd ? "madd" : "msub")} {R(d, sf)}, {R(n, sf)}, {R(m, sf)}, {R(a, sf)}";
                }
            case A64Op.Smaddl or A64Op.Smsubl or A64Op.Umaddl or A64Op.Umsubl:
                {
                    int d = i['d'], n = i['n'], m = i['m'], a = i['a'];
                    string operands = $"{X(d)}, {R(n, false)}, {R(m, false)}";
                    if (a == 31)
                    {
                        string alias = op switch { A64Op.Smaddl => "smull", A64Op.Smsubl => "smnegl", A64Op.Umaddl => "umull", _ => "umnegl" };
                        return $"{alias} {operands}";
                    }
                    return $"{op.ToString().ToLowerInvariant()} {operands}, {X(a)}";
                }
            case A64Op.Smulh or A64Op.Umulh:
                return $"{op.ToString().ToLowerInvariant()} {X(i['d'])}, {X(i['n'])}, {X(i['m'])}";
            case A64Op.Udiv or A64Op.Sdiv or A64Op.Lslv or A64Op.Lsrv or A64Op.Asrv or A64Op.Rorv:
                {
                    string name = op switch { A64Op.Udiv => "udiv", A64Op.Sdiv => "sdiv", A64Op.Lslv => "lsl", A64Op.Lsrv => "lsr", A64Op.Asrv => "asr", _ => "ror" };
                    return $"{name} {R(i['d'], sf)}, {R(i['n'], sf)}, {R(i['m'], sf)}";
                }
            case A64Op.Crc32:
                {
                    int sz = i['s'];
                    string name = "crc32" + (i['c'] == 1 ? "c" : "") + "bhwx"[sz];
                    return $"{name} {R(i['d'], false)}, {R(i['n'], false)}, {R(i['m'], sz == 3)}";
                }
            case A64Op.Rbit or A64Op.Rev16 or A64Op.Rev32 or A64Op.Rev64 or A64Op.Clz or A64Op.Cls:
                {
                    string name = op switch
                    {
                        A64Op.Rbit => "rbit",
                        A64Op.Rev16 => "rev16",
                        A64Op.Rev32 => sf ? "rev32" : "rev",
                        A64Op.Rev64 => "rev",
                        A64Op.Clz => "clz",
                        _ => "cls",
                    };
                    return $"{name} {R(i['d'], sf)}, {R(i['n'], sf)}";
                }

            case A64Op.SimdModImm: return SimdModifiedImmediate(i);
            case A64Op.FmovGen:
                {
                    int d = i['d'], n = i['n'], type = i['t'];
                    bool toVector = i['x'] == 1;
                    return type switch
                    {
                        0 => toVector ? $"fmov s{d}, {R(n, false)}" : $"fmov {R(d, false)}, s{n}",
                        1 => toVector ? $"fmov d{d}, {X(n)}" : $"fmov {X(d)}, d{n}",
                        _ => toVector ? $"fmov v{d}.d[1], {X(n)}" : $"fmov {X(d)}, v{n}.d[1]",
                    };
                }
            case A64Op.FmovImm:
                {
                    int imm8 = i['i'];
                    double value = i['t'] == 0
                        ? BitConverter.Int32BitsToSingle((int)A64Immediates.VfpExpandImm32(imm8))
                        : BitConverter.Int64BitsToDouble((long)A64Immediates.VfpExpandImm64(imm8));
                    return $"fmov {(i['t'] == 0 ? 's' : 'd')}{i['d']}, {FpImmediate(value)}";
                }
            case >= A64Op.FpCompare and <= A64Op.FpFixedConvert: return FloatingPoint(i, op);
            case A64Op.DupElem or A64Op.DupGen or A64Op.Smov or A64Op.Umov or A64Op.Ins or A64Op.InsElem:
                return Element(i, op);
            case A64Op.SimdLogic:
                {
                    int opIndex = (i['u'] << 2) | i['z'];
                    string t = i['q'] == 1 ? "16b" : "8b";
                    int d = i['d'], n = i['n'], m = i['m'];
                    if (opIndex == 2 && n == m) return $"mov {V(d, t)}, {V(n, t)}";
                    return $"{SimdLogicNames[opIndex]} {V(d, t)}, {V(n, t)}, {V(m, t)}";
                }
            case >= A64Op.CryptoAes and <= A64Op.CryptoPmull64:
                return Crypto(i);
            case >= A64Op.AdvSimd3Same and <= A64Op.AdvSimdTbl:
                return AdvSimd(i, op);
            case >= A64Op.AdvSimdScalar3Same and <= A64Op.AdvSimdScalarShiftImm:
                return i.Op == op ? ScalarText(i, op) : null;
            case A64Op.AdvSimdByElement or A64Op.AdvSimdScalarByElement:
                return ByElement(i);
            default:
                return null;
        }
    }

    /// <summary>
    /// Whether MOVZ or MOVN can make <paramref name="value"/>, in which case objdump keeps ORR (immediate)
    /// rather than its MOV alias. objdump decides on the value, which differs from the ARM ARM's
    /// <c>MoveWidePreferred</c> for some encodings (it prints <c>orr x0, xzr, #0xffffffffffff0000</c>). A write to
    /// SP is always the MOV alias: MOVZ and MOVN cannot write SP.
    /// </summary>
    private static bool MoveWidePreferred(ulong value, bool sf)
    {
        static bool Wide(ulong v, bool x)
        {
            if (!x) v &= 0xFFFF_FFFF;
            for (int shift = 0; shift < (x ? 64 : 32); shift += 16)
                if ((v & (0xFFFFul << shift)) == v) return true;
            return false;
        }
        return Wide(value, sf) || Wide(~value, sf);
    }

    private static string Bitfield(in A64Instruction i, A64Op op, bool sf)
    {
        int width = sf ? 64 : 32;
        int d = i['d'], n = i['n'], r = i['r'], s = i['s'];
        string rd = R(d, sf), rn = R(n, sf);
        switch (op)
        {
            case A64Op.Sbfm:
                if (s == width - 1) return $"asr {rd}, {rn}, #{r}";
                if (s < r) return $"sbfiz {rd}, {rn}, #{width - r}, #{s + 1}";
                if (r == 0 && s == 7) return $"sxtb {rd}, {R(n, false)}";
                if (r == 0 && s == 15) return $"sxth {rd}, {R(n, false)}";
                if (r == 0 && s == 31) return $"sxtw {rd}, {R(n, false)}";
                return $"sbfx {rd}, {rn}, #{r}, #{s - r + 1}";
            case A64Op.Ubfm:
                if (s != width - 1 && s + 1 == r) return $"lsl {rd}, {rn}, #{width - 1 - s}";
                if (s == width - 1) return $"lsr {rd}, {rn}, #{r}";
                if (s < r) return $"ubfiz {rd}, {rn}, #{width - r}, #{s + 1}";
                if (!sf && r == 0 && s == 7) return $"uxtb {rd}, {rn}";
                if (!sf && r == 0 && s == 15) return $"uxth {rd}, {rn}";
                return $"ubfx {rd}, {rn}, #{r}, #{s - r + 1}";
            default:
                if (s < r)
                    return n == 31 ? $"bfc {rd}, #{width - r}, #{s + 1}" : $"bfi {rd}, {rn}, #{width - r}, #{s + 1}";
                return $"bfxil {rd}, {rn}, #{r}, #{s - r + 1}";
        }
    }

    private static string? LoadStoreSingle(in A64Instruction i, A64Op op)
    {
        int size = i['z'], v = i['v'], opc = i['o'], t = i['t'], n = i['n'];
        int mode = op == A64Op.LdStImm9 ? i['w'] : -1; // 0 unscaled, 1 post, 2 unprivileged, 3 pre
        string name, rt;
        int scale;
        if (v == 1)
        {
            var (bytes, load) = A64Decoder.SimdAccess(size, opc);
            scale = System.Numerics.BitOperations.Log2((uint)bytes);
            rt = "bhsdq"[scale] + t.ToString(CultureInfo.InvariantCulture);
            name = load ? "ldr" : "str";
        }
        else
        {
            scale = size;
            var kind = A64Decoder.LoadStoreKind(size, v, opc, allowPrefetch: mode is -1 or 0);
            string suffix = size switch { 0 => "b", 1 => "h", _ => "" };
            switch (kind)
            {
                case A64Decoder.LdStKind.Store: name = "str" + suffix; rt = R(t, size == 3); break;
                case A64Decoder.LdStKind.Load: name = "ldr" + suffix; rt = R(t, size == 3); break;
                case A64Decoder.LdStKind.LoadSigned64: name = "ldrs" + (size == 2 ? "w" : suffix); rt = X(t); break;
                case A64Decoder.LdStKind.LoadSigned32: name = "ldrs" + suffix; rt = R(t, false); break;
                case A64Decoder.LdStKind.Prefetch: name = "prfm"; rt = PrefetchOp(t); break;
                default: return null;
            }
        }
        if (mode == 0) name = name.Replace("ldr", "ldur").Replace("str", "stur").Replace("prfm", "prfum");
        if (mode == 2) name = name.Replace("ldr", "ldtr").Replace("str", "sttr");

        switch (op)
        {
            case A64Op.LdStUImm:
                return $"{name} {rt}, {Memory(n, (long)i['i'] << scale)}";
            case A64Op.LdStImm9:
                {
                    long imm = i.Signed('i');
                    return mode switch
                    {
                        1 => $"{name} {rt}, [{XSp(n)}], {Dec(imm)}",
                        3 => $"{name} {rt}, [{XSp(n)}, {Dec(imm)}]!",
                        _ => $"{name} {rt}, {Memory(n, imm)}",
                    };
                }
            default:
                {
                    int option = i['x'], s = i['S'];
                    string rm = R(i['m'], (option & 1) == 1);
                    string extend = option == 3
                        ? (s == 1 ? $", lsl #{scale}" : "")
                        : $", {Extends[option]}" + (s == 1 ? $" #{scale}" : "");
                    return $"{name} {rt}, [{XSp(n)}, {rm}{extend}]";
                }
        }
    }

    private static string SimdModifiedImmediate(in A64Instruction i)
    {
        int q = i['q'], op = i['p'], cmode = i['c'], d = i['d'];
        int imm8 = (i['a'] << 5) | i['b'];
        string imm = Hex((ulong)imm8);
        if (cmode == 15)
        {
            if (op == 0)
                return $"fmov {V(d, q == 1 ? "4s" : "2s")}, {FpImmediate(BitConverter.Int32BitsToSingle((int)A64Immediates.VfpExpandImm32(imm8)))}";
            return $"fmov {V(d, "2d")}, {FpImmediate(BitConverter.Int64BitsToDouble((long)A64Immediates.VfpExpandImm64(imm8)))}";
        }
        if (cmode == 14)
        {
            if (op == 0) return $"movi {V(d, q == 1 ? "16b" : "8b")}, {imm}";
            string wide = Hex(A64Immediates.AdvSimdExpandImm(1, 14, imm8));
            return q == 1 ? $"movi {V(d, "2d")}, {wide}" : $"movi d{d}, {wide}";
        }
        if (cmode >= 12)
            return $"{(op == 0 ? "movi" : "mvni")} {V(d, q == 1 ? "4s" : "2s")}, {imm}, msl #{((cmode & 1) + 1) * 8}";
        bool halfwords = cmode >= 8;
        int shift = halfwords ? ((cmode >> 1) & 1) * 8 : ((cmode >> 1) & 3) * 8;
        string arrangement = halfwords ? (q == 1 ? "8h" : "4h") : (q == 1 ? "4s" : "2s");
        string name = (cmode & 1) == 0 ? (op == 0 ? "movi" : "mvni") : (op == 0 ? "orr" : "bic");
        return $"{name} {V(d, arrangement)}, {imm}" + (shift != 0 ? $", lsl #{shift}" : "");
    }

    private static string Element(in A64Instruction i, A64Op op)
    {
        int imm5 = i['i'], d = i['d'], n = i['n'];
        int q = i.Encoding!.HasField('q') ? i['q'] : 1;
        int log2 = A64Decoder.ElementSizeLog2(imm5);
        char e = "bhsd"[log2];
        int index = imm5 >> (log2 + 1);
        string arrangement = log2 switch
        {
            0 => q == 1 ? "16b" : "8b",
            1 => q == 1 ? "8h" : "4h",
            2 => q == 1 ? "4s" : "2s",
            _ => "2d",
        };
        return op switch
        {
            A64Op.DupElem => $"dup {V(d, arrangement)}, v{n}.{e}[{index}]",
            A64Op.DupGen => $"dup {V(d, arrangement)}, {R(n, log2 == 3)}",
            A64Op.Smov => $"smov {R(d, q == 1)}, v{n}.{e}[{index}]",
            A64Op.Umov when log2 >= 2 => $"mov {R(d, log2 == 3)}, v{n}.{e}[{index}]",
            A64Op.Umov => $"umov {R(d, false)}, v{n}.{e}[{index}]",
            A64Op.Ins => $"mov v{d}.{e}[{index}], {R(n, log2 == 3)}",
            _ => $"mov v{d}.{e}[{index}], v{n}.{e}[{i['j'] >> log2}]",
        };
    }
}

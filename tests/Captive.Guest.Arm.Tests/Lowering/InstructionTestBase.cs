using System.Buffers.Binary;
using System.Text;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

/// <summary>
/// Runs an assembled snippet on the interpreter and compares the whole machine with the expected state:
/// the setup plus the listed changes, and nothing else (every register, flag, system slot and RAM byte).
/// Registers start from a recognisable pattern so that a stray write shows.
/// </summary>
public abstract class InstructionTestBase
{
    internal static A64TestMachine Prepare(string asm, string setup)
    {
        var m = A64TestMachine.Assemble(asm);
        for (int n = 0; n <= 30; n++) m[n] = 0x5A5A_0000_0000_0000ul + (ulong)n;
        m.Sp = A64TestMachine.DataBase + 0x1000;
        for (int n = 0; n < 32; n++) m.SetV(n, 0x7E7E_0000_0000_0000ul + (ulong)n, 0x7F7F_0000_0000_0000ul + (ulong)n);
        StateNotation.Apply(m, setup);
        return m;
    }

    /// <summary>Runs <paramref name="asm"/> from <paramref name="setup"/> and expects exactly the changes in <paramref name="expect"/>.</summary>
    internal static A64TestMachine Check(string asm, string setup, string expect)
    {
        var m = Prepare(asm, setup);
        var state = (byte[])m.State.Clone();
        var ram = (byte[])m.Ram.Clone();
        StateNotation.Apply(state, ram, expect);
        m.RunToEnd();
        var errors = new StringBuilder();
        for (int offset = 0; offset < ArmState.Size; offset += 8)
        {
            ulong want = BinaryPrimitives.ReadUInt64LittleEndian(state.AsSpan(offset));
            ulong got = BinaryPrimitives.ReadUInt64LittleEndian(m.State.AsSpan(offset));
            if (want != got) errors.AppendLine($"{StateNotation.SlotName(offset)}: expected 0x{want:x}, got 0x{got:x}");
        }
        for (int k = 0; k < ram.Length; k++)
            if (ram[k] != m.Ram[k])
                errors.AppendLine($"byte at 0x{A64TestMachine.RamBase + (ulong)k:x}: expected 0x{ram[k]:x2}, got 0x{m.Ram[k]:x2}");
        if (errors.Length > 0)
            Assert.Fail($"{asm}\n{errors}\n{string.Join("\n", m.Blocks.Select(b => b.ToString()))}");
        return m;
    }
}

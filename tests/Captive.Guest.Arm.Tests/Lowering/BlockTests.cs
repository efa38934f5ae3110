using Captive.Core.IR;
using Captive.Guest.Arm.Lowering;
using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

/// <summary>Where blocks end, what fetch failures produce, and that lowering allocates nothing per instruction.</summary>
public sealed class BlockTests
{
    private const uint Nop = 0xd503201f, B8 = 0x14000002 /* b .+8 */, Svc0 = 0xd4000001, DaifClr2 = 0xd50342ff, MsrSctlr = 0xd5181000;

    private sealed class Fetcher(ulong start, params uint[] words) : IInstructionFetcher
    {
        public bool TryFetch(ulong address, out uint word)
        {
            ulong index = (address - start) / 4;
            bool ok = address >= start && index < (ulong)words.Length && (address & 3) == 0;
            word = ok ? words[index] : 0;
            return ok;
        }
    }

    private static IrBlock Lower(ulong address, int max, params uint[] words)
    {
        var block = new IrBlock();
        block.Reset(address, A64FrontEnd.ModeEl1);
        new A64FrontEnd().LowerBlock(address, new Fetcher(address, words), block, max);
        IrVerifier.Verify(block);
        return block;
    }

    [Fact]
    public void A_block_ends_at_the_first_branch()
    {
        var block = Lower(0x1000, 64, Nop, B8, Nop);
        Assert.Equal(2, block.GuestInstructionCount);
        Assert.Equal(IrTerminalKind.Jump, block.Terminal.Kind);
        Assert.Equal(0x100Cul, block.Terminal.Target);
    }

    [Fact]
    public void A_block_ends_after_maxInstructions_with_a_jump_to_the_next()
    {
        var block = Lower(0x1000, 16, Enumerable.Repeat(Nop, 20).ToArray());
        Assert.Equal(16, block.GuestInstructionCount);
        Assert.Equal(IrTerminalKind.Jump, block.Terminal.Kind);
        Assert.Equal(0x1040ul, block.Terminal.Target);
    }

    [Fact]
    public void A_block_ends_at_an_exception_with_a_jump_to_the_vector()
    {
        var block = Lower(0x1000, 64, Nop, Svc0, Nop);
        Assert.Equal(2, block.GuestInstructionCount);
        Assert.Equal(IrTerminalKind.JumpIndirect, block.Terminal.Kind);
    }

    [Fact]
    public void An_unfetchable_first_instruction_is_a_fetch_fault()
    {
        var block = Lower(0x1000, 64);
        Assert.Equal(0, block.GuestInstructionCount);
        Assert.Equal(IrTerminalKind.Trap, block.Terminal.Kind);
        Assert.Equal(IrTrapKind.FetchFault, block.Terminal.Trap);
        Assert.Equal(0x1000ul, block.Terminal.Target);
    }

    [Fact]
    public void A_block_ends_before_an_unfetchable_instruction()
    {
        var block = Lower(0x1000, 64, Nop, Nop, Nop);
        Assert.Equal(3, block.GuestInstructionCount);
        Assert.Equal(IrTerminalKind.Jump, block.Terminal.Kind);
        Assert.Equal(0x100Cul, block.Terminal.Target);
    }

    [Fact]
    public void Unmasking_interrupts_ends_the_block()
    {
        var block = Lower(0x1000, 64, DaifClr2, Nop, Nop);
        Assert.Equal(1, block.GuestInstructionCount);
        Assert.Equal(IrTerminalKind.Jump, block.Terminal.Kind);
        Assert.Equal(0x1004ul, block.Terminal.Target);
    }

    [Fact]
    public void A_write_to_sctlr_el1_ends_the_block_with_a_trap()
    {
        var block = Lower(0x1000, 64, Nop, MsrSctlr, Nop);
        Assert.Equal(IrTrapKind.SystemRegisterWrite, block.Terminal.Trap);
        Assert.Equal((ulong)A64SystemRegisters.SctlrEl1, block.Terminal.Info);
        Assert.True(block.Terminal.Value >= 0);
    }

    [Fact]
    public void The_front_end_reports_the_ArmState_layout()
    {
        var layout = new A64FrontEnd().StateLayout;
        Assert.Equal(ArmState.Layout, layout);
        Assert.Equal(0, layout.Size % 64);
        Assert.Equal(256, layout.PcOffset);
        Assert.Equal(264, layout.FlagsOffset);
    }

    [Fact]
    public void Lowering_a_block_allocates_nothing_once_warm()
    {
        GnuToolchain.RequireAssembler();
        var code = GnuToolchain.Assemble(string.Join("\n",
            "1: ldp x0, x1, [sp, #16]", "add x2, x0, x1, lsl #3", "ldr w3, [x2, w1, sxtw #2]", "cmp w3, #10",
            "csel x4, x0, x1, lt", "ubfx x5, x4, #3, #9", "stp x4, x5, [sp, #-16]!", "madd x6, x4, x5, x0",
            "orr x7, xzr, #0xff00ff00ff00ff00", "movk x7, #0x1234, lsl #16", "ldxr x8, [x2]", "stxr w9, x8, [x2]",
            "movi v0.2d, #0", "str q0, [x2]", "mrs x10, nzcv", "tbnz x10, #30, 1b"));
        var frontEnd = new A64FrontEnd();
        var fetcher = new Fetcher(0x1000, code);
        var block = new IrBlock();
        for (int warm = 0; warm < 3; warm++)
        {
            block.Reset(0x1000, A64FrontEnd.ModeEl1);
            frontEnd.LowerBlock(0x1000, fetcher, block, 64);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 100; k++)
        {
            block.Reset(0x1000, A64FrontEnd.ModeEl1);
            frontEnd.LowerBlock(0x1000, fetcher, block, 64);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(code.Length, block.GuestInstructionCount);
    }
}

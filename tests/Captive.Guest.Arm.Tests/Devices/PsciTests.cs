using Captive.Guest.Arm.Devices;
using Xunit;

namespace Captive.Guest.Arm.Tests.Devices;

// Function IDs and return values are those of the PSCI specification (ARM DEN 0022, tables
// "PSCI function IDs" and "Return error codes"), written out as literals on purpose.
public sealed class PsciTests
{
    private static readonly Psci Firmware = new();

    private static PsciCall Call(ulong x0, ulong x1 = 0, ulong x2 = 0, ulong x3 = 0) => Firmware.Handle(x0, x1, x2, x3);

    private static ulong SignExtended(long value) => unchecked((ulong)value);

    [Fact]
    public void PSCI_VERSION_reports_1_0()
    {
        Assert.Equal(new PsciCall(PsciAction.Continue, 0x0001_0000), Call(0x8400_0000));
    }

    [Fact]
    public void SYSTEM_OFF_powers_off()
    {
        Assert.Equal(PsciAction.PowerOff, Call(0x8400_0008).Action);
    }

    [Fact]
    public void SYSTEM_RESET_resets()
    {
        Assert.Equal(PsciAction.Reset, Call(0x8400_0009).Action);
    }

    [Fact]
    public void CPU_OFF_turns_the_calling_cpu_off()
    {
        Assert.Equal(PsciAction.CpuOff, Call(0x8400_0002).Action);
    }

    [Theory]
    [InlineData(0xC400_0003UL)]
    [InlineData(0x8400_0003UL)]
    public void CPU_ON_for_cpu_0_is_ALREADY_ON(ulong function)
    {
        Assert.Equal(new PsciCall(PsciAction.Continue, SignExtended(-4)), Call(function, 0, 0x4008_0000, 0));
    }

    [Theory]
    [InlineData(0xC400_0003UL, 1UL)]
    [InlineData(0xC400_0003UL, 0x100UL)]            // Aff1 = 1
    [InlineData(0xC400_0003UL, 0x1_0000_0000UL)]    // Aff3 = 1
    [InlineData(0x8400_0003UL, 2UL)]
    public void CPU_ON_for_any_other_cpu_is_INVALID_PARAMETERS(ulong function, ulong target)
    {
        Assert.Equal(SignExtended(-2), Call(function, target, 0x4008_0000, 0).ReturnValue);
    }

    [Fact]
    public void SMC32_CPU_ON_ignores_the_upper_half_of_its_arguments()
    {
        Assert.Equal(SignExtended(-4), Call(0x8400_0003, 0xFFFF_FFFF_0000_0000, 0, 0).ReturnValue);
    }

    [Theory]
    [InlineData(0x0UL, 0UL, 0L)]          // cpu 0 at level 0: ON
    [InlineData(0x1UL, 0UL, -2L)]         // cpu 1 does not exist
    [InlineData(0x1UL, 1UL, 0L)]          // level 1 ignores Aff0: cluster 0 is on
    [InlineData(0x100UL, 1UL, -2L)]       // cluster 1 does not exist
    [InlineData(0x0UL, 4UL, -2L)]         // there is no affinity level 4
    public void AFFINITY_INFO_reports_cpu_0_on(ulong target, ulong level, long expected)
    {
        Assert.Equal(SignExtended(expected), Call(0xC400_0004, target, level).ReturnValue);
        Assert.Equal(SignExtended(expected), Call(0x8400_0004, target, level).ReturnValue);
    }

    [Fact]
    public void MIGRATE_INFO_TYPE_says_migration_is_not_required()
    {
        Assert.Equal(2UL, Call(0x8400_0006).ReturnValue);
    }

    [Fact]
    public void CPU_SUSPEND_returns_success_at_once()
    {
        Assert.Equal(new PsciCall(PsciAction.Continue, 0), Call(0xC400_0001, 0, 0x4008_0000, 0));
    }

    [Theory]
    [InlineData(0x8400_0000U)]
    [InlineData(0xC400_0001U)]
    [InlineData(0x8400_0002U)]
    [InlineData(0xC400_0003U)]
    [InlineData(0xC400_0004U)]
    [InlineData(0x8400_0006U)]
    [InlineData(0x8400_0008U)]
    [InlineData(0x8400_0009U)]
    [InlineData(0x8400_000AU)]
    public void PSCI_FEATURES_reports_implemented_functions(uint function)
    {
        Assert.Equal(new PsciCall(PsciAction.Continue, 0), Call(0x8400_000A, function));
    }

    [Theory]
    [InlineData(0xC400_0005U)]   // MIGRATE
    [InlineData(0x8400_0012U)]   // SYSTEM_RESET2
    [InlineData(0x8000_0000U)]   // SMCCC_VERSION
    [InlineData(0x1234_5678U)]
    public void PSCI_FEATURES_reports_other_functions_NOT_SUPPORTED(uint function)
    {
        Assert.Equal(0xFFFF_FFFF_FFFF_FFFFUL, Call(0x8400_000A, function).ReturnValue);
    }

    [Theory]
    [InlineData(0x8400_0005UL)]
    [InlineData(0xC400_0012UL)]
    [InlineData(0x8000_0000UL)]
    [InlineData(0x0UL)]
    [InlineData(0xFFFF_FFFFUL)]
    public void Unknown_functions_return_NOT_SUPPORTED_sign_extended(ulong function)
    {
        Assert.Equal(new PsciCall(PsciAction.Continue, 0xFFFF_FFFF_FFFF_FFFF), Call(function));
    }

    [Fact]
    public void Only_W0_selects_the_function()
    {
        Assert.Equal(0x0001_0000UL, Call(0xDEAD_BEEF_8400_0000).ReturnValue);
        Assert.Equal(PsciAction.PowerOff, Call(0x1_8400_0008).Action);
    }
}

using Captive.Guest.Arm.Loading;
using Xunit;

namespace Captive.Guest.Arm.Tests.Loading;

/// <summary>
/// The committed guest programs (guests/build.sh): every program has -O0 and -O2 ELFs and the
/// UART output QEMU printed for them, ending in DONE; and the loader accepts every ELF.
/// </summary>
public sealed class PrebuiltGuestTests
{
    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var source in Directory.GetFiles(Path.Combine(RepositoryPaths.Guests, "tests"), "*.c").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(source));
        return data;
    }

    [Fact]
    public void The_expected_programs_exist()
    {
        var names = Programs().Select(row => row.Data).ToArray();
        Assert.Equal(["arith", "crc32", "debug", "divzero", "exceptions", "funcptr", "gic", "idregs", "irqfault", "loop", "mmu", "recursion", "rtc", "sieve", "smc", "sort", "strings", "timer", "tlbi"], names);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Expected_output_exists_and_ends_with_DONE(string program)
    {
        var path = Path.Combine(RepositoryPaths.Prebuilt, program + ".expected");
        Assert.True(File.Exists(path), $"{path} is missing: run guests/build.sh");
        var lines = File.ReadAllText(path).Split('\n');
        Assert.Equal("", lines[^1]);                 // ends with a newline
        Assert.Equal("DONE", lines[^2]);
        Assert.True(lines.Length > 2, "the program printed nothing before DONE");
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Both_optimisation_levels_load_as_AArch64_ELF_at_0x40080000(string program)
    {
        foreach (var level in new[] { "O0", "O2" })
        {
            var path = Path.Combine(RepositoryPaths.Prebuilt, $"{program}-{level}.elf");
            Assert.True(File.Exists(path), $"{path} is missing: run guests/build.sh");
            var ram = new byte[1 << 20];
            var image = GuestImageLoader.Load(File.ReadAllBytes(path), new(0x4000_0000), ram);
            Assert.Equal(GuestImageKind.Elf, image.Kind);
            Assert.Equal(0x4008_0000UL, image.Entry.Value);
            Assert.True(image.EndAddress.Value - image.LowestAddress.Value < 512 * 1024, "image unexpectedly large");
        }
    }

    [Fact]
    public void Demo_guest_exists_and_loads()
    {
        var path = Path.Combine(RepositoryPaths.Prebuilt, "hello.elf");
        var image = GuestImageLoader.Load(File.ReadAllBytes(path), new(0x4000_0000), new byte[1 << 20]);
        Assert.Equal(0x4008_0000UL, image.Entry.Value);
        Assert.Contains("Hello from an AArch64 guest!", File.ReadAllText(Path.Combine(RepositoryPaths.Prebuilt, "hello.expected")));
    }
}

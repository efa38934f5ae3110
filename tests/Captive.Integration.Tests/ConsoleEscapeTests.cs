using System.Buffers;
using Captive.Cli;

namespace Captive.Integration.Tests;

/// <summary>The console's Ctrl-A escapes, with QEMU's key bindings.</summary>
public sealed class ConsoleEscapeTests
{
    private static (string Guest, EscapeCommand[] Commands) Feed(params string[] reads)
    {
        var escape = new ConsoleEscape();
        var guest = new ArrayBufferWriter<byte>();
        var commands = new List<EscapeCommand>();
        foreach (var read in reads)
            escape.Process(System.Text.Encoding.Latin1.GetBytes(read), guest, commands);
        return (System.Text.Encoding.Latin1.GetString(guest.WrittenSpan), commands.ToArray());
    }

    [Fact]
    public void Plain_input_passes_through_unchanged()
    {
        var (guest, commands) = Feed("ls -l\r", "\u0003\u0004");
        Assert.Equal("ls -l\r\u0003\u0004", guest);
        Assert.Empty(commands);
    }

    [Fact]
    public void Ctrl_A_X_quits_and_is_not_sent()
    {
        var (guest, commands) = Feed("ab\u0001xcd");
        Assert.Equal("abcd", guest);
        Assert.Equal([EscapeCommand.Quit], commands);
    }

    [Fact]
    public void Ctrl_A_Ctrl_A_sends_one_Ctrl_A()
    {
        var (guest, commands) = Feed("\u0001\u0001a");
        Assert.Equal("\u0001a", guest);
        Assert.Empty(commands);
    }

    [Fact]
    public void An_escape_split_across_reads_still_applies()
    {
        var (guest, commands) = Feed("a\u0001", "Hb", "\u0001", "X");
        Assert.Equal("ab", guest);
        Assert.Equal([EscapeCommand.Help, EscapeCommand.Quit], commands);
    }

    [Fact]
    public void Unknown_escapes_are_swallowed()
    {
        var (guest, commands) = Feed("\u0001zy");
        Assert.Equal("y", guest);
        Assert.Empty(commands);
    }
}

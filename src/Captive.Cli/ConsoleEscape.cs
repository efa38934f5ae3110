using System.Buffers;

namespace Captive.Cli;

/// <summary>A console command typed after the escape character (Ctrl-A), as in QEMU's <c>-nographic</c>.</summary>
internal enum EscapeCommand
{
    /// <summary>Ctrl-A X: stop the guest and exit.</summary>
    Quit,

    /// <summary>Ctrl-A H: list the commands.</summary>
    Help,
}

/// <summary>
/// Splits console input into bytes for the guest and escape commands, with QEMU's key bindings:
/// Ctrl-A X quits, Ctrl-A H prints help, Ctrl-A Ctrl-A sends one Ctrl-A to the guest; any other
/// key after Ctrl-A is swallowed. The escape state carries over between reads, so a Ctrl-A at the
/// end of one read applies to the first byte of the next.
/// </summary>
internal sealed class ConsoleEscape
{
    /// <summary>The escape character, Ctrl-A.</summary>
    public const byte EscapeByte = 0x01;

    /// <summary>What Ctrl-A H prints.</summary>
    public const string HelpText =
        "\nC-a h    print this help\nC-a x    exit captive\nC-a C-a  send C-a to the guest\n";

    private bool _escaped;

    /// <summary>
    /// Filters <paramref name="input"/>: guest bytes go to <paramref name="guest"/>, commands to
    /// <paramref name="commands"/> in the order typed.
    /// </summary>
    public void Process(ReadOnlySpan<byte> input, IBufferWriter<byte> guest, ICollection<EscapeCommand> commands)
    {
        int start = 0;
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            if (_escaped)
            {
                _escaped = false;
                switch (b)
                {
                    case EscapeByte: guest.Write([EscapeByte]); break;
                    case (byte)'x' or (byte)'X': commands.Add(EscapeCommand.Quit); break;
                    case (byte)'h' or (byte)'H' or (byte)'?': commands.Add(EscapeCommand.Help); break;
                    default: break;   // QEMU ignores unknown escapes too
                }
                start = i + 1;
            }
            else if (b == EscapeByte)
            {
                guest.Write(input[start..i]);
                _escaped = true;
            }
        }
        if (!_escaped && start < input.Length)
            guest.Write(input[start..]);
    }
}

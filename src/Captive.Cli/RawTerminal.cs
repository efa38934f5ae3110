using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Captive.Cli;

/// <summary>
/// Puts a terminal into raw mode (<c>cfmakeraw</c>: no echo, no line editing, no signals from
/// Ctrl-C or Ctrl-Z) so that every key reaches the guest, which does its own echo and line editing,
/// as QEMU's <c>-nographic</c> does. Like QEMU it keeps output post-processing (OPOST), so a guest
/// that prints bare LF still gets a new line. Disposing restores the settings saved on entry; it is
/// idempotent, so every exit path can call it.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class RawTerminal : IDisposable
{
    private const int TCSANOW = 0;
    private const uint OPOST = 1;

    private readonly int _fd;
    private Termios _saved;
    private int _restored;

    private RawTerminal(int fd, Termios saved)
    {
        _fd = fd;
        _saved = saved;
    }

    /// <summary>Switches <paramref name="fd"/> to raw mode; null when it is not a terminal.</summary>
    public static RawTerminal? TryEnter(int fd)
    {
        if (isatty(fd) != 1) return null;
        if (tcgetattr(fd, out var saved) != 0) return null;
        var raw = saved;
        cfmakeraw(ref raw);
        raw.OutputFlags |= OPOST;
        if (tcsetattr(fd, TCSANOW, in raw) != 0) return null;
        return new RawTerminal(fd, saved);
    }

    /// <summary>Restores the terminal settings saved by <see cref="TryEnter"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _restored, 1) == 0)
            _ = tcsetattr(_fd, TCSANOW, in _saved);
    }

    /// <summary>
    /// glibc's <c>struct termios</c> on Linux: four 32-bit flag words, then c_line, 32 control
    /// characters and two speeds (60 bytes in all). Only the flags are named; the size leaves room.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    private struct Termios
    {
        public uint InputFlags;
        public uint OutputFlags;
        public uint ControlFlags;
        public uint LocalFlags;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int isatty(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcgetattr(int fd, out Termios termios);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int tcsetattr(int fd, int optionalActions, in Termios termios);

    [LibraryImport("libc")]
    private static partial void cfmakeraw(ref Termios termios);
}

using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Captive.Core.Devices.Network;

/// <summary>
/// A Linux TAP interface as a network endpoint (<c>/dev/net/tun</c>, TUNSETIFF with IFF_TAP | IFF_NO_PI): frames the guest
/// sends appear on the host interface, frames routed to it reach the guest. Creating or attaching to an interface needs
/// CAP_NET_ADMIN (or a persistent TAP owned by the user, <c>ip tuntap add … user …</c>). The host side is configured as for
/// QEMU (<c>ip addr add … dev tap0; ip link set tap0 up</c>). A reader thread polls the device; <see cref="Dispose"/> stops it.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class TapEndpoint : INetworkEndpoint, IDisposable
{
    private const uint TunSetIff = 0x4004_54CA;
    private const short IffTap = 0x0002, IffNoPi = 0x1000;
    private const short PollIn = 0x001;
    private const int MaxFrame = 65536;

    private readonly SafeFileHandle _handle;
    private Thread? _reader;
    private volatile bool _stop;

    /// <summary>Opens <c>/dev/net/tun</c> and attaches to (or creates) TAP interface <paramref name="interfaceName"/>.</summary>
    /// <exception cref="IOException">The device cannot be opened or the interface cannot be attached (with the reason).</exception>
    public unsafe TapEndpoint(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (Encoding.ASCII.GetByteCount(interfaceName) > 15 || interfaceName.Any(c => c > 0x7F))
            throw new ArgumentException($"Interface name '{interfaceName}' must be at most 15 ASCII characters.", nameof(interfaceName));
        try
        {
            _handle = File.OpenHandle("/dev/net/tun", FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"cannot open /dev/net/tun for TAP interface '{interfaceName}': {e.Message}", e);
        }
        byte* ifr = stackalloc byte[40];
        new Span<byte>(ifr, 40).Clear();
        Encoding.ASCII.GetBytes(interfaceName, new Span<byte>(ifr, 16));
        *(short*)(ifr + 16) = IffTap | IffNoPi;
        if (Ioctl((int)_handle.DangerousGetHandle(), TunSetIff, ifr) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _handle.Dispose();
            throw new IOException($"TUNSETIFF '{interfaceName}' failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}; creating a TAP needs CAP_NET_ADMIN)");
        }
        InterfaceName = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(ifr, 16)).TrimEnd('\0');
    }

    /// <summary>The interface's name (the kernel's choice when the name held a <c>%d</c>).</summary>
    public string InterfaceName { get; }

    /// <summary>Frames the host could not take (the TAP queue was full or the interface down).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);
    private long _sendErrors;

    /// <inheritdoc/>
    public unsafe void Send(ReadOnlySpan<byte> frame)
    {
        if (_stop) return;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            fixed (byte* p = frame)
                if (Write((int)_handle.DangerousGetHandle(), p, (nuint)frame.Length) < 0) Interlocked.Increment(ref _sendErrors);
        }
        catch (ObjectDisposedException) { }
        finally { if (added) _handle.DangerousRelease(); }
    }

    /// <inheritdoc/>
    public void Start(FrameHandler receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (_reader is not null) throw new InvalidOperationException("The TAP endpoint is already started.");
        _reader = new Thread(() => ReadLoop(receive)) { IsBackground = true, Name = $"captive-tap-{InterfaceName}" };
        _reader.Start();
    }

    private unsafe void ReadLoop(FrameHandler receive)
    {
        var buffer = new byte[MaxFrame];
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)_handle.DangerousGetHandle();
            var pfd = new PollFd { Fd = fd, Events = PollIn };
            while (!_stop)
            {
                // Poll with a timeout: closing a descriptor does not wake a thread blocked reading it.
                pfd.Revents = 0;
                int ready = Poll(&pfd, 1, 100);
                if (ready <= 0) continue;
                nint n;
                fixed (byte* p = buffer) n = Read(fd, p, (nuint)buffer.Length);
                if (n > 0) receive(buffer.AsSpan(0, (int)n));
                else if (n < 0 && Marshal.GetLastPInvokeError() is not (4 or 11)) break; // EINTR, EAGAIN: again; else the device went
            }
        }
        finally { if (added) _handle.DangerousRelease(); }
    }

    /// <summary>Stops the reader and closes the device (a non-persistent interface disappears).</summary>
    public void Dispose()
    {
        _stop = true;
        if (_reader is { } r && r != Thread.CurrentThread) r.Join();
        _handle.Dispose();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nuint count);
}

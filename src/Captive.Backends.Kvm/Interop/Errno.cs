using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Captive.Core.Backends;

namespace Captive.Backends.Kvm.Interop;

/// <summary>Turns the errno of the last libc call into a <see cref="BackendException"/>.</summary>
[SupportedOSPlatform("linux")]
internal static class Errno
{
    /// <summary>The errno left by the last <c>SetLastError = true</c> import on this thread.</summary>
    internal static int Last => Marshal.GetLastPInvokeError();

    /// <summary>An exception for <paramref name="operation"/> from the current errno.</summary>
    internal static BackendException Exception(string operation) => Exception(operation, Last);

    /// <summary>An exception for <paramref name="operation"/> from <paramref name="errno"/>, with strerror's text.</summary>
    internal static BackendException Exception(string operation, int errno) =>
        new(operation, errno, Marshal.GetPInvokeErrorMessage(errno));

    /// <summary>Returns <paramref name="result"/>, or throws for <paramref name="operation"/> when it is negative.</summary>
    internal static int Check(int result, string operation) => result < 0 ? throw Exception(operation) : result;
}

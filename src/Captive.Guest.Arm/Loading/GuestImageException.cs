namespace Captive.Guest.Arm.Loading;

/// <summary>
/// A kernel, initrd or device tree cannot be loaded: the file is malformed or of an unsupported
/// kind, or it does not fit in guest RAM. The message names what is wrong. Nothing has been
/// written to guest RAM when the loader throws it.
/// </summary>
public sealed class GuestImageException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public GuestImageException() { }

    /// <summary>Creates an exception with a message.</summary>
    public GuestImageException(string message) : base(message) { }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public GuestImageException(string message, Exception innerException) : base(message, innerException) { }
}

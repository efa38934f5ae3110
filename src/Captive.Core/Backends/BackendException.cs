namespace Captive.Core.Backends;

/// <summary>An accelerator operation failed (an ioctl or hypervisor call returned an error).</summary>
public class BackendException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BackendException(string operation, int errorCode, string message)
        : base($"{operation} failed: {message} (error {errorCode})")
    {
        Operation = operation;
        ErrorCode = errorCode;
    }

    /// <summary>The operation that failed, for example <c>KVM_CREATE_VM</c>.</summary>
    public string Operation { get; }

    /// <summary>errno on Linux, HRESULT on Windows.</summary>
    public int ErrorCode { get; }
}

namespace Captive.Backends.Kvm.Tests.Infrastructure;

/// <summary>Opens KVM for a test, or skips the test with the reason KVM is unusable here.</summary>
public static class KvmHost
{
    public static KvmBackend Open()
    {
        var availability = KvmBackend.Probe();
        if (!availability.IsUsable)
        {
            Assert.Skip($"KVM is not usable here: {availability.Reason}");
        }

        return new KvmBackend();
    }

    /// <summary>A long-mode VM that owns its backend.</summary>
    public static TestVm OpenVm()
    {
        var backend = Open();
        try
        {
            return new TestVm(backend, ownsBackend: true);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }
}

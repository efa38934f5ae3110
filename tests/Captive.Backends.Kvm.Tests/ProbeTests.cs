namespace Captive.Backends.Kvm.Tests;

public sealed class ProbeTests
{
    [Fact]
    public void Probe_reports_usability_with_a_reason()
    {
        var availability = KvmBackend.Probe();

        Assert.False(string.IsNullOrWhiteSpace(availability.Reason));
        if (!availability.IsUsable)
        {
            Assert.Skip($"KVM is not usable here: {availability.Reason}");
        }

        Assert.True(availability.IsUsable);
    }

    [Fact]
    public void Backend_is_named_kvm()
    {
        using var backend = Infrastructure.KvmHost.Open();

        Assert.Equal("kvm", backend.Name);
    }
}

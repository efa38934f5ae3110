namespace Captive.Integration.Tests;

/// <summary>The samples keep working: an embedder's own device on the bus sees the guest's accesses.</summary>
public sealed class SampleTests
{
    [Theory]
    [InlineData("interpreter")]
    [InlineData("kvm")]
    public void Custom_device_sees_the_guests_writes_and_answers_its_reads(string engine)
    {
        using var backend = TestEnvironment.Backend(engine);
        var received = Captive.Samples.CustomDevice.Program.Run(backend);
        // 42 written, then 42 + the value the device answered (100).
        Assert.Equal([42UL, 142UL], received);
    }
}

using System.Runtime.Versioning;

// The KVM backend is Linux only; tests skip elsewhere (KvmHost.Open checks the probe first).
[assembly: SupportedOSPlatform("linux")]

namespace Captive.Guest.Arm.Devices;

/// <summary>What the machine must do after a PSCI call.</summary>
public enum PsciAction
{
    /// <summary>Write <see cref="PsciCall.ReturnValue"/> to X0 and resume after the HVC.</summary>
    Continue,

    /// <summary>SYSTEM_OFF: stop the machine (a clean exit).</summary>
    PowerOff,

    /// <summary>SYSTEM_RESET: reset the machine and boot again.</summary>
    Reset,

    /// <summary>
    /// CPU_OFF: the calling CPU is powered down and does not return. With a single CPU nothing can
    /// ever power it on again, so an embedder will normally stop the machine.
    /// </summary>
    CpuOff,
}

/// <summary>The outcome of one PSCI call.</summary>
/// <param name="Action">What the machine does next.</param>
/// <param name="ReturnValue">The value for X0 when <paramref name="Action"/> is <see cref="PsciAction.Continue"/>
/// (PSCI status codes are negative and sign-extended to 64 bits).</param>
public readonly record struct PsciCall(PsciAction Action, ulong ReturnValue)
{
    /// <summary>Resume with <paramref name="value"/> in X0.</summary>
    public static PsciCall Return(long value) => new(PsciAction.Continue, unchecked((ulong)value));
}

/// <summary>PSCI function identifiers (SMC Calling Convention: fast calls, standard service range).</summary>
public static class PsciFunction
{
    /// <summary>PSCI_VERSION.</summary>
    public const uint Version = 0x8400_0000;
    /// <summary>CPU_SUSPEND, SMC32.</summary>
    public const uint CpuSuspend32 = 0x8400_0001;
    /// <summary>CPU_SUSPEND, SMC64.</summary>
    public const uint CpuSuspend64 = 0xC400_0001;
    /// <summary>CPU_OFF.</summary>
    public const uint CpuOff = 0x8400_0002;
    /// <summary>CPU_ON, SMC32.</summary>
    public const uint CpuOn32 = 0x8400_0003;
    /// <summary>CPU_ON, SMC64.</summary>
    public const uint CpuOn64 = 0xC400_0003;
    /// <summary>AFFINITY_INFO, SMC32.</summary>
    public const uint AffinityInfo32 = 0x8400_0004;
    /// <summary>AFFINITY_INFO, SMC64.</summary>
    public const uint AffinityInfo64 = 0xC400_0004;
    /// <summary>MIGRATE, SMC32.</summary>
    public const uint Migrate32 = 0x8400_0005;
    /// <summary>MIGRATE, SMC64.</summary>
    public const uint Migrate64 = 0xC400_0005;
    /// <summary>MIGRATE_INFO_TYPE.</summary>
    public const uint MigrateInfoType = 0x8400_0006;
    /// <summary>MIGRATE_INFO_UP_CPU, SMC32.</summary>
    public const uint MigrateInfoUpCpu32 = 0x8400_0007;
    /// <summary>MIGRATE_INFO_UP_CPU, SMC64.</summary>
    public const uint MigrateInfoUpCpu64 = 0xC400_0007;
    /// <summary>SYSTEM_OFF.</summary>
    public const uint SystemOff = 0x8400_0008;
    /// <summary>SYSTEM_RESET.</summary>
    public const uint SystemReset = 0x8400_0009;
    /// <summary>PSCI_FEATURES (PSCI 1.0).</summary>
    public const uint Features = 0x8400_000A;
}

/// <summary>PSCI return codes.</summary>
public static class PsciStatus
{
    /// <summary>SUCCESS.</summary>
    public const int Success = 0;
    /// <summary>NOT_SUPPORTED.</summary>
    public const int NotSupported = -1;
    /// <summary>INVALID_PARAMETERS.</summary>
    public const int InvalidParameters = -2;
    /// <summary>DENIED.</summary>
    public const int Denied = -3;
    /// <summary>ALREADY_ON.</summary>
    public const int AlreadyOn = -4;
    /// <summary>ON_PENDING.</summary>
    public const int OnPending = -5;
    /// <summary>INTERNAL_FAILURE.</summary>
    public const int InternalFailure = -6;
    /// <summary>NOT_PRESENT.</summary>
    public const int NotPresent = -7;
    /// <summary>DISABLED.</summary>
    public const int Disabled = -8;
    /// <summary>INVALID_ADDRESS.</summary>
    public const int InvalidAddress = -9;

    /// <summary>AFFINITY_INFO: the affinity instance is on.</summary>
    public const int AffinityOn = 0;
    /// <summary>AFFINITY_INFO: the affinity instance is off.</summary>
    public const int AffinityOff = 1;

    /// <summary>MIGRATE_INFO_TYPE: no Trusted OS, migration not required.</summary>
    public const int MigrationNotRequired = 2;
}

/// <summary>
/// PSCI 1.0 firmware for a single-CPU machine, reached through HVC #0 with the SMC Calling
/// Convention (function ID in W0, arguments in X1..X3, result in X0). Stateless: SMP does not
/// exist yet, so CPU 0 is always on and no other CPU exists.
/// </summary>
/// <remarks>
/// Implemented: PSCI_VERSION, CPU_SUSPEND, CPU_OFF, CPU_ON, AFFINITY_INFO, MIGRATE_INFO_TYPE,
/// SYSTEM_OFF, SYSTEM_RESET and PSCI_FEATURES — the set PSCI 1.0 makes mandatory. CPU_SUSPEND
/// returns SUCCESS at once, which the specification allows (a wake-up event arrived before the
/// core reached the state). Anything else, including MIGRATE and the SMCCC_VERSION query, is
/// NOT_SUPPORTED, which SMCCC callers must handle. SMC32 functions see only the low 32 bits of
/// their arguments.
/// </remarks>
public sealed class Psci
{
    /// <summary>PSCI_VERSION's answer: major 1, minor 0.</summary>
    public const uint VersionValue = 0x0001_0000;

    /// <summary>The MPIDR affinity of the only CPU (Aff3..Aff0 all zero).</summary>
    public const ulong BootCpuAffinity = 0;

    /// <summary>MPIDR_EL1 affinity fields Aff3 (39:32), Aff2, Aff1, Aff0 (7:0).</summary>
    private const ulong AffinityMask = 0xFF_00FF_FFFFUL;

    /// <summary>SMCCC function ID bit 30: set for the SMC64/HVC64 calling convention.</summary>
    private const uint Smc64Bit = 0x4000_0000;

    /// <summary>Handles one call. <paramref name="x0"/> holds the function ID (only W0 is read).</summary>
    public PsciCall Handle(ulong x0, ulong x1, ulong x2, ulong x3)
    {
        uint function = (uint)x0;
        bool smc32 = (function & Smc64Bit) == 0;
        if (smc32)
        {
            x1 = (uint)x1;
            x2 = (uint)x2;
        }
        _ = x3;   // no implemented function takes a third argument that matters here (CPU_ON's context id)
        switch (function)
        {
            case PsciFunction.Version:
                return PsciCall.Return(VersionValue);
            case PsciFunction.CpuSuspend32:
            case PsciFunction.CpuSuspend64:
                return PsciCall.Return(PsciStatus.Success);
            case PsciFunction.CpuOff:
                return new PsciCall(PsciAction.CpuOff, 0);
            case PsciFunction.CpuOn32:
            case PsciFunction.CpuOn64:
                return PsciCall.Return((x1 & AffinityMask) == BootCpuAffinity ? PsciStatus.AlreadyOn : PsciStatus.InvalidParameters);
            case PsciFunction.AffinityInfo32:
            case PsciFunction.AffinityInfo64:
                return PsciCall.Return(AffinityInfo(x1, x2));
            case PsciFunction.MigrateInfoType:
                return PsciCall.Return(PsciStatus.MigrationNotRequired);
            case PsciFunction.SystemOff:
                return new PsciCall(PsciAction.PowerOff, 0);
            case PsciFunction.SystemReset:
                return new PsciCall(PsciAction.Reset, 0);
            case PsciFunction.Features:
                return PsciCall.Return(IsImplemented((uint)x1) ? PsciStatus.Success : PsciStatus.NotSupported);
            default:
                return PsciCall.Return(PsciStatus.NotSupported);
        }
    }

    /// <summary>Whether PSCI_FEATURES reports <paramref name="function"/> as present.</summary>
    public static bool IsImplemented(uint function) => function switch
    {
        PsciFunction.Version or PsciFunction.CpuSuspend32 or PsciFunction.CpuSuspend64
            or PsciFunction.CpuOff or PsciFunction.CpuOn32 or PsciFunction.CpuOn64
            or PsciFunction.AffinityInfo32 or PsciFunction.AffinityInfo64
            or PsciFunction.MigrateInfoType or PsciFunction.SystemOff or PsciFunction.SystemReset
            or PsciFunction.Features => true,
        _ => false,
    };

    /// <summary>
    /// AFFINITY_INFO: the state of the CPUs whose affinity matches <paramref name="target"/> at
    /// levels at or above <paramref name="lowestLevel"/>. The only CPU is always on.
    /// </summary>
    private static int AffinityInfo(ulong target, ulong lowestLevel)
    {
        // Level 0 compares all of Aff3..Aff0, level 1 ignores Aff0, level 2 also Aff1, level 3 also Aff2.
        ulong ignored = lowestLevel switch
        {
            0 => 0,
            1 => 0xFF,
            2 => 0xFFFF,
            3 => 0xFF_FFFF,
            _ => ulong.MaxValue,
        };
        if (ignored == ulong.MaxValue)
            return PsciStatus.InvalidParameters;
        ulong mask = AffinityMask & ~ignored;
        return (target & mask) == (BootCpuAffinity & mask) ? PsciStatus.AffinityOn : PsciStatus.InvalidParameters;
    }
}

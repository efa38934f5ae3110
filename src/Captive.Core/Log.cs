using Microsoft.Extensions.Logging;

namespace Captive.Core;

/// <summary>Source-generated log messages of Captive.Core.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "{Engine}: run started, RAM 0x{RamBase:x}+0x{RamSize:x}")]
    public static partial void RunStarted(ILogger logger, string engine, ulong ramBase, ulong ramSize);

    [LoggerMessage(2, LogLevel.Information, "{Engine}: run ended ({Reason}) after {Milliseconds:F1} ms: {Exits} exits, {Requests} channel requests")]
    public static partial void RunEnded(ILogger logger, string engine, Execution.StopReason reason, double milliseconds, long exits, long requests);

    [LoggerMessage(3, LogLevel.Warning, "{Engine}: guest stopped with an error: {Message}")]
    public static partial void RunFailed(ILogger logger, string engine, string? message);

    [LoggerMessage(4, LogLevel.Debug, "Translated {Blocks} blocks ({Instructions} guest instructions) from 0x{Pc:x}")]
    public static partial void Translated(ILogger logger, int blocks, int instructions, ulong pc);

    [LoggerMessage(5, LogLevel.Debug, "Code cache full: flushed ({Flushes} flushes so far)")]
    public static partial void CodeCacheFlushed(ILogger logger, int flushes);
}

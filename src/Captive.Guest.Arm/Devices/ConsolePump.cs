using System.IO.Pipelines;

namespace Captive.Guest.Arm.Devices;

/// <summary>
/// Connects UART byte streams to host streams, for a console: device output (a
/// <see cref="PipeReader"/>) to a <see cref="Stream"/> such as stdout, and a stream such as stdin
/// into a <see cref="Pl011"/>'s input. Each pump runs on its own task, off the vCPU thread.
/// </summary>
public static class ConsolePump
{
    /// <summary>
    /// Starts copying <paramref name="source"/> to <paramref name="destination"/> on a background
    /// task, flushing the stream after every read so that interactive output appears at once.
    /// The task ends when the pipe's writer completes (the reader is then completed too) or on
    /// cancellation.
    /// </summary>
    public static Task StartOutput(PipeReader source, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        return Task.Run(() => CopyToStreamAsync(source, destination, cancellationToken), CancellationToken.None);
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> until the writer completes.</summary>
    public static async Task CopyToStreamAsync(PipeReader source, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        Exception? failure = null;
        try
        {
            while (true)
            {
                var result = await source.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                    await destination.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                if (!buffer.IsEmpty)
                    await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
                source.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            // Completing the reader tells the device its output has nowhere to go: it drops and
            // counts from then on instead of buffering.
            await source.CompleteAsync(failure).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts feeding <paramref name="source"/> into <paramref name="uart"/>'s input on a
    /// background task. When the input queue is full the pump waits and retries instead of
    /// dropping. Ends at end of stream or on cancellation.
    /// </summary>
    public static Task StartInput(Stream source, Pl011 uart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(uart);
        return Task.Run(() => CopyToUartAsync(source, uart, cancellationToken), CancellationToken.None);
    }

    /// <summary>Feeds <paramref name="source"/> into <paramref name="uart"/> until end of stream.</summary>
    public static async Task CopyToUartAsync(Stream source, Pl011 uart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(uart);
        var buffer = new byte[256];
        while (true)
        {
            int n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
                return;
            int done = 0;
            while (true)
            {
                done += uart.EnqueueInputWithoutDropping(buffer.AsSpan(done, n - done));
                if (done == n)
                    break;
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);   // the guest is not reading yet
            }
        }
    }
}

using System.IO.Pipelines;
using Captive.Guest.Arm.Devices;
using Captive.Guest.Arm.Machine;

namespace Captive.Cli;

/// <summary>
/// The console of one captive run, across guest reboots: reads host input once, applies the
/// Ctrl-A escapes (<see cref="ConsoleEscape"/>), and feeds what is left to the UART of whichever
/// machine is running. Input typed while no machine runs (during a reboot) waits in a pipe.
/// </summary>
internal sealed class ConsoleSession : IDisposable
{
    private readonly Pipe _typed = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly ConsoleEscape _escape = new();
    private readonly Action<string> _print;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private VirtMachine? _machine;
    private CancellationTokenSource? _feedStop;
    private Task? _feed;
    private int _quit;

    /// <param name="input">Host input; null for none.</param>
    /// <param name="print">Writes a message for the user (escape help).</param>
    public ConsoleSession(Stream? input, Action<string> print)
    {
        _print = print;
        if (input is not null)
            _ = Task.Run(() => ReadAsync(input), CancellationToken.None);
    }

    /// <summary>Whether the user typed Ctrl-A X.</summary>
    public bool QuitRequested => Volatile.Read(ref _quit) != 0;

    /// <summary>Starts feeding input to <paramref name="machine"/>'s UART.</summary>
    public void Attach(VirtMachine machine)
    {
        lock (_gate)
        {
            _machine = machine;
            if (QuitRequested) machine.Cancel();
            _feedStop = new CancellationTokenSource();
            _feed = ConsolePump.CopyToUartAsync(_typed.Reader.AsStream(leaveOpen: true), machine.Uart, _feedStop.Token);
        }
    }

    /// <summary>Stops feeding the attached machine (it has stopped running).</summary>
    public void Detach()
    {
        Task? feed;
        lock (_gate)
        {
            _machine = null;
            _feedStop?.Cancel();
            feed = _feed;
            _feed = null;
        }
        try { feed?.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException) { }
        _feedStop?.Dispose();
        _feedStop = null;
    }

    /// <summary>Stops the running machine, if any; returns whether one was running.</summary>
    public bool CancelMachine()
    {
        lock (_gate)
        {
            _machine?.Cancel();
            return _machine is not null;
        }
    }

    private async Task ReadAsync(Stream input)
    {
        var buffer = new byte[256];
        var commands = new List<EscapeCommand>();
        try
        {
            while (true)
            {
                int n = await input.ReadAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (n == 0) break;
                _escape.Process(buffer.AsSpan(0, n), _typed.Writer, commands);
                await _typed.Writer.FlushAsync(_stop.Token).ConfigureAwait(false);
                foreach (var command in commands)
                {
                    switch (command)
                    {
                        case EscapeCommand.Quit:
                            Volatile.Write(ref _quit, 1);
                            CancelMachine();
                            return;
                        case EscapeCommand.Help:
                            _print(ConsoleEscape.HelpText);
                            break;
                    }
                }
                commands.Clear();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The session ended, or the input went away: the guest simply gets no more input.
        }
        finally
        {
            await _typed.Writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Detach();
        _stop.Cancel();
    }
}

namespace Captive.Backends.Kvm.Tests.Infrastructure;

/// <summary>A dedicated thread computing one value: vCPU runs block, so they get a thread, not a task.</summary>
public sealed class Worker<T>
{
    private readonly Thread _thread;
    private T? _result;
    private Exception? _error;

    public Worker(Func<T> work)
    {
        _thread = new Thread(() =>
        {
            try
            {
                _result = work();
            }
            catch (Exception e)
            {
                _error = e;
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    /// <summary>Waits up to <paramref name="timeout"/>; fails the test if the thread is still running.</summary>
    public T Join(TimeSpan timeout)
    {
        Assert.True(_thread.Join(timeout), $"the worker thread did not finish within {timeout}");
        return _error is null ? _result! : throw new AggregateException(_error);
    }
}

namespace Captive.Core.Devices.Network;

/// <summary>
/// A crossover cable between two network cards in one process (two VMs, or a VM and a test): what one end sends, the
/// other receives, synchronously on the sender's thread. Frames sent before the far card started are dropped, as on an
/// unplugged wire.
/// </summary>
public sealed class NetworkCable
{
    private readonly End _a, _b;

    /// <summary>Creates the cable.</summary>
    public NetworkCable()
    {
        _a = new End();
        _b = new End();
        _a.Peer = _b;
        _b.Peer = _a;
    }

    /// <summary>One end (for the first card).</summary>
    public INetworkEndpoint A => _a;

    /// <summary>The other end (for the second card).</summary>
    public INetworkEndpoint B => _b;

    private sealed class End : INetworkEndpoint
    {
        private readonly object _gate = new();
        private FrameHandler? _receive;
        private long _dropped;

        public End Peer { get; set; } = null!;

        public void Send(ReadOnlySpan<byte> frame) => Peer.Deliver(frame);

        private void Deliver(ReadOnlySpan<byte> frame)
        {
            var receive = Volatile.Read(ref _receive);
            if (receive is null) { Interlocked.Increment(ref _dropped); return; }
            lock (_gate) receive(frame); // one call at a time, as the contract says
        }

        public void Start(FrameHandler receive)
        {
            ArgumentNullException.ThrowIfNull(receive);
            if (Interlocked.CompareExchange(ref _receive, receive, null) is not null)
                throw new InvalidOperationException("This end of the cable is already plugged into a card.");
        }
    }
}

namespace Captive.Core.Devices.Network;

/// <summary>Receives one Ethernet frame (destination MAC first, no FCS). The span is valid only during the call.</summary>
public delegate void FrameHandler(ReadOnlySpan<byte> frame);

/// <summary>
/// The far end of a guest network card: where the frames the guest sends go, and where frames for the guest come from.
/// Frames are whole Ethernet frames without preamble or FCS. An endpoint is the embedder's plug: a TAP interface
/// (<see cref="TapEndpoint"/>), the other end of an in-process cable (<see cref="NetworkCable"/>), a user-space network
/// stack, a packet capture.
/// </summary>
public interface INetworkEndpoint
{
    /// <summary>
    /// The guest sent <paramref name="frame"/> (called on the vCPU's service path: copy it or finish quickly, never
    /// block). An endpoint that cannot take it drops it.
    /// </summary>
    void Send(ReadOnlySpan<byte> frame);

    /// <summary>
    /// The network card is ready: deliver every frame for the guest to <paramref name="receive"/> from now on, on any
    /// thread, one call at a time. Called once; <paramref name="receive"/> never blocks (the card queues or drops).
    /// </summary>
    void Start(FrameHandler receive);
}

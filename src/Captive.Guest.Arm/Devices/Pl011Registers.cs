namespace Captive.Guest.Arm.Devices;

/// <summary>
/// Register offsets and bit names of the ARM PrimeCell UART (PL011), from the PL011 Technical
/// Reference Manual (ARM DDI 0183). Offsets are from the start of the device's 4 KiB window.
/// </summary>
public static class Pl011Registers
{
    /// <summary>UARTDR: data. Writes transmit the low byte; reads pop the receive FIFO.</summary>
    public const ulong Data = 0x000;

    /// <summary>UARTRSR (read) / UARTECR (write): receive status, error clear.</summary>
    public const ulong ReceiveStatus = 0x004;

    /// <summary>UARTFR: flags (read only).</summary>
    public const ulong Flags = 0x018;

    /// <summary>UARTILPR: IrDA low-power counter.</summary>
    public const ulong IrdaLowPowerCounter = 0x020;

    /// <summary>UARTIBRD: integer baud rate divisor (16 bits).</summary>
    public const ulong IntegerBaudRate = 0x024;

    /// <summary>UARTFBRD: fractional baud rate divisor (6 bits).</summary>
    public const ulong FractionalBaudRate = 0x028;

    /// <summary>UARTLCR_H: line control (8 bits).</summary>
    public const ulong LineControl = 0x02C;

    /// <summary>UARTCR: control.</summary>
    public const ulong Control = 0x030;

    /// <summary>UARTIFLS: interrupt FIFO level select.</summary>
    public const ulong FifoLevelSelect = 0x034;

    /// <summary>UARTIMSC: interrupt mask set/clear (1 = enabled).</summary>
    public const ulong InterruptMask = 0x038;

    /// <summary>UARTRIS: raw interrupt status (read only).</summary>
    public const ulong RawInterruptStatus = 0x03C;

    /// <summary>UARTMIS: masked interrupt status (read only).</summary>
    public const ulong MaskedInterruptStatus = 0x040;

    /// <summary>UARTICR: interrupt clear (write only; 1 clears).</summary>
    public const ulong InterruptClear = 0x044;

    /// <summary>UARTDMACR: DMA control (3 bits).</summary>
    public const ulong DmaControl = 0x048;

    /// <summary>UARTPeriphID0; ID registers continue every 4 bytes up to UARTPCellID3 at 0xFFC.</summary>
    public const ulong PeripheralId0 = 0xFE0;

    /// <summary>UARTCR reset value: TXE and RXE set, UART disabled.</summary>
    public const ushort ControlResetValue = 0x0300;

    /// <summary>UARTIFLS reset value: both trigger levels at half full.</summary>
    public const byte FifoLevelSelectResetValue = 0x12;

    /// <summary>Depth of each FIFO on the r1p5 PL011.</summary>
    public const int FifoDepth = 32;

    /// <summary>UARTPeriphID0..3 then UARTPCellID0..3 (PL011 r1p5).</summary>
    public static ReadOnlySpan<byte> IdentificationBytes => [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1];
}

/// <summary>UARTFR bits.</summary>
[Flags]
public enum Pl011Flags : ushort
{
    /// <summary>No flag set.</summary>
    None = 0,

    /// <summary>Clear to send (modem input).</summary>
    ClearToSend = 1 << 0,

    /// <summary>Data set ready (modem input).</summary>
    DataSetReady = 1 << 1,

    /// <summary>Data carrier detect (modem input).</summary>
    DataCarrierDetect = 1 << 2,

    /// <summary>UART busy transmitting.</summary>
    Busy = 1 << 3,

    /// <summary>Receive FIFO empty.</summary>
    ReceiveFifoEmpty = 1 << 4,

    /// <summary>Transmit FIFO full.</summary>
    TransmitFifoFull = 1 << 5,

    /// <summary>Receive FIFO full.</summary>
    ReceiveFifoFull = 1 << 6,

    /// <summary>Transmit FIFO empty.</summary>
    TransmitFifoEmpty = 1 << 7,

    /// <summary>Ring indicator (modem input).</summary>
    RingIndicator = 1 << 8,
}

/// <summary>UARTLCR_H bits this model looks at.</summary>
[Flags]
public enum Pl011LineControl : byte
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>FEN: FIFOs enabled (otherwise each FIFO is a one-byte holding register).</summary>
    FifoEnable = 1 << 4,
}

/// <summary>Interrupt bits shared by UARTIMSC, UARTRIS, UARTMIS and UARTICR.</summary>
[Flags]
public enum Pl011Interrupts : ushort
{
    /// <summary>No interrupt.</summary>
    None = 0,

    /// <summary>nUARTRI modem interrupt.</summary>
    RingIndicator = 1 << 0,

    /// <summary>nUARTCTS modem interrupt.</summary>
    ClearToSend = 1 << 1,

    /// <summary>nUARTDCD modem interrupt.</summary>
    DataCarrierDetect = 1 << 2,

    /// <summary>nUARTDSR modem interrupt.</summary>
    DataSetReady = 1 << 3,

    /// <summary>Receive (RX FIFO at or above its trigger level).</summary>
    Receive = 1 << 4,

    /// <summary>Transmit (TX FIFO at or below its trigger level).</summary>
    Transmit = 1 << 5,

    /// <summary>Receive timeout (data waiting below the trigger level).</summary>
    ReceiveTimeout = 1 << 6,

    /// <summary>Framing error.</summary>
    FramingError = 1 << 7,

    /// <summary>Parity error.</summary>
    ParityError = 1 << 8,

    /// <summary>Break error.</summary>
    BreakError = 1 << 9,

    /// <summary>Overrun error.</summary>
    OverrunError = 1 << 10,

    /// <summary>Every implemented bit.</summary>
    All = 0x7FF,
}

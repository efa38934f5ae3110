using Xunit;

namespace Captive.Guest.Arm.Tests.Lowering;

public sealed class CrcInstructionTests : InstructionTestBase
{
    // CRC32 and CRC32C, checked against the standard check values of the two CRCs over "123456789"
    // (CRC-32: 0xCBF43926, CRC-32C: 0xE3069283): start from all ones, feed the bytes, invert.
    [Theory]
    [InlineData("crc32x w0, w0, x1; crc32b w0, w0, w2; mvn w0, w0", "x0=0xffffffff x1=0x3837363534333231 x2=0x39", "x0=0xcbf43926")]
    [InlineData("crc32w w0, w0, w1; crc32w w0, w0, w2; crc32b w0, w0, w3; mvn w0, w0", "x0=0xffffffff x1=0x34333231 x2=0x38373635 x3=0x39", "x0=0xcbf43926")]
    [InlineData("crc32h w0, w0, w1; crc32h w0, w0, w2; crc32h w0, w0, w3; crc32h w0, w0, w4; crc32b w0, w0, w5; mvn w0, w0",
        "x0=0xffffffff x1=0x3231 x2=0x3433 x3=0x3635 x4=0x3837 x5=0x39", "x0=0xcbf43926")]
    [InlineData("crc32cx w0, w0, x1; crc32cb w0, w0, w2; mvn w0, w0", "x0=0xffffffff x1=0x3837363534333231 x2=0x39", "x0=0xe3069283")]
    [InlineData("crc32cw w0, w0, w1; crc32cw w0, w0, w2; crc32cb w0, w0, w3; mvn w0, w0", "x0=0xffffffff x1=0x34333231 x2=0x38373635 x3=0x39", "x0=0xe3069283")]
    [InlineData("crc32b w0, w0, w1", "x0=0xffffffff00000000 x1=0xffffffffffffff00", "x0=0")]
    public void Crc32_check_values(string asm, string setup, string expect) => Check(asm, setup, expect);
}

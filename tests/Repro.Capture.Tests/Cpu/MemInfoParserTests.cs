using Repro.Capture.Cpu;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Cpu;

public sealed class MemInfoParserTests
{
    [Fact]
    public void Total_and_available_memory_are_read_in_bytes()
    {
        var info = MemInfoParser.Parse(TestFiles.Read("meminfo/debian-vm.txt"));

        Assert.Equal(24684092L * 1024, info.TotalBytes);
        Assert.Equal(24376564L * 1024, info.AvailableBytes);
    }

    [Fact]
    public void Missing_or_malformed_lines_give_null()
    {
        var info = MemInfoParser.Parse("MemTotal: lots kB\nSwapTotal: 0 kB\n");

        Assert.Null(info.TotalBytes);
        Assert.Null(info.AvailableBytes);
    }
}

using Repro.Capture.Cpu;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Cpu;

public sealed class CpuInfoParserTests
{
    [Fact]
    public void An_amd_epyc_vm_reports_model_cores_and_avx512_flags()
    {
        var info = CpuInfoParser.Parse(TestFiles.Read("cpuinfo/amd-epyc-x86_64-avx512.txt"));

        Assert.Equal("AMD EPYC", info.ModelName);
        Assert.Equal(2, info.LogicalCores);
        Assert.Equal(
            [
                "sse", "sse2", "sse3", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
                "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16", "avx_vnni",
            ],
            info.NumericFlags);
        Assert.Contains("pni", info.Flags);
        Assert.DoesNotContain("hypervisor", info.NumericFlags);
    }

    [Fact]
    public void An_intel_cascade_lake_reports_avx512_without_bf16()
    {
        var info = CpuInfoParser.Parse(TestFiles.Read("cpuinfo/intel-xeon-gold-5220r-avx512.txt"));

        Assert.Equal("Intel(R) Xeon(R) Gold 5220R CPU @ 2.20GHz", info.ModelName);
        Assert.Equal(1, info.LogicalCores);
        Assert.Contains("avx512f", info.NumericFlags);
        Assert.Contains("avx512_vnni", info.NumericFlags);
        Assert.DoesNotContain("avx512_bf16", info.NumericFlags);
        Assert.DoesNotContain("amx_tile", info.NumericFlags);
    }

    [Fact]
    public void An_aarch64_cpu_is_named_from_implementer_and_part_and_keeps_asimd()
    {
        var info = CpuInfoParser.Parse(TestFiles.Read("cpuinfo/arm-cortex-a57-aarch64.txt"));

        Assert.Equal("ARM Cortex-A57", info.ModelName);
        Assert.Equal(2, info.LogicalCores);
        Assert.Equal(["asimd"], info.NumericFlags);
        Assert.Contains("crc32", info.Flags);
    }

    [Fact]
    public void An_unknown_arm_part_is_named_by_its_codes()
    {
        var info = CpuInfoParser.Parse("processor\t: 0\nFeatures\t: fp asimd sve\nCPU implementer\t: 0x48\nCPU part\t: 0xd01\n");

        Assert.Equal("ARM implementer 0x48 part 0xd01", info.ModelName);
        Assert.Equal(["asimd", "sve"], info.NumericFlags);
    }

    [Fact]
    public void Amx_flags_are_kept()
    {
        var flags = CpuInfoParser.SelectNumericFlags(["amx_int8", "amx_bf16", "amx_tile", "avx512f", "ht"]);

        Assert.Equal(["avx512f", "amx_tile", "amx_bf16", "amx_int8"], flags);
    }

    [Fact]
    public void Empty_input_has_no_model_and_no_cores()
    {
        var info = CpuInfoParser.Parse("");

        Assert.Null(info.ModelName);
        Assert.Equal(0, info.LogicalCores);
        Assert.Empty(info.Flags);
    }
}

namespace Repro.Capture.Cpu;

/// <summary>What <c>/proc/cpuinfo</c> says about the processor.</summary>
/// <param name="ModelName">The model name, or null when the file does not give one.</param>
/// <param name="LogicalCores">The number of "processor" entries (logical CPUs visible to this system).</param>
/// <param name="Flags">Every flag of the first processor, as the kernel spells them.</param>
/// <param name="NumericFlags">
/// The flags that change floating-point results or speed, in a fixed order (see <see cref="CpuInfoParser.NumericFlagOrder"/>).
/// </param>
public sealed record CpuInfo(string? ModelName, int LogicalCores, IReadOnlyList<string> Flags, IReadOnlyList<string> NumericFlags);

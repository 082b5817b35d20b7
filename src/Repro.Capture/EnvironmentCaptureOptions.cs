using System.Collections;
using Repro.Capture.Python;

namespace Repro.Capture;

/// <summary>What <see cref="EnvironmentCapture"/> needs to know about the run it describes, and its time bounds.</summary>
public sealed record EnvironmentCaptureOptions
{
    /// <summary>The run's argv; decides whether (and which) Python interpreter is asked for its packages.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>Where the run starts.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Time limit for each probe that starts a program (nvidia-smi, uname, ...).</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time limit for the Python package listing, which reads every installed package's metadata.</summary>
    public TimeSpan PythonTimeout { get; init; } = PythonProbe.DefaultTimeout;

    /// <summary>The environment the run will get (name to value); null means this process's environment.</summary>
    public IDictionary? Environment { get; init; }

    /// <summary>The nvidia-smi executable: a name looked up on PATH or a full path.</summary>
    public string NvidiaSmi { get; init; } = "nvidia-smi";
}

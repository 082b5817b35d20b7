using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using Repro.Capture.Container;
using Repro.Capture.Cpu;
using Repro.Capture.Gpu;
using Repro.Capture.Os;
using Repro.Capture.Python;
using Repro.Capture.Variables;
using Repro.Core.Runs;

namespace Repro.Capture;

/// <summary>
/// Takes the environment snapshot of a run. The probes run in parallel, each with a time bound; one that fails or hangs
/// leaves its fields "unknown" and adds a warning, and never throws. The slowest probes are the Python package listing
/// (an interpreter start plus one metadata read per package) and nvidia-smi (a driver query); the rest read /proc files.
/// </summary>
public static class EnvironmentCapture
{
    // Extra time a probe gets past its own process time limit before it is abandoned.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public static EnvironmentSnapshot Capture(EnvironmentCaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var environment = options.Environment ?? System.Environment.GetEnvironmentVariables();
        var timeout = options.ProbeTimeout;

        var os = Start("operating system", timeout, warnings => OsProbe.Capture(timeout, warnings));
        var cpu = Start("CPU", timeout, warnings => CpuProbe.Capture(timeout, warnings));
        var container = Start("container", timeout, _ => ContainerProbe.Capture(HasVariable(environment, "KUBERNETES_SERVICE_HOST")));
        var gpu = Start("GPU", timeout, warnings =>
        {
            var capture = GpuProbe.Capture(timeout, options.NvidiaSmi);
            warnings.AddRange(capture.Warnings);
            return capture;
        });
        var python = Start("Python", options.PythonTimeout, warnings =>
        {
            var capture = PythonProbe.Capture(options.Command, options.WorkingDirectory, environment, options.PythonTimeout);
            warnings.AddRange(capture.Warnings);
            return capture;
        });

        var osInfo = os.Await();
        var cpuInfo = cpu.Await();
        var containerKind = container.Await();
        var gpuInfo = gpu.Await();
        var pythonInfo = python.Await();

        var unknown = EnvironmentSnapshot.Unknown;
        return new EnvironmentSnapshot
        {
            Os = osInfo?.Os ?? unknown,
            Distribution = osInfo?.Distribution ?? unknown,
            Kernel = osInfo?.Kernel ?? unknown,
            Architecture = osInfo?.Architecture ?? unknown,
            Hostname = osInfo?.Hostname ?? unknown,
            CpuModel = cpuInfo?.Model ?? unknown,
            LogicalCores = cpuInfo?.LogicalCores ?? 0,
            CpuFlags = cpuInfo?.Flags ?? [],
            MemoryBytes = cpuInfo?.MemoryBytes ?? 0,
            Container = containerKind ?? unknown,
            DotnetRuntime = RuntimeInformation.FrameworkDescription,
            Gpus = gpuInfo?.Gpus ?? [],
            GpuSummary = gpuInfo?.Summary ?? unknown,
            Python = pythonInfo?.Info,
            Variables = DeterminismVariables.Select(environment),
            Warnings = [.. os.Warnings, .. cpu.Warnings, .. container.Warnings, .. gpu.Warnings, .. python.Warnings],
        };
    }

    private static Probe<T> Start<T>(string name, TimeSpan timeout, Func<List<string>, T> run)
        where T : class
    {
        var warnings = new List<string>();
        var task = Task.Run(() => run(warnings));
        return new Probe<T>(name, timeout + Grace, task, warnings);
    }

    private static bool HasVariable(IDictionary environment, string name) =>
        environment.Contains(name) || !string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable(name));

    private sealed class Probe<T>(string name, TimeSpan bound, Task<T> task, List<string> probeWarnings)
        where T : class
    {
        private readonly List<string> _extra = [];

        public IEnumerable<string> Warnings => task.IsCompleted ? [.. probeWarnings, .. _extra] : _extra;

        public T? Await()
        {
            try
            {
                if (task.Wait(bound))
                {
                    return task.Result;
                }

                _extra.Add(
                    $"The {name} probe did not finish within {bound.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s, "
                    + "so its fields are recorded as unknown.");
            }
            catch (AggregateException e)
            {
                var cause = e.InnerException ?? e;
                _extra.Add($"The {name} probe failed, so its fields are recorded as unknown: {cause.GetType().Name}: {cause.Message}");
            }

            return null;
        }
    }
}

namespace Repro.Capture.Container;

/// <summary>Gathers <see cref="ContainerEvidence"/> from this machine and runs <see cref="ContainerDetector"/> over it.</summary>
internal static class ContainerProbe
{
    /// <param name="kubernetesServiceHostSet">Whether KUBERNETES_SERVICE_HOST is set in the run's environment.</param>
    public static string Capture(bool kubernetesServiceHostSet)
    {
        if (!OperatingSystem.IsLinux())
        {
            return ContainerDetector.None;
        }

        var evidence = new ContainerEvidence(
            DockerEnvExists: File.Exists("/.dockerenv"),
            ContainerEnvExists: File.Exists("/run/.containerenv"),
            InitCgroup: FileText.TryRead("/proc/1/cgroup"),
            MountInfo: FileText.TryRead("/proc/self/mountinfo"),
            KubernetesServiceHostSet: kubernetesServiceHostSet,
            Kernel: FileText.TryRead("/proc/sys/kernel/osrelease"));
        return ContainerDetector.Detect(evidence);
    }
}

namespace Repro.Capture.Container;

/// <summary>What the container detector looks at. Strings are file contents; null means the file could not be read.</summary>
/// <param name="DockerEnvExists">/.dockerenv exists.</param>
/// <param name="ContainerEnvExists">/run/.containerenv exists (Podman creates it).</param>
/// <param name="InitCgroup">The content of /proc/1/cgroup.</param>
/// <param name="MountInfo">The content of /proc/self/mountinfo.</param>
/// <param name="KubernetesServiceHostSet">KUBERNETES_SERVICE_HOST is set in the environment.</param>
/// <param name="Kernel">The kernel release (WSL kernels name Microsoft).</param>
public sealed record ContainerEvidence(
    bool DockerEnvExists = false,
    bool ContainerEnvExists = false,
    string? InitCgroup = null,
    string? MountInfo = null,
    bool KubernetesServiceHostSet = false,
    string? Kernel = null);

namespace Repro.Capture.Container;

/// <summary>Decides whether this process runs in a container, and which kind.</summary>
public static class ContainerDetector
{
    public const string None = "none";
    public const string Docker = "docker";
    public const string Podman = "podman";
    public const string Kubernetes = "kubernetes";
    public const string Lxc = "lxc";
    public const string Wsl = "wsl";

    /// <summary>A container whose runtime could not be told apart (containerd, CRI-O, CI job containers, ...).</summary>
    public const string Generic = "container";

    /// <summary>
    /// Returns "kubernetes", "podman", "docker", "lxc", "container" (generic), "wsl" or "none".
    /// The most specific answer wins: a Kubernetes pod also runs on a container runtime, and a container can run inside WSL.
    /// </summary>
    public static string Detect(ContainerEvidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var cgroup = evidence.InitCgroup ?? "";
        var mounts = evidence.MountInfo ?? "";

        if (evidence.KubernetesServiceHostSet || Has(cgroup, "kubepods") || Has(mounts, "/kubelet/pods/"))
        {
            return Kubernetes;
        }

        if (evidence.ContainerEnvExists || Has(cgroup, "libpod") || Has(mounts, "/containers/storage/overlay-containers/"))
        {
            return Podman;
        }

        if (evidence.DockerEnvExists || Has(cgroup, "/docker/") || Has(cgroup, "/docker-") || Has(mounts, "/docker/containers/"))
        {
            return Docker;
        }

        if (Has(cgroup, "/lxc/") || Has(cgroup, "lxc.payload"))
        {
            return Lxc;
        }

        if (Has(cgroup, "containerd") || Has(cgroup, "crio") || Has(cgroup, "/actions_job/") || RootIsOverlay(mounts))
        {
            return Generic;
        }

        var kernel = evidence.Kernel ?? "";
        return Has(kernel, "microsoft") || Has(kernel, "WSL") ? Wsl : None;
    }

    private static bool Has(string text, string value) => text.Contains(value, StringComparison.OrdinalIgnoreCase);

    // mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
    private static bool RootIsOverlay(string mountInfo)
    {
        foreach (var line in mountInfo.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length > 4 && fields[4] == "/" && separator > 0 && separator + 1 < fields.Length)
            {
                return fields[separator + 1] == "overlay";
            }
        }

        return false;
    }
}

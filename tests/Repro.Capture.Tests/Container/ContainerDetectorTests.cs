using Repro.Capture.Container;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Container;

public sealed class ContainerDetectorTests
{
    private static string File(string name) => TestFiles.Read($"container/{name}");

    [Fact]
    public void This_machine_has_a_dockerenv_file_and_is_docker()
    {
        var evidence = new ContainerEvidence(
            DockerEnvExists: true,
            InitCgroup: File("this-machine-proc-1-cgroup.txt"),
            MountInfo: File("this-machine-mountinfo.txt"),
            Kernel: "6.18.44-fc-v657");

        Assert.Equal("docker", ContainerDetector.Detect(evidence));
    }

    [Fact]
    public void The_same_machine_without_the_dockerenv_file_is_not_a_container()
    {
        var evidence = new ContainerEvidence(
            InitCgroup: File("this-machine-proc-1-cgroup.txt"),
            MountInfo: File("this-machine-mountinfo.txt"),
            Kernel: "6.18.44-fc-v657");

        Assert.Equal("none", ContainerDetector.Detect(evidence));
    }

    [Fact]
    public void Docker_on_cgroup_v1_is_found_from_the_init_cgroup()
    {
        Assert.Equal("docker", ContainerDetector.Detect(new ContainerEvidence(InitCgroup: File("docker-cgroup-v1-proc-1-cgroup.txt"))));
    }

    [Fact]
    public void Docker_on_cgroup_v2_is_found_from_its_bind_mounts()
    {
        var evidence = new ContainerEvidence(
            InitCgroup: File("cgroup-v2-namespaced-proc-1-cgroup.txt"), MountInfo: File("docker-cgroup-v2-mountinfo.txt"));

        Assert.Equal("docker", ContainerDetector.Detect(evidence));
    }

    [Fact]
    public void Podman_is_found_from_containerenv_or_its_storage_mounts()
    {
        Assert.Equal("podman", ContainerDetector.Detect(new ContainerEvidence(ContainerEnvExists: true, DockerEnvExists: true)));
        Assert.Equal("podman", ContainerDetector.Detect(new ContainerEvidence(
            InitCgroup: File("cgroup-v2-namespaced-proc-1-cgroup.txt"), MountInfo: File("podman-cgroup-v2-mountinfo.txt"))));
    }

    [Fact]
    public void Kubernetes_wins_over_the_runtime_underneath()
    {
        Assert.Equal("kubernetes", ContainerDetector.Detect(new ContainerEvidence(
            DockerEnvExists: true, InitCgroup: File("kubernetes-cgroup-v1-proc-1-cgroup.txt"))));
        Assert.Equal("kubernetes", ContainerDetector.Detect(new ContainerEvidence(
            InitCgroup: File("cgroup-v2-namespaced-proc-1-cgroup.txt"), MountInfo: File("kubernetes-cgroup-v2-mountinfo.txt"))));
        Assert.Equal("kubernetes", ContainerDetector.Detect(new ContainerEvidence(KubernetesServiceHostSet: true)));
    }

    [Fact]
    public void Lxc_is_found_from_the_init_cgroup()
    {
        Assert.Equal("lxc", ContainerDetector.Detect(new ContainerEvidence(InitCgroup: File("lxc-cgroup-v2-proc-1-cgroup.txt"))));
    }

    [Fact]
    public void An_unrecognised_runtime_with_an_overlay_root_is_a_generic_container()
    {
        var evidence = new ContainerEvidence(
            InitCgroup: "0::/",
            MountInfo: "700 650 0:90 / / rw,relatime - overlay overlay rw,lowerdir=/l1,upperdir=/u,workdir=/w\n");

        Assert.Equal("container", ContainerDetector.Detect(evidence));
        Assert.Equal("container", ContainerDetector.Detect(new ContainerEvidence(InitCgroup: "0::/system.slice/crio-abc.scope\n")));
    }

    [Fact]
    public void A_wsl_kernel_outside_containers_is_wsl()
    {
        var evidence = new ContainerEvidence(InitCgroup: "0::/init.scope\n", Kernel: "5.15.133.1-microsoft-standard-WSL2");

        Assert.Equal("wsl", ContainerDetector.Detect(evidence));
    }

    [Fact]
    public void A_systemd_host_is_not_a_container()
    {
        var evidence = new ContainerEvidence(
            InitCgroup: File("systemd-host-proc-1-cgroup.txt"), MountInfo: File("host-mountinfo.txt"), Kernel: "6.1.0-18-amd64");

        Assert.Equal("none", ContainerDetector.Detect(evidence));
        Assert.Equal("none", ContainerDetector.Detect(new ContainerEvidence()));
    }
}

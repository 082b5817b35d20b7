using System.Collections;
using Repro.Capture.Python;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Python;

public sealed class PythonProbeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Python3Fact]
    public void The_real_python3_reports_its_version_executable_and_the_packages_of_the_run_environment()
    {
        using var temp = new TempDirectory();
        var site = temp.Combine("site");
        Directory.CreateDirectory(Path.Combine(site, "repro_fake_package-1.2.3.dist-info"));
        File.WriteAllText(
            Path.Combine(site, "repro_fake_package-1.2.3.dist-info", "METADATA"),
            "Metadata-Version: 2.1\nName: repro-fake-package\nVersion: 1.2.3\n");
        var environment = CurrentEnvironment();
        environment["PYTHONPATH"] = site;

        var capture = PythonProbe.Capture(["python3", "train.py"], temp.Path, environment, Timeout);

        Assert.Empty(capture.Warnings);
        var info = Assert.IsType<Repro.Core.Runs.PythonInfo>(capture.Info);
        Assert.Equal(PythonSays("import platform; print(platform.python_version())"), info.Version);
        Assert.True(File.Exists(info.Executable), info.Executable);
        Assert.Equal("1.2.3", info.Packages["repro-fake-package"]);
    }

    [Python3Fact]
    public void A_script_with_a_python_shebang_is_probed_through_its_interpreter()
    {
        using var temp = new TempDirectory();
        FakeProgram.WriteExecutable(temp, "train.py", "#!/usr/bin/env python3\nprint('training')\n");

        var capture = PythonProbe.Capture(["./train.py", "--epochs", "3"], temp.Path, null, Timeout);

        Assert.NotNull(capture.Info);
        Assert.Empty(capture.Warnings);
    }

    [Fact]
    public void A_command_that_is_not_python_is_not_probed()
    {
        using var temp = new TempDirectory();

        var capture = PythonProbe.Capture(["dotnet", "run"], temp.Path, null, Timeout);

        Assert.Null(capture.Info);
        Assert.Empty(capture.Warnings);
    }

    [UnixFact]
    public void A_hanging_interpreter_gives_a_warning_and_no_info()
    {
        using var temp = new TempDirectory();
        var python = FakeProgram.Write(temp, "python3", "sleep 30");

        var capture = PythonProbe.Capture([python, "train.py"], temp.Path, null, TimeSpan.FromMilliseconds(300));

        Assert.Null(capture.Info);
        Assert.Contains("did not finish", Assert.Single(capture.Warnings), StringComparison.Ordinal);
    }

    [UnixFact]
    public void An_interpreter_that_prints_no_package_list_gives_a_warning()
    {
        using var temp = new TempDirectory();
        var python = FakeProgram.Write(temp, "python", "echo 'Python 2.7.18'");

        var capture = PythonProbe.Capture([python], temp.Path, null, Timeout);

        Assert.Null(capture.Info);
        Assert.Contains("did not print the package list", Assert.Single(capture.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void A_python_command_whose_interpreter_is_missing_gives_a_warning()
    {
        using var temp = new TempDirectory();
        var environment = CurrentEnvironment();
        environment["PATH"] = temp.Path;

        var capture = PythonProbe.Capture(["python3.99", "x.py"], temp.Path, environment, Timeout);

        Assert.Null(capture.Info);
        Assert.Contains("was not found", Assert.Single(capture.Warnings), StringComparison.Ordinal);
    }

    private static Hashtable CurrentEnvironment() => new(Environment.GetEnvironmentVariables());

    private static string PythonSays(string code) =>
        Repro.Capture.Processes.ProcessRunner.Run("python3", ["-c", code]).StandardOutput.Trim();
}

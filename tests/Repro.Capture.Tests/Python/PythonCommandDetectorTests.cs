using Repro.Capture.Python;

namespace Repro.Capture.Tests.Python;

public sealed class PythonCommandDetectorTests
{
    private static readonly Func<string, string?> NoShebang = _ => null;

    [Theory]
    [InlineData("python")]
    [InlineData("python3")]
    [InlineData("python3.11")]
    [InlineData("pythonw")]
    [InlineData("pypy3")]
    [InlineData("/opt/venv/bin/python3.12")]
    [InlineData(@"C:\Python311\python.exe")]
    [InlineData("PYTHON.EXE")]
    public void Interpreter_names_are_recognised_with_any_directory(string executable)
    {
        Assert.Equal([executable], PythonCommandDetector.Detect([executable, "train.py"], NoShebang));
        Assert.True(PythonCommandDetector.IsPythonExecutable(executable));
    }

    [Theory]
    [InlineData("python-config")]
    [InlineData("ipython")]
    [InlineData("dotnet")]
    [InlineData("pythonista3x")]
    public void Other_programs_are_not_python(string executable)
    {
        Assert.Null(PythonCommandDetector.Detect([executable, "run"], NoShebang));
    }

    [Fact]
    public void Env_options_and_assignments_are_skipped()
    {
        Assert.Equal(["python3"], PythonCommandDetector.Detect(["/usr/bin/env", "-S", "OMP_NUM_THREADS=1", "python3", "x.py"], NoShebang));
    }

    [Theory]
    [InlineData(new[] { "uv", "run", "python", "train.py" }, new[] { "uv", "run", "python" })]
    [InlineData(new[] { "uv", "run", "train.py" }, new[] { "uv", "run", "python" })]
    [InlineData(new[] { "poetry", "run", "python3.11", "-m", "pkg" }, new[] { "poetry", "run", "python3.11" })]
    [InlineData(new[] { "conda", "run", "-n", "ml", "python", "x.py" }, new[] { "conda", "run", "-n", "ml", "python" })]
    public void Environment_runners_keep_their_prefix(string[] command, string[] expected)
    {
        Assert.Equal(expected, PythonCommandDetector.Detect(command, NoShebang));
    }

    [Fact]
    public void A_conda_run_of_a_non_python_program_is_not_python()
    {
        Assert.Null(PythonCommandDetector.Detect(["conda", "run", "-n", "ml", "make"], NoShebang));
    }

    [Theory]
    [InlineData("#!/opt/venv/bin/python3", "/opt/venv/bin/python3")]
    [InlineData("#!/usr/bin/env python3", "python3")]
    [InlineData("#! /usr/bin/env -S python3 -u", "python3")]
    [InlineData("#!/usr/bin/python3.11 -E", "/usr/bin/python3.11")]
    public void A_script_or_entry_point_whose_shebang_names_python_is_python(string shebang, string interpreter)
    {
        var asked = new List<string>();

        var prefix = PythonCommandDetector.Detect(["torchrun", "--nproc_per_node=2", "train.py"], file =>
        {
            asked.Add(file);
            return shebang;
        });

        Assert.Equal([interpreter], prefix);
        Assert.Equal(["torchrun"], asked);
    }

    [Theory]
    [InlineData("#!/bin/bash")]
    [InlineData("#!/usr/bin/env node")]
    [InlineData("#!")]
    public void A_shebang_naming_something_else_is_not_python(string shebang)
    {
        Assert.Null(PythonCommandDetector.Detect(["./run.sh"], _ => shebang));
    }

    [Fact]
    public void An_empty_command_is_not_python()
    {
        Assert.Null(PythonCommandDetector.Detect([], NoShebang));
    }

    [Fact]
    public void Shebang_lines_are_split_into_words()
    {
        Assert.Equal(["/usr/bin/env", "-S", "python3", "-u"], PythonCommandDetector.ParseShebang("#!/usr/bin/env -S python3 -u"));
        Assert.Empty(PythonCommandDetector.ParseShebang("import os"));
    }
}

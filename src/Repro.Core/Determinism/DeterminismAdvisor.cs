using System.Globalization;
using Repro.Core.Runs;

namespace Repro.Core.Determinism;

public enum FindingLevel
{
    Info,
    Warning,
    Risk,
}

/// <summary>One thing in an environment that threatens determinism, and what to do about it.</summary>
public sealed record Finding(FindingLevel Level, string Topic, string Problem, string Fix);

/// <summary>Reads an environment and code snapshot and lists threats to determinism. Pure.</summary>
public static class DeterminismAdvisor
{
    private static readonly string[] ThreadVariables = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"];

    public static IReadOnlyList<Finding> Review(EnvironmentSnapshot env, CodeSnapshot code)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(code);
        var findings = new List<Finding>();
        var vars = env.Variables;
        bool Set(string name) => vars.ContainsKey(name);

        if (env.LogicalCores > 1)
        {
            foreach (var name in ThreadVariables.Where(n => !Set(n)))
            {
                findings.Add(new Finding(FindingLevel.Warning, name,
                    string.Create(CultureInfo.InvariantCulture, $"{name} is unset on a {env.LogicalCores}-core machine: the library picks a thread count from the machine, and parallel sums are ordered differently on another machine."),
                    $"export {name}=1 (or a fixed count), and record it: repro records it with every run"));
            }
        }

        if (!Set("PYTHONHASHSEED"))
        {
            findings.Add(new Finding(FindingLevel.Warning, "PYTHONHASHSEED",
                "PYTHONHASHSEED is unset: Python randomizes str hashes per process, so set/dict-of-set iteration order changes between runs.",
                "export PYTHONHASHSEED=0"));
        }

        if (env.Gpus.Count > 0)
        {
            if (!Set("CUBLAS_WORKSPACE_CONFIG"))
            {
                findings.Add(new Finding(FindingLevel.Risk, "CUBLAS_WORKSPACE_CONFIG",
                    "A GPU is present and CUBLAS_WORKSPACE_CONFIG is unset: cuBLAS may pick non-deterministic algorithms (and torch.use_deterministic_algorithms(True) raises).",
                    "export CUBLAS_WORKSPACE_CONFIG=:4096:8"));
            }

            if (!Set("NVIDIA_TF32_OVERRIDE"))
            {
                findings.Add(new Finding(FindingLevel.Info, "TF32",
                    "On Ampere and newer GPUs, float32 matrix products may run in TF32 (10-bit mantissa) depending on framework defaults.",
                    "export NVIDIA_TF32_OVERRIDE=0, or set torch.backends.cuda.matmul.allow_tf32 = False explicitly"));
            }

            if (env.Python?.Packages.ContainsKey("torch") == true)
            {
                findings.Add(new Finding(FindingLevel.Info, "torch",
                    "PyTorch with a GPU: cuDNN autotuning and atomics-based kernels are non-deterministic by default.",
                    "torch.use_deterministic_algorithms(True); torch.backends.cudnn.benchmark = False"));
            }
        }

        if (env.Python?.Packages.ContainsKey("tensorflow") == true && !Set("TF_DETERMINISTIC_OPS"))
        {
            findings.Add(new Finding(FindingLevel.Warning, "TF_DETERMINISTIC_OPS",
                "TensorFlow is installed and TF_DETERMINISTIC_OPS is unset.",
                "export TF_DETERMINISTIC_OPS=1 (or tf.config.experimental.enable_op_determinism())"));
        }

        if (env.CpuFlags.Any(f => f.StartsWith("avx512", StringComparison.Ordinal)) && !Set("MKL_CBWR"))
        {
            findings.Add(new Finding(FindingLevel.Info, "instruction sets",
                "This CPU has AVX-512: math libraries (MKL, OpenBLAS, .NET Vector<T>) may take wider code paths here than on a colleague's machine and round differently.",
                "for MKL: export MKL_CBWR=COMPATIBLE; for Repro's C# maths: run with --deterministic (its sums do not depend on vector width)"));
        }

        if (!code.IsGitRepository)
        {
            findings.Add(new Finding(FindingLevel.Warning, "code",
                "Not a git repository: a run's code cannot be identified or restored.",
                "git init && git add -A && git commit -m 'baseline'"));
        }
        else
        {
            if (code.Commit is null)
            {
                findings.Add(new Finding(FindingLevel.Warning, "code", "The git repository has no commit yet.", "git add -A && git commit -m 'baseline'"));
            }

            if (code.Dirty)
            {
                findings.Add(new Finding(FindingLevel.Warning, "code",
                    "The working tree has uncommitted changes: repro stores the diff with each run, but a commit is easier to share and restore.",
                    "git commit -am 'wip' before the runs you want to keep"));
            }

            if (code.Untracked.Count > 0)
            {
                findings.Add(new Finding(FindingLevel.Info, "code",
                    string.Create(CultureInfo.InvariantCulture, $"{code.Untracked.Count} untracked file(s) (e.g. {code.Untracked[0].Path}): only small ones are stored with a run."),
                    "git add the ones the code needs, or list the rest in .gitignore"));
            }
        }

        if (env.Container == "none" || env.Container == EnvironmentSnapshot.Unknown)
        {
            findings.Add(new Finding(FindingLevel.Info, "environment",
                "Not in a container: package versions are recorded, but a colleague has to rebuild the environment by hand.",
                "pin versions (pip freeze > requirements.txt, or a lock file), or run in a container image"));
        }

        return findings;
    }
}

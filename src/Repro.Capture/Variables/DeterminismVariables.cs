using System.Collections;

namespace Repro.Capture.Variables;

/// <summary>
/// Picks the environment variables that change numerical results (threading, BLAS, CUDA/cuDNN determinism, framework
/// switches, .NET JIT settings, locale) from an environment. Secrets are never picked: a name containing TOKEN, SECRET,
/// PASSWORD, PASSWD, KEY, CREDENTIAL, AUTH, PRIVATE, SESSION or COOKIE is dropped whatever the allow-list says.
/// </summary>
public static class DeterminismVariables
{
    private static readonly string[] ExactNames =
    [
        "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
        "CUBLAS_WORKSPACE_CONFIG", "CUDA_VISIBLE_DEVICES", "CUDA_LAUNCH_BLOCKING", "NVIDIA_TF32_OVERRIDE",
        "PYTHONHASHSEED", "TF_DETERMINISTIC_OPS", "TF_CUDNN_DETERMINISTIC", "TF_ENABLE_ONEDNN_OPTS", "XLA_FLAGS",
        "DOTNET_TieredCompilation", "DOTNET_TieredPGO", "DOTNET_ReadyToRun", "DOTNET_gcServer", "DOTNET_PROCESSOR_COUNT",
        "REPRO_DETERMINISTIC", "REPRO_THREADS", "LANG", "LC_ALL", "TZ",
    ];

    private static readonly string[] Prefixes =
    [
        "OMP_", "MKL_", "OPENBLAS_", "CUDNN_", "JAX_", "TORCH_", "PYTORCH_", "DOTNET_Enable",
    ];

    private static readonly string[] SecretWords =
    [
        "TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL", "AUTH", "PRIVATE", "SESSION", "COOKIE",
    ];

    /// <summary>The allow-listed, non-secret variables of <paramref name="environment"/>, sorted by name (ordinal).</summary>
    /// <param name="environment">Name to value, as <see cref="Environment.GetEnvironmentVariables()"/> returns them.</param>
    public static SortedDictionary<string, string> Select(IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var selected = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && entry.Value is string value && IsRecorded(name))
            {
                selected[name] = value;
            }
        }

        return selected;
    }

    /// <summary>True when the name is on the allow-list and is not a secret.</summary>
    public static bool IsRecorded(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return IsAllowed(name) && !IsSecret(name);
    }

    /// <summary>True when the name contains a word that marks secrets (case-insensitive).</summary>
    public static bool IsSecret(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return SecretWords.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    // Names are matched ignoring case: the .NET runtime reads DOTNET_ settings that way, and Windows names are case-insensitive.
    private static bool IsAllowed(string name) =>
        ExactNames.Contains(name, StringComparer.OrdinalIgnoreCase)
        || Prefixes.Any(prefix => name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
}

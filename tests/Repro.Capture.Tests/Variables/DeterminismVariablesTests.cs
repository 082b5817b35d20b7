using System.Collections;
using Repro.Capture.Variables;

namespace Repro.Capture.Tests.Variables;

public sealed class DeterminismVariablesTests
{
    [Fact]
    public void Allow_listed_names_and_prefixes_are_kept_and_sorted()
    {
        var environment = new Hashtable
        {
            ["OMP_NUM_THREADS"] = "1",
            ["OMP_PROC_BIND"] = "close",
            ["MKL_CBWR"] = "AVX2",
            ["OPENBLAS_NUM_THREADS"] = "1",
            ["OPENBLAS_CORETYPE"] = "Haswell",
            ["VECLIB_MAXIMUM_THREADS"] = "1",
            ["NUMEXPR_NUM_THREADS"] = "1",
            ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8",
            ["CUDA_VISIBLE_DEVICES"] = "0,1",
            ["CUDA_LAUNCH_BLOCKING"] = "1",
            ["CUDNN_LOGINFO_DBG"] = "1",
            ["NVIDIA_TF32_OVERRIDE"] = "0",
            ["PYTHONHASHSEED"] = "0",
            ["TF_DETERMINISTIC_OPS"] = "1",
            ["TF_CUDNN_DETERMINISTIC"] = "1",
            ["TF_ENABLE_ONEDNN_OPTS"] = "0",
            ["XLA_FLAGS"] = "--xla_gpu_deterministic_ops=true",
            ["JAX_ENABLE_X64"] = "1",
            ["TORCH_DETERMINISTIC"] = "1",
            ["PYTORCH_CUDA_ALLOC_CONF"] = "expandable_segments:True",
            ["DOTNET_TieredCompilation"] = "0",
            ["DOTNET_TieredPGO"] = "0",
            ["DOTNET_ReadyToRun"] = "0",
            ["DOTNET_EnableAVX2"] = "0",
            ["DOTNET_EnableAVX512F"] = "0",
            ["DOTNET_gcServer"] = "1",
            ["DOTNET_PROCESSOR_COUNT"] = "4",
            ["REPRO_DETERMINISTIC"] = "1",
            ["REPRO_THREADS"] = "8",
            ["LANG"] = "C.UTF-8",
            ["LC_ALL"] = "C",
            ["TZ"] = "UTC",
        };

        var selected = DeterminismVariables.Select(environment);

        Assert.Equal(environment.Count, selected.Count);
        Assert.Equal(selected.Keys.Order(StringComparer.Ordinal), selected.Keys);
        Assert.Equal(":4096:8", selected["CUBLAS_WORKSPACE_CONFIG"]);
    }

    [Fact]
    public void Everything_else_is_left_out()
    {
        var environment = new Hashtable
        {
            ["PATH"] = "/usr/bin",
            ["HOME"] = "/home/me",
            ["USER"] = "me",
            ["PWD"] = "/x",
            ["OMP"] = "bare prefix",
            ["DOTNET_ROOT"] = "/usr/share/dotnet",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["CUDA_HOME"] = "/usr/local/cuda",
            ["MY_OMP_NUM_THREADS"] = "1",
        };

        Assert.Empty(DeterminismVariables.Select(environment));
    }

    [Theory]
    [InlineData("JAX_API_KEY")]
    [InlineData("MKL_SECRET")]
    [InlineData("TORCH_HUB_TOKEN")]
    [InlineData("PYTORCH_PASSWORD")]
    [InlineData("OMP_passwd")]
    [InlineData("CUDNN_Credentials")]
    [InlineData("JAX_AUTH_HEADER")]
    [InlineData("TORCH_PRIVATE_URL")]
    [InlineData("OPENBLAS_SESSION")]
    [InlineData("MKL_COOKIE")]
    [InlineData("DOTNET_EnableKeyVault")]
    public void A_name_that_marks_a_secret_is_never_recorded_even_under_an_allowed_prefix(string name)
    {
        var selected = DeterminismVariables.Select(new Hashtable { [name] = "s3cr3t", ["OMP_NUM_THREADS"] = "2" });

        Assert.False(selected.ContainsKey(name));
        Assert.DoesNotContain("s3cr3t", selected.Values);
        Assert.True(DeterminismVariables.IsSecret(name));
        Assert.False(DeterminismVariables.IsRecorded(name));
    }

    [Fact]
    public void Names_are_matched_ignoring_case()
    {
        var selected = DeterminismVariables.Select(new Hashtable { ["dotnet_tieredpgo"] = "0", ["Omp_Num_Threads"] = "3" });

        Assert.Equal(["Omp_Num_Threads", "dotnet_tieredpgo"], selected.Keys);
    }

    [Fact]
    public void Non_string_entries_are_ignored()
    {
        var selected = DeterminismVariables.Select(new Hashtable { ["OMP_NUM_THREADS"] = 4, [7] = "x" });

        Assert.Empty(selected);
    }
}

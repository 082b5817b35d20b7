using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

/// <summary>`repro export`, `repro import` and `repro verify` on real workspaces.</summary>
public sealed class PortableRecordTests : IDisposable
{
    private const string TrainScript = """
        import json, os, sys
        with open(os.environ["REPRO_EVENTS"], "a") as f:
            f.write(json.dumps({"type": "param", "key": "lr", "value": "0.05", "source": "cli"}) + "\n")
            for step in range(3):
                f.write(json.dumps({"type": "metric", "key": "loss", "value": 1.0 / (step + 1), "step": step}) + "\n")
            f.write(json.dumps({"type": "metric", "key": "weird", "value": float("nan"), "step": 0}) + "\n")
            f.write(json.dumps({"type": "metric", "key": "weird", "value": float("inf"), "step": 1}) + "\n")
            f.write(json.dumps({"type": "tag", "key": "model", "value": "tiny"}) + "\n")
            os.makedirs("out", exist_ok=True)
            with open("out/model.bin", "wb") as m:
                m.write(b"weights of the portable model")
            f.write(json.dumps({"type": "artifact", "path": "out/model.bin"}) + "\n")
        print("training with lr 0.05")
        print("a warning on stderr", file=sys.stderr)
        """;

    private readonly TempDir _dir = new();
    private readonly TempDir _elsewhere = new();

    public PortableRecordTests()
    {
        _dir.Write(".gitignore", "out/\ndata/\n*.json\n");
        _dir.Write("train.py", TrainScript);
        _dir.Write("data/train.csv", "x,y\n1,2\n");
        Git.Run(_dir.Path, "init", "-q");
        Git.Run(_dir.Path, "add", ".");
        Git.Run(_dir.Path, "commit", "-q", "-m", "first");
        _dir.Write("train.py", TrainScript + "\nprint('an uncommitted line')\n");
        _dir.Write("notes.txt", "untracked notes\n");
        Assert.Equal(0, ReproCli.Run(_dir.Path, "init").ExitCode);
        Assert.Equal(0, ReproCli.Run(_elsewhere.Path, "init").ExitCode);
    }

    public void Dispose()
    {
        _dir.Dispose();
        _elsewhere.Dispose();
    }

    [Fact]
    public void Export_then_import_into_a_fresh_workspace_keeps_the_record_metrics_diff_and_log()
    {
        var record = Record("portable");
        var id = record.GetProperty("id").GetString()!;
        var file = Path.Combine(_dir.Path, "run.json");

        var export = ReproCli.Run(_dir.Path, "export", "portable", "-o", file, "--with-artifacts");
        Assert.True(export.ExitCode == 0, export.ToString());
        var import = ReproCli.Run(_elsewhere.Path, "import", file);
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains($"repro reproduce {id[..8]}", import.Stdout, StringComparison.Ordinal);

        Assert.Equal(Show(_dir.Path, id), Show(_elsewhere.Path, id));
        var original = ReproCli.Run(_dir.Path, "metrics", id, "--json");
        var imported = ReproCli.Run(_elsewhere.Path, "metrics", id, "--json");
        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.Equal(original.Stdout, imported.Stdout);
        var weird = imported.Json().EnumerateArray().Where(p => p.GetProperty("key").GetString() == "weird").ToList();
        Assert.Equal(["NaN", "Infinity"], weird.Select(p => p.GetProperty("value").GetString()!).ToArray());
        Assert.Equal(5, imported.Json().GetArrayLength());

        var diffSha = record.GetProperty("code").GetProperty("diffSha256").GetString()!;
        Assert.Equal(File.ReadAllBytes(ObjectPath(_dir.Path, diffSha)), File.ReadAllBytes(ObjectPath(_elsewhere.Path, diffSha)));
        Assert.Contains("an uncommitted line", File.ReadAllText(ObjectPath(_elsewhere.Path, diffSha)), StringComparison.Ordinal);

        var logs = ReproCli.Run(_elsewhere.Path, "logs", id[..8]);
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Contains("training with lr 0.05", logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("a warning on stderr", logs.Stdout, StringComparison.Ordinal);

        var verify = ReproCli.Run(_elsewhere.Path, "verify", id[..8]);
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    [Fact]
    public void An_imported_run_is_reproduced_from_the_workspace_it_was_imported_into()
    {
        var id = Record("travels").GetProperty("id").GetString()!;
        var import = ReproCli.Run(_elsewhere.Path, "import", Export("travels"));
        Assert.True(import.ExitCode == 0, import.ToString());

        var reproduce = ReproCli.Run(_elsewhere.Path, "reproduce", id[..8]);
        Assert.True(reproduce.ExitCode == 0, reproduce.ToString());
        var reproduction = ReproCli.Run(_elsewhere.Path, "show", "last", "--json").Json();
        Assert.Equal(id, reproduction.GetProperty("lineage").GetProperty("reproductionOf").GetString());
        Assert.Equal("identical", reproduction.GetProperty("verdict").GetProperty("kind").GetString());
    }

    [Fact]
    public void A_run_imported_without_artifacts_keeps_their_hashes_and_verify_lists_their_content_as_missing()
    {
        var record = Record("hashes");
        var artifactSha = ShaOf(record, "artifact");
        var import = ReproCli.Run(_elsewhere.Path, "import", Export("hashes"));
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("1 artifact(s) came as hashes only", import.Stdout, StringComparison.Ordinal);
        Assert.Equal(Show(_dir.Path, "hashes"), Show(_elsewhere.Path, "hashes"));

        var verify = ReproCli.Run(_elsewhere.Path, "verify", "hashes");
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains($"artifact {artifactSha} (artifact out/model.bin): missing", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("--with-artifacts", verify.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_export_carries_diff_untracked_content_and_log_and_artifacts_only_when_asked()
    {
        var record = Record("shape");
        var code = record.GetProperty("code");
        var diffSha = code.GetProperty("diffSha256").GetString()!;
        var untrackedSha = Assert.Single(code.GetProperty("untracked").EnumerateArray()).GetProperty("sha256").GetString()!;
        var logSha = record.GetProperty("logSha256").GetString()!;
        var manifestSha = ShaOf(record, "manifest");
        var artifactSha = Assert.Single(record.GetProperty("artifacts").EnumerateArray()).GetProperty("sha256").GetString()!;

        var plain = ReproCli.Run(_dir.Path, "export", "shape", "-o", "-");
        Assert.True(plain.ExitCode == 0, plain.ToString());
        var document = plain.Json();
        Assert.Equal("repro-run", document.GetProperty("format").GetString());
        Assert.Equal(1, document.GetProperty("version").GetInt32());
        Assert.Equal(record.GetProperty("id").GetString(), document.GetProperty("record").GetProperty("id").GetString());
        Assert.Equal(artifactSha, document.GetProperty("record").GetProperty("artifacts")[0].GetProperty("sha256").GetString());
        var objects = document.GetProperty("objects").EnumerateObject().ToDictionary(o => o.Name, o => o.Value.GetBytesFromBase64());
        Assert.Equal(
            new[] { diffSha, logSha, manifestSha, untrackedSha }.Order(StringComparer.Ordinal), objects.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("untracked notes\n", Encoding.UTF8.GetString(objects[untrackedSha]));
        var loss = document.GetProperty("metrics").EnumerateArray().Where(p => p.GetProperty("key").GetString() == "loss").ToList();
        Assert.Equal([0L, 1L, 2L], loss.Select(p => p.GetProperty("step").GetInt64()).ToArray());
        Assert.All(loss, p => Assert.True(p.GetProperty("timestampMs").GetInt64() > 0));

        var full = ReproCli.Run(_dir.Path, "export", "shape", "-o", "-", "--with-artifacts").Json();
        var artifact = full.GetProperty("objects").GetProperty(artifactSha).GetBytesFromBase64();
        Assert.Equal("weights of the portable model", Encoding.UTF8.GetString(artifact));
    }

    [Fact]
    public void An_import_whose_object_was_tampered_with_is_refused_and_writes_nothing()
    {
        var record = Record("tampered");
        var diffSha = record.GetProperty("code").GetProperty("diffSha256").GetString()!;
        var file = Export("tampered");
        var document = JsonNode.Parse(File.ReadAllText(file))!;
        document["objects"]![diffSha] = Convert.ToBase64String(Encoding.UTF8.GetBytes("diff --git a/evil b/evil\n"));
        File.WriteAllText(file, document.ToJsonString());

        var import = ReproCli.Run(_elsewhere.Path, "import", file);
        Assert.Equal(1, import.ExitCode);
        Assert.Contains(diffSha, import.Stderr, StringComparison.Ordinal);
        Assert.Contains("uncommitted diff", import.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", import.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, ReproCli.Run(_elsewhere.Path, "ls", "--json").Json().GetArrayLength());
        var objects = Path.Combine(_elsewhere.Path, ".repro", "objects");
        Assert.Empty(Directory.Exists(objects) ? Directory.GetFiles(objects, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void Importing_the_same_run_twice_is_refused_and_leaves_it_as_it_was()
    {
        var id = Record("twice").GetProperty("id").GetString()!;
        var file = Export("twice");
        Assert.Equal(0, ReproCli.Run(_elsewhere.Path, "import", file).ExitCode);
        var before = Show(_elsewhere.Path, id);

        var again = ReproCli.Run(_elsewhere.Path, "import", file);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"Run {id[..8]} (twice) is already in this workspace", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Show(_elsewhere.Path, id));
        Assert.Equal(5, ReproCli.Run(_elsewhere.Path, "metrics", id, "--json").Json().GetArrayLength());
        Assert.Equal(1, ReproCli.Run(_elsewhere.Path, "ls", "--json").Json().GetArrayLength());
    }

    [Theory]
    [InlineData("format", "\"mlflow-run\"", "not a Repro run export", 2)]
    [InlineData("version", "2", "version 2; this repro reads version 1", 2)]
    [InlineData("record", "{\"name\": \"no id\"}", "unreadable \"record\"", 1)]
    public void An_import_of_another_format_version_or_a_broken_record_is_refused_clearly(
        string property, string value, string expected, int exitCode)
    {
        Record("other");
        var file = Export("other");
        var document = JsonNode.Parse(File.ReadAllText(file))!;
        document[property] = JsonNode.Parse(value);
        File.WriteAllText(file, document.ToJsonString());

        var import = ReproCli.Run(_elsewhere.Path, "import", file);
        Assert.Equal(exitCode, import.ExitCode);
        Assert.Contains(expected, import.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, ReproCli.Run(_elsewhere.Path, "ls", "--json").Json().GetArrayLength());
    }

    [Fact]
    public void Verify_reports_OK_for_a_freshly_recorded_run()
    {
        var id = Record("fresh").GetProperty("id").GetString()!;
        var verify = ReproCli.Run(_dir.Path, "verify", "fresh");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains($"OK Run {id[..8]} (fresh): 5 object(s) intact", verify.Stdout, StringComparison.Ordinal);

        var json = ReproCli.Run(_dir.Path, "verify", "--all", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var report = Assert.Single(json.Json().EnumerateArray());
        Assert.True(report.GetProperty("ok").GetBoolean());
        Assert.Equal(
            ["artifact", "diff", "log", "manifest", "untracked"],
            report.GetProperty("objects").EnumerateArray()
                .Select(o => o.GetProperty("role").GetString()!).Order(StringComparer.Ordinal).ToArray());
        Assert.All(report.GetProperty("objects").EnumerateArray(), o => Assert.Equal("ok", o.GetProperty("state").GetString()));
    }

    [Theory]
    [InlineData("artifact", "artifact out/model.bin")]
    [InlineData("diff", "uncommitted diff")]
    [InlineData("untracked", "untracked file notes.txt")]
    [InlineData("log", "output log")]
    [InlineData("manifest", "manifest of data input")]
    public void Verify_names_an_object_whose_bytes_were_overwritten(string role, string purpose)
    {
        var record = Record("corrupt");
        var sha = ShaOf(record, role);
        var path = ObjectPath(_dir.Path, sha);
        File.WriteAllText(path, "not what was stored\n");

        var verify = ReproCli.Run(_dir.Path, "verify", "corrupt");
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains($"{role} {sha} ({purpose}", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("): corrupted", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAILED", verify.Stdout, StringComparison.Ordinal);

        var all = ReproCli.Run(_dir.Path, "verify", "--all", "--json");
        Assert.Equal(1, all.ExitCode);
        var entry = all.Json()[0].GetProperty("objects").EnumerateArray().Single(o => o.GetProperty("sha256").GetString() == sha);
        Assert.Equal("corrupted", entry.GetProperty("state").GetString());
    }

    [Fact]
    public void Verify_names_an_object_that_was_deleted()
    {
        var record = Record("deleted");
        var sha = ShaOf(record, "diff");
        File.Delete(ObjectPath(_dir.Path, sha));

        var verify = ReproCli.Run(_dir.Path, "verify", "deleted");
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains($"diff {sha} (uncommitted diff): missing from the object store", verify.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_untracked_file_too_large_to_store_is_reported_as_hash_only_not_as_an_error()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "big.bin"), new byte[6 * 1024 * 1024]);
        var record = Record("big");
        var big = record.GetProperty("code").GetProperty("untracked").EnumerateArray()
            .Single(u => u.GetProperty("path").GetString() == "big.bin");
        var sha = big.GetProperty("sha256").GetString()!;

        var verify = ReproCli.Run(_dir.Path, "verify", "big");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains(
            $"untracked {sha} (untracked file big.bin): not stored (hash recorded only)", verify.Stdout, StringComparison.Ordinal);

        var export = ReproCli.Run(_dir.Path, "export", "big", "-o", "-");
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.False(export.Json().GetProperty("objects").TryGetProperty(sha, out _));
    }

    [Fact]
    public void Export_of_a_run_whose_object_was_deleted_refuses_naming_it_and_writes_no_file()
    {
        var record = Record("lost");
        var sha = ShaOf(record, "log");
        File.Delete(ObjectPath(_dir.Path, sha));
        var file = Path.Combine(_dir.Path, "lost.json");

        var export = ReproCli.Run(_dir.Path, "export", "lost", "-o", file);
        Assert.Equal(1, export.ExitCode);
        Assert.Contains($"{sha} (output log) is missing", export.Stderr, StringComparison.Ordinal);
        Assert.Contains("repro verify", export.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }

    [Fact]
    public void Export_without_artifacts_ignores_a_lost_artifact_but_with_them_refuses()
    {
        var record = Record("no-artifact");
        var sha = ShaOf(record, "artifact");
        File.Delete(ObjectPath(_dir.Path, sha));

        Assert.Equal(0, ReproCli.Run(_dir.Path, "export", "no-artifact", "-o", Path.Combine(_dir.Path, "a.json")).ExitCode);
        var withArtifacts = ReproCli.Run(_dir.Path, "export", "no-artifact", "-o", Path.Combine(_dir.Path, "b.json"), "--with-artifacts");
        Assert.Equal(1, withArtifacts.ExitCode);
        Assert.Contains($"{sha} (artifact out/model.bin) is missing", withArtifacts.Stderr, StringComparison.Ordinal);
    }

    private JsonElement Record(string name)
    {
        var run = ReproCli.Run(_dir.Path, "run", "--name", name, "--seed", "7", "--data", "data", "--", "python3", "train.py");
        Assert.True(run.ExitCode == 0, run.ToString());
        var show = ReproCli.Run(_dir.Path, "show", name, "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        return show.Json();
    }

    private string Export(string name)
    {
        var file = Path.Combine(_dir.Path, name + ".json");
        var export = ReproCli.Run(_dir.Path, "export", name, "-o", file);
        Assert.True(export.ExitCode == 0, export.ToString());
        return file;
    }

    private static string Show(string workspace, string id)
    {
        var show = ReproCli.Run(workspace, "show", id, "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        return show.Stdout;
    }

    private static string ShaOf(JsonElement record, string role) => role switch
    {
        "artifact" => record.GetProperty("artifacts")[0].GetProperty("sha256").GetString()!,
        "diff" => record.GetProperty("code").GetProperty("diffSha256").GetString()!,
        "untracked" => record.GetProperty("code").GetProperty("untracked")[0].GetProperty("sha256").GetString()!,
        "log" => record.GetProperty("logSha256").GetString()!,
        "manifest" => record.GetProperty("inputs")[0].GetProperty("manifestSha256").GetString()!,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role"),
    };

    private static string ObjectPath(string workspace, string sha) => Path.Combine(workspace, ".repro", "objects", sha[..2], sha[2..]);
}

using System.Security.Cryptography;
using System.Text;
using Repro.Core.Data;
using Repro.Core.Errors;

namespace Repro.Core.Tests.Data;

public sealed class DataManifestTests
{
    // The worked example of docs/data.md: a.txt = "hello\n", sub/b.txt = "world\n".
    private const string HelloSha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    private const string WorldSha = "e258d248fda94c63753607f7c4494ee0fcbe92f1a76bfdac795c9d84101eb317";
    private const string SubTree = "695494b59517a7f45b4069f2eb4ed615e8e991eeb8315e21af66d60acbaa8005";
    private const string ExampleRoot = "66d79c9a29cef9a00b48ee9e4443d6c70ab748e71b4239c8f45de8657bb84598";
    private const string EmptyRoot = "4c91b08843fdda8593f1552b5a6f10075310e7773fed804c20e24813c963f26f";
    private const string FileInputRoot = "1b6d5f2732f031df26e32230141aeb1f24269cf33725fafa9b85d98390452aaf";

    private static DataManifest Example() => DataManifest.Create(
        DataInputKind.Directory,
        [new ManifestEntry("sub/b.txt", 6, Sha("world\n")), new ManifestEntry("a.txt", 6, Sha("hello\n"))]);

    [Fact]
    public void The_worked_example_has_the_root_given_in_the_documentation()
    {
        Assert.Equal(HelloSha, Sha("hello\n"));
        Assert.Equal(WorldSha, Sha("world\n"));
        Assert.Equal(SubTree, DataMerkle.Tree([DataMerkle.FileRecord("b.txt", 6, WorldSha)]));
        Assert.Equal(
            ExampleRoot,
            DataMerkle.Tree([DataMerkle.FileRecord("a.txt", 6, HelloSha), DataMerkle.DirectoryRecord("sub", SubTree)]));
        Assert.Equal(ExampleRoot, Example().Root);
        Assert.Equal("file\0a.txt\06\0" + HelloSha, DataMerkle.FileRecord("a.txt", 6, HelloSha));

        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "data.md"));
        foreach (var value in new[] { HelloSha, WorldSha, SubTree, ExampleRoot, EmptyRoot, FileInputRoot })
        {
            Assert.Contains(value, doc, StringComparison.Ordinal);
        }

        Assert.Contains(Encoding.UTF8.GetString(Example().ToJsonLines()), doc, StringComparison.Ordinal);
    }

    [Fact]
    public void Entries_are_sorted_and_totalled()
    {
        var manifest = Example();

        Assert.Equal(["a.txt", "sub/b.txt"], manifest.Entries.Select(e => e.Path));
        Assert.Equal(2, manifest.FileCount);
        Assert.Equal(12, manifest.TotalBytes);
        Assert.Equal("b.txt", manifest.Entries[1].Name);
    }

    [Fact]
    public void An_empty_directory_has_the_root_of_an_empty_tree()
    {
        var manifest = DataManifest.Create(DataInputKind.Directory, []);

        Assert.Equal(EmptyRoot, manifest.Root);
        Assert.Equal(EmptyRoot, DataManifest.EmptyDirectory.Root);
        Assert.Equal(EmptyRoot, DataMerkle.EmptyDirectoryRoot);
        Assert.Empty(manifest.Entries);
    }

    [Fact]
    public void A_file_input_has_the_root_of_a_directory_holding_only_that_file()
    {
        var file = DataManifest.Create(DataInputKind.File, [new ManifestEntry("a.txt", 6, HelloSha)]);
        var directory = DataManifest.Create(DataInputKind.Directory, [new ManifestEntry("a.txt", 6, HelloSha)]);

        Assert.Equal(FileInputRoot, file.Root);
        Assert.Equal(FileInputRoot, directory.Root);
        Assert.Equal(DataInputKind.File, file.Kind);
    }

    [Fact]
    public void The_root_changes_when_a_name_a_size_a_hash_or_the_tree_shape_changes()
    {
        var baseline = Example().Root;
        ManifestEntry[][] variants =
        [
            [new("a.txt", 6, HelloSha), new("sub/c.txt", 6, WorldSha)],
            [new("a.txt", 7, HelloSha), new("sub/b.txt", 6, WorldSha)],
            [new("a.txt", 6, WorldSha), new("sub/b.txt", 6, WorldSha)],
            [new("a.txt", 6, HelloSha), new("b.txt", 6, WorldSha)],
            [new("a.txt", 6, HelloSha), new("sub/deeper/b.txt", 6, WorldSha)],
            [new("a.txt", 6, HelloSha), new("other/b.txt", 6, WorldSha)],
        ];

        var roots = variants.Select(v => DataManifest.Create(DataInputKind.Directory, v).Root).Append(baseline).ToList();

        Assert.Equal(roots.Count, roots.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Directories_that_share_a_prefix_of_their_names_are_kept_apart()
    {
        // "ab/x" and "a/bx" must not collapse into the same tree.
        var one = DataManifest.Create(DataInputKind.Directory, [new ManifestEntry("ab/x", 1, HelloSha)]);
        var two = DataManifest.Create(DataInputKind.Directory, [new ManifestEntry("a/bx", 1, HelloSha)]);

        Assert.NotEqual(one.Root, two.Root);
    }

    [Fact]
    public void The_root_matches_a_tree_built_node_by_node()
    {
        var manifest = DataManifest.Create(
            DataInputKind.Directory,
            [
                new("x/y/1", 1, HelloSha), new("x/2", 2, WorldSha), new("x/y/z/3", 3, HelloSha),
                new("w", 4, WorldSha), new("x.b", 5, HelloSha),
            ]);

        var z = DataMerkle.Tree([DataMerkle.FileRecord("3", 3, HelloSha)]);
        var y = DataMerkle.Tree([DataMerkle.FileRecord("1", 1, HelloSha), DataMerkle.DirectoryRecord("z", z)]);
        var x = DataMerkle.Tree([DataMerkle.FileRecord("2", 2, WorldSha), DataMerkle.DirectoryRecord("y", y)]);
        var expected = DataMerkle.Tree(
            [DataMerkle.FileRecord("w", 4, WorldSha), DataMerkle.DirectoryRecord("x", x), DataMerkle.FileRecord("x.b", 5, HelloSha)]);

        Assert.Equal(expected, manifest.Root);
    }

    [Fact]
    public void The_root_matches_a_recursive_reference_on_random_trees()
    {
        var random = new Random(99);
        string[] names = ["a", "b", "a.b", "a b", "a-", "ab", "é", "\U0001F642"];
        for (var round = 0; round < 300; round++)
        {
            var paths = new HashSet<string>(StringComparer.Ordinal);
            for (var i = random.Next(1, 30); i > 0; i--)
            {
                var depth = random.Next(1, 5);
                paths.Add(string.Join("/", Enumerable.Range(0, depth).Select(_ => names[random.Next(names.Length)])));
            }

            // Drop paths that would make a file also a directory.
            var files = paths.Where(p => !paths.Any(q => q.StartsWith(p + "/", StringComparison.Ordinal))).ToList();
            var entries = files.Select((p, i) => new ManifestEntry(p, i, HelloSha)).ToList();

            Assert.Equal(Reference(entries.Select(e => (e.Path, e))), DataManifest.Create(DataInputKind.Directory, entries).Root);
        }

        static string Reference(IEnumerable<(string Remainder, ManifestEntry Entry)> below)
        {
            var records = below
                .GroupBy(x => x.Remainder.Split('/')[0], StringComparer.Ordinal)
                .OrderBy(g => g.Key, DataPathComparer.Instance)
                .Select(g => g.Count() == 1 && !g.First().Remainder.Contains('/', StringComparison.Ordinal)
                    ? DataMerkle.FileRecord(g.Key, g.First().Entry.Size, g.First().Entry.Sha256)
                    : DataMerkle.DirectoryRecord(g.Key, Reference(g.Select(x => (x.Remainder[(g.Key.Length + 1)..], x.Entry)))));
            return DataMerkle.Tree(records);
        }
    }

    [Fact]
    public void Serialization_is_canonical_json_lines()
    {
        var text = Encoding.UTF8.GetString(Example().ToJsonLines());

        Assert.Equal(
            "{\"format\":\"repro-data-manifest\",\"version\":1,\"kind\":\"directory\","
            + "\"root\":\"" + ExampleRoot + "\",\"files\":2,\"bytes\":12}\n"
            + "{\"path\":\"a.txt\",\"size\":6,\"sha256\":\"" + HelloSha + "\"}\n"
            + "{\"path\":\"sub/b.txt\",\"size\":6,\"sha256\":\"" + WorldSha + "\"}\n",
            text);
    }

    [Fact]
    public void Odd_names_survive_a_round_trip_through_the_serialized_form()
    {
        var names = new[]
        {
            "new\nline", "quote\"d", @"back\\slash", @"bad\xff\xfe", "tab\there", "ünï 数据 🙂", "ctrl\u0001", "sp ace/x y",
        };
        var manifest = DataManifest.Create(DataInputKind.Directory, names.Select((n, i) => new ManifestEntry(n, i, HelloSha)));

        var bytes = manifest.ToJsonLines();
        var parsed = DataManifest.Parse(bytes);

        Assert.Equal(manifest.Entries, parsed.Entries);
        Assert.Equal(manifest.Root, parsed.Root);
        Assert.Equal(manifest.Kind, parsed.Kind);
        Assert.Equal(bytes, parsed.ToJsonLines());
        Assert.Equal(names.Length + 1, Encoding.UTF8.GetString(bytes).Count(c => c == '\n'));
    }

    [Fact]
    public void Parse_reads_a_stream_and_a_file_input()
    {
        var manifest = DataManifest.Create(DataInputKind.File, [new ManifestEntry("train.csv", 6, HelloSha)]);
        using var stream = new MemoryStream(manifest.ToJsonLines());

        var parsed = DataManifest.Parse(stream);

        Assert.Equal(DataInputKind.File, parsed.Kind);
        Assert.Equal(manifest.Root, parsed.Root);
    }

    [Fact]
    public void Parse_rejects_a_manifest_whose_root_does_not_match_its_entries()
    {
        var text = Encoding.UTF8.GetString(Example().ToJsonLines()).Replace("\"size\":6", "\"size\":7", StringComparison.Ordinal);
        text = text.Replace("\"bytes\":12", "\"bytes\":14", StringComparison.Ordinal);

        var error = Assert.Throws<ReproException>(() => DataManifest.Parse(Encoding.UTF8.GetBytes(text)));

        Assert.Equal(ErrorCode.Corrupted, error.Code);
        Assert.Contains("does not match the root", error.Message, StringComparison.Ordinal);
        Assert.Contains("repro doctor", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "header line is missing")]
    [InlineData("{\"format\":\"other\",\"version\":1}\n", "not a data manifest")]
    [InlineData("not json\n", "not valid JSON")]
    [InlineData(Header + "{\"path\":\"b\",\"size\":1,\"sha256\":\"" + HelloSha + "\"}\n"
        + "{\"path\":\"a\",\"size\":1,\"sha256\":\"" + HelloSha + "\"}\n", "not sorted")]
    [InlineData(Header + "{\"path\":\"a\",\"size\":1,\"sha256\":\"" + HelloSha + "\"}\n"
        + "{\"path\":\"a\",\"size\":1,\"sha256\":\"" + HelloSha + "\"}\n", "duplicate")]
    [InlineData(Header + "{\"path\":\"../a\",\"size\":1,\"sha256\":\"" + HelloSha + "\"}\n", "'..'")]
    [InlineData(Header + "{\"path\":\"a\",\"size\":1,\"sha256\":\"ABC\"}\n", "sha256")]
    [InlineData(Header + "{\"path\":\"a\",\"size\":\"1\",\"sha256\":\"" + HelloSha + "\"}\n", "not an integer")]
    [InlineData(Header + "{\"path\":\"a\",\"sha256\":\"" + HelloSha + "\"}\n", "no size")]
    [InlineData(Header + "\n{\"path\":\"a\",\"size\":1,\"sha256\":\"" + HelloSha + "\"}\n", "empty")]
    [InlineData(Header + "{\"path\":\"\\\\xc3\\\\xa9\",\"size\":1,\"sha256\":\"" + HelloSha + "\"}\n", "canonical")]
    public void Parse_rejects_malformed_manifests_with_a_reason(string text, string reason)
    {
        var error = Assert.Throws<ReproException>(() => DataManifest.Parse(Encoding.UTF8.GetBytes(text)));

        Assert.Equal(ErrorCode.Corrupted, error.Code);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private const string Header =
        "{\"format\":\"repro-data-manifest\",\"version\":1,\"kind\":\"directory\",\"root\":\"x\",\"files\":1,\"bytes\":1}\n";

    [Fact]
    public void Parse_refuses_a_newer_format_version_and_says_to_upgrade()
    {
        var text = "{\"format\":\"repro-data-manifest\",\"version\":2,\"kind\":\"directory\",\"root\":\"x\",\"files\":0,\"bytes\":0}\n";

        var error = Assert.Throws<ReproException>(() => DataManifest.Parse(Encoding.UTF8.GetBytes(text)));

        Assert.Equal(ErrorCode.SchemaTooNew, error.Code);
        Assert.Contains("Upgrade repro", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ignores_unknown_properties_from_a_compatible_writer()
    {
        var text = Encoding.UTF8.GetString(Example().ToJsonLines())
            .Replace("\"files\":2", "\"files\":2,\"note\":{\"a\":[1,2]}", StringComparison.Ordinal);

        Assert.Equal(ExampleRoot, DataManifest.Parse(Encoding.UTF8.GetBytes(text)).Root);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/abs", "empty")]
    [InlineData("a//b", "empty")]
    [InlineData("a/./b", "'.'")]
    [InlineData("a/", "empty")]
    [InlineData("a\\q", "escaped")]
    public void Create_rejects_invalid_paths(string path, string reason)
    {
        var error = Assert.Throws<ArgumentException>(
            () => DataManifest.Create(DataInputKind.Directory, [new ManifestEntry(path, 1, HelloSha)]));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_rejects_a_path_that_is_both_a_file_and_a_directory()
    {
        var error = Assert.Throws<ArgumentException>(() => DataManifest.Create(
            DataInputKind.Directory,
            [new ManifestEntry("a", 1, HelloSha), new ManifestEntry("a/b", 1, HelloSha)]));

        Assert.Contains("both a file and a directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_rejects_a_file_input_with_other_than_one_plain_name()
    {
        Assert.Throws<ArgumentException>(() => DataManifest.Create(DataInputKind.File, []));
        Assert.Throws<ArgumentException>(() => DataManifest.Create(DataInputKind.File, [new ManifestEntry("d/a", 1, HelloSha)]));
    }

    internal static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Repro.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Repro.slnx was not found above " + AppContext.BaseDirectory);
    }
}

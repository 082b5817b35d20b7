using Repro.Core.Data;

namespace Repro.Core.Tests.Data;

public sealed class DataPathComparerTests
{
    [Fact]
    public void A_directory_sorts_before_siblings_that_extend_its_name()
    {
        string[] paths = ["a.txt", "a b", "a/z", "a", "a/b/c", "B", "a-"];

        Array.Sort(paths, DataPathComparer.Instance);

        Assert.Equal(["B", "a", "a/b/c", "a/z", "a b", "a-", "a.txt"], paths);
    }

    [Fact]
    public void Characters_outside_the_basic_plane_sort_after_every_basic_plane_character()
    {
        // Ordinal UTF-16 order would put U+1F642 (a surrogate pair) before U+FF21; code point order puts it after.
        string[] paths = ["\U0001F642", "\uFF21", "z"];

        Array.Sort(paths, DataPathComparer.Instance);

        Assert.Equal(["z", "\uFF21", "\U0001F642"], paths);
    }

    [Fact]
    public void Equal_paths_compare_equal_and_null_sorts_first()
    {
        Assert.Equal(0, DataPathComparer.Instance.Compare("x/y", "x/y"));
        Assert.True(DataPathComparer.Instance.Compare(null, "a") < 0);
        Assert.True(DataPathComparer.Instance.Compare("a", null) > 0);
    }
}

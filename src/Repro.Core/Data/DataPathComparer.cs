using System.Runtime.CompilerServices;

namespace Repro.Core.Data;

/// <summary>
/// The order of manifest paths: component by component, each compared in Unicode code point order. Equivalently: code
/// point order of the whole path with '/' sorting before every other character, so <c>a/b</c> comes before <c>a b</c>
/// and <c>a.txt</c>. This is the depth-first order of the Merkle tree, so a directory's files are contiguous.
/// </summary>
public sealed class DataPathComparer : IComparer<string>
{
    public static DataPathComparer Instance { get; } = new();

    private DataPathComparer()
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var common = x.AsSpan().CommonPrefixLength(y);
        if (common == x.Length || common == y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }

        return Weight(x[common]).CompareTo(Weight(y[common]));
    }

    // UTF-16 code units reordered into code point order, with the separator first.
    private static int Weight(char c) => c switch
    {
        '/' => -1,
        >= '\uD800' and <= '\uDFFF' => c + 0x2000,
        >= '\uE000' => c - 0x800,
        _ => c,
    };
}

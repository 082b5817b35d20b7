using System.Globalization;
using System.IO.Compression;

namespace Digits;

/// <summary>Digit images as rows of 64 features scaled to [0, 1], with their labels.</summary>
internal sealed class DigitsData
{
    public const int Features = 64;
    public const int Classes = 10;
    public const int TrainRows = 1437;

    /// <summary>A constant, not the run's seed: the split is part of the data and must not move between runs.</summary>
    private const ulong SplitSeed = 0x5EED_D161_75UL;

    private DigitsData(float[] features, int[] labels)
    {
        X = features;
        Labels = labels;
    }

    /// <summary>Row-major, <see cref="Count"/> x <see cref="Features"/>.</summary>
    public float[] X { get; }

    public int[] Labels { get; }

    public int Count => Labels.Length;

    public static DigitsData Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The digits data is not at '{path}'. Pass its location with --data PATH (the file is examples/Digits/data/digits.csv.gz).");
        }

        var features = new List<float>();
        var labels = new List<int>();
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            if (cells.Length != Features + 1)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: expected {Features + 1} values, found {cells.Length}.");
            }

            for (var i = 0; i <= Features; i++)
            {
                if (!int.TryParse(cells[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ||
                    value > (i < Features ? 16 : Classes - 1))
                {
                    throw new InvalidDataException($"{path}:{lineNumber}: '{cells[i]}' is not a pixel (0..16) or label (0..9).");
                }

                if (i < Features)
                {
                    features.Add(value / 16f);
                }
                else
                {
                    labels.Add(value);
                }
            }
        }

        if (labels.Count <= TrainRows)
        {
            throw new InvalidDataException($"{path} has {labels.Count} rows; the fixed split needs more than {TrainRows}.");
        }

        return new DigitsData([.. features], [.. labels]);
    }

    /// <summary>
    /// The fixed split: the first <see cref="TrainRows"/> rows of a permutation drawn from a constant seed train, the rest
    /// validate. The same on every run, whatever the run's seed.
    /// </summary>
    public (DigitsData Train, DigitsData Validation) Split()
    {
        var order = Enumerable.Range(0, Count).ToArray();
        var state = SplitSeed;
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = (int)(SplitMix64(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }

        return (Take(order.AsSpan(0, TrainRows)), Take(order.AsSpan(TrainRows)));
    }

    private DigitsData Take(ReadOnlySpan<int> rows)
    {
        var features = new float[rows.Length * Features];
        var labels = new int[rows.Length];
        for (var r = 0; r < rows.Length; r++)
        {
            X.AsSpan(rows[r] * Features, Features).CopyTo(features.AsSpan(r * Features));
            labels[r] = Labels[rows[r]];
        }

        return new DigitsData(features, labels);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

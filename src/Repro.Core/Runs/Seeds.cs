using System.Globalization;
using System.Security.Cryptography;
using Repro.Core.Errors;

namespace Repro.Core.Runs;

/// <summary>
/// Master seeds are integers in [0, 2^32 - 1]: the range every framework's seeding call accepts
/// (numpy's legacy <c>np.random.seed</c> rejects anything larger), so REPRO_SEED can be passed on unchanged.
/// </summary>
public static class Seeds
{
    public const long Max = uint.MaxValue;

    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"Seed '{text}' is not a whole number. Give an integer from 0 to {Max}, e.g. --seed 42.");
        }

        if (seed is < 0 or > Max)
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"Seed {seed} is outside the accepted range 0..{Max}. Pick a seed in that range, e.g. --seed 42.");
        }

        return seed;
    }

    /// <summary>A fresh seed from the operating system's random source.</summary>
    public static long Draw() => RandomNumberGenerator.GetInt32(int.MaxValue);
}

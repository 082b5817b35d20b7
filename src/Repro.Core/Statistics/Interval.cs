namespace Repro.Core.Statistics;

/// <summary>
/// A closed interval [<see cref="Lower"/>, <see cref="Upper"/>], such as a confidence interval. Both bounds are NaN when the
/// interval is undefined (for example the confidence interval of a single value).
/// </summary>
public readonly record struct Interval(double Lower, double Upper)
{
    /// <summary>The undefined interval: both bounds NaN.</summary>
    public static Interval Undefined { get; } = new(double.NaN, double.NaN);

    /// <summary>True when both bounds are numbers.</summary>
    public bool IsDefined => !double.IsNaN(Lower) && !double.IsNaN(Upper);

    /// <summary>True when <paramref name="value"/> lies inside, bounds included; false for an undefined interval.</summary>
    public bool Contains(double value) => Lower <= value && value <= Upper;
}

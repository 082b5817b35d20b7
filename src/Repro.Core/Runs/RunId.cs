using System.Security.Cryptography;

namespace Repro.Core.Runs;

/// <summary>A run's identity: 32 lowercase hex characters (the shape MLflow uses, so ids travel between tools).</summary>
public readonly record struct RunId
{
    public RunId(string value)
    {
        if (!IsValid(value))
        {
            throw new ArgumentException($"'{value}' is not a run id: expected 32 lowercase hex characters.", nameof(value));
        }

        Value = value;
    }

    public string Value { get; }

    public static RunId New() => new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));

    public static bool IsValid(string? value) =>
        value is { Length: 32 } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    public string Short => Value[..8];

    public override string ToString() => Value;
}

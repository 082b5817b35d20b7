using System.Security.Cryptography;

namespace Repro.Sdk.Recording;

/// <summary>Readable default run names ("brisk-otter-417"), as MLflow and W&amp;B give them.</summary>
public static class RunNames
{
    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brisk", "calm", "clever", "crisp", "daring", "eager", "fair", "gentle", "glad", "keen", "lively",
        "lucid", "merry", "nimble", "noble", "plucky", "quiet", "rapid", "serene", "sharp", "steady", "sunny", "swift",
        "tidy", "vivid", "warm", "wise", "zesty",
    ];

    private static readonly string[] Nouns =
    [
        "badger", "bison", "crane", "dolphin", "eagle", "falcon", "finch", "fox", "gecko", "heron", "ibis", "koala", "lark",
        "lemur", "lynx", "marten", "newt", "ocelot", "otter", "owl", "panda", "puffin", "quail", "raven", "seal", "stork",
        "tapir", "tern", "viper", "wren",
    ];

    public static string Generate() =>
        $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}-{Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)]}-" +
        RandomNumberGenerator.GetInt32(100, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

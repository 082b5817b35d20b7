using Repro.Core.Protocol;

namespace Repro.Sdk.Tests.Support;

internal static class EventsFile
{
    /// <summary>Parses every line with the protocol parser; a line that does not parse fails the test.</summary>
    public static IReadOnlyList<ProtocolEvent> Read(string path)
    {
        var text = File.ReadAllText(path);
        Assert.True(text.Length == 0 || text.EndsWith('\n'), "the events file must end with a whole line");
        var events = new List<ProtocolEvent>();
        foreach (var line in text.Split('\n', StringSplitOptions.None)[..^1])
        {
            Assert.True(ProtocolParser.TryParse(line, out var ev, out var error), $"line '{line}' does not parse: {error}");
            events.Add(ev!);
        }

        return events;
    }
}

using System.Collections.Concurrent;

namespace Repro.Sdk.Logging;

/// <summary>Warnings the SDK prints on stderr instead of throwing into the training loop. Writing them never throws.</summary>
internal sealed class SdkWarnings
{
    private readonly TextWriter _writer;
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, bool> _shown = new(StringComparer.Ordinal);

    public SdkWarnings(TextWriter writer) => _writer = writer;

    /// <summary>The process's stderr; "once" warnings through it are shown once per process.</summary>
    public static SdkWarnings StandardError { get; } = new(Console.Error);

    public void Warn(string message)
    {
        try
        {
            lock (_lock)
            {
                _writer.WriteLine("repro: warning: " + message);
                _writer.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // stderr is gone; there is nowhere left to say it.
        }
    }

    /// <summary>Shows the message the first time <paramref name="topic"/> comes up; later calls return false.</summary>
    public bool WarnOnce(string topic, string message)
    {
        if (!_shown.TryAdd(topic, true))
        {
            return false;
        }

        Warn(message);
        return true;
    }
}

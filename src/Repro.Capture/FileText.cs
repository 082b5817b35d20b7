namespace Repro.Capture;

/// <summary>Reads small system files (/proc, /etc) without throwing.</summary>
internal static class FileText
{
    public static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

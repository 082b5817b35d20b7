using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Repro.Core.Errors;

namespace Repro.Core.Search;

/// <summary>
/// Opaque paging tokens: base64url of a small JSON object holding the offset of the next page and what it pages
/// (so a token of one search is not taken for another's). A token that does not decode is InvalidArgument.
/// </summary>
public static class SearchPageToken
{
    public static string Encode(long offset, string scope)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["o"] = offset, ["s"] = scope });
        return Base64Url.EncodeToString(json);
    }

    /// <summary>The offset a token points at; 0 for a null or empty token.</summary>
    public static long Decode(string? token, string scope)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            var bytes = Base64Url.DecodeFromChars(token);
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("o", out var o) && o.TryGetInt64(out var offset) && offset >= 0
                && root.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() == scope)
            {
                return offset;
            }
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            // Falls through to the error below.
        }

        throw new ReproException(
            ErrorCode.InvalidArgument,
            $"Invalid page token '{Shorten(token)}': pass back the next_page_token of the previous page unchanged, "
            + "or no token for the first page.");
    }

    private static string Shorten(string token) =>
        token.Length <= 40 ? token : token[..40].ToString(CultureInfo.InvariantCulture) + "...";
}

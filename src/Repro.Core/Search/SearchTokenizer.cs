using System.Globalization;
using System.Text;
using Repro.Core.Errors;

namespace Repro.Core.Search;

internal enum TokenKind
{
    /// <summary>A key, maybe with a type prefix: <c>metrics.acc</c>, <c>tags.`my tag`</c>, <c>status</c>; also keywords.</summary>
    Identifier,
    String,
    Number,
    Operator,
    LeftParen,
    RightParen,
    Comma,
    End,
}

/// <summary>
/// One token. <see cref="Position"/> is 1-based. For identifiers, <see cref="Prefix"/> is the part before the first dot
/// (null when there is none) and <see cref="Text"/> the key; <see cref="Quoted"/> says the key was in backquotes or double quotes
/// (so it is never a keyword).
/// </summary>
internal sealed record SearchToken(TokenKind Kind, string Text, int Position, string Raw, string? Prefix = null, bool Quoted = false)
{
    public bool IsKeyword(string keyword) =>
        Kind == TokenKind.Identifier && Prefix is null && !Quoted && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

    public string Describe() => Kind == TokenKind.End ? "the end of the input" : $"'{Raw}'";
}

/// <summary>Splits a filter or order_by clause into tokens. Pure; errors are InvalidArgument naming the position.</summary>
internal static class SearchTokenizer
{
    public static List<SearchToken> Tokenize(string text, string context)
    {
        var tokens = new List<SearchToken>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                tokens.Add(new SearchToken(TokenKind.End, "", text.Length + 1, ""));
                return tokens;
            }

            var start = i;
            var c = text[i];
            if (c is '\'' or '"')
            {
                var value = ReadQuoted(text, ref i, context, "string");
                tokens.Add(new SearchToken(TokenKind.String, value, start + 1, text[start..i]));
            }
            else if (char.IsAsciiDigit(c) || (c is '-' or '+' or '.' && i + 1 < text.Length && text[i + 1] is >= '0' and <= '9' or '.'))
            {
                tokens.Add(ReadNumber(text, ref i, context));
            }
            else if (char.IsAsciiLetter(c) || c == '_' || c == '`')
            {
                tokens.Add(ReadIdentifier(text, ref i, context));
            }
            else if (c is '=' or '!' or '<' or '>')
            {
                var op = i + 1 < text.Length && text[i + 1] == '=' ? text.Substring(i, 2) : text.Substring(i, 1);
                if (op == "!")
                {
                    throw SearchErrors.At(context, start + 1, "expected '!=' (a lone '!' is not an operator)");
                }

                if (op == "==")
                {
                    throw SearchErrors.At(context, start + 1, "'==' is not an operator; use '=' to compare");
                }

                if (op == "<" && i + 1 < text.Length && text[i + 1] == '>')
                {
                    throw SearchErrors.At(context, start + 1, "'<>' is not an operator; use '!='");
                }

                i += op.Length;
                tokens.Add(new SearchToken(TokenKind.Operator, op, start + 1, op));
            }
            else if (c == '(')
            {
                i++;
                tokens.Add(new SearchToken(TokenKind.LeftParen, "(", start + 1, "("));
            }
            else if (c == ')')
            {
                i++;
                tokens.Add(new SearchToken(TokenKind.RightParen, ")", start + 1, ")"));
            }
            else if (c == ',')
            {
                i++;
                tokens.Add(new SearchToken(TokenKind.Comma, ",", start + 1, ","));
            }
            else
            {
                throw SearchErrors.At(context, start + 1, $"unexpected character '{c}'");
            }
        }
    }

    private static string ReadQuoted(string text, ref int i, string context, string what)
    {
        var quote = text[i];
        var start = i;
        var value = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                throw SearchErrors.At(context, start + 1, $"unterminated {what}: close it with {quote}");
            }

            var c = text[i];
            if (c == quote)
            {
                // A doubled quote stands for the quote itself, as in SQL.
                if (i + 1 < text.Length && text[i + 1] == quote)
                {
                    value.Append(quote);
                    i += 2;
                    continue;
                }

                i++;
                return value.ToString();
            }

            if (c == '\\' && i + 1 < text.Length && (text[i + 1] == quote || text[i + 1] == '\\'))
            {
                value.Append(text[i + 1]);
                i += 2;
                continue;
            }

            value.Append(c);
            i++;
        }
    }

    private static SearchToken ReadNumber(string text, ref int i, string context)
    {
        var start = i;
        if (text[i] is '-' or '+')
        {
            i++;
        }

        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '-' or '+')
            {
                i++;
            }

            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
        }

        var raw = text[start..i];
        if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
        {
            throw SearchErrors.At(context, start + 1, $"'{raw}{text[i]}...' is not a number; quote strings ('...')");
        }

        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw SearchErrors.At(context, start + 1, $"'{raw}' is not a number");
        }

        return new SearchToken(TokenKind.Number, raw, start + 1, raw);
    }

    private static SearchToken ReadIdentifier(string text, ref int i, string context)
    {
        var start = i;
        if (text[i] == '`')
        {
            var key = ReadQuoted(text, ref i, context, "backquoted key");
            return new SearchToken(TokenKind.Identifier, key, start + 1, text[start..i], Quoted: true);
        }

        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
        {
            i++;
        }

        if (i >= text.Length || text[i] != '.')
        {
            var word = text[start..i];
            return new SearchToken(TokenKind.Identifier, word, start + 1, word);
        }

        var prefix = text[start..i];
        i++;    // the dot
        if (i < text.Length && text[i] is '`' or '"')
        {
            var key = ReadQuoted(text, ref i, context, "quoted key");
            return new SearchToken(TokenKind.Identifier, key, start + 1, text[start..i], prefix, Quoted: true);
        }

        var keyStart = i;
        while (i < text.Length && IsBareKeyChar(text[i]))
        {
            i++;
        }

        if (i == keyStart)
        {
            throw SearchErrors.At(
                context,
                keyStart + 1,
                $"expected a key after '{prefix}.' (quote keys with spaces or symbols in backquotes: {prefix}.`my key`)");
        }

        return new SearchToken(TokenKind.Identifier, text[keyStart..i], start + 1, text[start..i], prefix);
    }

    private static bool IsBareKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '/' or ':';
}

internal static class SearchErrors
{
    public static ReproException At(string context, int position, string message) =>
        new(ErrorCode.InvalidArgument, $"Invalid {context} at position {position.ToString(CultureInfo.InvariantCulture)}: {message}.");
}

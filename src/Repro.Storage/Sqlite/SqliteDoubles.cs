using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Repro.Storage.Sqlite;

/// <summary>
/// Stores doubles bit-exactly in a <c>value REAL</c> / <c>value_text TEXT</c> column pair. SQLite turns NaN into NULL
/// and may keep an integral REAL as an integer, losing the sign of -0.0; those values go to the text column instead
/// ("NaN", "Infinity", "-Infinity", "-0") and the REAL column is NULL. Every other double is an ordinary REAL, so SQL
/// can still sort and aggregate. (NaN payload bits are not kept: every NaN reads back as <see cref="double.NaN"/>.)
/// </summary>
internal static class SqliteDoubles
{
    private static readonly long NegativeZeroBits = BitConverter.DoubleToInt64Bits(-0.0);

    public static void Bind(SqliteParameter value, SqliteParameter text, double number)
    {
        if (double.IsFinite(number) && BitConverter.DoubleToInt64Bits(number) != NegativeZeroBits)
        {
            value.Value = number;
            text.Value = DBNull.Value;
        }
        else
        {
            value.Value = DBNull.Value;
            text.Value = double.IsNaN(number) ? "NaN" : number.ToString("R", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// Like <see cref="Bind"/>, but keeps ±Infinity and -0.0 (as 0) in the REAL column too, so SQL comparisons and ordering
    /// see them; the text column still makes the read exact. Only NaN leaves the REAL column NULL. Used for latest_metrics,
    /// which searches compare.
    /// </summary>
    public static void BindSearchable(SqliteParameter value, SqliteParameter text, double number)
    {
        Bind(value, text, number);
        if (!double.IsNaN(number))
        {
            value.Value = BitConverter.DoubleToInt64Bits(number) == NegativeZeroBits ? 0.0 : number;
        }
    }

    /// <summary>Reads a pair written by <see cref="Bind"/> or <see cref="BindSearchable"/>: the text column wins when set.</summary>
    public static double Read(SqliteDataReader reader, int valueOrdinal, int textOrdinal)
    {
        if (reader.IsDBNull(textOrdinal))
        {
            return reader.GetDouble(valueOrdinal);
        }

        var text = reader.GetString(textOrdinal);
        return text == "NaN" ? double.NaN : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}

using System.Text;

namespace Digits;

/// <summary>
/// The trained weights: the ASCII magic "RMLP", a uint32 format version (1), int32 input, hidden and output sizes, then
/// W1 (inputs x hidden), b1, W2 (hidden x outputs), b2 as little-endian float32, row-major.
/// </summary>
internal static class WeightsFile
{
    public const int Version = 1;

    /// <summary>
    /// Writes a temporary file beside <paramref name="path"/> and renames it over the target, so runs of a parallel sweep
    /// that share an output directory never fail on each other's open file and a reader never sees half a file.
    /// </summary>
    public static void Save(Mlp model, string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var stream = File.Create(temporary))
            using (var writer = new BinaryWriter(stream, Encoding.ASCII))
            {
                writer.Write("RMLP"u8);
                writer.Write((uint)Version);
                writer.Write(model.Inputs);
                writer.Write(model.Hidden);
                writer.Write(model.Outputs);
                foreach (var block in (float[][])[model.W1, model.B1, model.W2, model.B2])
                {
                    foreach (var value in block)
                    {
                        writer.Write(value);
                    }
                }
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

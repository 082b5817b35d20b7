using System.Text;

namespace Digits;

/// <summary>
/// The trained weights: the ASCII magic "RMLP", a uint32 format version (1), int32 input, hidden and output sizes, then
/// W1 (inputs x hidden), b1, W2 (hidden x outputs), b2 as little-endian float32, row-major.
/// </summary>
internal static class WeightsFile
{
    public const int Version = 1;

    public static void Save(Mlp model, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream, Encoding.ASCII);
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
}

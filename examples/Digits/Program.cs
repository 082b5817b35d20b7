using System.Diagnostics;
using System.Globalization;
using Repro.Core.Errors;
using Repro.Sdk;

namespace Digits;

/// <summary>
/// Trains a small MLP on the UCI digits and reports to Repro:
/// <c>repro run -- dotnet digits.dll [--data PATH] [--out DIR]</c>.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: dotnet digits.dll [--data PATH] [--out DIR]";

    public static int Main(string[] args)
    {
        var data = Path.Combine(AppContext.BaseDirectory, "data", "digits.csv.gz");
        var output = "out";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length:
                    data = args[++i];
                    break;
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"digits: unknown argument '{args[i]}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }

        try
        {
            using var run = Run.Current;
            return Train(run, data, output);
        }
        catch (Exception e) when (e is ReproException or ArgumentException or IOException or InvalidDataException)
        {
            Console.Error.WriteLine("digits: error: " + e.Message);
            return e is IOException or InvalidDataException ? 1 : 2;
        }
    }

    private static int Train(Run run, string dataPath, string outputDirectory)
    {
        var h = Hyperparameters.Read(run);
        var (train, validation) = DigitsData.Load(dataPath).Split();
        var math = new BatchMath(run.Deterministic, run.Threads);
        var random = new TrainingRandomness(run.Seed);
        var model = new Mlp(DigitsData.Features, h.Hidden, DigitsData.Classes, math, random);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"digits: {train.Count} train / {validation.Count} validation rows, seed {run.Seed}, {math.Threads} threads, " +
            $"deterministic {math.Deterministic}; {h}"));

        var order = new int[train.Count];
        var batchX = new float[h.BatchSize * DigitsData.Features];
        var batchLabels = new int[h.BatchSize];
        var rowLoss = new double[h.BatchSize];
        var accuracy = 0.0;
        var total = Stopwatch.StartNew();
        for (var epoch = 1; epoch <= h.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            random.Shuffle(order);
            var lossSum = 0.0;
            for (var start = 0; start < train.Count; start += h.BatchSize)
            {
                var rows = Math.Min(h.BatchSize, train.Count - start);
                for (var r = 0; r < rows; r++)
                {
                    var source = order[start + r];
                    train.X.AsSpan(source * DigitsData.Features, DigitsData.Features).CopyTo(batchX.AsSpan(r * DigitsData.Features));
                    batchLabels[r] = train.Labels[source];
                }

                lossSum += model.TrainStep(batchX, batchLabels, rows, random, h, rowLoss);
            }

            var predictions = model.Predict(validation.X, validation.Count);
            accuracy = (double)predictions.Where((p, i) => p == validation.Labels[i]).Count() / validation.Count;
            var seconds = clock.Elapsed.TotalSeconds;
            run.Log("train_loss", lossSum / train.Count, epoch);
            run.Log("val_accuracy", accuracy, epoch);
            run.Log("val_error", 1 - accuracy, epoch);
            run.Log("epoch_seconds", seconds, epoch);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {epoch,3}  train_loss {lossSum / train.Count:F4}  val_accuracy {accuracy:F4}  {seconds * 1000:F0} ms"));
        }

        var weights = Path.Combine(outputDirectory, "digits-mlp.bin");
        WeightsFile.Save(model, weights);
        run.Artifact(weights, "weights");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"digits: validation accuracy {accuracy:F4} after {h.Epochs} epochs in {total.Elapsed.TotalSeconds:F1} s; weights in {weights}"));
        return 0;
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Repro.Core.Errors;
using Repro.Sdk;
using Repro.Sdk.Checkpoints;

namespace Digits;

/// <summary>
/// Trains a small MLP on the UCI digits and reports to Repro:
/// <c>repro run -- dotnet digits.dll [--data PATH] [--out DIR]</c>. Saves a checkpoint every <c>checkpoint_every</c>
/// epochs (and after the last), and continues from one under <c>repro run --resume RUN</c>; in deterministic mode
/// (<c>repro run --deterministic</c>) the resumed run ends with the same bits as an uninterrupted one.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: dotnet digits.dll [--data PATH] [--out DIR]";

    /// <summary>Written into every checkpoint; a checkpoint without it was written by other code and is refused.</summary>
    private const string CheckpointFormat = "digits-mlp/1";

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
            // Usage errors (a bad param or variable) exit 2; a missing or damaged file, or a checkpoint that does not fit, 1.
            Console.Error.WriteLine("digits: error: " + e.Message);
            return e is ArgumentException or ReproException { Code: ErrorCode.InvalidArgument } ? 2 : 1;
        }
    }

    private static int Train(Run run, string dataPath, string outputDirectory)
    {
        var h = Hyperparameters.Read(run);
        var (train, validation) = DigitsData.Load(dataPath).Split();
        var math = new BatchMath(run.Deterministic, run.Threads);
        var model = new Mlp(DigitsData.Features, h.Hidden, DigitsData.Classes, math);
        var shuffle = run.Random("shuffle");
        var dropout = run.Random("dropout");
        var firstEpoch = StartOrResume(run, model, h);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"digits: {train.Count} train / {validation.Count} validation rows, seed {run.Seed}, {math.Threads} threads, " +
            $"deterministic {math.Deterministic}, simd {SimdBits} bits; {h}"));

        var batches = (train.Count + h.BatchSize - 1) / h.BatchSize;
        var order = new int[train.Count];
        var batchX = new float[h.BatchSize * DigitsData.Features];
        var batchLabels = new int[h.BatchSize];
        var rowLoss = new double[h.BatchSize];
        var accuracy = firstEpoch < h.Epochs ? 0.0 : Accuracy(model, validation);
        var total = Stopwatch.StartNew();

        // Epochs are counted from 0 here and in checkpoints (the cursor is the next epoch to train, i.e. the epochs done);
        // metrics are logged at step epoch + 1, so a resumed run logs at the steps the uninterrupted run used.
        for (var epoch = firstEpoch; epoch < h.Epochs; epoch++)
        {
            var step = epoch + 1;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            shuffle.Shuffle(order.AsSpan());
            var lossSum = 0.0;
            for (var batch = 0; batch < batches; batch++)
            {
                var start = batch * h.BatchSize;
                var rows = Math.Min(h.BatchSize, train.Count - start);
                for (var r = 0; r < rows; r++)
                {
                    var source = order[start + r];
                    train.X.AsSpan(source * DigitsData.Features, DigitsData.Features).CopyTo(batchX.AsSpan(r * DigitsData.Features));
                    batchLabels[r] = train.Labels[source];
                }

                lossSum += model.TrainStep(batchX, batchLabels, rows, dropout, ((long)epoch * batches) + batch, h, rowLoss);
            }

            accuracy = Accuracy(model, validation);
            var seconds = clock.Elapsed.TotalSeconds;
            run.Log("train_loss", lossSum / train.Count, step);
            run.Log("val_accuracy", accuracy, step);
            run.Log("val_error", 1 - accuracy, step);
            run.Log("system/epoch_seconds", seconds, step);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {step,3}  train_loss {lossSum / train.Count:F4}  val_accuracy {accuracy:F4}  {seconds * 1000:F0} ms"));
            if (h.CheckpointEvery > 0 && (step % h.CheckpointEvery == 0 || step == h.Epochs))
            {
                SaveCheckpoint(run, model, epochsDone: step);
            }
        }

        var weights = Path.Combine(outputDirectory, "digits-mlp.bin");
        WeightsFile.Save(model, weights);
        run.Artifact(weights, "weights");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"digits: validation accuracy {accuracy:F4} after {h.Epochs} epochs in {total.Elapsed.TotalSeconds:F2} s; " +
            $"weights in {weights}"));
        return 0;
    }

    /// <summary>
    /// A fresh start draws the weights from the "init" stream and returns epoch 0. A resumed run (<c>repro run --resume</c>)
    /// takes the weights, biases and momentum from the checkpoint, whose random stream positions the SDK has restored, and
    /// returns the checkpoint's epoch: the first one not trained yet.
    /// </summary>
    private static int StartOrResume(Run run, Mlp model, Hyperparameters h)
    {
        var checkpoint = run.ResumeCheckpoint();
        if (checkpoint is null)
        {
            model.Initialize(run.Random("init"));
            return 0;
        }

        checkpoint.Metadata.TryGetValue("format", out var format);
        if (format != CheckpointFormat)
        {
            throw new ReproException(
                ErrorCode.Conflict,
                $"The checkpoint to resume from has format '{format ?? "(none)"}', not '{CheckpointFormat}': it was not written by " +
                "this program. Resume from a run of digits.dll: repro run --resume RUN -- dotnet digits.dll");
        }

        if (checkpoint.Batch != 0)
        {
            throw new ReproException(
                ErrorCode.Conflict,
                $"The checkpoint to resume from stops at batch {checkpoint.Batch} of epoch {checkpoint.Epoch}; digits saves and " +
                "resumes at epoch boundaries only. Resume from a checkpoint written by digits.dll.");
        }

        if (checkpoint.Epoch > h.Epochs)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"The checkpoint to resume from was written after {checkpoint.Epoch} epochs, more than epochs={h.Epochs}. " +
                $"Resume with at least that many: repro run --resume RUN --param epochs={checkpoint.Epoch} -- dotnet digits.dll"));
        }

        model.Restore(checkpoint);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"digits: resuming after epoch {checkpoint.Epoch}"));
        return (int)checkpoint.Epoch;
    }

    /// <summary>The model and optimizer state after <paramref name="epochsDone"/> epochs, with the cursor at the next one.</summary>
    private static void SaveCheckpoint(Run run, Mlp model, int epochsDone)
    {
        var checkpoint = new Checkpoint(epoch: epochsDone, batch: 0);
        checkpoint.Metadata["format"] = CheckpointFormat;
        model.Save(checkpoint);
        run.SaveCheckpoint(checkpoint);
    }

    private static double Accuracy(Mlp model, DigitsData validation)
    {
        var predictions = model.Predict(validation.X, validation.Count);
        return (double)predictions.Where((p, i) => p == validation.Labels[i]).Count() / validation.Count;
    }

    /// <summary>The widest vectors this process uses (DOTNET_EnableAVX512=0 or DOTNET_EnableAVX2=0 narrow them).</summary>
    private static int SimdBits =>
        Vector512.IsHardwareAccelerated ? 512
        : Vector256.IsHardwareAccelerated ? 256
        : Vector128.IsHardwareAccelerated ? 128
        : 0;
}

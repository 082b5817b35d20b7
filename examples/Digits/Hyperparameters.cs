using Repro.Sdk;

namespace Digits;

/// <summary>The training settings, each read through <see cref="Run.Param{T}"/> so its value and source are recorded.</summary>
internal sealed record Hyperparameters(
    float LearningRate, int Hidden, int Epochs, int BatchSize, float Dropout, float Momentum, float WeightDecay, int CheckpointEvery)
{
    public static Hyperparameters Read(Run run)
    {
        var h = new Hyperparameters(
            LearningRate: run.Param("lr", 0.05f),
            Hidden: run.Param("hidden", 128),
            Epochs: run.Param("epochs", 40),
            BatchSize: run.Param("batch_size", 32),
            Dropout: run.Param("dropout", 0.2f),
            Momentum: run.Param("momentum", 0.9f),
            WeightDecay: run.Param("weight_decay", 0.0001f),
            CheckpointEvery: run.Param("checkpoint_every", 1));
        Check(h.LearningRate > 0 && float.IsFinite(h.LearningRate), "lr", "a positive number");
        Check(h.Hidden >= 1, "hidden", "at least 1");
        Check(h.Epochs >= 1, "epochs", "at least 1");
        Check(h.BatchSize >= 1, "batch_size", "at least 1");
        Check(h.Dropout is >= 0 and < 1, "dropout", "in [0, 1)");
        Check(h.Momentum is >= 0 and < 1, "momentum", "in [0, 1)");
        Check(h.WeightDecay >= 0 && float.IsFinite(h.WeightDecay), "weight_decay", "zero or positive");
        Check(h.CheckpointEvery >= 0, "checkpoint_every", "0 (no checkpoints) or a number of epochs");
        return h;
    }

    private static void Check(bool ok, string key, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException($"Param '{key}' must be {expected}.");
        }
    }
}

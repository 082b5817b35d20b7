using Repro.Core.Randomness;
using Repro.Sdk.Checkpoints;

namespace Digits;

/// <summary>
/// A two-layer perceptron, inputs -> hidden (ReLU, inverted dropout) -> classes (softmax), trained with softmax
/// cross-entropy and SGD with momentum and weight decay. All batch maths goes through <see cref="BatchMath"/>; the
/// randomness comes from the run's named streams ("init" for the weights, "dropout" for the masks).
/// </summary>
internal sealed class Mlp
{
    private readonly BatchMath _math;
    private readonly float[] _w1Velocity;
    private readonly float[] _b1Velocity;
    private readonly float[] _w2Velocity;
    private readonly float[] _b2Velocity;

    // Per-batch buffers, sized for the largest batch.
    private float[] _hiddenPre = [];
    private float[] _hidden = [];
    private float[] _mask = [];
    private float[] _probabilities = [];
    private float[] _gradHidden = [];
    private readonly float[] _gradW1;
    private readonly float[] _gradB1;
    private readonly float[] _gradW2;
    private readonly float[] _gradB2;

    /// <summary>A model with zero weights: call <see cref="Initialize"/> or <see cref="Restore"/> next.</summary>
    public Mlp(int inputs, int hidden, int outputs, BatchMath math)
    {
        Inputs = inputs;
        Hidden = hidden;
        Outputs = outputs;
        _math = math;
        W1 = new float[inputs * hidden];
        B1 = new float[hidden];
        W2 = new float[hidden * outputs];
        B2 = new float[outputs];
        _w1Velocity = new float[W1.Length];
        _b1Velocity = new float[B1.Length];
        _w2Velocity = new float[W2.Length];
        _b2Velocity = new float[B2.Length];
        _gradW1 = new float[W1.Length];
        _gradB1 = new float[B1.Length];
        _gradW2 = new float[W2.Length];
        _gradB2 = new float[B2.Length];
    }

    public int Inputs { get; }
    public int Hidden { get; }
    public int Outputs { get; }
    public float[] W1 { get; }
    public float[] B1 { get; }
    public float[] W2 { get; }
    public float[] B2 { get; }

    /// <summary>
    /// He initialisation for the ReLU layers: each weight normal with mean 0 and standard deviation sqrt(2 / fan-in), drawn
    /// from <paramref name="init"/> (W1 then W2, row-major); biases stay 0. <see cref="RandomStream.FillNormal"/> is portable, so
    /// the weights have the same bits on every machine.
    /// </summary>
    public void Initialize(RandomStream init)
    {
        init.FillNormal(W1, 0f, MathF.Sqrt(2f / Inputs));
        init.FillNormal(W2, 0f, MathF.Sqrt(2f / Hidden));
    }

    /// <summary>Everything training changes: the weights, the biases and their momentum, by checkpoint tensor name.</summary>
    public IEnumerable<(string Name, float[] Values)> State =>
    [
        ("w1", W1), ("b1", B1), ("w2", W2), ("b2", B2),
        ("w1.velocity", _w1Velocity), ("b1.velocity", _b1Velocity), ("w2.velocity", _w2Velocity), ("b2.velocity", _b2Velocity),
    ];

    /// <summary>Stores <see cref="State"/> in <paramref name="checkpoint"/>.</summary>
    public void Save(Checkpoint checkpoint)
    {
        foreach (var (name, values) in State)
        {
            checkpoint.Put(name, values);
        }
    }

    /// <summary>Replaces <see cref="State"/> with the checkpoint's tensors (an error if one is missing or has another size).</summary>
    public void Restore(Checkpoint checkpoint)
    {
        foreach (var (name, values) in State)
        {
            checkpoint.CopyTo(name, values);
        }
    }

    /// <summary>
    /// One SGD step on a batch (x: rows x Inputs). Returns the summed cross-entropy of the batch's rows.
    /// <paramref name="step"/> is the batch's index since the start of training: its dropout mask is sub-stream
    /// <paramref name="step"/> of <paramref name="dropout"/>, element (row r, unit u) at word r * Hidden + u, so the mask
    /// does not depend on which thread draws it, and a resumed run draws the masks the uninterrupted run would have.
    /// </summary>
    public double TrainStep(
        float[] x, int[] labels, int rows, RandomStream dropout, long step, Hyperparameters h, double[] rowLoss)
    {
        Forward(x, rows);
        if (h.Dropout > 0)
        {
            ApplyDropout(dropout, step, rows, h.Dropout);
        }

        _math.MatMulAddBias(_hidden, W2, B2, _probabilities, rows, Hidden, Outputs);
        _math.SoftmaxRows(_probabilities, rows, Outputs);

        // The gradient of the mean cross-entropy with respect to the logits: (p - onehot) / rows.
        for (var r = 0; r < rows; r++)
        {
            var p = _probabilities.AsSpan(r * Outputs, Outputs);
            rowLoss[r] = -_math.Log(Math.Max(p[labels[r]], 1e-12f));
            p[labels[r]] -= 1f;
            for (var j = 0; j < Outputs; j++)
            {
                p[j] /= rows;
            }
        }

        var loss = BatchMath.Sum(rowLoss, rows);
        var gradLogits = _probabilities;

        _math.MatMulTransposeA(_hidden, gradLogits, _gradW2, rows, Hidden, Outputs);
        _math.SumRows(gradLogits, _gradB2, rows, Outputs);
        _math.MatMulTransposeB(gradLogits, W2, _gradHidden, rows, Outputs, Hidden);
        for (var i = 0; i < rows * Hidden; i++)
        {
            // Through dropout (the same mask) and ReLU.
            var g = h.Dropout > 0 ? _gradHidden[i] * _mask[i] : _gradHidden[i];
            _gradHidden[i] = _hiddenPre[i] > 0 ? g : 0f;
        }

        _math.MatMulTransposeA(x, _gradHidden, _gradW1, rows, Inputs, Hidden);
        _math.SumRows(_gradHidden, _gradB1, rows, Hidden);

        Update(W1, _gradW1, _w1Velocity, h, decay: true);
        Update(B1, _gradB1, _b1Velocity, h, decay: false);
        Update(W2, _gradW2, _w2Velocity, h, decay: true);
        Update(B2, _gradB2, _b2Velocity, h, decay: false);
        return loss;
    }

    /// <summary>The predicted class of each row (no dropout).</summary>
    public int[] Predict(float[] x, int rows)
    {
        Forward(x, rows);
        _math.MatMulAddBias(_hidden, W2, B2, _probabilities, rows, Hidden, Outputs);
        var predictions = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            var logits = _probabilities.AsSpan(r * Outputs, Outputs);
            var best = 0;
            for (var j = 1; j < Outputs; j++)
            {
                if (logits[j] > logits[best])
                {
                    best = j;
                }
            }

            predictions[r] = best;
        }

        return predictions;
    }

    /// <summary>
    /// Inverted dropout: each hidden unit is zeroed with probability <paramref name="rate"/>, else scaled by 1 / (1 - rate).
    /// Unit i of the batch is dropped when word i of the step's sub-stream is below floor(rate 2^32), which is
    /// <see cref="RandomStream.NextBernoulli"/>(rate) drawn with the vectorized <see cref="RandomStream.Fill(Span{uint})"/>.
    /// </summary>
    private void ApplyDropout(RandomStream dropout, long step, int rows, float rate)
    {
        var keep = 1f / (1f - rate);
        var threshold = (ulong)(rate * 4294967296.0);
        _math.ForRowRanges(rows, (long)rows * Hidden * 8, (from, to) =>
        {
            var view = dropout.Substream(step);
            view.Seek((long)from * Hidden);
            Span<uint> words = stackalloc uint[1024];
            for (var start = from * Hidden; start < to * Hidden; start += words.Length)
            {
                var block = words[..Math.Min(words.Length, (to * Hidden) - start)];
                view.Fill(block);
                for (var j = 0; j < block.Length; j++)
                {
                    var i = start + j;
                    _mask[i] = block[j] < threshold ? 0f : keep;
                    _hidden[i] *= _mask[i];
                }
            }
        });
    }

    private void Forward(float[] x, int rows)
    {
        EnsureCapacity(rows);
        _math.MatMulAddBias(x, W1, B1, _hiddenPre, rows, Inputs, Hidden);
        for (var i = 0; i < rows * Hidden; i++)
        {
            _hidden[i] = Math.Max(_hiddenPre[i], 0f);
        }
    }

    private static void Update(float[] weights, float[] gradient, float[] velocity, Hyperparameters h, bool decay)
    {
        var lr = h.LearningRate;
        var momentum = h.Momentum;
        var wd = decay ? h.WeightDecay : 0f;
        for (var i = 0; i < weights.Length; i++)
        {
            velocity[i] = (momentum * velocity[i]) - (lr * (gradient[i] + (wd * weights[i])));
            weights[i] += velocity[i];
        }
    }

    private void EnsureCapacity(int rows)
    {
        if (_hidden.Length >= rows * Hidden)
        {
            return;
        }

        _hiddenPre = new float[rows * Hidden];
        _hidden = new float[rows * Hidden];
        _mask = new float[rows * Hidden];
        _gradHidden = new float[rows * Hidden];
        _probabilities = new float[rows * Outputs];
    }
}

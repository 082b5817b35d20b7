namespace Digits;

/// <summary>
/// A two-layer perceptron, inputs -> hidden (ReLU, inverted dropout) -> classes (softmax), trained with softmax
/// cross-entropy and SGD with momentum and weight decay. All batch maths goes through <see cref="BatchMath"/>, all
/// randomness through <see cref="TrainingRandomness"/>.
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

    public Mlp(int inputs, int hidden, int outputs, BatchMath math, TrainingRandomness random)
    {
        Inputs = inputs;
        Hidden = hidden;
        Outputs = outputs;
        _math = math;
        W1 = new float[inputs * hidden];
        B1 = new float[hidden];
        W2 = new float[hidden * outputs];
        B2 = new float[outputs];
        random.InitWeights(W1, inputs);
        random.InitWeights(W2, hidden);
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

    /// <summary>One SGD step on a batch (x: rows x Inputs). Returns the summed cross-entropy of the batch's rows.</summary>
    public double TrainStep(float[] x, int[] labels, int rows, TrainingRandomness random, Hyperparameters h, double[] rowLoss)
    {
        Forward(x, rows);
        if (h.Dropout > 0)
        {
            random.DropoutMask(_mask.AsSpan(0, rows * Hidden), h.Dropout);
            for (var i = 0; i < rows * Hidden; i++)
            {
                _hidden[i] *= _mask[i];
            }
        }

        _math.MatMulAddBias(_hidden, W2, B2, _probabilities, rows, Hidden, Outputs);
        _math.SoftmaxRows(_probabilities, rows, Outputs);

        // The gradient of the mean cross-entropy with respect to the logits: (p - onehot) / rows.
        for (var r = 0; r < rows; r++)
        {
            var p = _probabilities.AsSpan(r * Outputs, Outputs);
            rowLoss[r] = -Math.Log(Math.Max(p[labels[r]], 1e-12f));
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

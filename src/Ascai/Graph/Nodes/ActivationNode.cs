using TorchSharp;
using static TorchSharp.torch;
using Ascai.Runtime;

namespace Ascai.Graph.Nodes;

/// <summary>The element-wise functions an <see cref="ActivationNode"/> applies.</summary>
public enum ActivationFunction
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>min(max(0, x), 6), as in MobileNetV2.</summary>
    Relu6,
    /// <summary>x for x &gt; 0, alpha x otherwise.</summary>
    LeakyRelu,
    /// <summary>1 / (1 + exp(-x)).</summary>
    Sigmoid,
    /// <summary>max(0, min(1, alpha x + beta)) (ONNX's HardSigmoid; PyTorch's is alpha = 1/6, beta = 0.5).</summary>
    HardSigmoid,
    /// <summary>x * relu6(x + 3) / 6.</summary>
    HardSwish,
    /// <summary>x * sigmoid(x) (SiLU, Swish).</summary>
    Silu,
    /// <summary>x * Phi(x), Phi the standard normal distribution function (the exact GELU, as PyTorch's default).</summary>
    Gelu,
    /// <summary>exp(x_c) / sum over the channels (dimension 1) of exp(x): class probabilities at a classifier's output.</summary>
    Softmax,
}

/// <summary>An element-wise, shape-preserving activation without parameters.</summary>
[NodeKind("activation")]
public sealed class ActivationNode : Node
{
    /// <summary>Which function.</summary>
    public ActivationFunction Function { get; init; } = ActivationFunction.Relu;
    /// <summary>Slope of LeakyRelu, or the scale of HardSigmoid.</summary>
    public double Alpha { get; init; } = 0.01;
    /// <summary>Offset of HardSigmoid.</summary>
    public double Beta { get; init; } = 0.5;

    /// <inheritdoc/>
    public override Shape InferShape(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        return inputs[0];
    }

    /// <inheritdoc/>
    public override void LinkChannels(ChannelLinks links)
    {
        switch (Function)
        {
            case ActivationFunction.Softmax: // mixes the channels: opaque
                return;
            case ActivationFunction.Sigmoid or ActivationFunction.HardSigmoid: // f(0) != 0: a zero channel does not stay zero
                links.Same();
                return;
            default:
                links.Same().KeepsZeros(0).MaskAfterMe();
                return;
        }
    }

    /// <inheritdoc/>
    public override void ToOnnx(IOnnxGraph onnx)
    {
        string x = Inputs[0];
        switch (Function)
        {
            case ActivationFunction.Relu or ActivationFunction.Sigmoid or ActivationFunction.HardSwish:
                onnx.Op(Function.ToString(), Name, [x]); // parameterless ONNX ops of the same name
                break;
            case ActivationFunction.Relu6:
                onnx.Op("Clip", Name, [x, onnx.Weight(this, "min", tensor(0f)), onnx.Weight(this, "max", tensor(6f))]);
                break;
            case ActivationFunction.LeakyRelu:
                onnx.Op("LeakyRelu", Name, [x], OnnxAttribute.Of("alpha", (float)Alpha));
                break;
            case ActivationFunction.HardSigmoid:
                onnx.Op("HardSigmoid", Name, [x], OnnxAttribute.Of("alpha", (float)Alpha), OnnxAttribute.Of("beta", (float)Beta));
                break;
            case ActivationFunction.Softmax:
                onnx.Op("Softmax", Name, [x], OnnxAttribute.Of("axis", 1));
                break;
            case ActivationFunction.Silu:
                onnx.Op("Sigmoid", Name + ".sigmoid", [x]);
                onnx.Op("Mul", Name, [x, Name + ".sigmoid"]);
                break;
            case ActivationFunction.Gelu:
                // Gelu is an operator from opset 20; before it, what PyTorch writes: x * 0.5 * (1 + erf(x / sqrt(2))).
                onnx.Op("Div", Name + ".scaled", [x, onnx.Weight(this, "sqrt2", tensor(MathF.Sqrt(2)))]);
                onnx.Op("Erf", Name + ".erf", [Name + ".scaled"]);
                onnx.Op("Add", Name + ".shifted", [Name + ".erf", onnx.Weight(this, "one", tensor(1f))]);
                onnx.Op("Mul", Name + ".gated", [x, Name + ".shifted"]);
                onnx.Op("Mul", Name, [Name + ".gated", onnx.Weight(this, "half", tensor(0.5f))]);
                break;
            default:
                base.ToOnnx(onnx);
                break;
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training) => Function switch
    {
        ActivationFunction.Relu => nn.functional.relu(inputs[0]),
        ActivationFunction.Relu6 => nn.functional.relu6(inputs[0]),
        ActivationFunction.LeakyRelu => nn.functional.leaky_relu(inputs[0], Alpha),
        ActivationFunction.Sigmoid => inputs[0].sigmoid(),
        ActivationFunction.HardSigmoid => HardSigmoid(inputs[0]),
        ActivationFunction.HardSwish => nn.functional.hardswish(inputs[0]),
        ActivationFunction.Silu => nn.functional.silu(inputs[0]),
        ActivationFunction.Gelu => nn.functional.gelu(inputs[0]),
        ActivationFunction.Softmax => inputs[0].softmax(1),
        _ => throw new InvalidOperationException($"unknown activation {Function}"),
    };

    /// <summary>
    /// clamp(alpha x + beta, 0, 1) with explicit Scalars: an implicit double -> Scalar is freed by its finaliser,
    /// possibly while libtorch still reads it.
    /// </summary>
    private Tensor HardSigmoid(Tensor x)
    {
        using Scalar alpha = Alpha.ToScalar(), beta = Beta.ToScalar();
        using var scope = NewDisposeScope();
        return x.mul(alpha).add(beta, Scalars.One).clamp(Scalars.Zero, Scalars.One).MoveToOuterDisposeScope();
    }
}

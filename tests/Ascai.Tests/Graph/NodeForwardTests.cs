using Ascai.Graph;
using Ascai.Graph.Nodes;
using static TorchSharp.torch;

namespace Ascai.Tests.Graph;

/// <summary>Every node type's forward against an independent TorchSharp computation of its definition.</summary>
public class NodeForwardTests
{
    private static T WithTensors<T>(T node) where T : Node
    {
        random.manual_seed(7);
        foreach (var (name, shape, _) in node.TensorSpecs()) node.SetTensor(name, name == "running_var" ? rand(shape) + 0.5 : randn(shape));
        return node;
    }

    // Convolution as im2col + matrix product, per group: the definition, without conv2d.
    private static Tensor ConvByUnfold(Tensor x, Tensor w, Tensor? b, int stride, int pad, int dilation, int groups, int hOut, int wOut)
    {
        long n = x.shape[0], cin = x.shape[1], cout = w.shape[0], k = w.shape[2];
        var outputs = new List<Tensor>();
        for (int g = 0; g < groups; g++)
        {
            var xg = x.narrow(1, g * cin / groups, cin / groups);
            var cols = nn.functional.unfold(xg, (k, k), dilation: (dilation, dilation), padding: (pad, pad), stride: (stride, stride));
            var wg = w.narrow(0, g * cout / groups, cout / groups).reshape(cout / groups, -1);
            outputs.Add(wg.matmul(cols));
        }
        var y = cat(outputs, 1).reshape(n, cout, hOut, wOut);
        return b is null ? y : y + b.view(1, -1, 1, 1);
    }

    [Theory]
    [InlineData(1, 1, 1, 1, true)]
    [InlineData(2, 1, 1, 1, false)]
    [InlineData(1, 2, 2, 1, true)]
    [InlineData(2, 0, 1, 2, false)]
    [InlineData(1, 1, 1, 4, false)] // depthwise: groups = in channels
    public void Conv2dMatchesIm2colDefinition(int stride, int pad, int dilation, int groups, bool bias)
    {
        using var scope = NewDisposeScope();
        var node = WithTensors(new Conv2dNode
        {
            Name = "c", Inputs = ["x"], InChannels = 4, OutChannels = 8, Kernel = [3, 3], Stride = [stride, stride],
            Padding = [pad, pad], Dilation = [dilation, dilation], Groups = groups, HasBias = bias,
        });
        var shape = node.InferShape([new Shape(4, 9, 9)]);
        var x = randn(2, 4, 9, 9);
        var expected = ConvByUnfold(x, node.Parameters["weight"], bias ? node.Parameters["bias"] : null, stride, pad, dilation, groups, shape.Height, shape.Width);
        TensorAssert.Close(expected, node.Forward([x], false), 1e-4);
    }

    // Regression: libtorch's oneDNN 3x3 kernel is wrong for 17..31, 33..47, ... input channels; Conv2dNode pads around it.
    [Theory]
    [InlineData(1)] [InlineData(9)] [InlineData(17)] [InlineData(18)] [InlineData(24)] [InlineData(31)] [InlineData(33)] [InlineData(40)] [InlineData(64)]
    public void Conv2dIsRightForEveryChannelCount(int channels)
    {
        using var scope = NewDisposeScope();
        var node = WithTensors(new Conv2dNode { Name = "c", Inputs = ["x"], InChannels = channels, OutChannels = 16, Kernel = [3, 3], Stride = [2, 2], Padding = [1, 1], HasBias = true });
        var x = randn(2, channels, 14, 14);
        var expected = ConvByUnfold(x, node.Parameters["weight"], node.Parameters["bias"], 2, 1, 1, 1, 7, 7);
        TensorAssert.RelativelyClose(expected, node.Forward([x], false), 1e-5);
        using var _ = inference_mode();
        TensorAssert.RelativelyClose(expected, node.Forward([x], false), 1e-5);
    }

    [Theory]
    [InlineData(64, 40, 1)]
    [InlineData(64, 24, 1)]
    [InlineData(20, 32, 3)]
    [InlineData(48, 40, 3)]
    public void Conv2dIsRightOnChannelsLastInputs(int inChannels, int outChannels, int kernel)
    {
        // An earlier oneDNN convolution can hand on its output in channels-last order; found by comparing exported
        // compressed models with ONNX Runtime (a 1x1 conv from 64 to 40 channels was off by 40%).
        using var scope = NewDisposeScope();
        int pad = kernel / 2;
        var node = WithTensors(new Conv2dNode { Name = "c", Inputs = ["x"], InChannels = inChannels, OutChannels = outChannels, Kernel = [kernel, kernel], Stride = [1, 1], Padding = [pad, pad], HasBias = true });
        var x = randn(2, 14, 14, inChannels).permute(0, 3, 1, 2); // N, C, H, W with channels-last strides
        Assert.False(x.is_contiguous());
        var expected = ConvByUnfold(x.contiguous(), node.Parameters["weight"], node.Parameters["bias"], 1, pad, 1, 1, 14, 14);
        using var _ = inference_mode();
        TensorAssert.RelativelyClose(expected, node.Forward([x], false), 1e-5);
    }

    [Theory]
    [InlineData(29, 23)]
    [InlineData(32, 23)]
    [InlineData(18, 40)]
    [InlineData(16, 20)]
    public void Conv2dGradientsAreRightForEveryChannelCount(int inChannels, int outChannels)
    {
        // The backward pass has the forward's oneDNN error with the roles swapped (odd output channels): it made
        // fine-tuning a compact model diverge to NaN. Reference: the same convolution in float64 (no oneDNN).
        using var scope = NewDisposeScope();
        var node = WithTensors(new Conv2dNode { Name = "c", Inputs = ["x"], InChannels = inChannels, OutChannels = outChannels, Kernel = [3, 3], Stride = [1, 1], Padding = [1, 1], HasBias = true });
        var x = randn(4, inChannels, 14, 14).requires_grad_(true);
        var r = randn(4, outChannels, 14, 14);
        (node.Forward([x], true) * r).sum().backward();
        var x64 = x.detach().to_type(ScalarType.Float64).requires_grad_(true);
        var w64 = node.Parameters["weight"].detach().to_type(ScalarType.Float64).requires_grad_(true);
        (nn.functional.conv2d(x64, w64, node.Parameters["bias"].detach().to_type(ScalarType.Float64), padding: [1, 1]) * r.to_type(ScalarType.Float64)).sum().backward();
        TensorAssert.RelativelyClose(x64.grad!.to_type(ScalarType.Float32), x.grad!, 1e-4);
        TensorAssert.RelativelyClose(w64.grad!.to_type(ScalarType.Float32), node.Parameters["weight"].grad!, 1e-4);
    }

    [Fact]
    public void LinearIsMatrixProductPlusBias()
    {
        using var scope = NewDisposeScope();
        var node = WithTensors(new LinearNode { Name = "l", Inputs = ["x"], InFeatures = 6, OutFeatures = 3 });
        var x = randn(5, 6);
        TensorAssert.Close(x.matmul(node.Parameters["weight"].t()) + node.Parameters["bias"], node.Forward([x], false));
    }

    [Fact]
    public void BatchNormInEvalModeIsTheAffineFormula()
    {
        using var scope = NewDisposeScope();
        var node = WithTensors(new BatchNormNode { Name = "b", Inputs = ["x"], Channels = 3 });
        var x = randn(2, 3, 4, 4);
        Tensor V(string n) => (node.Parameters.TryGetValue(n, out var p) ? p : node.Buffers[n]).view(1, 3, 1, 1);
        var expected = (x - V("running_mean")) / (V("running_var") + 1e-5).sqrt() * V("weight") + V("bias");
        TensorAssert.Close(expected, node.Forward([x], false), 1e-5);
    }

    [Fact]
    public void BatchNormInTrainingNormalisesWithBatchStatistics()
    {
        using var scope = NewDisposeScope();
        var node = new BatchNormNode { Name = "b", Inputs = ["x"], Channels = 3 };
        node.SetTensor("weight", ones(3)); node.SetTensor("bias", zeros(3));
        node.SetTensor("running_mean", zeros(3)); node.SetTensor("running_var", ones(3));
        var y = node.Forward([randn(8, 3, 5, 5) * 3 + 2], true);
        TensorAssert.Close(zeros(3), y.mean([0L, 2L, 3L]), 1e-4);
        Assert.True(node.Buffers["running_mean"].abs().sum().item<float>() > 0, "running mean updated");
    }

    [Theory]
    [InlineData(ActivationFunction.Relu, 1e9)]
    [InlineData(ActivationFunction.Relu6, 6)]
    public void ActivationsClamp(ActivationFunction function, double upper)
    {
        using var scope = NewDisposeScope();
        var node = new ActivationNode { Name = "a", Inputs = ["x"], Function = function };
        var x = randn(3, 4, 2, 2) * 10;
        TensorAssert.Close(x.clamp(0, upper), node.Forward([x], false));
    }

    [Fact]
    public void MaxAndAveragePoolMatchWindowDefinition()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 6, 6);
        var windows = nn.functional.unfold(x.reshape(6, 1, 6, 6), (2, 2), stride: (2, 2)); // (6, 4, 9)
        var maxNode = new MaxPoolNode { Name = "m", Inputs = ["x"], Kernel = [2, 2] };
        var avgNode = new AvgPoolNode { Name = "a", Inputs = ["x"], Kernel = [2, 2] };
        TensorAssert.Close(windows.max(1).values.reshape(2, 3, 3, 3), maxNode.Forward([x], false));
        TensorAssert.Close(windows.mean([1L]).reshape(2, 3, 3, 3), avgNode.Forward([x], false));
        Assert.Equal(new Shape(3, 3, 3), maxNode.InferShape([new Shape(3, 6, 6)]));
    }

    [Theory]
    [InlineData(7, 3, 2, 1, false, 4)]
    [InlineData(7, 2, 2, 0, true, 4)]
    [InlineData(7, 2, 2, 0, false, 3)]
    [InlineData(5, 3, 2, 1, true, 3)]
    public void PoolShapeMatchesTorch(int size, int kernel, int stride, int pad, bool ceil, int expected)
    {
        using var scope = NewDisposeScope();
        var node = new MaxPoolNode { Name = "m", Inputs = ["x"], Kernel = [kernel, kernel], Stride = [stride, stride], Padding = [pad, pad], CeilMode = ceil };
        Assert.Equal(expected, node.InferShape([new Shape(1, size, size)]).Height);
        Assert.Equal(expected, node.Forward([randn(1, 1, size, size)], false).shape[2]);
    }

    [Fact]
    public void GlobalAveragePoolIsSpatialMean()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 5, 4, 3);
        TensorAssert.Close(x.mean([2L, 3L]).view(2, 5, 1, 1), new GlobalAvgPoolNode { Name = "g", Inputs = ["x"] }.Forward([x], false));
    }

    [Fact]
    public void AddConcatFlatten()
    {
        using var scope = NewDisposeScope();
        var a = randn(2, 3, 4, 4);
        var b = randn(2, 3, 4, 4);
        var c = randn(2, 3, 4, 4);
        TensorAssert.Close(a + b + c, new AddNode { Name = "s", Inputs = ["a", "b", "c"] }.Forward([a, b, c], false));
        var joined = new ConcatNode { Name = "c", Inputs = ["a", "b"] }.Forward([a, b], false);
        TensorAssert.Close(a, joined.narrow(1, 0, 3), 0);
        TensorAssert.Close(b, joined.narrow(1, 3, 3), 0);
        var flat = new FlattenNode { Name = "f", Inputs = ["a"] }.Forward([a], false);
        Assert.Equal([2L, 48], flat.shape);
        Assert.Equal(a[1, 2, 3, 1].item<float>(), flat[1, 2 * 16 + 3 * 4 + 1].item<float>());
    }

    [Fact]
    public void DropoutIsIdentityInEvalAndScalesInTraining()
    {
        using var scope = NewDisposeScope();
        var node = new DropoutNode { Name = "d", Inputs = ["x"], Probability = 0.5 };
        var x = ones(1000, 100);
        TensorAssert.Close(x, node.Forward([x], false), 0);
        var y = node.Forward([x], true);
        double zeros = y.eq(0).sum().item<long>() / 100000.0;
        Assert.InRange(zeros, 0.48, 0.52);
        Assert.Equal(2f, y.max().item<float>());
    }

    [Fact]
    public void ChannelMaskZeroesMaskedChannelsOnly()
    {
        using var scope = NewDisposeScope();
        var node = new ChannelMaskNode { Name = "m", Inputs = ["x"], Channels = 4 };
        node.SetTensor("mask", tensor(new[] { 1f, 0f, 1f, 0f }));
        var x = randn(2, 4, 3, 3);
        var y = node.Forward([x], false);
        TensorAssert.Close(x.index_select(1, tensor(new long[] { 0, 2 })), y.index_select(1, tensor(new long[] { 0, 2 })), 0);
        Assert.Equal(0f, y.index_select(1, tensor(new long[] { 1, 3 })).abs().sum().item<float>());
        Assert.Equal([0, 2], node.KeptChannels());
    }
}

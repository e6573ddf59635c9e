using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ascai.Graph;

/// <summary>
/// One typed node of a <see cref="LayerGraph"/>: its attributes (serialised as JSON), its inputs (names of other
/// nodes) and the tensors it owns. A new layer type is one subclass marked with <see cref="NodeKindAttribute"/>.
/// </summary>
public abstract class Node : IDisposable
{
    /// <summary>Unique name in its graph.</summary>
    public required string Name { get; init; }

    /// <summary>Names of the nodes whose outputs this node consumes, in order.</summary>
    public string[] Inputs { get; init; } = [];

    /// <summary>The registered kind, e.g. "conv2d".</summary>
    [JsonIgnore] public string Kind => NodeRegistry.KindOf(GetType());

    /// <summary>Trainable tensors by local name (e.g. "weight", "bias").</summary>
    [JsonIgnore] public Dictionary<string, Parameter> Parameters { get; } = new();

    /// <summary>Non-trainable state saved with the model (e.g. batch-norm running statistics, a channel mask).</summary>
    [JsonIgnore] public Dictionary<string, Tensor> Buffers { get; } = new();

    /// <summary>The tensor names this node expects to own, with their shapes, for the current attributes.</summary>
    public virtual IEnumerable<(string Name, long[] Shape, bool Trainable)> TensorSpecs() => [];

    /// <summary>Output shape for the given input shapes; throws <see cref="AscaiException"/> when they do not fit.</summary>
    public abstract Shape InferShape(IReadOnlyList<Shape> inputs);

    /// <summary>Computes the node's output for a batch.</summary>
    public abstract Tensor Forward(IReadOnlyList<Tensor> inputs, bool training);

    /// <summary>Multiply-accumulates per sample (method.md section 2: only conv and linear layers count).</summary>
    public virtual long Macs(IReadOnlyList<Shape> inputs, Shape output) => 0;

    /// <summary>
    /// Declares how the node's output channels relate to its inputs' (<see cref="ChannelLinks"/>), for channel pruning.
    /// By default nothing: the node is opaque, and no channel it touches is ever removed.
    /// </summary>
    public virtual void LinkChannels(ChannelLinks links) { }

    /// <summary>
    /// This node with only the channels <paramref name="kept"/> names, for a compacted graph; called when some input or
    /// the output loses channels. By default a copy, right for nodes without per-channel attributes or tensors.
    /// </summary>
    public virtual Node WithChannels(ChannelSelection kept) => NodeCloner.Clone(this);

    /// <summary>Writes the node as standard ONNX operators whose last output is named like the node (<see cref="IOnnxGraph"/>).</summary>
    public virtual void ToOnnx(IOnnxGraph onnx) => throw new AscaiException($"node '{Name}' ({Kind}) has no ONNX export");

    /// <summary>Trainable parameters for the given shapes (by default, the tensors the node owns).</summary>
    public virtual long Params(IReadOnlyList<Shape> inputs, Shape output) => ParameterCount;

    /// <summary>Number of trainable parameters the node owns.</summary>
    public long ParameterCount => Parameters.Values.Sum(p => p.numel());

    /// <summary>
    /// Trainable parameters left after non-structured pruning: the non-zero entries of the weight, plus every other
    /// parameter (biases, batch-norm shifts: Pn never prunes them, and a fresh model's zero biases are not pruned).
    /// </summary>
    public long NonZeroParameterCount => Parameters.Sum(p => p.Key == "weight" ? p.Value.count_nonzero().item<long>() : p.Value.numel());

    /// <summary>A parameter by local name.</summary>
    protected Tensor P(string name) => Parameters[name];

    /// <summary>Sets a tensor (trainable or buffer) after checking its shape against <see cref="TensorSpecs"/>.</summary>
    public void SetTensor(string name, Tensor value)
    {
        var spec = TensorSpecs().FirstOrDefault(s => s.Name == name);
        if (spec.Name is null) throw new AscaiException($"node '{Name}' ({Kind}) has no tensor '{name}'");
        if (!value.shape.SequenceEqual(spec.Shape))
            throw new AscaiException($"node '{Name}': tensor '{name}' has shape [{string.Join(",", value.shape)}], expected [{string.Join(",", spec.Shape)}]");
        // Scoped, so that the chain's temporaries stay rooted until disposed here: an unrooted temporary may be
        // finalised by the GC while libtorch still reads it (a sporadic segfault in long searches).
        using var scope = NewDisposeScope();
        var owned = value.to_type(ScalarType.Float32).detach().clone().DetachFromDisposeScope();
        if (spec.Trainable)
        {
            if (Parameters.Remove(name, out var old)) old.Dispose();
            Parameters[name] = new Parameter(owned, requires_grad: true);
        }
        else
        {
            if (Buffers.Remove(name, out var old)) old.Dispose();
            Buffers[name] = owned;
        }
    }

    /// <summary>Every owned tensor, trainable and buffers, by local name.</summary>
    public IEnumerable<(string Name, Tensor Value)> AllTensors() =>
        Parameters.Select(p => (p.Key, (Tensor)p.Value)).Concat(Buffers.Select(b => (b.Key, b.Value)));

    /// <summary>Throws when the owned tensors do not match <see cref="TensorSpecs"/> (a corrupt or hand-edited model).</summary>
    public void ValidateTensors()
    {
        foreach (var (name, shape, _) in TensorSpecs())
        {
            Tensor? t = Parameters.TryGetValue(name, out var p) ? p : Buffers.GetValueOrDefault(name);
            if (t is null) throw new AscaiException($"node '{Name}' ({Kind}) is missing tensor '{name}'");
            if (!t.shape.SequenceEqual(shape))
                throw new AscaiException($"node '{Name}': tensor '{name}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", shape)}]");
        }
    }

    /// <summary>Throws unless exactly <paramref name="count"/> inputs are given.</summary>
    protected void ExpectInputs(IReadOnlyList<Shape> inputs, int count)
    {
        if (inputs.Count != count)
            throw new AscaiException($"node '{Name}' ({Kind}) takes {count} input(s), got {inputs.Count}");
    }

    /// <summary>Throws unless the single input is a (C, H, W) feature map.</summary>
    protected Shape ExpectFeatureMap(IReadOnlyList<Shape> inputs)
    {
        ExpectInputs(inputs, 1);
        if (inputs[0].Rank != 3) throw new AscaiException($"node '{Name}' ({Kind}) needs a CxHxW input, got {inputs[0]}");
        return inputs[0];
    }

    /// <summary>Disposes every owned tensor.</summary>
    public void Dispose()
    {
        foreach (var (_, t) in AllTensors()) t.Dispose();
        Parameters.Clear();
        Buffers.Clear();
        GC.SuppressFinalize(this);
    }
}

using TorchSharp;
using Ascai.Onnx.Proto;
using Ascai.Runtime;
using static TorchSharp.torch;

namespace Ascai.Onnx;

/// <summary>
/// Evaluates an ONNX node whose inputs are all constants: the shape arithmetic PyTorch exports around view, flatten
/// and reshape (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, with Cast, Slice and integer arithmetic), so that
/// the importer sees the constant shape it computes. Semantics as the ONNX operator specifications give them.
/// </summary>
internal static class ShapeArithmetic
{
    /// <summary>The constant output of <paramref name="node"/>; <paramref name="input"/> gives its i-th constant input.</summary>
    public static Tensor Fold(NodeProto node, Func<int, Tensor> input, string where)
    {
        long Int(string name, long fallback) => node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;
        long[]? Ints(string name) => node.Attribute.FirstOrDefault(a => a.Name == name)?.Ints.ToArray();
        bool Has(int i) => i < node.Input.Count && node.Input[i] != "";
        long[] Longs(int i) => input(i).to_type(ScalarType.Int64).data<long>().ToArray();
        var x = input(0);
        long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;
        switch (node.OpType)
        {
            case "Identity":
                return x;
            case "Gather":
            {
                long axis = Axis(Int("axis", 0), x.dim());
                var indices = input(1).to_type(ScalarType.Int64);
                var flat = indices.flatten();
                using (var size = x.shape[axis].ToScalar()) // explicit: an implicit Scalar may be finalised mid-call (docs/performance.md)
                    flat = flat + flat.lt(0).to_type(ScalarType.Int64) * size; // negative indices count from the end
                var picked = x.index_select(axis, flat);
                long[] shape = [.. x.shape[..(int)axis], .. indices.shape, .. x.shape[((int)axis + 1)..]];
                return picked.reshape(shape);
            }
            case "Unsqueeze":
            {
                long[] axes = Ints("axes") ?? Longs(1);
                long rank = x.dim() + axes.Length;
                foreach (long axis in axes.Select(a => Axis(a, rank)).Order()) x = x.unsqueeze(axis);
                return x;
            }
            case "Squeeze":
            {
                long[]? axes = Ints("axes") ?? (Has(1) ? Longs(1) : null);
                if (axes is null) return x.squeeze();
                foreach (long axis in axes.Select(a => Axis(a, x.dim())).OrderDescending()) x = x.squeeze(axis);
                return x;
            }
            case "Concat":
                return cat(Enumerable.Range(0, node.Input.Count).Select(input).ToList(), Axis(Int("axis", 0), x.dim()));
            case "Slice":
            {
                long[] starts = Ints("starts") ?? Longs(1), ends = Ints("ends") ?? Longs(2);
                long[] axes = Ints("axes") ?? (Has(3) ? Longs(3) : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray());
                long[] steps = Has(4) ? Longs(4) : Enumerable.Repeat(1L, starts.Length).ToArray();
                for (int k = 0; k < starts.Length; k++)
                {
                    long axis = Axis(axes[k], x.dim()), size = x.shape[axis], step = steps[k];
                    if (step == 0) throw new AscaiException($"{where}: a Slice step of 0");
                    long Clamp(long v, long low, long high) => Math.Clamp(v < 0 ? v + size : v, low, high);
                    long start = step > 0 ? Clamp(starts[k], 0, size) : Clamp(starts[k], -1, size - 1);
                    long end = step > 0 ? Clamp(ends[k], 0, size) : Clamp(ends[k], -1, size - 1);
                    var picked = new List<long>();
                    for (long i = start; step > 0 ? i < end : i > end; i += step) picked.Add(i);
                    x = x.index_select(axis, tensor(picked.ToArray()));
                }
                return x;
            }
            case "ConstantOfShape":
            {
                // F.pad exports its pads through ConstantOfShape, Concat, Reshape, Slice, Transpose and Cast.
                var value = node.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
                var fill = value is null ? tensor(0f) : OnnxImporter.ToTensor(value).reshape(-1);
                return fill.expand(Longs(0)).clone();
            }
            case "Transpose":
            {
                long[] perm = Ints("perm") ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
                return x.permute(perm);
            }
            case "Cast":
                return x.to_type((TensorProto.Types.DataType)Int("to", 1) switch
                {
                    TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double => ScalarType.Float32,
                    TensorProto.Types.DataType.Int64 => ScalarType.Int64,
                    TensorProto.Types.DataType.Int32 => ScalarType.Int32,
                    TensorProto.Types.DataType.Bool => ScalarType.Bool,
                    var other => throw new AscaiException($"{where}: a Cast to {other} is not supported"),
                });
            case "Add":
                return x.Plus(input(1));
            case "Sub":
                return x - input(1);
            case "Mul":
                return x * input(1);
            case "Div":
                var y = input(1);
                return x.is_floating_point() || y.is_floating_point() ? x / y : x.div(y, RoundingMode.trunc); // ONNX integer division truncates
            case "Reshape":
            {
                long[] shape = Longs(1);
                for (int i = 0; i < shape.Length; i++) if (shape[i] == 0 && Int("allowzero", 0) == 0) shape[i] = x.shape[i];
                return x.reshape(shape);
            }
            case "Flatten":
            {
                long axis = Axis(Int("axis", 1), x.dim());
                return x.reshape(x.shape[..(int)axis].Aggregate(1L, (a, b) => a * b), -1);
            }
            default:
                throw new AscaiException($"{where}: op {node.OpType} on constants is not supported");
        }
    }
}

using static TorchSharp.torch;

namespace Ascai.Graph;

/// <summary>
/// The channels a node keeps when a graph is compacted: for its output and each input, the original indices of the
/// channels that stay, in order. A node kind rebuilds itself from it (<see cref="Node.WithChannels"/>).
/// </summary>
public sealed class ChannelSelection
{
    private readonly int[][] _inputs;
    private readonly int[] _inputSpatial;
    private readonly int[] _inputChannels;

    internal ChannelSelection(int[][] inputs, int[] inputSpatial, int[] inputChannels, int[] output, int outputSpatial)
    {
        (_inputs, _inputSpatial, _inputChannels, Output, OutputSpatial) = (inputs, inputSpatial, inputChannels, output, outputSpatial);
    }

    /// <summary>Kept channels of the output, by original index.</summary>
    public int[] Output { get; }
    /// <summary>Features per output channel: 1, or H*W after a flatten.</summary>
    public int OutputSpatial { get; }
    /// <summary>The channels input <paramref name="k"/> had before compaction.</summary>
    public int InputChannels(int k) => _inputChannels[k];

    /// <summary>Kept channels of input <paramref name="k"/>, by original index.</summary>
    public int[] Input(int k) => _inputs[k];

    /// <summary>Kept features of input <paramref name="k"/> (channel c owns features c*S .. c*S + S - 1 after a flatten).</summary>
    public long[] InputFeatures(int k) => Features(_inputs[k], _inputSpatial[k]);

    /// <summary>Kept features of the output.</summary>
    public long[] OutputFeatures() => Features(Output, OutputSpatial);

    private static long[] Features(int[] channels, int spatial) =>
        channels.SelectMany(c => Enumerable.Range(0, spatial).Select(s => (long)c * spatial + s)).ToArray();

    /// <summary>The kept indices of the output as an index tensor (for index_select).</summary>
    public Tensor OutputIndex() => tensor(OutputFeatures());

    /// <summary>The kept indices of input <paramref name="k"/> as an index tensor.</summary>
    public Tensor InputIndex(int k) => tensor(InputFeatures(k));
}

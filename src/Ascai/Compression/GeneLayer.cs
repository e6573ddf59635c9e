namespace Ascai.Compression;

/// <summary>
/// The layer a gene acts on, described as AMC's agent sees it (the DDPG strategy): its type, channels,
/// kernel and stride (of the group's first layer, for a channel-pruning gene), its MACs, and the MACs the gene's
/// compression can remove (a channel-pruning gene shrinks its group's layers and the layers that read them).
/// </summary>
/// <param name="IsLinear">A linear layer (else a conv).</param>
/// <param name="InChannels">Input channels (features).</param>
/// <param name="OutChannels">Output channels (features).</param>
/// <param name="Kernel">Kernel height (1 for a linear layer).</param>
/// <param name="Stride">Stride (0 for a linear layer, as AMC writes it).</param>
/// <param name="Macs">The layer's MACs per image.</param>
/// <param name="RemovableMacs">MACs per image of every layer the gene's compression shrinks.</param>
public sealed record GeneLayer(bool IsLinear, int InChannels, int OutChannels, int Kernel, int Stride, long Macs, long RemovableMacs);

namespace Ascai.Graph;

/// <summary>The shape of one sample's tensor, without the batch dimension: (C, H, W) for feature maps, (F) after flatten.</summary>
public sealed record Shape(params int[] Dims)
{
    /// <summary>Number of dimensions.</summary>
    public int Rank => Dims.Length;
    /// <summary>Channels (first dimension).</summary>
    public int Channels => Dims[0];
    /// <summary>Height of a (C, H, W) shape.</summary>
    public int Height => Dims[1];
    /// <summary>Width of a (C, H, W) shape.</summary>
    public int Width => Dims[2];
    /// <summary>Number of elements.</summary>
    public long Elements => Dims.Aggregate(1L, (a, d) => a * d);

    /// <inheritdoc/>
    public bool Equals(Shape? other) => other is not null && Dims.AsSpan().SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override int GetHashCode() => Dims.Aggregate(17, HashCode.Combine);
    /// <inheritdoc/>
    public override string ToString() => string.Join("x", Dims);

    /// <summary>The same shape with a batch dimension in front, as TorchSharp wants it.</summary>
    public long[] WithBatch(long batch) => [batch, .. Dims.Select(d => (long)d)];

    /// <summary>Parses "1x28x28" or "3,32,32".</summary>
    public static Shape Parse(string text)
    {
        var parts = text.Split('x', ',', '*');
        if (parts.Length == 0 || !parts.All(p => int.TryParse(p, out int v) && v > 0))
            throw new AscaiException($"invalid shape '{text}': expected positive integers such as 1x28x28");
        return new Shape(parts.Select(int.Parse).ToArray());
    }
}

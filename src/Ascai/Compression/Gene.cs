namespace Ascai.Compression;

/// <summary>What one gene encodes (method.md section 1).</summary>
public enum GeneKind
{
    /// <summary>Pruned fraction of a layer, continuous in [0, MaxRatio] (pn, ps).</summary>
    Ratio,
    /// <summary>SVD bin, an integer from the allowed set (64 = left as is).</summary>
    SvdBin,
    /// <summary>Tucker-2 output-rank bin, 1..8 (8 = full).</summary>
    TuckerOutBin,
    /// <summary>Tucker-2 input-rank bin, 1..8 (8 = full).</summary>
    TuckerInBin,
    /// <summary>Bits of a conv or linear layer's weights and activations: 8 (int8) or 32 (float32, as is).</summary>
    Precision,
}

/// <summary>
/// One coordinate of a genome: which layer, which method, and its range. Continuous genes take any value in
/// [Min, Max]; discrete genes take one of <see cref="Allowed"/> (sorted ascending; the last one leaves the layer as is).
/// </summary>
public sealed record Gene(string Layer, string Method, GeneKind Kind, double Min, double Max, int[]? Allowed = null)
{
    /// <summary>Whether the gene takes discrete bins.</summary>
    public bool IsDiscrete => Allowed is not null;

    /// <summary>The value that leaves the layer untouched: ratio 0, or the last bin.</summary>
    public double Identity => IsDiscrete ? Allowed![^1] : 0;

    /// <summary>A value forced into range: clipped, and for discrete genes snapped to the nearest allowed bin.</summary>
    public double Clip(double value)
    {
        if (!IsDiscrete) return Math.Clamp(value, Min, Max);
        return Allowed!.MinBy(b => (Math.Abs(b - value), b));
    }

    /// <summary>
    /// The value at compression level <paramref name="level"/> in [0, 1]: 0 leaves the layer as is, 1 is the most the gene
    /// allows; a ratio gene linearly, a bin gene the allowed bin at quantile 1 - level.
    /// </summary>
    public double AtLevel(double level)
    {
        level = Math.Clamp(level, 0, 1);
        return IsDiscrete ? Allowed![(int)Math.Round((1 - level) * (Allowed.Length - 1))] : Min + level * (Max - Min);
    }

    /// <summary>The compression level of a value (the inverse of <see cref="AtLevel"/>).</summary>
    public double LevelOf(double value) => IsDiscrete
        ? 1 - (double)Array.IndexOf(Allowed!, (int)Clip(value)) / (Allowed!.Length - 1)
        : Max > Min ? (Clip(value) - Min) / (Max - Min) : 0;

    /// <summary>The allowed bin one step above or below <paramref name="value"/> (clamped at the ends).</summary>
    public double Step(double value, int direction)
    {
        int index = Array.IndexOf(Allowed!, (int)Clip(value));
        return Allowed![Math.Clamp(index + direction, 0, Allowed.Length - 1)];
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Layer}:{Method}:{Kind}";
}

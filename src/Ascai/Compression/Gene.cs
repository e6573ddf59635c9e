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
/// A ratio gene with <see cref="Levels"/> takes only those ratios (ascending, from 0): the ones that make distinct
/// models once kept channels are rounded, so no draw is spent on a value that decodes to its neighbour's model.
/// </summary>
public sealed record Gene(string Layer, string Method, GeneKind Kind, double Min, double Max, int[]? Allowed = null, double[]? Levels = null)
{
    /// <summary>Whether the gene takes discrete bins.</summary>
    public bool IsDiscrete => Allowed is not null;

    /// <summary>The value that leaves the layer untouched: ratio 0, or the last bin.</summary>
    public double Identity => IsDiscrete ? Allowed![^1] : 0;

    /// <summary>
    /// A value forced into range: clipped, and for discrete genes snapped to the nearest allowed bin; a ratio gene with
    /// <see cref="Levels"/> takes the highest level at or below the ratio, the one that makes the same model.
    /// </summary>
    public double Clip(double value)
    {
        if (Levels is not null) return Levels[LevelIndex(value)];
        if (!IsDiscrete) return Math.Clamp(value, Min, Max);
        return Allowed!.MinBy(b => (Math.Abs(b - value), b));
    }

    /// <summary>
    /// A ratio gene's value moved by <paramref name="delta"/> and clipped; with <see cref="Levels"/>, a move too small to
    /// leave the current level goes to the next level that way instead, so a mutation or a polish step always changes the
    /// model when the range allows it.
    /// </summary>
    public double Moved(double value, double delta)
    {
        double moved = Clip(value + delta);
        if (Levels is null || delta == 0 || moved != Clip(value)) return moved;
        int next = Math.Clamp(LevelIndex(value) + Math.Sign(delta), 0, Levels.Length - 1);
        return Levels[next];
    }

    // The highest level at or below the value: a ratio between two levels makes the lower level's model.
    private int LevelIndex(double value)
    {
        int index = Array.BinarySearch(Levels!, value);
        return index >= 0 ? index : Math.Max(0, ~index - 1);
    }

    /// <summary>
    /// The value at compression level <paramref name="level"/> in [0, 1]: 0 leaves the layer as is, 1 is the most the gene
    /// allows; a ratio gene linearly, a bin gene the allowed bin at quantile 1 - level.
    /// </summary>
    public double AtLevel(double level)
    {
        level = Math.Clamp(level, 0, 1);
        return IsDiscrete ? Allowed![(int)Math.Round((1 - level) * (Allowed.Length - 1))] : Clip(Min + level * (Max - Min));
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

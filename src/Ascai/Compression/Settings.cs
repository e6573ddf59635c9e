namespace Ascai.Compression;

/// <summary>Checks and decodes layer settings (method.md section 1), with one clear message per mistake.</summary>
public static class Settings
{
    /// <summary>SVD bins.</summary>
    public const int SvdBins = 64;
    /// <summary>Tucker-2 bins per mode.</summary>
    public const int TuckerBins = 8;

    /// <summary>A pruning ratio in [0, 1).</summary>
    public static double Ratio(string layer, LayerSetting s)
    {
        if (s.Ratio is not { } p) throw new AscaiException($"layer '{layer}': method {s.Method} needs \"ratio\"");
        if (!(p >= 0 && p < 1)) throw new AscaiException($"layer '{layer}': ratio {p} is outside [0, 1)");
        return p;
    }

    /// <summary>Rank from a bin: max(1, floor(bin * full / bins)).</summary>
    public static int RankOfBin(int bin, int full, int bins) => Math.Max(1, bin * full / bins);

    /// <summary>An SVD rank from "rank" or "bin"; null means "left as is" (bin 64 or rank = full).</summary>
    public static int? SvdRank(string layer, LayerSetting s, int full)
    {
        int rank = (s.Rank, s.Bin) switch
        {
            ({ } r, null) => r,
            (null, { } b) when b is >= 1 and <= SvdBins => RankOfBin(b, full, SvdBins),
            (null, { } b) => throw new AscaiException($"layer '{layer}': SVD bin {b} is outside 1..{SvdBins}"),
            _ => throw new AscaiException($"layer '{layer}': method svd needs exactly one of \"rank\" or \"bin\""),
        };
        if (rank < 1 || rank > full) throw new AscaiException($"layer '{layer}': SVD rank {rank} is outside 1..{full}");
        return s.Bin == SvdBins || rank == full ? null : rank;
    }

    /// <summary>Tucker-2 ranks (out, in) from "ranks" or "bins"; null means "left as is".</summary>
    public static (int Out, int In)? TuckerRanks(string layer, LayerSetting s, int outChannels, int inChannels)
    {
        int[] ranks = (s.Ranks, s.Bins) switch
        {
            ([var o, var i], null) => [o, i],
            (null, [var bo, var bi]) when bo is >= 1 and <= TuckerBins && bi is >= 1 and <= TuckerBins =>
                [RankOfBin(bo, outChannels, TuckerBins), RankOfBin(bi, inChannels, TuckerBins)],
            (null, [_, _]) => throw new AscaiException($"layer '{layer}': Tucker-2 bins must be two values in 1..{TuckerBins}"),
            _ => throw new AscaiException($"layer '{layer}': method tucker2 needs \"ranks\": [out, in] or \"bins\": [out, in]"),
        };
        if (ranks[0] < 1 || ranks[0] > outChannels || ranks[1] < 1 || ranks[1] > inChannels)
            throw new AscaiException($"layer '{layer}': Tucker-2 ranks [{ranks[0]}, {ranks[1]}] are outside [1..{outChannels}, 1..{inChannels}]");
        return s.Bins is [TuckerBins, TuckerBins] || (ranks[0] == outChannels && ranks[1] == inChannels) ? null : (ranks[0], ranks[1]);
    }
}

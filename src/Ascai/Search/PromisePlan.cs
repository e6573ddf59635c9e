using Ascai.Evaluation;

namespace Ascai.Search;

/// <summary>
/// What a run's held-out images can support, said before the search starts: how many images search and how many confirm,
/// and how far a typical candidate at the floor may fall below the original where it is last judged and still pass.
/// When that margin is small the run says so, and what would widen it.
/// </summary>
/// <param name="SearchImages">Held-out images the search scores candidates on.</param>
/// <param name="ConfirmationImages">Held-out images kept to confirm the result on (0: none).</param>
/// <param name="AllowedDrop">Points below the original a candidate may lose.</param>
/// <param name="Confidence">Confidence of the bound the floor applies to (null: the point estimate).</param>
/// <param name="Disagreement">The share of images on which a candidate at the floor and the original disagree, assumed (<see cref="TypicalDisagreement"/>).</param>
/// <param name="PassingDrop">The largest drop such a candidate may show where it is last judged and still pass (null without a bound).</param>
/// <param name="ImagesNeeded">Images there on which one that loses half the allowed drop passes (null without a bound).</param>
public sealed record PromisePlan(int SearchImages, int ConfirmationImages, double AllowedDrop, double? Confidence, double Disagreement, double? PassingDrop, int? ImagesNeeded)
{
    /// <summary>
    /// The share of images on which a candidate at the floor disagrees with the original: the drop itself plus about 0.4 of
    /// the original's errors (measured on the small VGG's journals: 3% near a 1-point floor at 94.5% accuracy).
    /// </summary>
    public static double TypicalDisagreement(double baseAccuracy, double allowedDrop) =>
        Math.Clamp(allowedDrop / 100 + 0.4 * (1 - baseAccuracy / 100), 0.001, 1);

    /// <summary>The plan of a run whose original scores <paramref name="baseAccuracy"/> on the search's images.</summary>
    public static PromisePlan For(int searchImages, int confirmationImages, double baseAccuracy, double allowedDrop, double? confidence)
    {
        double d = TypicalDisagreement(baseAccuracy, allowedDrop);
        int judged = confirmationImages > 0 ? confirmationImages : searchImages;
        return confidence is { } c
            ? new(searchImages, confirmationImages, allowedDrop, c, d, PromisePower.LargestPassingDrop(judged, d, allowedDrop, c), PromisePower.ImagesNeeded(d, allowedDrop, c))
            : new(searchImages, confirmationImages, allowedDrop, null, d, null, null);
    }

    /// <summary>Whether a typical candidate may lose at least a quarter of the allowed drop and still pass: below that, expect little pruning or none.</summary>
    public bool Supported => PassingDrop is not { } drop || drop >= AllowedDrop / 4;

    /// <summary>The plan in words (settings in braces, as <see cref="SettingException"/> names them).</summary>
    public string Text
    {
        get
        {
            string split = ConfirmationImages > 0 ? $"{SearchImages:N0} held-out images to search, {ConfirmationImages:N0} to confirm" : $"{SearchImages:N0} held-out images, all to search";
            string promise = $"at most {AllowedDrop:0.##} point{(AllowedDrop == 1 ? "" : "s")} below the original";
            if (Confidence is not { } c)
                return $"{split}; the floor is the point estimate on {(ConfirmationImages > 0 ? "both" : "them")}: {promise} there, with no confidence stated for new images";
            string where = ConfirmationImages > 0 ? $"{ConfirmationImages:N0} confirmation images" : $"{SearchImages:N0} search images";
            string margin = PassingDrop is >= 0 ? $"if it loses at most {PassingDrop:0.00} points there" : "not even when it loses nothing there";
            string text = $"{split}; promise: {promise} at {100 * c:0.#}% confidence. A candidate that disagrees with the original on {100 * Disagreement:0.0}% of the images " +
                $"(typical at the floor) passes on {where} {margin}; {ImagesNeeded:N0} there would let one that loses {AllowedDrop / 2:0.##} pass";
            return Supported ? text
                : $"{text}. Too few to prune much: hold out more images ({{{SettingException.Of<Data.DataOptions>(nameof(Data.DataOptions.ValidationSize))}}}, " +
                  $"or your own split), allow a larger drop ({{{SettingException.Of<SearchConfig>(nameof(SearchConfig.MaxDrop))}}}), or a lower confidence ({{{SettingException.Of<SearchConfig>(nameof(SearchConfig.Confidence))}}})";
        }
    }
}

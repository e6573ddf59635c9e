namespace Ascai.Evaluation;

/// <summary>
/// What a number of held-out images can confirm. Under a confidence floor (<see cref="AccuracyFloor"/>) only the images
/// where a candidate and the original disagree carry information, so the bound's width grows with the share of them
/// (the disagreement) and shrinks with the square root of the images: about z sqrt(disagreement / images) points.
/// A 1-point promise at 90% on 500 images is out of reach for a candidate that disagrees with the original on 5% of
/// them, however good it is. These answers let a run say so before it starts, and say how many images it would take.
/// </summary>
public static class PromisePower
{
    /// <summary>
    /// The largest drop (points) a candidate can show on <paramref name="images"/> images and still meet a floor of
    /// <paramref name="allowedDrop"/> points at <paramref name="confidence"/>, when it disagrees with the original on a
    /// share <paramref name="disagreement"/> of them; negative when even a candidate that loses nothing there fails
    /// (by how much it would have to gain).
    /// </summary>
    public static double LargestPassingDrop(int images, double disagreement, double allowedDrop, double confidence)
    {
        int m = Math.Max(1, (int)Math.Round(disagreement * images));
        // The drop is (worse - better) / images and the bound rises with worse at a fixed m: the largest worse that passes.
        bool Passes(int worse) => AccuracyFloor.DropBound(worse, m - worse, images, confidence) <= allowedDrop + 1e-9;
        if (!Passes(0)) return -100.0 * m / images;
        int low = 0, high = m;
        while (low < high)
        {
            int mid = (low + high + 1) / 2;
            if (Passes(mid)) low = mid; else high = mid - 1;
        }
        return 100.0 * (2 * low - m) / images;
    }

    /// <summary>
    /// The fewest images on which a candidate that disagrees with the original on a share <paramref name="disagreement"/>
    /// and loses <paramref name="share"/> of the allowed drop (half, by default) meets the floor at <paramref name="confidence"/>.
    /// </summary>
    public static int ImagesNeeded(double disagreement, double allowedDrop, double confidence, double share = 0.5)
    {
        bool Enough(int images) => LargestPassingDrop(images, disagreement, allowedDrop, confidence) >= share * allowedDrop;
        // Doubling, then halving the gap: the bound's cost grows with the images, and the answer is usually thousands.
        int high = 100;
        while (!Enough(high))
        {
            if (high >= MaxImages) return MaxImages;
            high = Math.Min(MaxImages, high * 2);
        }
        int low = high / 2;
        while (low < high)
        {
            int mid = low + (high - low) / 2;
            if (Enough(mid)) high = mid; else low = mid + 1;
        }
        return low;
    }

    /// <summary>The most images <see cref="ImagesNeeded"/> answers (a promise that needs more is out of reach).</summary>
    public const int MaxImages = 1_000_000;
}

using System.Globalization;

namespace Ascai.Data;

/// <summary>
/// Where a data set is and how it is split: its kind and folder, the held-out images the search judges the accuracy
/// floor on (by default <see cref="DatasetSplits.DefaultValidationSize"/> images drawn from the training split with a
/// seeded shuffle; or a range or a list of training-split indices; or a folder of their own), and for image folders
/// how images become inputs (torchvision's Resize + CenterCrop).
/// </summary>
public sealed record DataOptions
{
    /// <summary>Data set kind (<see cref="DatasetCatalog.Names"/>).</summary>
    public string Dataset { get; init; } = "fashion-mnist";
    /// <summary>Folder of the data set's files; null for the kind's default place.</summary>
    public string? DataDir { get; init; }
    /// <summary>Images drawn from the training split as validation (null: the default, when no other split is named).</summary>
    public int? ValidationSize { get; init; }
    /// <summary>Training-split indices A (included) to B (excluded) as validation, written "A:B".</summary>
    public string? ValidationRange { get; init; }
    /// <summary>A file of training-split indices (one per line, as <c>ascai split</c> writes) as validation.</summary>
    public string? ValidationIndices { get; init; }
    /// <summary>A folder of held-out images of its own (an image folder's <c>val</c> split, or NumPy files named <c>val_*</c>).</summary>
    public string? ValidationDir { get; init; }
    /// <summary>Image folders: the shorter side resized to this first (bilinear, as Pillow), or null.</summary>
    public int? Resize { get; init; }
    /// <summary>Image folders: the centre crop's side, or null (the model's input size, which the images must have).</summary>
    public int? Crop { get; init; }
    /// <summary>Image folders: megabytes of decoded images kept for reuse (0: decode every time); larger folders stream through.</summary>
    public int ImageCacheMegabytes { get; init; } = (int)(ImageFolder.DefaultCacheBytes >> 20);

    private static string Key(string property) => SettingException.Of<DataOptions>(property);

    /// <summary>Throws <see cref="SettingException"/> for settings that cannot be used together, before any file is read.</summary>
    public void Validate()
    {
        var named = new[] { (nameof(ValidationRange), ValidationRange), (nameof(ValidationIndices), ValidationIndices), (nameof(ValidationDir), ValidationDir) }
            .Where(s => s.Item2 is not null).Select(s => s.Item1).ToList();
        if (named.Count > 1) throw new SettingException(Key(named[0]), $"and {{{Key(named[1])}}} both name the validation images: give one");
        if (named.Count == 1 && ValidationSize is not null)
            throw new SettingException(Key(nameof(ValidationSize)), $"cannot be given with {{{Key(named[0])}}}, which names the validation images itself");
        if (ValidationSize is < 1) throw new SettingException(Key(nameof(ValidationSize)), $"must be at least 1, got {ValidationSize}: the accuracy floor is judged on these images");
        if (ValidationRange is not null) Range();
        CheckSide(Resize, nameof(Resize));
        CheckSide(Crop, nameof(Crop));
        if (ImageCacheMegabytes is < 0 or > 1 << 20) throw new SettingException(Key(nameof(ImageCacheMegabytes)), $"must be between 0 and {1 << 20} MB, got {ImageCacheMegabytes}");
    }

    /// <summary>The largest image side <see cref="Resize"/> and <see cref="Crop"/> may ask for.</summary>
    public const int MaxSide = 8192;

    /// <summary>Throws <see cref="SettingException"/> for an image side (<paramref name="property"/>: Resize or Crop) outside 1..<see cref="MaxSide"/>.</summary>
    internal static void CheckSide(int? side, string property)
    {
        if (side is < 1 or > MaxSide) throw new SettingException(Key(property), $"must be between 1 and {MaxSide} pixels, got {side}");
    }

    /// <summary><see cref="ValidationRange"/> as (start, end), end excluded.</summary>
    public (int Start, int End) Range()
    {
        var parts = (ValidationRange ?? "").Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int a)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int b) && a < b)
            return (a, b);
        throw new SettingException(Key(nameof(ValidationRange)), $"'{ValidationRange}' is not a range A:B of training-split indices with A < B (B excluded), such as 59000:60000");
    }

    /// <summary>Whether the validation images are named by the user rather than drawn by the seeded shuffle.</summary>
    public bool NamesValidation => ValidationRange is not null || ValidationIndices is not null || ValidationDir is not null;
}

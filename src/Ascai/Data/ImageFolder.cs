using System.Collections.Concurrent;

namespace Ascai.Data;

/// <summary>How the images of a folder become model inputs: torchvision's <c>Resize(Resize)</c> then <c>CenterCrop(Crop)</c>, in <c>Channels</c> channels.</summary>
/// <param name="Channels">1 (PIL's luma) or 3 (RGB).</param>
/// <param name="Resize">The shorter side is resized to this (bilinear, as Pillow), or null to keep the size.</param>
/// <param name="Height">Output height: the centre crop's, or the images' own size.</param>
/// <param name="Width">Output width.</param>
/// <param name="Crop">Whether to centre-crop to Height x Width (otherwise every image must already be that size).</param>
public sealed record ImageTransform(int Channels, int? Resize, int Height, int Width, bool Crop);

/// <summary>
/// The images of one split of a torchvision <c>ImageFolder</c> (<c>ROOT/CLASS/**/*.png</c>), decoded on demand:
/// classes are the sub-folders sorted by name (so label indices match a model trained with torchvision), images the
/// files of each class in sorted path order, as torchvision lists them. Reads decode in parallel and keep recent
/// images in a cache bounded in bytes, so a folder of any size streams through in constant memory while the few
/// thousand images a search scores again and again are decoded once.
/// </summary>
public sealed class ImageFolder : ImageDataset
{
    private readonly string[] _files;
    private readonly ImageTransform _transform;
    private readonly long _cacheBytes;
    private readonly ConcurrentDictionary<int, byte[]> _cache = new();
    private readonly ConcurrentQueue<int> _order = new();
    private long _cached;

    private ImageFolder(string root, string[] files, int[] labels, string[] classes, ImageTransform transform, long cacheBytes)
        : base(root, labels, transform.Channels, transform.Height, transform.Width, classes.Length)
        => (_files, ClassNames, _transform, _cacheBytes) = (files, classes, transform, cacheBytes);

    /// <summary>Class names in label order.</summary>
    public string[] ClassNames { get; }

    /// <summary>Bytes of decoded images held in the cache now.</summary>
    public long CachedBytes => Interlocked.Read(ref _cached);

    /// <summary>The file of image <paramref name="index"/>.</summary>
    public string File(int index) => _files[index];

    /// <summary>Default bound of the decoded-image cache.</summary>
    public const long DefaultCacheBytes = 512L << 20;

    // .NET reads a file name that is not UTF-8 with U+FFFD in place of the bad bytes, a name that opens nothing (and that
    // Python would sort elsewhere): such a name is refused up front rather than failing mid-run.
    private static void Nameable(string path)
    {
        if (path.Contains('\uFFFD')) throw new AscaiException($"{path.Replace('\uFFFD', '?')}: a name that is not valid UTF-8; rename it");
    }

    /// <summary>
    /// Lists <paramref name="root"/>'s classes and images. <paramref name="classes"/>, when given, is the class set the
    /// split must have (the training split's): a folder with other classes would give other label indices.
    /// </summary>
    public static ImageFolder Open(string root, ImageTransform transform, string[]? classes = null, long cacheBytes = DefaultCacheBytes)
    {
        if (!Directory.Exists(root)) throw new AscaiException($"{root}: image folder not found");
        var found = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(CodePointOrder.Instance).ToArray();
        if (found.Length == 0) throw new AscaiException($"{root}: no class folders (expected {root}/CLASS/IMAGE.png, as torchvision's ImageFolder)");
        foreach (string name in found) Nameable(Path.Combine(root, name));
        if (classes is not null && !found.SequenceEqual(classes))
        {
            var extra = found.Except(classes).ToList();
            var missing = classes.Except(found).ToList();
            throw new AscaiException($"{root}: its classes differ from the training split's ({string.Join("; ", new[] {
                extra.Count > 0 ? $"not in training: {string.Join(", ", extra.Take(5))}" : null,
                missing.Count > 0 ? $"missing: {string.Join(", ", missing.Take(5))}" : null }.OfType<string>())})");
        }
        var files = new List<string>();
        var labels = new List<int>();
        for (int label = 0; label < found.Length; label++)
        {
            string dir = Path.Combine(root, found[label]);
            // torchvision walks each class folder (links followed) in sorted order and sorts the files of each folder.
            var images = Directory.EnumerateDirectories(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .Prepend(dir).Order(CodePointOrder.Instance)
                .SelectMany(d => Directory.GetFiles(d).Where(IsImage).Order(CodePointOrder.Instance)).ToList();
            if (images.Count == 0) throw new AscaiException($"{dir}: class '{found[label]}' has no images ({string.Join(", ", ImageDecoder.Extensions)})");
            images.ForEach(Nameable);
            files.AddRange(images);
            labels.AddRange(Enumerable.Repeat(label, images.Count));
        }
        return new ImageFolder(root, [.. files], [.. labels], found, transform, cacheBytes);
    }

    /// <summary>The transform that fits a model input of <paramref name="channels"/> x <paramref name="height"/> x <paramref name="width"/> (or, when null, the first image).</summary>
    public static ImageTransform Transform(string root, int? channels, int? height, int? width, int? resize, int? crop)
    {
        DataOptions.CheckSide(resize, nameof(DataOptions.Resize));
        DataOptions.CheckSide(crop, nameof(DataOptions.Crop));
        if (crop is { } c && height is { } h && width is { } w && (c != h || c != w))
            throw new SettingException(SettingException.Of<DataOptions>(nameof(DataOptions.Crop)), $"{c} does not give the model's {h}x{w} inputs");
        string? first = Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(IsImage).Order(CodePointOrder.Instance).FirstOrDefault() : null;
        var probe = first is null ? default : ImageDecoder.Probe(first);
        int ch = channels ?? (probe.Grey ? 1 : 3);
        if (ch is not (1 or 3)) throw new AscaiException($"{root}: models with {ch} input channels cannot read images (1 or 3)");
        if (crop is { } size) return new ImageTransform(ch, resize, size, size, Crop: true);
        if (height is { } mh && width is { } mw) return new ImageTransform(ch, resize, mh, mw, Crop: false);
        if (first is null) throw new AscaiException($"{root}: no images");
        var (fw, fh) = resize is { } r ? PillowResize.ShorterSideTo(probe.Width, probe.Height, r) : (probe.Width, probe.Height);
        return new ImageTransform(ch, resize, fh, fw, Crop: false);
    }

    // torchvision's test: the lower-cased name ends with one of its extensions.
    private static bool IsImage(string path) => ImageDecoder.Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <inheritdoc/>
    public override void Read(ReadOnlySpan<int> indices, Span<byte> pixels)
    {
        var images = new byte[indices.Length][];
        var list = indices.ToArray();
        try { Parallel.For(0, list.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => images[i] = Image(list[i])); }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is AscaiException) is { } first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw(); // the image's own error, not a wrapper
        }
        for (int i = 0; i < images.Length; i++) images[i].CopyTo(pixels.Slice(i * ImageSize, ImageSize));
    }

    private byte[] Image(int index)
    {
        if (_cache.TryGetValue(index, out var known)) return known;
        var image = Decode(index);
        if (_cacheBytes > 0 && _cache.TryAdd(index, image))
        {
            _order.Enqueue(index);
            // Oldest first out: a bounded cache, not a least-recently-used one, since reads go in passes.
            for (long total = Interlocked.Add(ref _cached, image.Length); total > _cacheBytes && _order.TryDequeue(out int old); )
                if (_cache.TryRemove(old, out var dropped)) total = Interlocked.Add(ref _cached, -dropped.Length);
        }
        return image;
    }

    private byte[] Decode(int index)
    {
        string path = _files[index];
        var (planes, w, h) = ImageDecoder.Decode(path, Channels);
        var (rw, rh) = _transform.Resize is { } size ? PillowResize.ShorterSideTo(w, h, size) : (w, h);
        string resized = _transform.Resize is null ? "" : " after resizing";
        if (_transform.Crop)
        {
            if (rw < Width || rh < Height) throw new AscaiException($"{path}: {rw}x{rh} pixels{resized}, smaller than the {Width}x{Height} crop");
            var (left, top) = PillowResize.CenterOffsets(rw, rh, Width, Height);
            return rw == w && rh == h ? PillowResize.CenterCrop(planes, Channels, w, h, Width, Height)
                : PillowResize.Resize(planes, Channels, w, h, rw, rh, left, top, Width, Height); // only the crop's pixels
        }
        if (rw != Width || rh != Height)
            throw new AscaiException($"{path}: {rw}x{rh} pixels{resized}, not the {Width}x{Height} the model takes (resize and centre-crop the images to it)");
        return PillowResize.Resize(planes, Channels, w, h, rw, rh);
    }
}

/// <summary>
/// Strings in the order of their Unicode code points, as Python's <c>sorted</c> orders them (and so torchvision's
/// ImageFolder its classes and files). .NET's ordinal order compares UTF-16 code units, which puts characters beyond
/// U+FFFF (stored as surrogates, U+D800-U+DFFF) before U+E000-U+FFFF: two class folders so named would swap labels.
/// </summary>
public sealed class CodePointOrder : IComparer<string>
{
    /// <summary>The one instance.</summary>
    public static readonly CodePointOrder Instance = new();

    /// <inheritdoc/>
    public int Compare(string? x, string? y)
    {
        if (x is null || y is null) return x is null ? (y is null ? 0 : -1) : 1;
        var a = x.EnumerateRunes().GetEnumerator();
        var b = y.EnumerateRunes().GetEnumerator();
        while (true)
        {
            bool more = a.MoveNext(), other = b.MoveNext();
            if (!more || !other) return more == other ? 0 : more ? 1 : -1;
            int c = a.Current.Value.CompareTo(b.Current.Value);
            if (c != 0) return c;
        }
    }
}

namespace Ascai.Tests;

/// <summary>Files committed in the repository, found from the test's output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Model(string name) => Path.Combine(Root, "models", name);

    public static string Fixture(string path) => Path.Combine(Root, "tests", "fixtures", path);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ascai.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}

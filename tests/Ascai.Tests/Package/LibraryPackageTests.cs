using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Ascai.Tests.Package;

/// <summary>
/// The library as a .NET user gets it: <c>dotnet pack</c> of src/Ascai into a local feed, and the library guide's
/// example (examples/Ascai.Example/Program.cs, unchanged) built against that package alone and run on the committed
/// small VGG, as a program outside the repository would be.
/// </summary>
public class LibraryPackageTests
{
    [Fact]
    public void TheGuidesExampleRunsFromThePackedPackage()
    {
        using var work = new TempDirectory();
        // A prerelease version of its own, so that NuGet's package cache never serves an older build of the library.
        string version = $"0.0.0-check{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}";
        string library = Path.Combine(work.Path, "library"), feed = Path.Combine(work.Path, "feed"), app = Path.Combine(work.Path, "app");
        try
        {
            // The library's sources and the build settings it inherits, copied so that packing leaves the checkout's build alone.
            CopySources(Path.Combine(Repository.Root, "src", "Ascai"), Path.Combine(library, "src", "Ascai"));
            foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", "docs/library.md" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(library, file))!);
                File.Copy(Path.Combine(Repository.Root, file), Path.Combine(library, file));
            }
            Dotnet(library, "pack", "src/Ascai", "-c", "Release", "-o", feed, $"-p:Version={version}");

            string package = Path.Combine(feed, $"Ascai.{version}.nupkg");
            using (var zip = ZipFile.OpenRead(package))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("lib/net10.0/Ascai.dll", entries);
                Assert.Contains("lib/net10.0/Ascai.xml", entries);   // the XML docs, for IntelliSense
                Assert.Contains("library.md", entries);
                using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec")).Open());
                string nuspec = reader.ReadToEnd();
                foreach (string dependency in new[] { "TorchSharp", "libtorch-cpu-linux-x64", "Microsoft.ML.OnnxRuntime", "Google.Protobuf", "ScottPlot" })
                    Assert.Contains($"id=\"{dependency}\"", nuspec);
                Assert.DoesNotContain("Grpc.Tools", nuspec);   // a build tool, not something users need
            }

            // The example as a program of its own: its source, a project that references the package, the feed.
            Directory.CreateDirectory(app);
            File.Copy(Path.Combine(Repository.Root, "examples", "Ascai.Example", "Program.cs"), Path.Combine(app, "Program.cs"));
            File.WriteAllText(Path.Combine(app, "Example.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Ascai" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="ascai-local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            Dotnet(app, "build", "-c", "Release", "-o", Path.Combine(app, "out"));

            string output = Run(app, Path.Combine(app, "out", "Example.dll"), Repository.Model("vgg-small-fashion-mnist.ascai"), Path.Combine(work.Path, "run"));
            Assert.Matches(@"original: \d+\.\d\d% on 1000 validation images", output);
            Assert.Contains("conv4 at 30%", output);
            Assert.Contains("conv4: 64 channels, made by conv4, read by conv5", output);
            Assert.Matches(@"returned: [\d.]+ ?% of the MACs", output);
            // The summary's plan, applied to the original model, is the model the search returned.
            var applied = Regex.Match(output, @"applied: ([\d,]+) MACs \(the search's best: ([\d,]+)\)");
            Assert.True(applied.Success, output);
            Assert.Equal(applied.Groups[2].Value, applied.Groups[1].Value);
            var difference = Regex.Match(output, @"largest difference from the library's outputs ([\dE.+-]+)");
            Assert.True(difference.Success, output);
            Assert.True(double.Parse(difference.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 1e-4, output);
        }
        finally
        {
            // The package's copy in NuGet's cache is this test's alone.
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string cached = Path.Combine(cache, "ascai", version);
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
        }
    }

    private static void CopySources(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj") continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(to, relative))!);
            File.Copy(file, Path.Combine(to, relative));
        }
    }

    // dotnet pack / build with no build servers left behind, and none of the outer test run's MSBuild settings.
    private static void Dotnet(string directory, params string[] args) =>
        Run(directory, [.. args, "-nologo", "--disable-build-servers", "-v", "q"]);

    private static string Run(string directory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet", args)
        {
            WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(name);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(" ", args)} did not finish");
        }
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(" ", args)} exited with {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}

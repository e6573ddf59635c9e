using Ascai.Tests.Data;

namespace Ascai.Tests.Cli;

/// <summary>A folder needs only the splits a command uses: ImageNet's layout (train/ and val/, no test/) evaluates its held-out images.</summary>
public class ImageNetLayoutTests
{
    [Fact]
    public void TrainAndValWithoutTestEvaluateTheHeldOutImages()
    {
        using var dir = new TempDirectory();
        string folder = ShapeImages.Write(dir.File("imagenet-like"), "train", "val");
        string[] data = ["--model", ShapeImages.Model, "--dataset", "folder", "--data-dir", folder, "--resize", "72", "--crop", "64", "--mean", "0.485", "0.456", "0.406", "--std", "0.229", "0.224", "0.225"];
        var val = Cli.Run(dir.Path, ["eval", .. data, "--split", "val"]);
        Assert.True(val.ExitCode == 0, val.Stderr);
        Assert.Contains("180", val.Stdout); // the held-out images, all of val/
        var test = Cli.Run(dir.Path, ["eval", .. data, "--split", "test"]);
        Assert.Equal(1, test.ExitCode);
        Assert.Contains("no test images", Assert.Single(test.ErrorLines));
        // Training reports no test accuracy rather than failing after the work.
        var tuned = Cli.Run(dir.Path, ["finetune", .. data, "--epochs", "1", "--out", dir.File("tuned.ascai")]);
        Assert.True(tuned.ExitCode == 0, tuned.Stderr);
        Assert.Contains("no test images", tuned.Stdout);
        Assert.True(File.Exists(dir.File("tuned.ascai")));
    }
}

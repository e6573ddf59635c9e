using System.CommandLine;

namespace Ascai.Cli.Parsing;

/// <summary>
/// Which flag gives which library setting, so that an error the library reports about a setting
/// (<see cref="SettingException"/>, e.g. "SearchOptions.Population must be at least 2") reads as one about the flag
/// the user typed ("--population must be at least 2"). Each command declares its flags with <see cref="Gives{T}"/>.
/// </summary>
internal static class Flags
{
    private static readonly Dictionary<string, string> BySetting = new(StringComparer.Ordinal)
    {
        // Settings the library names by a method's parameter, given by flags every command that takes them spells alike.
        ["runDir"] = "--out", ["path"] = "--out", ["Resume"] = "--resume", ["workers"] = "--workers", ["slots"] = "--slots", ["inFlight"] = "--in-flight",
        ["dataset"] = "--dataset", ["dataDir"] = "--data-dir", ["validationSize"] = "--val-size", ["Normalization"] = "--mean / --std",
    };

    /// <summary>Records that <paramref name="option"/> gives <paramref name="settings"/>; returns the option.</summary>
    public static T Gives<T>(this T option, params string[] settings) where T : Option
    {
        lock (BySetting)
            foreach (string setting in settings) BySetting.TryAdd(setting, option.Name);
        return option;
    }

    /// <summary>The flag that gives <paramref name="setting"/>, or null.</summary>
    public static string? Of(string setting)
    {
        lock (BySetting) return BySetting.GetValueOrDefault(setting);
    }

    /// <summary>The message of a setting error in flags.</summary>
    public static string Describe(SettingException e) => e.Describe(Of);
}

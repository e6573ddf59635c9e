using System.Text.RegularExpressions;

namespace Ascai;

/// <summary>An error caused by the user's input (a file, an option, a model) whose message is fit to show as is.</summary>
public class AscaiException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A setting whose value cannot be used. <see cref="Setting"/> names it as the library's API does (an options type and
/// its property, <c>SearchOptions.Population</c>, or a parameter name, <c>runDir</c>), so that a front end can name it
/// its own way (the command line prints its flag). <see cref="Problem"/> says what is wrong, and may name other
/// settings in braces (<c>must be below {SearchOptions.Budget} (300)</c>), which <see cref="Describe"/> names the same way.
/// </summary>
public partial class SettingException(string setting, string problem)
    : AscaiException($"{setting} {Fill(problem, key => key)}")
{
    /// <summary>The setting, as the library names it.</summary>
    public string Setting { get; } = setting;

    /// <summary>What is wrong with its value, with other settings in braces.</summary>
    public string Problem { get; } = problem;

    /// <summary>The message with every setting named by <paramref name="name"/> (which returns null to keep the library's name).</summary>
    public string Describe(Func<string, string?> name) => $"{name(Setting) ?? Setting} {Fill(Problem, key => name(key) ?? key)}";

    /// <summary>The key of a property of an options type: <c>Of&lt;SearchOptions&gt;(nameof(SearchOptions.Budget))</c> is "SearchOptions.Budget".</summary>
    public static string Of<T>(string property) => $"{typeof(T).Name}.{property}";

    /// <summary>A text that names settings in braces (a warning, say), with each named by <paramref name="name"/>.</summary>
    public static string Name(string text, Func<string, string> name) => Fill(text, name);

    private static string Fill(string problem, Func<string, string> name) => Braced().Replace(problem, m => name(m.Groups[1].Value));

    [GeneratedRegex(@"\{([A-Za-z][A-Za-z0-9_.]*)\}")]
    private static partial Regex Braced();
}

/// <summary>
/// A training that diverged (a non-finite loss, gradients or outputs), naming the learning rate that made it. Fine-tuning
/// inside a search records such a candidate and goes on to the next; a training of its own reports it.
/// </summary>
public sealed class TrainingDivergedException(string setting, string problem) : SettingException(setting, problem);

using System.Text.RegularExpressions;

namespace Ascai.Graph;

/// <summary>Glob patterns on layer names (<c>*</c> any run of characters, <c>?</c> one), as every layer option takes them.</summary>
public static class LayerPattern
{
    /// <summary>Whether <paramref name="layer"/> matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string layer) => Regex(pattern).IsMatch(layer);

    /// <summary>Whether <paramref name="layer"/> matches any of <paramref name="patterns"/>.</summary>
    public static bool MatchesAny(IEnumerable<string>? patterns, string layer) => (patterns ?? []).Any(p => Matches(p, layer));

    private static Regex Regex(string pattern) =>
        new("^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.CultureInvariant);
}

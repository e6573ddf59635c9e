using System.Net;
using System.Text;

namespace Ascai.Reporting;

/// <summary>A part of a report.</summary>
public abstract record ReportBlock;
/// <summary>A section title (level 1-3).</summary>
public sealed record Heading(int Level, string Text) : ReportBlock;
/// <summary>A paragraph of plain text.</summary>
public sealed record Paragraph(string Text) : ReportBlock;
/// <summary>A table; columns of numbers are right-aligned.</summary>
public sealed record Table(string[] Header, IReadOnlyList<string[]> Rows) : ReportBlock
{
    /// <summary>Whether column <paramref name="column"/> holds numbers (every cell but "-" and blanks starts with a digit).</summary>
    public bool IsNumeric(int column) =>
        Rows.Select(r => r[column]).Where(c => c is not ("" or "-")).All(c => char.IsDigit(c[0]) || (c.Length > 1 && c[0] == '-' && char.IsDigit(c[1])))
        && Rows.Any(r => r[column] is not ("" or "-"));
}
/// <summary>A PNG figure, written next to the report as <see cref="File"/>.</summary>
public sealed record Figure(string File, string Caption, byte[] Png) : ReportBlock;

/// <summary>
/// A report as a list of blocks, rendered to Markdown (figures as files beside it) and to one self-contained HTML
/// page (figures embedded as data URIs, no script, no network).
/// </summary>
public sealed class ReportDocument(string title)
{
    /// <summary>The report's title.</summary>
    public string Title { get; } = title;
    /// <summary>The blocks, in order.</summary>
    public List<ReportBlock> Blocks { get; } = [];

    /// <summary>Every figure of the report.</summary>
    public IEnumerable<Figure> Figures => Blocks.OfType<Figure>();

    /// <summary>GitHub-flavoured Markdown.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder($"# {Text(Title)}\n");
        foreach (var block in Blocks)
        {
            md.Append('\n');
            switch (block)
            {
                case Heading h: md.Append($"{new string('#', h.Level + 1)} {Text(h.Text)}\n"); break;
                case Paragraph p: md.Append(Text(p.Text)).Append('\n'); break;
                case Table t:
                    md.Append("| ").AppendJoin(" | ", t.Header.Select(Cell)).Append(" |\n|");
                    md.AppendJoin("|", t.Header.Select((_, i) => t.IsNumeric(i) ? "---:" : "---")).Append("|\n");
                    foreach (var row in t.Rows) md.Append("| ").AppendJoin(" | ", row.Select(Cell)).Append(" |\n");
                    break;
                case Figure f: md.Append($"![{Text(f.Caption)}]({f.File})\n\n*{Text(f.Caption)}*\n"); break;
            }
        }
        return md.ToString();
        static string Cell(string s) => Text(s).Replace("|", "\\|");
        // What the report quotes (layer, folder and model names) is text, never markup: a name holding <script> or an
        // HTML comment must not become one in a viewer that renders HTML inside Markdown.
        static string Text(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
    }

    /// <summary>One HTML page with the figures embedded.</summary>
    public string ToHtml()
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E(Title)).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}")
            .Append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em}")
            .Append(".num{text-align:right}th{background:#f3f3f3;text-align:left}")
            .Append("figure{margin:1.5em 0}img{max-width:100%}figcaption{color:#555;font-size:.9em}")
            .Append("</style></head><body>\n<h1>").Append(E(Title)).Append("</h1>\n");
        foreach (var block in Blocks)
        {
            switch (block)
            {
                case Heading h: html.Append($"<h{h.Level + 1}>{E(h.Text)}</h{h.Level + 1}>\n"); break;
                case Paragraph p: html.Append($"<p>{E(p.Text)}</p>\n"); break;
                case Table t:
                    html.Append("<table><tr>").AppendJoin("", t.Header.Select(c => $"<th>{E(c)}</th>")).Append("</tr>\n");
                    foreach (var row in t.Rows)
                        html.Append("<tr>").AppendJoin("", row.Select((c, i) => t.IsNumeric(i) ? $"<td class=\"num\">{E(c)}</td>" : $"<td>{E(c)}</td>")).Append("</tr>\n");
                    html.Append("</table>\n");
                    break;
                case Figure f:
                    html.Append($"<figure><img alt=\"{E(f.Caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(f.Png)}\">")
                        .Append($"<figcaption>{E(f.Caption)}</figcaption></figure>\n");
                    break;
            }
        }
        return html.Append("</body></html>\n").ToString();
    }
}

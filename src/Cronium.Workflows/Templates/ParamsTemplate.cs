using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Fluid;
using Fluid.Values;

namespace Cronium.Workflows.Templates;

/// <summary>A template that names data the run does not have: nothing is sent, and the message names what is missing.</summary>
public sealed class TemplateException(string message) : Exception(message);

/// <summary>
/// A tool action's params: every text value is a Liquid template (Fluid), rendered over what the run knows just
/// before the action is sent. The text of a value that names a missing field is never sent.
/// </summary>
public static class ParamsTemplate
{
    private static readonly FluidParser Parser = new();

    /// <summary>Syntax errors of every template in the params, each with its field: checked before anything runs.</summary>
    public static IEnumerable<string> Check(JsonObject parameters)
    {
        foreach (var (field, text) in Texts(parameters, "params"))
            if (!Parser.TryParse(text, out _, out var error))
                yield return $"{field}: {FirstLine(error)}";
    }

    /// <summary>
    /// The params with every text value rendered over <paramref name="model"/>'s members (output, input, status …).
    /// Throws <see cref="TemplateException"/> naming each missing field and where it was used.
    /// </summary>
    public static async Task<JsonObject> RenderAsync(JsonObject parameters, JsonObject model)
    {
        var result = (JsonObject)parameters.DeepClone();
        var problems = new List<string>();
        foreach (var (field, node) in Leaves(result, "params"))
        {
            if (!Parser.TryParse((string)node!, out var template, out var error))
            {
                problems.Add($"{field}: {FirstLine(error)}");
                continue;
            }
            var missing = new List<string>();
            var options = new TemplateOptions
            {
                Undefined = name =>
                {
                    missing.Add(name);
                    return ValueTask.FromResult<FluidValue>(NilValue.Instance);
                },
            };
            var context = new TemplateContext(options);
            foreach (var (name, value) in model) context.SetValue(name, JsonFluid.From(value, name, missing));
            var text = await template.RenderAsync(context, NullEncoder.Default);
            if (missing.Count > 0)
                problems.Add($"{field} names {string.Join(", ", missing.Distinct().Select(m => $"'{m}'"))}, which {(missing.Distinct().Count() == 1 ? "is" : "are")} not in the run's data (known: {string.Join(", ", model.Select(p => p.Key))})");
            node.ReplaceWith(JsonValue.Create(text));
        }
        if (problems.Count > 0) throw new TemplateException(string.Join("; ", problems));
        return result;
    }

    private static IEnumerable<(string Field, string Text)> Texts(JsonNode? node, string path) =>
        Leaves(node, path).Select(l => (l.Field, (string)l.Node!));

    /// <summary>Every text value with its path (params.text, params.to[0]), collected first so they can be replaced.</summary>
    private static List<(string Field, JsonValue Node)> Leaves(JsonNode? node, string path)
    {
        var found = new List<(string, JsonValue)>();
        void Walk(JsonNode? n, string p)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var (k, v) in o) Walk(v, $"{p}.{k}");
                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++) Walk(a[i], $"{p}[{i}]");
                    break;
                case JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String:
                    found.Add((p, v));
                    break;
            }
        }
        Walk(node, path);
        return found;
    }

    private static string FirstLine(string error) => error.Split('\n')[0].Trim();
}

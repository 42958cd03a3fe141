using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Cronium.Service.Definitions;

/// <summary>
/// A definition's <c>recovery: {attempts: N}</c>: how many times in all (the first included) one fire or start may
/// run when the instances running it die under it. Default 1: an interrupted run stays interrupted. A separate key
/// from a workflow node's <c>retries</c> on purpose: those retry a step that failed, this only a run nobody saw end.
/// </summary>
public static class Recovery
{
    public const int MaxAttempts = 10;

    /// <summary>The attempts a definition's root mapping allows (1 without the key); problems name the field and line.</summary>
    public static int From(YamlMappingNode root, List<string> problems)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("recovery"), out var node)) return 1;
        if (node is not YamlMappingNode map)
        {
            problems.Add($"line {node.Start.Line}: 'recovery' is a mapping: {{attempts: 3}}");
            return 1;
        }
        var attempts = 1;
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value;
            if (key != "attempts") problems.Add($"line {k.Start.Line}: unknown field 'recovery.{key}' (known: attempts)");
            else if (int.TryParse((v as YamlScalarNode)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxAttempts) attempts = n;
            else problems.Add($"line {v.Start.Line}: 'recovery.attempts' must be a whole number from 1 to {MaxAttempts} (runs in all, the first included)");
        }
        return attempts;
    }
}

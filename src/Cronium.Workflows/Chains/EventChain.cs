using Cronium.Workflows.Templates;

namespace Cronium.Workflows.Chains;

/// <summary>An event with its conditional actions loaded, each follow-up event with its own, down the whole chain.</summary>
public sealed class ChainStep(EventDefinition ev, IReadOnlyList<ChainAction> actions)
{
    public EventDefinition Event { get; } = ev;

    public IReadOnlyList<ChainAction> Actions { get; } = actions;
}

/// <summary>One follow-up: another event (loaded), or a tool action.</summary>
public sealed record ChainAction(string Kind, long Line, ChainStep? Event, ToolCall? Tool);

/// <summary>
/// Loads a chain before anything runs, so every problem is found first: a file that does not exist or does not
/// parse, an unknown tool, a template that does not parse, a cycle of event files (printed as the chain that
/// closes it), and a chain deeper than the limit.
/// </summary>
public static class EventChain
{
    public const int DefaultMaxDepth = 10;

    public static ChainStep Load(EventDefinition root, int maxDepth = DefaultMaxDepth)
    {
        var problems = new List<string>();
        var loaded = new Dictionary<string, ChainStep>(StringComparer.Ordinal);
        var step = Build(root, [Display(root.Source)], maxDepth, loaded, problems);
        if (problems.Count > 0) throw new EventFileException(root.Source, problems.Distinct().ToList());
        return step;
    }

    private static ChainStep Build(EventDefinition ev, List<string> chain, int maxDepth, Dictionary<string, ChainStep> loaded, List<string> problems)
    {
        var actions = new List<ChainAction>();
        foreach (var action in ev.Actions)
        {
            var where = $"{Display(ev.Source)} line {action.Line}";
            if (action.Target.Tool is { } tool)
            {
                problems.AddRange(ParamsTemplate.Check(tool.Params).Select(p => $"{where} ({action.Kind} {tool.Tool} action): {p}"));
                actions.Add(new ChainAction(action.Kind, action.Line, null, tool));
                continue;
            }
            if (chain.Count > maxDepth)
            {
                problems.Add($"{where}: the chain is deeper than {maxDepth} events ({string.Join(" → ", chain)} → …); a longer one is a workflow's job");
                continue;
            }

            ChainStep? next;
            if (action.Target.EventPath is { } path)
            {
                if (chain.Contains(Display(path)))
                {
                    problems.Add($"{where}: {action.Kind} leads back to an event already in this chain: {string.Join(" → ", chain.Append(Display(path)))}");
                    continue;
                }
                if (!loaded.TryGetValue(path, out next))
                {
                    EventDefinition child;
                    try
                    {
                        child = EventLoader.Load(path);
                    }
                    catch (EventFileException e)
                    {
                        problems.AddRange(e.Problems.Select(p => $"{Display(path)} (from {where}): {p}"));
                        continue;
                    }
                    next = Build(child, [.. chain, Display(path)], maxDepth, loaded, problems);
                    loaded[path] = next;
                }
            }
            else
            {
                var inline = action.Target.InlineEvent!;
                next = Build(inline, [.. chain, $"{inline.Name} (inline, {where})"], maxDepth, loaded, problems);
            }
            actions.Add(new ChainAction(action.Kind, action.Line, next, null));
        }
        return new ChainStep(ev, actions);
    }

    private static string Display(string path) => Path.GetFileName(path);
}

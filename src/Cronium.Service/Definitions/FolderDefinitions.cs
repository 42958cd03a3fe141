using Cronium.Service.Hosting;

namespace Cronium.Service.Definitions;

/// <summary>
/// <c>Runtime:DefinitionsPath</c>: every <c>*.yaml</c> at the folder's top with a name is a definition (a workflow
/// when it has <c>nodes</c>), bundled with the folder's other files. Loaded once the service runs and again when
/// a file changes; a file that fails its checks is reported and the definition in force stays; a definition the
/// folder put here and no longer holds is removed.
/// </summary>
internal sealed class FolderDefinitions(IOptions<ServiceOptions> options, DefinitionCatalog catalog, IHostApplicationLifetime lifetime, ILogger<FolderDefinitions> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.DefinitionsPath is not { Length: > 0 } folder) return;
        folder = Path.GetFullPath(folder);
        // After the runtime has migrated and Quartz has started.
        var started = new TaskCompletionSource();
        using var _ = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(folder) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        watcher.Changed += (_, _) => changed.Release();
        watcher.Created += (_, _) => changed.Release();
        watcher.Deleted += (_, _) => changed.Release();
        watcher.Renamed += (_, _) => changed.Release();
        while (!stoppingToken.IsCancellationRequested)
        {
            await LoadAsync(folder, stoppingToken);
            await changed.WaitAsync(stoppingToken);
            // An editor writes a file in several steps: let them settle, then load once for all of them.
            await Task.Delay(300, stoppingToken);
            while (changed.CurrentCount > 0) await changed.WaitAsync(stoppingToken);
        }
    }

    private async Task LoadAsync(string folder, CancellationToken cancellationToken)
    {
        var entries = DefinitionFolder.Read(folder);
        var present = new HashSet<(string, string)>();
        foreach (var entry in entries)
        {
            try
            {
                var definition = Definition.Check(entry.Kind, null, entry.FileName, entry.Yaml, entry.Files);
                present.Add((entry.Kind, definition.Name));
                var change = await catalog.SaveAsync(definition, "folder", cancellationToken);
                if (change != "unchanged") logger.LogInformation("{File}: {Kind} {Name} {Change}", entry.FileName, entry.Kind, definition.Name, change);
            }
            catch (DefinitionException e)
            {
                logger.LogError("{File}: not loaded (the definition in force, if any, stays): {Problems}", entry.FileName, string.Join("; ", e.Problems));
            }
        }
        foreach (var kind in new[] { DefinitionKinds.Event, DefinitionKinds.Workflow })
            foreach (var job in await catalog.ListAsync(kind, cancellationToken))
                if (DefinitionCatalog.CameFromFolder(job) && !present.Contains((kind, job.Key.Name)) && !StillHasFile(entries, job.Key.Name))
                {
                    await catalog.DeleteAsync(kind, job.Key.Name, cancellationToken);
                    logger.LogInformation("{Kind} {Name} removed (no longer in {Folder})", kind, job.Key.Name, folder);
                }
    }

    /// <summary>A definition whose file is still there but now fails stays in force; only a removed file removes it.</summary>
    private static bool StillHasFile(IReadOnlyList<FolderEntry> entries, string name) =>
        entries.Any(e => e.FileName == name + ".yaml" || e.FileName == name + ".yml");
}

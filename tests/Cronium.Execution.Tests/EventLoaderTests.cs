using Cronium.Execution.Events;

namespace Cronium.Execution.Tests;

public sealed class EventLoaderTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("cronium-events-");

    [Theory]
    [InlineData("job.sh", Language.Bash)]
    [InlineData("job.py", Language.Python)]
    [InlineData("job.js", Language.Node)]
    [InlineData("job.mjs", Language.Node)]
    public void ScriptFileLanguageComesFromItsExtension(string name, Language language)
    {
        var path = Write(name, "echo hi");

        var ev = EventLoader.Load(path);

        Assert.Equal((language, "job"), (ev.Language, ev.Name));
    }

    [Fact]
    public void UnknownExtensionNeedsLang()
    {
        var path = Write("job.rb", "puts 1");

        var error = Assert.Throws<EventFileException>(() => EventLoader.Load(path));
        var python = EventLoader.Load(path, Language.Python);

        Assert.Contains("--lang", error.Problems.Single());
        Assert.Equal(Language.Python, python.Language);
    }

    [Fact]
    public void EventFileReadsEveryField()
    {
        Write("task.py", "print(1)");
        var path = Write("event.yaml", """
            name: nightly
            language: python
            scriptPath: task.py
            input: {n: 3, s: "007", flag: true, list: [1, 2.5, null]}
            timeout: 2m
            environment:
              MODE: fast
            resources: {memory: 64m, cpus: 0.5, pids: 32}
            network: true
            """);

        var ev = EventLoader.Load(path);

        Assert.Equal(("nightly", Language.Python, "print(1)"), (ev.Name, ev.Language, ev.Script));
        Assert.Equal("{\"n\":3,\"s\":\"007\",\"flag\":true,\"list\":[1,2.5,null]}", ev.Input!.ToJsonString());
        Assert.Equal(TimeSpan.FromMinutes(2), ev.Timeout);
        Assert.Equal("fast", ev.Environment["MODE"]);
        Assert.Equal(new ResourceLimits(64L * 1024 * 1024, 0.5, 32), ev.Resources);
        Assert.True(ev.Network);
    }

    [Fact]
    public void ValidationErrorsNameTheFieldAndTheLine()
    {
        var path = Write("bad.yaml", """
            name: broken
            language: ruby
            script: puts 1
            timeout: forever
            resources:
              memory: 1k
              gpus: 2
            colour: blue
            environment:
              CRONIUM_TOKEN: x
            """);

        var error = Assert.Throws<EventFileException>(() => EventLoader.Load(path));

        Assert.Contains("line 2: language 'ruby' is not bash, python or node", error.Problems);
        Assert.Contains(error.Problems, p => p.StartsWith("line 4: 'timeout'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("line 6: 'resources.memory'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("line 7: unknown field 'resources.gpus'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("line 8: unknown field 'colour'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("line 10: environment name 'CRONIUM_TOKEN' is reserved", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("runLocation: ssh")]
    [InlineData("runLocation: REMOTE")]
    [InlineData("server: db-1")]
    [InlineData("servers: [db-1, db-2]")]
    [InlineData("serverId: 7")]
    public void AnEventForAnotherServerIsRefusedWithTheSshReason(string field)
    {
        var path = Write("remote.yaml", $"name: nightly\nlanguage: bash\nscript: echo\n{field}\n");

        var error = Assert.Throws<EventFileException>(() => EventLoader.Load(path));

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith($"line 4: {field.Split(':')[0]}: running over SSH is not supported", problem, StringComparison.Ordinal);
        Assert.Contains("docs/troubleshooting.md", problem);
    }

    [Fact]
    public void RunLocationLocalIsCroniumsDefaultAndChangesNothing()
    {
        var path = Write("local.yaml", "name: nightly\nlanguage: bash\nscript: echo\nrunLocation: local\n");

        Assert.Equal("nightly", EventLoader.Load(path).Name);
    }

    [Fact]
    public void ScriptAndScriptPathTogetherOrNeitherAreRefused()
    {
        var both = Write("both.yaml", "language: bash\nscript: echo\nscriptPath: x.sh\n");
        var neither = Write("neither.yaml", "language: bash\n");
        var broken = Write("broken.yaml", "language: [bash\n");

        Assert.Contains("line 3: 'script' and 'scriptPath' are both set; keep one", Assert.Throws<EventFileException>(() => EventLoader.Load(both)).Problems);
        Assert.Contains(Assert.Throws<EventFileException>(() => EventLoader.Load(neither)).Problems, p => p.Contains("one of 'script'"));
        Assert.StartsWith("line ", Assert.Throws<EventFileException>(() => EventLoader.Load(broken)).Problems.Single());
    }

    [Theory]
    [InlineData("print(1)", "script.py", Language.Python)]
    [InlineData("await cronium.output(1)", "script.mjs", Language.Node)]
    [InlineData("const fs = require('fs')", "script.cjs", Language.Node)]
    public void NodeScriptsRunAsModulesUnlessTheyRequire(string script, string fileName, Language language)
    {
        var ev = new EventDefinition { Name = "n", Language = language, Script = script, Source = "x" };

        Assert.Equal(fileName, ev.FileName);
    }

    public void Dispose() => dir.Delete(recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }
}

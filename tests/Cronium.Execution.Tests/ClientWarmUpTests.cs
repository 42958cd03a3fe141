using System.Net.Sockets;
using Cronium.Execution.Runtime;

namespace Cronium.Execution.Tests;

public sealed class ClientWarmUpTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("cronium-warm-up-");

    [Fact]
    public async Task TheWarmUpRequestIsAnsweredAndLeavesNothingInTheFolder()
    {
        // RunAsync throws unless the client sent the whole request and read the stand-in's answer back.
        await ClientWarmUp.RunAsync(dir.FullName).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(dir.EnumerateFileSystemInfos());
    }

    [Fact]
    public async Task AWarmUpThatCannotStartCostsTheRunNothing()
    {
        var missing = Path.Combine(dir.FullName, "gone");

        await ClientWarmUp.StartAsync(missing).WaitAsync(TimeSpan.FromSeconds(10));
        var error = await Record.ExceptionAsync(() => ClientWarmUp.RunAsync(missing));

        Assert.IsAssignableFrom<SocketException>(error);
        Assert.False(Directory.Exists(missing));
    }

    public void Dispose() => dir.Delete(recursive: true);
}

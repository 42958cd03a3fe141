using System.Buffers.Binary;
using System.Text;
using Cronium.Execution.Backends;

namespace Cronium.Execution.Tests;

/// <summary>The daemon's multiplexed log stream, read from bytes made here, one byte per read at worst.</summary>
public sealed class DockerLogFramesTests
{
    private static byte[] Frame(byte stream, string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[8 + payload.Length];
        frame[0] = stream;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(frame, 8);
        return frame;
    }

    /// <summary>A stream that hands out at most one byte per read, as a slow socket may.</summary>
    private sealed class Trickle(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }

    private static async Task<List<(OutputStream, string)>> ReadAllAsync(Stream stream, int bufferSize = 8192)
    {
        var frames = new DockerLogFrames(stream);
        var buffer = new byte[bufferSize];
        var pieces = new List<(OutputStream, string)>();
        while (true)
        {
            var (target, read) = await frames.ReadAsync(buffer, default);
            if (read == 0) return pieces;
            pieces.Add((target, Encoding.UTF8.GetString(buffer, 0, read)));
        }
    }

    [Fact]
    public async Task StdoutAndStderrFramesComeOutInOrderEvenOneByteAtATime()
    {
        var bytes = Frame(1, "out one\n").Concat(Frame(2, "err\n")).Concat(Frame(1, "out two\n")).ToArray();

        var pieces = await ReadAllAsync(new Trickle(bytes));

        Assert.Equal("out one\nout two\n", string.Concat(pieces.Where(p => p.Item1 == OutputStream.Stdout).Select(p => p.Item2)));
        Assert.Equal("err\n", string.Concat(pieces.Where(p => p.Item1 == OutputStream.Stderr).Select(p => p.Item2)));
        // The order across streams is the frames' order: stdout, then stderr, then stdout again.
        var runs = pieces.Select(p => p.Item1).Where((s, i) => i == 0 || pieces[i - 1].Item1 != s);
        Assert.Equal([OutputStream.Stdout, OutputStream.Stderr, OutputStream.Stdout], runs);
    }

    [Fact]
    public async Task AFrameLargerThanTheBufferIsReadInPiecesAndStdinFramesArePassedOver()
    {
        var big = new string('x', 20000);
        var bytes = Frame(0, "stdin echo").Concat(Frame(1, big)).Concat(Frame(2, "done")).ToArray();

        var pieces = await ReadAllAsync(new MemoryStream(bytes), bufferSize: 4096);

        Assert.Equal(big, string.Concat(pieces.Where(p => p.Item1 == OutputStream.Stdout).Select(p => p.Item2)));
        Assert.All(pieces.Where(p => p.Item1 == OutputStream.Stdout), p => Assert.True(p.Item2.Length <= 4096));
        Assert.Equal((OutputStream.Stderr, "done"), pieces[^1]);
        Assert.DoesNotContain(pieces, p => p.Item2.Contains("stdin"));
    }

    [Fact]
    public async Task AStreamThatEndsInsideAFrameIsAnErrorNotASilentEnd()
    {
        var whole = Frame(1, "cut short");

        await Assert.ThrowsAsync<EndOfStreamException>(() => ReadAllAsync(new MemoryStream(whole[..^3])));
        await Assert.ThrowsAsync<EndOfStreamException>(() => ReadAllAsync(new MemoryStream(whole[..5])));
    }
}

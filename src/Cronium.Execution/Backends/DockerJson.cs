using System.Buffers.Binary;
using System.Text.Json.Serialization;

namespace Cronium.Execution.Backends;

/// <summary>A container to create (POST /containers/create), in the Engine API's own names.</summary>
internal sealed record ContainerSpec(
    string Image, IReadOnlyList<string> Cmd, IReadOnlyList<string> Env, string User, string WorkingDir,
    IReadOnlyDictionary<string, string> Labels, bool NetworkDisabled, HostSpec HostConfig);

internal sealed record HostSpec(
    string NetworkMode, bool ReadonlyRootfs, IReadOnlyDictionary<string, string> Tmpfs, IReadOnlyList<string> Binds,
    IReadOnlyList<string> CapDrop, IReadOnlyList<string> SecurityOpt, long PidsLimit, long Memory, long MemorySwap, long NanoCpus);

internal sealed record ContainerSummary(string Id, Dictionary<string, string>? Labels);

internal sealed record CreatedContainer(string Id);

internal sealed record ContainerExit(long StatusCode);

internal sealed record ContainerDetails(ContainerState State);

internal sealed record ContainerState(bool OOMKilled);

internal sealed record DaemonError([property: JsonPropertyName("message")] string? Message);

/// <summary>The daemon's JSON, generated at build time; its names are PascalCase as the Engine API writes them.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ContainerSpec))]
[JsonSerializable(typeof(List<ContainerSummary>))]
[JsonSerializable(typeof(CreatedContainer))]
[JsonSerializable(typeof(ContainerExit))]
[JsonSerializable(typeof(ContainerDetails))]
[JsonSerializable(typeof(DaemonError))]
[JsonSerializable(typeof(string))]
internal sealed partial class DockerJson : JsonSerializerContext;

/// <summary>
/// The stream of a container without a terminal, as the daemon sends its logs: frames of an 8-byte header (the
/// stream: 1 stdout, 2 stderr; three zero bytes; the payload's length, big-endian) and the payload.
/// </summary>
internal sealed class DockerLogFrames(Stream stream)
{
    private readonly byte[] header = new byte[8];
    private int remaining;
    private OutputStream? current;

    /// <summary>
    /// Reads the next piece of stdout or stderr into <paramref name="buffer"/>; 0 bytes at the end of the stream.
    /// Frames of another stream (stdin's echo, which a container without a terminal does not send) are passed over.
    /// </summary>
    public async Task<(OutputStream Stream, int Count)> ReadAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            while (remaining == 0)
            {
                if (!await FillAsync(header, cancellationToken)) return (OutputStream.Stdout, 0);
                remaining = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
                current = header[0] switch { 1 => OutputStream.Stdout, 2 => OutputStream.Stderr, _ => null };
            }
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)), cancellationToken);
            if (read == 0) throw new EndOfStreamException("The daemon's log stream ended inside a frame.");
            remaining -= read;
            if (current is { } target) return (target, read);
        }
    }

    /// <returns>False at a clean end, before any byte of a header.</returns>
    private async Task<bool> FillAsync(byte[] target, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < target.Length)
        {
            var read = await stream.ReadAsync(target.AsMemory(filled), cancellationToken);
            if (read == 0)
                return filled == 0 ? false : throw new EndOfStreamException("The daemon's log stream ended inside a frame header.");
            filled += read;
        }
        return true;
    }
}

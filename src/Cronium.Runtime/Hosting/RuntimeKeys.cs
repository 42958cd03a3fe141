using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Cronium.Runtime.Hosting;

/// <summary>
/// Key material decoded once from <see cref="RuntimeOptions"/>. Outside Production a missing key is
/// replaced by an ephemeral one, said loudly at start (the validator already refused a missing key in Production).
/// </summary>
internal sealed class RuntimeKeys : IDisposable
{
    public RuntimeKeys(IOptions<RuntimeOptions> options, ILogger<RuntimeKeys> logger)
    {
        var o = options.Value;

        var signing = Decode(o.SigningKey);
        if (signing is null)
        {
            signing = RandomNumberGenerator.GetBytes(32);
            logger.LogWarning("Runtime:SigningKey is not set: using an ephemeral signing key; execution tokens will not survive a restart.");
        }
        SigningKey = new SymmetricSecurityKey(signing) { KeyId = string.IsNullOrWhiteSpace(o.SigningKeyId) ? KeyIdOf(signing) : o.SigningKeyId };
        ValidationKeys =
        [
            SigningKey,
            .. o.PreviousSigningKeys.Select(PreviousKey).Select(p => (Id: p.KeyId, Bytes: Decode(p.Key)!))
                .Select(p => new SymmetricSecurityKey(p.Bytes) { KeyId = p.Id ?? KeyIdOf(p.Bytes) }),
        ];

        var orchestratorKeys = o.OrchestratorKeys.Where(k => !string.IsNullOrEmpty(k)).ToList();
        if (orchestratorKeys.Count == 0)
        {
            var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
            EphemeralOrchestratorKeyFile = WriteEphemeralKey(key);
            orchestratorKeys.Add(key);
            logger.LogWarning("Runtime:OrchestratorKeys is not set: generated an ephemeral orchestrator key, written to {KeyFile} (mode 0600).", EphemeralOrchestratorKeyFile);
        }
        // The host's own key (cronium serve's workers) is accepted too, but does not count as the operator's.
        orchestratorKeys.AddRange(o.HostOrchestratorKeys.Where(k => !string.IsNullOrEmpty(k)));
        orchestratorKeyHashes = orchestratorKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k))).ToArray();

        var credential = Decode(o.CredentialKey);
        if (credential is null)
        {
            credential = RandomNumberGenerator.GetBytes(32);
            logger.LogWarning("Runtime:CredentialKey is not set: using an ephemeral key; stored tool credentials will not decrypt after a restart.");
        }
        CredentialKey = new CredentialKey(KeyIdOf(credential), credential);
        CredentialKeys = new[] { CredentialKey }
            .Concat(o.PreviousCredentialKeys.Select(k => Decode(k)!).Select(k => new CredentialKey(KeyIdOf(k), k)))
            .DistinctBy(k => k.Id)
            .ToDictionary(k => k.Id);
    }

    private readonly byte[][] orchestratorKeyHashes;

    public SymmetricSecurityKey SigningKey { get; }

    public IReadOnlyList<SecurityKey> ValidationKeys { get; }

    public CredentialKey CredentialKey { get; }

    public IReadOnlyDictionary<string, CredentialKey> CredentialKeys { get; }

    public string? EphemeralOrchestratorKeyFile { get; }

    /// <summary>Constant-time in the key's content: both sides are hashed to a fixed length first.</summary>
    public bool IsOrchestratorKey(string presented)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = false;
        foreach (var known in orchestratorKeyHashes)
            match |= CryptographicOperations.FixedTimeEquals(hash, known);
        return match;
    }

    /// <summary>
    /// A previous signing key as configured: <c>BASE64</c> (its kid is derived, as for a key without
    /// <c>Runtime:SigningKeyId</c>), or <c>KID:BASE64</c> for a key that was signing under a kid of its own.
    /// Base64 has no ':', so the first one separates them.
    /// </summary>
    public static (string? KeyId, string Key) PreviousKey(string entry) =>
        entry.IndexOf(':') is > 0 and var colon ? (entry[..colon], entry[(colon + 1)..]) : (null, entry);

    private static byte[]? Decode(string? base64) =>
        string.IsNullOrWhiteSpace(base64) ? null : Convert.FromBase64String(base64);

    /// <summary>A key id that names the key without revealing it.</summary>
    private static string KeyIdOf(byte[] key) =>
        Base64UrlEncoder.Encode(SHA256.HashData(key).AsSpan(0, 9).ToArray());

    /// <summary>
    /// A new file (never an existing one, never through a link) in a new folder only this user can enter
    /// (mkdtemp, 0700), holding the key at 0600; both go when the runtime stops.
    /// </summary>
    private static string WriteEphemeralKey(string key)
    {
        var folder = Directory.CreateTempSubdirectory("cronium-orchestrator-");
        var path = Path.Combine(folder.FullName, "orchestrator.key");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(key));
        }
        return path;
    }

    public void Dispose()
    {
        if (EphemeralOrchestratorKeyFile is not { } file) return;
        try
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed record CredentialKey(string Id, byte[] Key);

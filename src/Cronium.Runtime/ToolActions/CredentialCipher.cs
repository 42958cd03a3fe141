using System.Security.Cryptography;
using System.Text;
using Cronium.Runtime.Hosting;

namespace Cronium.Runtime.ToolActions;

/// <summary>
/// AES-256-GCM for tool credentials at rest. The associated data binds a ciphertext to its user, name and tool,
/// so a row copied onto another user or credential does not decrypt. The key id travels with the row, so keys
/// can be rotated: new writes use the current key, old rows still open with a previous one.
/// </summary>
internal sealed class CredentialCipher(RuntimeKeys keys)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public (string KeyId, string Secret) Encrypt(string userId, string name, string tool, string plaintext)
    {
        var key = keys.CredentialKey;
        var data = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + data.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Key, TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), Aad(userId, name, tool));
        CryptographicOperations.ZeroMemory(data);
        return (key.Id, Convert.ToBase64String(output));
    }

    /// <summary>Null when the key is unknown or the ciphertext does not authenticate.</summary>
    public string? Decrypt(string userId, string name, string tool, string keyId, string secret)
    {
        if (!keys.CredentialKeys.TryGetValue(keyId, out var key)) return null;
        var input = Convert.FromBase64String(secret);
        if (input.Length < NonceSize + TagSize) return null;
        var length = input.Length - NonceSize - TagSize;
        var plain = new byte[length];
        try
        {
            using var aes = new AesGcm(key.Key, TagSize);
            aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, length), input.AsSpan(NonceSize + length), plain, Aad(userId, name, tool));
            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static byte[] Aad(string userId, string name, string tool) => Encoding.UTF8.GetBytes($"cronium-credential\n{userId}\n{name}\n{tool}");
}

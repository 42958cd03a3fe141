using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Cronium.Runtime.ToolActions;

/// <summary>The <c>Runtime:ToolActions</c> section.</summary>
public sealed class ToolActionsOptions
{
    public const string Section = "Runtime:ToolActions";

    /// <summary>
    /// Networks (CIDR, e.g. <c>10.1.0.0/16</c>, <c>127.0.0.1/32</c>) tool actions may reach besides the public
    /// internet. Loopback, private, link-local, unique-local, multicast and other special ranges are refused unless
    /// listed here.
    /// </summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>Tool actions one execution may have in flight at once; more is 429 rate_limited.</summary>
    public int MaxConcurrentPerExecution { get; set; } = 4;

    /// <summary>How long one action may take in all (for email: connect, TLS, login and send together).</summary>
    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>A destination the outbound policy does not allow; said without the address (a webhook URL is a secret).</summary>
internal sealed class OutboundRefusedException(string message) : Exception(message);

/// <summary>
/// Where tool actions may connect. A name is resolved once and the connection goes to the address that was checked
/// (no second lookup a rebinding DNS server could answer differently). Public unicast addresses are allowed;
/// loopback, private, link-local, unique-local, multicast, unspecified and reserved ones (IPv4-mapped forms
/// included) only inside <see cref="ToolActionsOptions.AllowedNetworks"/>; and never the runtime's own listeners.
/// </summary>
internal sealed class OutboundPolicy(IOptions<ToolActionsOptions> options, IServiceProvider services)
{
    private static readonly IPNetwork[] Special =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.88.99.0/24"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("64:ff9b:1::/48"),
        IPNetwork.Parse("100::/64"), IPNetwork.Parse("2001::/23"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("2002::/16"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    // An empty entry (Runtime__ToolActions__AllowedNetworks__0= in an environment file) means "none".
    private readonly IPNetwork[] allowed = options.Value.AllowedNetworks.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => IPNetwork.Parse(n.Trim())).ToArray();

    public bool IsAllowed(IPAddress address, int port)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IsOwnListener(address, port)) return false;
        if (allowed.Any(n => n.Contains(address))) return true;
        return !Special.Any(n => n.Contains(address));
    }

    /// <summary>A connected socket to the first allowed address of <paramref name="host"/>; refused when there is none.</summary>
    public async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var usable = addresses.Where(a => IsAllowed(a, port)).ToList();
        if (usable.Count == 0)
            throw new OutboundRefusedException("the destination is not an address tool actions may reach (Runtime:ToolActions:AllowedNetworks lists the private ranges allowed)");
        Exception? last = null;
        foreach (var address in usable)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw last!;
    }

    private bool IsOwnListener(IPAddress address, int port)
    {
        var listeners = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var listener in listeners)
        {
            if (!Uri.TryCreate(listener.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri) || uri.Port != port) continue;
            if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var bound)) return true; // a host name we listen on: refuse its port
            if (bound.Equals(address)) return true;
            if ((bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any)) && IPAddress.IsLoopback(address)) return true;
        }
        return false;
    }
}

internal sealed class ToolActionsOptionsValidator : IValidateOptions<ToolActionsOptions>
{
    public ValidateOptionsResult Validate(string? name, ToolActionsOptions o)
    {
        var errors = new List<string>();
        for (var i = 0; i < o.AllowedNetworks.Length; i++)
            if (!string.IsNullOrWhiteSpace(o.AllowedNetworks[i]) && !IPNetwork.TryParse(o.AllowedNetworks[i].Trim(), out _))
                errors.Add($"{ToolActionsOptions.Section}:AllowedNetworks:{i} is not a network in CIDR form (e.g. 10.1.0.0/16 or 127.0.0.1/32).");
        if (o.TimeoutSeconds is < 1 or > 300)
            errors.Add($"{ToolActionsOptions.Section}:TimeoutSeconds must be from 1 to 300.");
        if (o.MaxConcurrentPerExecution is < 1 or > 100)
            errors.Add($"{ToolActionsOptions.Section}:MaxConcurrentPerExecution must be from 1 to 100.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Caps the tool actions one execution has in flight: a script cannot tie up the runtime's outbound connections.
/// Past the cap the call is 429 <c>rate_limited</c>, so the helpers wait and retry.
/// </summary>
internal sealed class ToolActionSlots(IOptions<ToolActionsOptions> options)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> inFlight = new(StringComparer.Ordinal);

    public IDisposable Take(string executionId)
    {
        var count = inFlight.AddOrUpdate(executionId, 1, (_, n) => n + 1);
        if (count <= options.Value.MaxConcurrentPerExecution) return new Slot(this, executionId);
        Release(executionId);
        throw new Problems.ApiProblemException(StatusCodes.Status429TooManyRequests, Problems.ProblemCodes.RateLimited,
            $"This execution already has {options.Value.MaxConcurrentPerExecution} tool actions in flight (Runtime:ToolActions:MaxConcurrentPerExecution); retry when one ends.")
        { RetryAfter = TimeSpan.FromSeconds(1) };
    }

    private void Release(string executionId)
    {
        if (inFlight.AddOrUpdate(executionId, 0, (_, n) => n - 1) <= 0) inFlight.TryRemove(KeyValuePair.Create(executionId, 0));
    }

    private sealed class Slot(ToolActionSlots slots, string executionId) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0) slots.Release(executionId);
        }
    }
}

using System.Text.RegularExpressions;
using Cronium.Runtime.Problems;
using FluentValidation;

namespace Cronium.Runtime.Validation;

internal static partial class ValidationSetup
{
    public static WebApplicationBuilder AddValidation(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
        // Messages name fields as they are spelled in JSON ('timeoutSeconds', not 'Timeout Seconds').
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
            member is null ? null : System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(member.Name);
        // Binding failures (a query value that is not a number) throw, so they reach the one problem path.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }

    /// <summary>Validates every argument that has a validator, and the route's names (key, userId, name), once per group.</summary>
    public static RouteGroupBuilder WithValidation(this RouteGroupBuilder group)
    {
        group.AddEndpointFilterFactory(ValidationFilter.Create);
        return group;
    }

    // \z, not $: '$' also matches before a final newline, which would make "foo\n" a valid key.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}\z")]
    public static partial Regex KeyPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}\z")]
    public static partial Regex UserIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.:-]{0,128}\z")]
    public static partial Regex PrefixPattern();

    public const string KeyRule = "must match ^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$ (a letter or digit, then up to 127 of letters, digits, '_', '.', ':', '-')";
    public const string UserIdRule = "must match ^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$";
}

internal static class ValidationFilter
{
    private static readonly (string Name, Func<string, bool> Valid, string Rule)[] RouteRules =
    [
        ("key", v => ValidationSetup.KeyPattern().IsMatch(v), ValidationSetup.KeyRule),
        ("name", v => ValidationSetup.KeyPattern().IsMatch(v), ValidationSetup.KeyRule),
        ("nodeId", v => ValidationSetup.KeyPattern().IsMatch(v), ValidationSetup.KeyRule),
        ("userId", v => ValidationSetup.UserIdPattern().IsMatch(v), ValidationSetup.UserIdRule),
    ];

    // Only reference types can have a validator here (bodies and query classes), and an interface made over a reference
    // type is its shared instantiation, which a Native AOT build always has: no code is made at run time.
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("AOT", "IL3050", Justification = "IValidator<T> is made over reference types only; see above.")]
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var services = context.ApplicationServices;
        // Which arguments have a validator is known now; the validators themselves are made on the route's first call.
        // Making one compiles an expression per rule, and building every route's at start cost `cronium run` (which
        // calls five routes) tens of milliseconds for validators it never used.
        var validators = context.MethodInfo.GetParameters()
            .Select((p, i) => (Index: i, p.ParameterType))
            .Where(x => !x.ParameterType.IsValueType)
            .Select(x => (x.Index, Type: typeof(IValidator<>).MakeGenericType(x.ParameterType)))
            .Where(x => services.GetService<IServiceProviderIsService>()?.IsService(x.Type) ?? true)
            .Select(x => (x.Index, Validator: new Lazy<IValidator?>(() => services.GetService(x.Type) as IValidator)))
            .ToArray();

        // A route without a validated body (every read, getVariable among them) checks its names and goes on, with
        // nothing allocated: no error table until there is an error, no async state machine.
        if (validators.Length == 0)
        {
            return invocation =>
            {
                if (RouteErrors(invocation.HttpContext.Request.RouteValues) is { } errors) throw ApiProblem.Validation(errors);
                return next(invocation);
            };
        }

        return async invocation =>
        {
            var errors = RouteErrors(invocation.HttpContext.Request.RouteValues);
            foreach (var (index, lazy) in validators)
            {
                var argument = invocation.Arguments[index];
                if (argument is null || lazy.Value is not { } validator) continue;
                var result = await validator.ValidateAsync(new ValidationContext<object>(argument), invocation.HttpContext.RequestAborted);
                foreach (var group in result.Errors.GroupBy(e => e.PropertyName))
                    (errors ??= [])[CamelPath(group.Key)] = group.Select(e => e.ErrorMessage).ToArray();
            }
            if (errors is not null) throw ApiProblem.Validation(errors);
            return await next(invocation);
        };
    }

    /// <summary>The route's names that break their rule, or null when none does.</summary>
    private static Dictionary<string, string[]>? RouteErrors(RouteValueDictionary routeValues)
    {
        Dictionary<string, string[]>? errors = null;
        foreach (var (name, valid, rule) in RouteRules)
        {
            if (routeValues.TryGetValue(name, out var raw) && raw is string value && !valid(value))
                (errors ??= [])[name] = [$"'{name}' {rule}."];
        }
        return errors;
    }

    /// <summary>"Event.Name" → "event.name", the way the field is spelled in JSON.</summary>
    private static string CamelPath(string path) =>
        string.Join('.', path.Split('.').Select(p => p.Length == 0 ? p : char.ToLowerInvariant(p[0]) + p[1..]));
}

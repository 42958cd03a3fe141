using System.Text.Json.Serialization.Metadata;

namespace Cronium.Runtime.Json;

/// <summary>
/// Every body the runtime reads or writes has a compile-time JSON contract (a <c>JsonSerializerContext</c> per
/// feature), so no route's first call builds one by reflection and emitted getters and setters (a no-op
/// <c>cronium run</c> took 35-38 ms longer that way), and the JSON needs neither to work under Native AOT. A feature
/// registers its contracts here for what it writes; it reads request bodies with the same contracts made strict
/// (<see cref="JsonBody.StrictOptions"/>).
/// </summary>
internal static class JsonContracts
{
    public static WebApplicationBuilder AddJsonContracts(this WebApplicationBuilder builder, IJsonTypeInfoResolver contracts)
    {
        // Ahead of the reflection-based resolver the framework puts first when reflection is allowed.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, contracts));
        return builder;
    }
}

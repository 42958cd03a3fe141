using System.Reflection;

namespace Cronium.Runtime.OpenApi;

/// <summary>The contract as written (design-first), and Swagger UI reading it.</summary>
internal static class OpenApiDocumentApi
{
    private static readonly Lazy<byte[]> Document = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("openapi.yaml")
            ?? throw new InvalidOperationException("openapi.yaml is not embedded in the runtime assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static WebApplication MapOpenApiDocument(this WebApplication app)
    {
        app.MapGet("/openapi.yaml", () => TypedResults.Bytes(Document.Value, "application/yaml"))
            .WithName("getOpenApiDocument").WithTags("Operations");
        // Only requests under /swagger go through the UI's middleware; script calls do not pay for it.
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/swagger"), ui => ui.UseSwaggerUI(o =>
        {
            o.RoutePrefix = "swagger";
            o.SwaggerEndpoint("/openapi.yaml", "Cronium Runtime API");
            o.DocumentTitle = "Cronium Runtime API";
        }));
        return app;
    }
}

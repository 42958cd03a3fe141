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
        // Only requests under /swagger go through the UI's middleware, so script calls do not pay for it; and the UI's
        // pipeline (static files over embedded resources) is built on the first of them, not at start: cronium run
        // starts a runtime on every run and nobody opens /swagger on its private socket.
        app.Use(next =>
        {
            var ui = new Lazy<RequestDelegate>(() =>
            {
                var branch = ((IApplicationBuilder)app).New();
                branch.UseSwaggerUI(o =>
                {
                    o.RoutePrefix = "swagger";
                    o.SwaggerEndpoint("/openapi.yaml", "Cronium Runtime API");
                    o.DocumentTitle = "Cronium Runtime API";
                });
                branch.Run(next);
                return branch.Build();
            });
            return http => http.Request.Path.StartsWithSegments("/swagger") ? ui.Value(http) : next(http);
        });
        return app;
    }
}

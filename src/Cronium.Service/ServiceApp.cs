using Cronium.Service.Hosting;

namespace Cronium.Service;

/// <summary><c>cronium serve</c>: the runtime API with definitions, schedules, workers and the runs API beside it.</summary>
public static class ServiceApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null) =>
        Program.CreateApp(args, builder =>
        {
            configure?.Invoke(builder);
            builder.AddService();
        }, app => app.MapService());
}

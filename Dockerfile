# The runtime API image (src/Cronium.Runtime), and with --target service (or service-prebuilt) the image of
# `cronium serve` that docker-compose.yml runs. Two ways to build the runtime, the same API:
#
#   docker build -t cronium/runtime:latest .
#       online: compiled in mcr.microsoft.com/dotnet/sdk:10.0, runs on mcr.microsoft.com/dotnet/aspnet:10.0
#
#   dotnet publish src/Cronium.Runtime -c Release -r linux-x64 -p:PublishAot=true -o artifacts/runtime-image
#   docker build --network none --build-arg RUNTIME_BASE=cronium/base:local --target prebuilt -t cronium/runtime:latest .
#       offline: a native (Native AOT) runtime published on the host (needs clang or gcc), on the local Debian
#       base (images/build-local-base.sh); images/build-runtime.sh --local does both steps. No JIT: it answers
#       sooner after start and holds about half the memory (57 against 103 MB idle, docs/performance.md).
#       A self-contained publish (--self-contained instead of -p:PublishAot=true) works in its place.
#
# Inside: user cronium (10001), ASPNETCORE_ENVIRONMENT=Production (so the signing, orchestrator and credential
# keys are required: Runtime__SigningKey, Runtime__OrchestratorKeys__0, Runtime__CredentialKey), TCP on
# 0.0.0.0:8081 and the Unix socket /run/cronium/runtime.sock (mount a volume there to share it with runner
# containers), SQLite at /data/runtime.db unless ConnectionStrings__Postgres is set. See images/README.md.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_BASE=mcr.microsoft.com/dotnet/aspnet:10.0

# ---- base: what both runtime targets share -----------------------------------------------------------
FROM ${RUNTIME_BASE} AS base
ARG RUNTIME_BASE
USER root
# The base needs a shell and bash (the healthcheck); curl is used when present, never installed.
RUN set -eu; \
    if command -v useradd >/dev/null 2>&1; then \
      groupadd --gid 10001 cronium; \
      useradd --uid 10001 --gid 10001 --no-create-home --home-dir /data --shell /usr/sbin/nologin --comment 'Cronium runtime' cronium; \
    else \
      echo 'cronium:x:10001:' >>/etc/group; \
      echo 'cronium:x:10001:10001:Cronium runtime:/data:/usr/sbin/nologin' >>/etc/passwd; \
    fi; \
    mkdir -p /app /data /run/cronium; \
    chown 10001:10001 /data /run/cronium; \
    chmod 0755 /run/cronium
COPY images/runtime/healthcheck.sh /usr/local/bin/cronium-healthcheck

ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_RUNNING_IN_CONTAINER=true \
    Urls=http://0.0.0.0:8081 \
    Runtime__UnixSocket=/run/cronium/runtime.sock \
    Runtime__UnixSocketMode=0666 \
    Runtime__SqlitePath=/data/runtime.db \
    HOME=/data

VOLUME ["/data"]
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/cronium-healthcheck"]
WORKDIR /app

ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="cronium-runtime" \
      org.opencontainers.image.description="Cronium runtime API: the sidecar scripts reach through the helpers (TCP 8081 and /run/cronium/runtime.sock)" \
      org.opencontainers.image.vendor="Cronium" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_BASE}"

# ---- prebuilt: offline, a self-contained runtime published on the host into artifacts/runtime-image ------
# The classic builder walks every stage before the target, so this stage must also build when
# artifacts/runtime-image is absent: the glob matches nothing then, and the check only warns.
FROM base AS prebuilt
COPY images/runtime/prebuilt-check.sh artifacts/runtime-imag[e] /app/
RUN sh /app/prebuilt-check.sh && rm /app/prebuilt-check.sh
USER 10001:10001
ENTRYPOINT ["/app/Cronium.Runtime"]

# ---- service-prebuilt: offline, `cronium serve` (the runtime API plus definitions, schedules and workers) --
# published self-contained on the host into artifacts/service-image:
#   dotnet publish src/Cronium.Cli -c Release -r linux-x64 --self-contained -o artifacts/service-image
FROM base AS service-prebuilt
COPY images/runtime/prebuilt-check.sh artifacts/service-imag[e] /app/
RUN sh /app/prebuilt-check.sh cronium service-image src/Cronium.Cli && rm /app/prebuilt-check.sh
USER 10001:10001
ENTRYPOINT ["/app/cronium", "serve"]

# ---- build: online, compiled in the .NET SDK image ----------------------------------------------------
FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props openapi.yaml ./
COPY src/Cronium.Runtime/Cronium.Runtime.csproj src/Cronium.Runtime/
RUN dotnet restore src/Cronium.Runtime/Cronium.Runtime.csproj
COPY src/Cronium.Runtime/ src/Cronium.Runtime/
RUN dotnet publish src/Cronium.Runtime/Cronium.Runtime.csproj -c Release --no-restore -o /out -p:UseAppHost=false --nologo

# ---- service: online, `cronium serve` compiled in the .NET SDK image (the CLI, with its helpers) ---------
FROM ${SDK_IMAGE} AS service-build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props openapi.yaml ./
COPY src/ src/
COPY helpers/ helpers/
RUN dotnet publish src/Cronium.Cli/Cronium.Cli.csproj -c Release -o /out -p:UseAppHost=false --nologo

FROM base AS service
COPY --from=service-build /out /app/
USER 10001:10001
ENTRYPOINT ["dotnet", "/app/cronium.dll", "serve"]

# The last stage, so a plain `docker build .` still makes the runtime API image.
# ---- runtime (default): the framework-dependent build on the ASP.NET Core image -------------------------
FROM base AS runtime
COPY --from=build /out /app/
USER 10001:10001
ENTRYPOINT ["dotnet", "/app/Cronium.Runtime.dll"]

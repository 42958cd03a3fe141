#!/bin/sh
# Run while building the `prebuilt` target of the root Dockerfile: says whether a self-contained runtime was
# copied from artifacts/runtime-image (images/build-runtime.sh --prebuilt publishes it there).
if [ -x /app/Cronium.Runtime ]; then
  echo "prebuilt: self-contained runtime found in /app ($(du -sh /app | cut -f1))"
else
  echo "WARNING prebuilt: artifacts/runtime-image/Cronium.Runtime is missing: publish it first:"
  echo "  dotnet publish src/Cronium.Runtime -c Release -r linux-x64 --self-contained -o artifacts/runtime-image"
  echo "(harmless when building the default target with the classic builder, which also walks this stage)"
fi

#!/bin/sh
# Run while building the `prebuilt` (or `service-prebuilt`) target of the root Dockerfile: says whether a
# native (Native AOT) or self-contained build was copied from artifacts/ (images/build-runtime.sh --local publishes it there).
#   prebuilt-check.sh [PROGRAM FOLDER PROJECT]   default: Cronium.Runtime runtime-image src/Cronium.Runtime
program=${1:-Cronium.Runtime}
folder=${2:-runtime-image}
project=${3:-src/Cronium.Runtime}
if [ -x "/app/$program" ]; then
  echo "prebuilt: $program found in /app ($(du -sh /app | cut -f1))"
else
  echo "WARNING prebuilt: artifacts/$folder/$program is missing: publish it first:"
  echo "  dotnet publish $project -c Release -r linux-x64 --self-contained -o artifacts/$folder"
  echo "(harmless when building another target with the classic builder, which also walks this stage)"
fi

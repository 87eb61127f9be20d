#!/usr/bin/env bash
# Stops the test services and checks that no process started from their
# directory is left running (the acceptance of `scripts/services stop`).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
"$here/scripts/services" stop
dir=${HOTLINE_SERVICES_DIR:?}
left=$(ps -eo pid=,args= | grep -F -- "$dir" | grep -v -e grep -e stop_and_check || true)
if [ -n "$left" ]; then
  echo "processes still running from $dir:" >&2
  echo "$left" >&2
  exit 1
fi
if "$here/scripts/services" status >/dev/null; then
  echo "services status still reports running" >&2
  exit 1
fi
echo "services stopped; nothing left running from $dir"

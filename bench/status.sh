#!/usr/bin/env bash
# `boxer status` / `boxer validate` against `vagrant status` on the same two-machine Vagrantfile,
# in the same run. Prints mean wall times (hyperfine), the ratios and boxer's peak memory.
# Targets (issue 3): boxer <= 1/50 of vagrant's wall time, peak memory < 15 MiB.
#
# boxer is built the way it ships (scripts/release): release, the Swift runtime, Foundation and
# libarchive linked statically, non-PIE and exporting no dynamic symbols, so start-up loads four
# system libraries and applies no relocations to its own data; set BOXER to measure another build.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "status bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
if [ -z "${BOXER:-}" ]; then
  BOXER=$(scripts/release)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-status-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r Vagrantfile.examples/shell-provisioning "$work/project"   # two machines: web and db
cd "$work/project"
export BOXER_HOME=$work/boxer-home VAGRANT_HOME=$work/vagrant-home VAGRANT_CHECKPOINT_DISABLE=1

commands=("$BOXER status" "$BOXER validate")
have_vagrant=0
if command -v vagrant >/dev/null && VAGRANT_DEFAULT_PROVIDER=libvirt vagrant status >/dev/null 2>&1; then
  have_vagrant=1
  commands+=("env VAGRANT_DEFAULT_PROVIDER=libvirt vagrant status")
fi
hyperfine -N --warmup 2 --runs "${RUNS:-20}" --export-json "$work/times.json" "${commands[@]}" >&2

mean() { python3 -c "import json,sys; r=json.load(open('$work/times.json'))['results']; print('%.4f' % r[$1]['mean'])"; }
peak() { /usr/bin/time -f "%M" -o "$work/mem" "$@" >/dev/null 2>&1; awk '{printf "%.1f", $1/1024}' "$work/mem"; }
status_s=$(mean 0); validate_s=$(mean 1)
uncache "$BOXER"
"$BOXER" status >/dev/null 2>&1 || true   # the pages come back as a first run brings them
status_mem=$(peak "$BOXER" status); validate_mem=$(peak "$BOXER" validate)

echo "status benchmark (two-machine Vagrantfile, mean of ${RUNS:-20} runs)"
echo "  boxer status:    $(awk -v s="$status_s" 'BEGIN{printf "%.1f", s*1000}') ms, peak ${status_mem} MiB"
echo "  boxer validate:  $(awk -v s="$validate_s" 'BEGIN{printf "%.1f", s*1000}') ms, peak ${validate_mem} MiB"
status=0
if [ "$have_vagrant" = 1 ]; then
  vagrant_s=$(mean 2)
  ratio=$(awk -v a="$status_s" -v b="$vagrant_s" 'BEGIN {printf "%.4f", a / b}')
  echo "  vagrant status:  $(awk -v s="$vagrant_s" 'BEGIN{printf "%.1f", s*1000}') ms"
  echo "  ratio boxer/vagrant: ${ratio} (1/$(awk -v r="$ratio" 'BEGIN{printf "%.0f", 1/r}'); target <= 1/50 = 0.0200)"
  awk -v r="$ratio" 'BEGIN {exit !(r <= 0.02)}' || { echo "  MISSED: boxer status is not 50x faster than vagrant status"; status=1; }
else
  echo "  vagrant (with vagrant-libvirt) is not installed: no ratio"
fi
awk -v m="$status_mem" 'BEGIN {exit !(m < 15)}' || { echo "  MISSED: peak memory is not under 15 MiB"; status=1; }
exit $status

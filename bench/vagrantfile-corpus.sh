#!/usr/bin/env bash
# boxer against Debian's real vagrant (2.3.4) on a folder of real projects, one Vagrantfile each
# (with their companion files):
#   bench/vagrantfile-corpus.sh DIR        (DIR/<project>/Vagrantfile ...)
# For each project, in a scratch copy and with no network (unshare -n), it runs
#   vagrant validate -p, vagrant status --machine-readable
#   boxer validate,      boxer status --machine-readable
# and scores agreement: the same verdict (both accept or both refuse) and, when both accept,
# the same machines in the same order. Projects that Vagrant refuses only because of this host
# (a plugin it would install or lacks (boxer has vagrant-hostmanager built in), a provider plugin it lacks, no NFS server, no winrm gem, a provider
# such as Docker that this host cannot run) are listed apart and not scored.
# Prints the disagreements with both tools' first lines, the median `status` time ratio on the
# projects both accept, and boxer's peak memory.
#
# boxer is the shipped build (scripts/release) unless BOXER names another.
set -euo pipefail
corpus=${1:?usage: bench/vagrantfile-corpus.sh DIR}
corpus=$(cd "$corpus" && pwd)
cd "$(dirname "$0")/.."
source bench/lib.sh
for tool in vagrant unshare /usr/bin/time timeout; do
  command -v "$tool" >/dev/null || { echo "corpus bench: $tool is missing; run scripts/bootstrap" >&2; exit 2; }
done
if [ -z "${BOXER:-}" ]; then
  BOXER=$(scripts/release)
fi

uncache "$BOXER"
work=$(mktemp -d "${TMPDIR:-/tmp}/boxer-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT
export VAGRANT_HOME=$work/vagrant-home BOXER_HOME=$work/boxer-home VAGRANT_CHECKPOINT_DISABLE=1
unset VAGRANT_CWD BOXER_CWD VAGRANT_VAGRANTFILE BOXER_VAGRANTFILE

# Runs "$@" offline in the project copy: the exit status, wall seconds and peak KiB go to $work/last.
run() {
  local out=$1; shift
  set +e
  (cd "$work/project" && /usr/bin/time -f "%e %M" -o "$work/time" timeout 120 unshare -n "$@") >"$out.stdout" 2>"$out.stderr"
  echo "$? $(tail -1 "$work/time" 2>/dev/null || echo "0 0")" >"$work/last"
  set -e
}
# The machine names of a `status --machine-readable`, in order.
machines() { awk -F, '$3 == "metadata" && $4 == "provider" {printf "%s ", $2}' "$1.stdout"; }
# The line that says why: a bullet or "Message:" of Vagrant's, an error line, else the first line.
first_line() {
  { grep -hE '^\* |Message: |rror' "$1.stderr" "$1.stdout" || grep -hv '^\s*$' "$1.stderr" "$1.stdout" || true; } | head -1 | cut -c1-160
}

scored=0 agreed=0 host_dependent=()
ratios=() peaks=()
disagreements=""
for vagrantfile in "$corpus"/*/Vagrantfile; do
  project=$(basename "$(dirname "$vagrantfile")")
  rm -rf "$work/project" && cp -r "$(dirname "$vagrantfile")" "$work/project"
  rm -rf "$work/project/.vagrant"
  run "$work/vv" vagrant validate -p; read -r vv_status _ _ <"$work/last"
  run "$work/vs" vagrant status --machine-readable; read -r vs_status vs_seconds _ <"$work/last"
  rm -rf "$work/project" && cp -r "$(dirname "$vagrantfile")" "$work/project"
  rm -rf "$work/project/.vagrant"
  run "$work/bv" "$BOXER" validate; read -r bv_status _ _ <"$work/last"
  run "$work/bs" "$BOXER" status --machine-readable; read -r _ bs_seconds bs_kib <"$work/last"
  vagrant_machines=$(machines "$work/vs") boxer_machines=$(machines "$work/bs")
  vagrant_said=$(first_line "$work/vv") boxer_said=$(first_line "$work/bv")
  peaks+=("$bs_kib")
  if [ "$vv_status" != 0 ] && grep -qiE "vagrant plugin install|plugin .* is not installed|support NFS|nfsd|-- winrm|constant VagrantPlugins::|could not be found, but was requested|Unknown configuration section 'hostmanager'" \
    "$work/vv.stdout" "$work/vv.stderr"; then
    host_dependent+=("$project (vagrant: $vagrant_said)")
    continue
  fi
  # A provider this host cannot run (no Docker daemon, no Hyper-V): Vagrant's `status` fails on it.
  if [ "$vs_status" != 0 ] && grep -q "ProviderNotUsable" "$work/vs.stdout" "$work/vs.stderr"; then
    host_dependent+=("$project (vagrant status: the provider is not usable on this host)")
    continue
  fi
  scored=$((scored + 1))
  verdict_v=$([ "$vv_status" = 0 ] && echo accepts || echo refuses)
  verdict_b=$([ "$bv_status" = 0 ] && echo accepts || echo refuses)
  if [ "$verdict_v" = "$verdict_b" ] && { [ "$verdict_v" = refuses ] || [ "$vagrant_machines" = "$boxer_machines" ]; }; then
    agreed=$((agreed + 1))
    if [ "$verdict_v" = accepts ]; then
      ratios+=("$(awk -v b="$bs_seconds" -v v="$vs_seconds" 'BEGIN { if (b > 0) printf "%.1f", v / b; else print "nan" }')")
    fi
  else
    disagreements+="  $project: vagrant $verdict_v [$vagrant_machines], boxer $verdict_b [$boxer_machines]"$'\n'
    disagreements+="      vagrant: $vagrant_said"$'\n'"      boxer:   $boxer_said"$'\n'
  fi
done

echo "Vagrantfile corpus: $corpus"
echo "  scored projects: $scored, agreement: $agreed/$scored"
echo "  host-dependent (not scored): ${#host_dependent[@]}"
for entry in "${host_dependent[@]}"; do echo "    $entry"; done
if [ -n "$disagreements" ]; then
  echo "  disagreements:"
  printf '%s' "$disagreements"
fi
echo "  status wall-time ratio vagrant/boxer (median over projects both accept): $(printf '%s\n' "${ratios[@]}" | grep -v nan | median)"
echo "  boxer status peak memory: median $(printf '%s\n' "${peaks[@]}" | median | awk '{printf "%.1f", $1/1024}') MiB, max $(printf '%s\n' "${peaks[@]}" | sort -n | tail -1 | awk '{printf "%.1f", $1/1024}') MiB"

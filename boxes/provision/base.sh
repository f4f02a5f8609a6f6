#!/bin/sh
# What every boxer box gets on top of the distribution's cloud image, run as root in the guest
# while it is customized (the vagrant user, its sudo rule and Vagrant's insecure key come from
# the NoCloud seed). Keep it distribution-neutral; per-distribution steps go in their template.
set -eu
# Vagrant's rsync synced folders need rsync in the guest.
if ! command -v rsync >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get install -y rsync
  elif command -v dnf >/dev/null 2>&1; then dnf install -y rsync
  elif command -v yum >/dev/null 2>&1; then yum install -y rsync
  fi
fi

#!/usr/bin/env bash
# Test-only Debian packages: OpenLDAP's slapd (the directory sign-in tests start their own
# server from it, in a temporary folder, as an unprivileged process). Installed when missing.
set -euo pipefail
if [ ! -x /usr/sbin/slapd ] || [ ! -x /usr/sbin/slapadd ]; then
  echo "Installing Debian's slapd for the directory tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq slapd >/dev/null
fi

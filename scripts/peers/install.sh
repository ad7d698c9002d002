#!/usr/bin/env bash
# Installs the peer systems the benchmark compares against (RabbitMQ 3.10, NATS 2.9, from Debian).
# Idempotent: a second run only re-checks. Debian's rabbitmq-server starts a system service on
# install; the harness runs its own nodes in temp dirs, so that service is stopped and disabled here
# (through its own init tooling, never by killing processes by name) to free port 5672 and the CPU.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo 'install.sh: needs root (apt-get); rerun with sudo' >&2
  exit 1
fi

missing=()
command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # policy-rc.d exit 101 tells invoke-rc.d not to start services during this install, so the
  # package cannot leave a system broker running behind the harness's back.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
  fi
  apt-get install -y --no-install-recommends "${missing[@]}" || status=$?
  if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
  if [ "${status:-0}" -ne 0 ]; then exit "$status"; fi
else
  echo 'install.sh: rabbitmq-server and nats-server already installed'
fi

# If a system service was started anyway (an older install, or a machine without policy-rc.d
# support), stop it through its own tooling.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet rabbitmq-server 2>/dev/null; then
  systemctl stop rabbitmq-server || true
  systemctl disable rabbitmq-server >/dev/null 2>&1 || true
elif [ -x /etc/init.d/rabbitmq-server ] && /etc/init.d/rabbitmq-server status >/dev/null 2>&1; then
  /etc/init.d/rabbitmq-server stop || true
fi

# The package's postinst leaves an epmd daemon listening on 0.0.0.0:4369. The harness runs its own
# epmd on its own loopback port, so stop this one through epmd itself; `epmd -kill` refuses while
# any Erlang node is still registered, so a node someone else runs is never cut off.
if command -v epmd >/dev/null 2>&1 && epmd -names 2>/dev/null | grep -q 'up and running'; then
  if ! epmd -names 2>/dev/null | grep -q '^name '; then
    epmd -kill >/dev/null 2>&1 || true
  fi
fi

rabbit_version=$(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo unknown)
erlang_version=$(dpkg-query -W -f='${Version}' erlang-base 2>/dev/null || echo unknown)
nats_version=$(nats-server --version 2>/dev/null || echo unknown)
echo "rabbitmq-server ${rabbit_version} (erlang-base ${erlang_version})"
echo "nats-server ${nats_version}"

#!/usr/bin/env bash
# Install the system packages the browser, slide and PostgreSQL tests use, when this machine
# lets us. Never fails the build: a missing package makes the tests that need it skip with a
# reason (the PostgreSQL tests fail instead when CI=true, so CI proves that path).
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-impress)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages for browser/slide/PostgreSQL tests: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  # one package at a time, so a name this release lacks does not stop the others
  for pkg in "${need[@]}"; do
    apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 \
      || echo "note: could not install $pkg; the tests that need it will be skipped"
  done
else
  echo "note: ${need[*]} missing and not root/apt: browser/slide-render/PostgreSQL tests will be skipped (install them to run those)"
fi
exit 0

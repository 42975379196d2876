#!/usr/bin/env bash
# Install the system packages the browser, slide and PostgreSQL tests use, when this machine
# lets us.
# Each package is installed on its own and reported on one line, so one name this system does
# not have (e.g. `chromium` on Ubuntu) never skips the others. Never fails the build: a missing
# package makes the tests that need it skip with a reason (the PostgreSQL tests fail instead
# when CI=true, so CI proves that path).
set -u

# What is already there, by command: Chromium is `chromium` on Debian, `chromium-browser` on
# Ubuntu, and Google's build counts too (the browser tests look for all of them on PATH).
have_chromium() { command -v chromium || command -v chromium-browser || command -v google-chrome \
                  || command -v google-chrome-stable; } >/dev/null 2>&1
have_dejavu()   { fc-list 2>/dev/null | grep -qi dejavu; }

need=()       # each entry: "what it is for|package names to try in order"
have_chromium                          || need+=("Chromium (browser tests)|chromium chromium-browser")
command -v soffice >/dev/null 2>&1     || need+=("LibreOffice Impress (slide PNG)|libreoffice-impress")
command -v pdftoppm >/dev/null 2>&1    || need+=("poppler (slide PNG)|poppler-utils")
have_dejavu                            || need+=("DejaVu fonts (slide icons)|fonts-dejavu-core")
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=("PostgreSQL (metric-source tests)|postgresql")
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  for entry in "${need[@]}"; do
    echo "system-deps: ${entry%%|*}: missing (${entry#*|}); not root with apt-get, so the tests that need it will skip"
  done
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq >/dev/null 2>&1; then
  echo "system-deps: apt-get update: ok"
else
  echo "system-deps: apt-get update failed; trying the installs with the package lists as they are"
fi
log=$(mktemp)
for entry in "${need[@]}"; do
  label=${entry%%|*}
  done_with=""
  for pkg in ${entry#*|}; do
    if apt-get install -y -qq --no-install-recommends "$pkg" >"$log" 2>&1; then
      done_with=$pkg
      break
    fi
  done
  if [ -n "$done_with" ]; then
    echo "system-deps: $label: installed $done_with"
  else
    why=$(grep -E '^E:' "$log" | tail -1)
    echo "system-deps: $label: could not install ${entry#*|} (${why:-see apt-get}); the tests that need it will skip"
  fi
done
rm -f "$log"
exit 0

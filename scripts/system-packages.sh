# Sourced by the scripts: installs the Debian packages Haven's build and tests need when
# they are missing. Uses sudo when not root.

# Installs each named Debian package that is not installed yet.
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing Debian packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "error: these packages are needed and apt-get is not available: ${missing[*]}" >&2
    return 1
  fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# What building Haven needs: OpenSSL headers (application certificates, S/MIME) found by
# pkg-config, and a C compiler for the bundled SQLite.
BUILD_PACKAGES=(pkg-config libssl-dev gcc)
# What the tests need in addition: xmllint validates our XML against the HealthVault schemas;
# Chromium (driven by playwright-core, never a downloaded browser) and Node.js with npm run the Shell's
# browser tests; the openssl command line builds the S/MIME messages and certificates the Direct
# tests check haven-direct against.
TEST_PACKAGES=(libxml2-utils chromium nodejs openssl)

# shellcheck shell=bash
# Set-up of a machine without Odoo 18 (sourced by env.sh, never run on its own).
#
# When "$AR_PYTHON -m odoo" is not Odoo 18, env.sh calls ar_setup_odoo, which:
# 1. checks the Python that will run Odoo (AR_BASE_PYTHON, default python3):
#    Odoo 18.0 pins its dependencies for Python 3.10, 3.11 and 3.12;
# 2. installs with apt, when run as root, the system packages Odoo's Python
#    dependencies build against (else names them with the command to run);
# 3. takes Odoo 18.0 from AR_ODOO_SOURCE: a local source tree (used in place),
#    a git directory, an archive (.tar.gz, .zip) or its URL; by default
#    Odoo's official 18.0 source archive;
# 4. makes the virtual environment .run/venv and installs into it Odoo's own
#    requirements.txt (from that source: it carries the pins per Python
#    version) and this addon's requirements-test.txt, then puts the source on
#    the environment's path.
# Each step says what it does and how long it took; a re-run skips what is
# done (markers under .run/). No step downloads anything but from the package
# registries (apt, PyPI) and the Odoo source given.

AR_ODOO_DEFAULT_SOURCE="https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz"
AR_VENV="$AR_RUN/venv"
# Debian packages the Python dependencies of Odoo 18.0 build against
# (psycopg2 and python-ldap have no wheel for every Python Odoo pins).
AR_BUILD_PACKAGES=(build-essential python3-dev libpq-dev libldap2-dev libsasl2-dev
  libxml2-dev libxslt1-dev libjpeg-dev zlib1g-dev)

ar_step() {  # $1: what, then the command: run it, say how long it took
  local what="$1" started
  shift
  started=$(date +%s)
  ar_log "$what ..."
  "$@"
  ar_log "$what: done in $(( $(date +%s) - started )) s"
}

ar_apt_missing() {  # the packages of "$@" that are not installed
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || echo "$pkg"
  done
}

ar_apt_install() {  # $1: why, then packages: install the missing ones, or say how
  local why="$1" missing
  shift
  command -v dpkg-query >/dev/null 2>&1 || return 0  # not Debian: the user knows
  mapfile -t missing < <(ar_apt_missing "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    ar_step "installing ${missing[*]} with apt ($why)" bash -c '
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y -qq "$@" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$@" >/dev/null; }
    ' _ "${missing[@]}" || ar_die "apt could not install ${missing[*]} ($why)."
  else
    ar_die "missing system packages for $why: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}"
  fi
}

ar_check_base_python() {
  AR_BASE_PYTHON="${AR_BASE_PYTHON:-python3}"
  command -v "$AR_BASE_PYTHON" >/dev/null 2>&1 \
    || ar_die "no $AR_BASE_PYTHON: install Python 3.10, 3.11 or 3.12, or set AR_BASE_PYTHON to one."
  local version
  version="$("$AR_BASE_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  case "$version" in
    3.10|3.11|3.12) ;;
    *) ar_die "Odoo 18.0 pins its dependencies for Python 3.10, 3.11 and 3.12; $AR_BASE_PYTHON is $version. Set AR_BASE_PYTHON to one of those (see readme/CONFIGURE.md, 'A machine without Odoo')." ;;
  esac
  "$AR_BASE_PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || ar_apt_install "Python virtual environments" "python$version-venv"
  AR_BASE_VERSION="$version"
}

ar_odoo_source() {  # set AR_ODOO_SRC: a tree with odoo/release.py
  local source="${AR_ODOO_SOURCE:-$AR_ODOO_DEFAULT_SOURCE}" dest="$AR_RUN/odoo"
  if [ -f "$source/odoo/release.py" ]; then
    AR_ODOO_SRC="$(cd "$source" && pwd)"  # a source tree: used in place, untouched
    return
  fi
  if [ -f "$dest/.ar-source" ] && [ "$(cat "$dest/.ar-source")" = "$source" ] \
     && [ -f "$dest/odoo/release.py" ]; then
    AR_ODOO_SRC="$dest"
    return
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  if [ -d "$source" ] && git --git-dir="$source" rev-parse --git-dir >/dev/null 2>&1; then
    ar_step "copying Odoo from the git directory $source" \
      bash -c 'git --git-dir="$1" archive HEAD | tar -x -C "$2"' _ "$source" "$dest"
  elif [ -d "$source/.git" ]; then
    ar_step "copying Odoo from the repository $source" \
      bash -c 'git -C "$1" archive HEAD | tar -x -C "$2"' _ "$source" "$dest"
  else
    local archive="$source"
    if [[ "$source" =~ ^https?:// ]]; then
      archive="$AR_RUN/odoo-source.${source##*.}"
      command -v curl >/dev/null 2>&1 || ar_apt_install "downloading Odoo" curl
      ar_step "downloading Odoo 18.0 from $source" curl -fsSL -o "$archive" "$source"
    fi
    [ -f "$archive" ] || ar_die "AR_ODOO_SOURCE=$source is no Odoo 18 source tree, git directory, archive nor URL."
    case "$archive" in
      *.zip) ar_step "unpacking $archive" bash -c '
               tmp="$(mktemp -d)" && unzip -q "$1" -d "$tmp" \
               && cp -a "$tmp"/*/. "$2" && rm -rf "$tmp"' _ "$archive" "$dest" ;;
      *) ar_step "unpacking $archive" tar -x -f "$archive" -C "$dest" --strip-components=1 ;;
    esac
  fi
  rm -rf "$dest/custom_addons"
  [ -f "$dest/odoo/release.py" ] || ar_die "AR_ODOO_SOURCE=$source holds no Odoo source (no odoo/release.py)."
  "$AR_BASE_PYTHON" - "$dest" <<'PY' || ar_die "AR_ODOO_SOURCE=$source is not Odoo 18.0."
import runpy, sys
release = runpy.run_path(sys.argv[1] + "/odoo/release.py")
sys.exit(0 if release["version_info"][0] == 18 else 1)
PY
  echo "$source" >"$dest/.ar-source"
  AR_ODOO_SRC="$dest"
}

ar_venv_install() {  # Odoo's requirements, then the addon's, into .run/venv
  local pip=("$AR_VENV/bin/python" -m pip --disable-pip-version-check -q)
  # cbor2 5.4.2, Odoo's pin for Python 3.11, builds with pkg_resources, gone
  # from setuptools 81: the constraint holds in pip's build environments too
  PIP_CONSTRAINT="$AR_ROOT/.ci/build-constraints.txt" "${pip[@]}" install \
    -r "$AR_ODOO_SRC/requirements.txt"
  "${pip[@]}" install -r "$AR_ROOT/requirements-test.txt"
  "$AR_VENV/bin/python" - "$AR_ODOO_SRC" <<'PY'
import pathlib, site, sys
pathlib.Path(site.getsitepackages()[0], "odoo.pth").write_text(sys.argv[1] + "\n")
PY
}

ar_setup_odoo() {
  local marker="$AR_VENV/.ar-ready" wanted
  ar_check_base_python
  ar_odoo_source
  wanted="$AR_ODOO_SRC $(cat "$AR_ODOO_SRC/requirements.txt" "$AR_ROOT/requirements.txt" \
    "$AR_ROOT/requirements-test.txt" | cksum)"
  if [ -x "$AR_VENV/bin/python" ] && [ "$(cat "$marker" 2>/dev/null)" = "$wanted" ]; then
    AR_PYTHON="$AR_VENV/bin/python"
    return
  fi
  ar_apt_install "building Odoo's Python dependencies" "${AR_BUILD_PACKAGES[@]}"
  if [ ! -x "$AR_VENV/bin/python" ]; then
    ar_step "making the virtual environment $AR_VENV (Python $AR_BASE_VERSION)" \
      "$AR_BASE_PYTHON" -m venv "$AR_VENV"
  fi
  ar_step "installing Odoo's requirements and the addon's into $AR_VENV" ar_venv_install
  echo "$wanted" >"$marker"
  AR_PYTHON="$AR_VENV/bin/python"
}

ar_check_wkhtmltopdf() {  # the PDFs: install it, and say once what it lacks
  command -v wkhtmltopdf >/dev/null 2>&1 || ar_apt_install "printing PDFs" wkhtmltopdf
  local noted="$AR_RUN/.wkhtmltopdf-noted"
  if [ ! -f "$noted" ] && ! wkhtmltopdf --version 2>/dev/null | grep -q "with patched qt"; then
    ar_log "wkhtmltopdf $(wkhtmltopdf --version 2>/dev/null | awk '{print $2}') is the distribution's build, without patched Qt: PDFs print without the company's header and footer. No package registry offers the patched build; the wkhtmltopdf project publishes it (see readme/CONFIGURE.md, 'PDFs')."
    touch "$noted"
  fi
}

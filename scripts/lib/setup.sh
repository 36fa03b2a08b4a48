# Shared set-up for scripts/run and scripts/test: installs what is missing, nothing more.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

apt_install() {
  # Installs the Debian packages that are missing (as root, or through sudo).
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "需要安装 Debian 软件包 ${missing[*]}，但当前不是 root 且没有 sudo"
    sudo="sudo"
  fi
  say "安装 Debian 软件包: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

ensure_venv() {
  # ensure_venv [extra]: creates .venv and installs the project (with the extra) when pyproject changed.
  local extra="${1:-}"
  local python
  python="$(find_python)" || { apt_install python3 python3-venv; python="$(find_python)" || die "需要 Python 3.11 或更新版本"; }
  if [ ! -x "$VENV/bin/python" ]; then
    say "创建虚拟环境 .venv"
    "$python" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; "$python" -m venv "$VENV"; }
  fi
  local stamp="$VENV/.installed${extra:+-$extra}"
  local digest
  digest="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-64)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    say "安装 Python 依赖${extra:+（含 $extra）}"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e "$ROOT${extra:+[$extra]}"
    echo "$digest" > "$stamp"
  fi
}

ensure_npm_packages() {
  # Installs package.json's front-end packages (bpmn-js) into node_modules when missing or changed.
  command -v npm >/dev/null || apt_install nodejs npm
  local stamp="$ROOT/node_modules/.installed"
  local digest
  digest="$(cat "$ROOT/package.json" "$ROOT/package-lock.json" | sha256sum | cut -c1-64)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    say "安装前端依赖（npm）"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$digest" > "$stamp"
  fi
}

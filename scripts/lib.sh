# shellcheck shell=sh
# Helpers for shell scripts that drive mam. Source it: `. /path/to/scripts/lib.sh`.
# Plain POSIX sh so it works under dash, bash, zsh (also interactively) and
# macOS /bin/sh: no `local`, no arrays, no BASH_SOURCE, no GNU-only flags.
# Helpers keep their state in `_mam_*` variables (POSIX has no locals), and only
# mam_die and mam_check_usage exit, so a failure never closes an interactive shell.

# The folder holding this file, when the shell tells us: wrapper scripts set
# _mam_lib_dir before sourcing, and zsh sets $0 to the sourced file. Anything
# else leaves it empty and mam_bin relies on MAM_BIN, PATH or the cwd instead.
if [ -z "${_mam_lib_dir:-}" ]; then
  case $0 in */lib.sh) _mam_lib_dir=${0%/lib.sh} ;; esac
fi
# Made absolute now: the caller may cd before calling mam_bin.
if [ -n "${_mam_lib_dir:-}" ]; then
  _mam_lib_dir=$(CDPATH='' cd -P -- "$_mam_lib_dir" >/dev/null 2>&1 && pwd -P) || _mam_lib_dir=''
fi

# mam_die CODE MESSAGE...: the message on stderr, then exit with CODE. For scripts only.
mam_die() {
  _mam_code=$1
  shift
  printf '%s\n' "$*" >&2
  exit "$_mam_code"
}

# _mam_package_above DIR: the first folder at or above DIR holding mam's built
# CLI (package.json named "mam" and dist/mam.cjs); prints its dist/mam.cjs.
_mam_package_above() {
  _mam_dir=$(CDPATH='' cd -P -- "$1" >/dev/null 2>&1 && pwd -P) || return 1
  while :; do
    if [ -f "$_mam_dir/dist/mam.cjs" ] && grep -q '"name": *"mam"' "$_mam_dir/package.json" 2>/dev/null; then
      printf '%s\n' "$_mam_dir/dist/mam.cjs"
      return 0
    fi
    [ "$_mam_dir" = / ] && return 1
    # Parent by string: the path is physical (pwd -P), so no `..` is left to misread.
    _mam_dir=${_mam_dir%/*}
    [ -n "$_mam_dir" ] || _mam_dir=/
  done
}

# mam_bin: prints the mam CLI to run, first found of
#   1. $MAM_BIN (an executable, or a .js or .cjs file run with node);
#   2. the mam package these scripts belong to (walking up from this folder);
#   3. `mam` on PATH;
#   4. a mam package at or above the current directory (a checkout being worked on).
# Returns 127, the shell's "command not found", when there is none.
mam_bin() {
  if [ -n "${MAM_BIN:-}" ]; then
    if [ -f "$MAM_BIN" ]; then
      printf '%s\n' "$MAM_BIN"
      return 0
    fi
    printf '%s\n' "mam: MAM_BIN=$MAM_BIN is not a file" "  hint: point MAM_BIN at the mam executable or its dist/mam.cjs" >&2
    return 127
  fi
  if [ -n "${_mam_lib_dir:-}" ] && _mam_package_above "$_mam_lib_dir"; then return 0; fi
  # Only a path counts: an alias or function named mam says nothing about a binary.
  _mam_found=$(command -v mam 2>/dev/null) || _mam_found=''
  case $_mam_found in
    /*)
      printf '%s\n' "$_mam_found"
      return 0
      ;;
  esac
  if _mam_package_above "$PWD"; then return 0; fi
  printf '%s\n' "mam: cannot find the mam CLI" "  hint: set MAM_BIN to its path (e.g. <checkout>/dist/mam.cjs after npm run build) or put mam on PATH" >&2
  return 127
}

# mam_run ARGS...: runs mam with ARGS; its output and exit status are mam's own.
mam_run() {
  _mam_cli=$(mam_bin) || return $?
  case $_mam_cli in
    *.js | *.cjs)
      if ! command -v node >/dev/null 2>&1; then
        printf '%s\n' "mam: node is not on PATH" "  hint: install Node.js 20 or later" >&2
        return 127
      fi
      node "$_mam_cli" "$@"
      ;;
    *) "$_mam_cli" "$@" ;;
  esac
}

# mam_root: the workspace root, as mam finds it: $MAM_HOME when set, else the
# first folder holding .mam/ walking up from $PWD, else the first holding .git/,
# else $PWD itself.
mam_root() {
  if [ -n "${MAM_HOME:-}" ]; then
    case $MAM_HOME in
      /*) printf '%s\n' "$MAM_HOME" ;;
      *) printf '%s\n' "$PWD/$MAM_HOME" ;;
    esac
    return 0
  fi
  for _mam_marker in .mam .git; do
    _mam_dir=$PWD
    while :; do
      if [ -d "$_mam_dir/$_mam_marker" ]; then
        printf '%s\n' "$_mam_dir"
        return 0
      fi
      [ "$_mam_dir" = / ] && break
      _mam_dir=${_mam_dir%/*}
      [ -n "$_mam_dir" ] || _mam_dir=/
    done
  done
  printf '%s\n' "$PWD"
}

# mam_find_arg WANTED VALUED ARGS...: looks through ARGS up to `--`, skipping the
# values of the options listed in VALUED (so `--prompt -h` holds no -h), and
# prints the first argument that is one of WANTED (space-separated options) or,
# when WANTED is `operand`, the first that is not an option. False when none is.
mam_find_arg() {
  _mam_wanted=" $1 "
  _mam_valued=" $2 "
  shift 2
  _mam_skip=''
  for _mam_arg in "$@"; do
    if [ -n "$_mam_skip" ]; then
      _mam_skip=''
      continue
    fi
    case $_mam_arg in
      --) return 1 ;;
      -*)
        case $_mam_wanted in
          *" $_mam_arg "*)
            printf '%s\n' "$_mam_arg"
            return 0
            ;;
        esac
        case $_mam_valued in
          *" $_mam_arg "*) _mam_skip=1 ;;
        esac
        ;;
      *)
        if [ "$_mam_wanted" = ' operand ' ]; then
          printf '%s\n' "$_mam_arg"
          return 0
        fi
        ;;
    esac
  done
  return 1
}

# mam_check_usage USAGE VALUED MIN ARGS...: how every wrapper starts. -h or
# --help among the options prints USAGE and exits 0; fewer than MIN arguments
# print it on stderr and exit 2, the usage code of mam. Exits: for scripts only.
mam_check_usage() {
  _mam_usage=$1
  _mam_options=$2
  _mam_min=$3
  shift 3
  if mam_find_arg '-h --help' "$_mam_options" "$@" >/dev/null; then
    printf '%s\n' "$_mam_usage"
    exit 0
  fi
  if [ $# -lt "$_mam_min" ]; then
    printf '%s\n' "$_mam_usage" >&2
    exit 2
  fi
}

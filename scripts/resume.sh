#!/bin/sh
# resume.sh: resume a mam job in a new session generation. Exits with the status of mam.

# lib.sh sits next to this script; $0 is its path whether run by path, via PATH or `sh resume.sh`.
case $0 in */*) _mam_lib_dir=${0%/*} ;; *) _mam_lib_dir=. ;; esac
[ -r "$_mam_lib_dir/lib.sh" ] || { printf '%s: lib.sh is missing from %s\n' "$0" "$_mam_lib_dir/" >&2; exit 70; }
. "$_mam_lib_dir/lib.sh"

mam_check_usage 'usage: resume.sh <job> [--prompt <text>] [<other mam job resume options>...]

Runs `mam job resume <job>`: a new session generation; events of older
generations stop counting. Other options (--wait <dur>, --json) pass through.

Exit status is that of mam: 0 committed; 2 usage; 4 no such job in the
registry of this host; 75 not acknowledged in time; others as listed by
`mam --help`. 127: the mam CLI was not found (set MAM_BIN).' '--prompt --wait' 1 "$@"

mam_run job resume "$@"
exit $?

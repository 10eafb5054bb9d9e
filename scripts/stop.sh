#!/bin/sh
# stop.sh: stop a mam job (a signed cancel through the verified path). Exits with the status of mam.

# lib.sh sits next to this script; $0 is its path whether run by path, via PATH or `sh stop.sh`.
case $0 in */*) _mam_lib_dir=${0%/*} ;; *) _mam_lib_dir=. ;; esac
[ -r "$_mam_lib_dir/lib.sh" ] || { printf '%s: lib.sh is missing from %s\n' "$0" "$_mam_lib_dir/" >&2; exit 70; }
. "$_mam_lib_dir/lib.sh"

mam_check_usage 'usage: stop.sh <job> [--reason <text>] [<other mam job stop options>...]

Runs `mam job stop <job>`: the session of the job ends once the reconciler
has committed the cancel. Other options (--wait <dur>, --json) pass through.

Exit status is that of mam: 0 committed; 2 usage; 4 no such job (nothing is
kept); 75 not acknowledged in time (kept in the outbox and re-sent); others as
listed by `mam --help`.
127: the mam CLI was not found (set MAM_BIN).' '--reason --wait' 1 "$@"

mam_run job stop "$@"
exit $?

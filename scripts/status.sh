#!/bin/sh
# status.sh: one job's status, or every job's. Exits with the status of mam.

# lib.sh sits next to this script; $0 is its path whether run by path, via PATH or `sh status.sh`.
case $0 in */*) _mam_lib_dir=${0%/*} ;; *) _mam_lib_dir=. ;; esac
[ -r "$_mam_lib_dir/lib.sh" ] || { printf '%s: lib.sh is missing from %s\n' "$0" "$_mam_lib_dir/" >&2; exit 70; }
. "$_mam_lib_dir/lib.sh"

mam_check_usage 'usage: status.sh [<job>] [--json]
       status.sh [--state <state>] [--json]

With a job: `mam job show <job>` (state, sessions, event timeline, refusals).
Without: `mam jobs` (every job in the registry of this host, newest first).
Other options of those commands pass through; --json prints the JSON of mam.

Exit status is that of mam: 0 ok; 2 usage; 4 no such job, or no registry
yet; others as listed by `mam --help`. 127: the mam CLI was not found (set MAM_BIN).' '--state' 0 "$@"

if mam_find_arg operand '--state' "$@" >/dev/null; then
  mam_run job show "$@"
else
  mam_run jobs "$@"
fi
exit $?

#!/bin/sh
# create.sh: create a mam job and print its id, so `job=$(create.sh ...)` works.
# Exits with mam's own status.

# lib.sh sits next to this script; $0 is its path whether run by path, via PATH or `sh create.sh`.
case $0 in */*) _mam_lib_dir=${0%/*} ;; *) _mam_lib_dir=. ;; esac
[ -r "$_mam_lib_dir/lib.sh" ] || { printf '%s: lib.sh is missing from %s\n' "$0" "$_mam_lib_dir/" >&2; exit 70; }
. "$_mam_lib_dir/lib.sh"

value_options='--agent --workdir --prompt --expect --host --timeout --id --backend --wait'
mam_check_usage 'usage: create.sh --agent <name> [--workdir <dir>] [--prompt <text|@file>] [--expect <artifact>]...
                 [--host <host>] [--timeout <dur>] [<other mam job create options>...]
                 [-- <program> <args>...]

Creates a job with `mam job create` and prints its id on stdout:
  job=$(scripts/create.sh --agent command --workdir . -- ./agent.sh) || exit
Every other option of `mam job create` passes through unchanged (--no-launch,
--backend, --id, --wait, --no-worktree, ...; see `mam job --help`). With --json,
the JSON line of mam is printed instead of the bare id.

Exit status is that of mam: 0 created and launched (--no-wait: created); 1 the
launch failed; 2 usage; 4 workdir or program not found; 75 sent but not
acknowledged in time, or the launch not confirmed in time (the id is still
printed: mam keeps the request in its outbox and re-sends it); others as listed
by `mam --help`. 127: the mam CLI was not found
(set MAM_BIN).' "$value_options" 1 "$@"

if mam_find_arg --json "$value_options" "$@" >/dev/null; then
  mam_run job create "$@"
  exit $?
fi

# Asked for JSON, not the plain id: mam prints the plain id only once the job is
# acknowledged, and a caller needs the id of a queued (75) job just as much.
# --json goes first: anything after a `--` in "$@" belongs to the program.
out=$(mam_run job create --json "$@")
rc=$?
job=$(printf '%s\n' "$out" | sed -n 's/.*"job":"\([^"]*\)".*/\1/p')
# No id in the output: it is something else (mam's help, say), shown as it came.
if [ -n "$job" ]; then
  printf '%s\n' "$job"
elif [ -n "$out" ]; then
  printf '%s\n' "$out"
fi
if [ "$rc" -eq 75 ]; then
  printf '%s\n' "create.sh: job $job sent but not acknowledged in time; mam keeps it in the outbox and re-sends it" \
    "  hint: is the reconciler of the job's host running? (\`mam up\` on that host)" >&2
fi
exit "$rc"

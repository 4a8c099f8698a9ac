#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# api/ encodes from snapshots the engine hands it and never takes an engine
# lock (STYLE.md §1, §7): fails when an api/ file locks a mutex, rwlock or
# spinlock, or waits on a condition, other than the api-owned locks listed
# below, or builds a container's data-root paths itself. Prints TAP.
set -u
top=${srcdir:-.}
# file:lock-argument pairs api owns (each file's own objects, never engine ones).
allowed='
api/hijack.c:&active_mu
api/metrics.c:&metrics_mu
api/stream.c:&s->mu
api/stream.c:&s->cv
'
lockcall='pthread_(mutex_(lock|trylock|timedlock)|rwlock_(rd|wr|tryrd|trywr|timedrd|timedwr)lock|spin_(lock|trylock)|cond_(wait|timedwait))[[:space:]]*\('
n=0 bad=0
result() { # OK MSG
	n=$((n + 1))
	if [ "$1" = 1 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=$((bad + 1)); fi
}
files=$(cd "$top" && ls api/*.c api/*.h 2>/dev/null)
[ -n "$files" ] || { echo "1..1"; echo "not ok 1 - no api/ sources found below '$top'"; exit 1; }
for f in $files; do
	offending=$(grep -nE "$lockcall" "$top/$f" | while IFS= read -r line; do
		# the lock (and a wait's mutex) must be an api-owned lock of this file
		args=$(printf '%s\n' "$line" | sed -E 's/.*pthread_[a-z_]+[[:space:]]*\(([^)]*)\).*/\1/' | tr -d ' \t')
		locks=${args%%,*}
		case $line in *cond_*wait*) rest=${args#*,}; locks="$locks ${rest%%,*}" ;; esac
		for arg in $locks; do
			printf '%s' "$allowed" | grep -qxF "$f:$arg" || printf '%s\n' "$line"
		done
	done)
	if [ -z "$offending" ]; then
		result 1 "$f takes no engine lock"
	else
		result 0 "$f takes no engine lock"
		printf '%s\n' "$offending" | sort -u | sed 's/^/# /'
	fi
done
paths=$(cd "$top" && grep -nE 'resolv\.conf|rw/(upper|work|merged)|/_data"|->dir\b' $files)
if [ -z "$paths" ]; then
	result 1 "api/ builds no container data-root paths (they come with the snapshot)"
else
	result 0 "api/ builds no container data-root paths (they come with the snapshot)"
	printf '%s\n' "$paths" | sed 's/^/# /'
fi
echo "1..$n"
echo "# api-locks: $((n - bad)) passed, $bad failed, 0 skipped"
[ "$bad" -eq 0 ]

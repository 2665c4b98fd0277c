#!/bin/sh
# Submit a fleet audit: SHARDS array tasks over LIST, then the merge step.
#
#   contrib/slurm/submit.sh LIST OUTDIR SHARDS [check-dns options...]
#
# Prints the two job ids.  Results: OUTDIR/part-K.jsonl, OUTDIR/all.jsonl,
# OUTDIR/fleet.json, OUTDIR/fleet.html.
set -eu
if [ $# -lt 3 ]; then
    echo "usage: $0 LIST OUTDIR SHARDS [check-dns options...]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
list=$1 outdir=$2 shards=$3
shift 3
mkdir -p "$outdir"
array=$(sbatch --parsable --array="0-$((shards - 1))" --output="$outdir/task-%a.log" \
        "$here/mailctl-fleet.sbatch" "$list" "$outdir" "$@")
merge=$(sbatch --parsable --dependency="afterany:$array" --output="$outdir/merge.log" \
        "$here/mailctl-fleet-merge.sbatch" "$outdir")
echo "array job $array, merge job $merge"

#!/bin/bash
# Submits the shard array and the merge that runs once every shard succeeded.
#   DATASET_DIR=/shared/ssv2-synth SHARDS=16 deploy/slurm/submit.sh
set -euo pipefail
: "${DATASET_DIR:?set DATASET_DIR}"
SHARDS=${SHARDS:-16}
here=$(dirname "$0")
array=$(sbatch --parsable --export=ALL --array=0-$((SHARDS - 1)) "$here/generate.sbatch")
merge=$(sbatch --parsable --export=ALL --dependency=afterok:"$array" "$here/merge.sbatch")
echo "shards: job $array (array 0-$((SHARDS - 1))), merge: job $merge"

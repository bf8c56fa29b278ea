//! Scale-out tier: the Slurm examples in `deploy/slurm/` run on a real one-node Slurm cluster
//! started for the test (`deploy/slurm/test-cluster.sh`): three shards plus the dependent merge
//! equal one local run, and a shard cancelled part way completes when the array is submitted
//! again, without duplicates or half-written clips.

use std::process::Command;

fn available(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn a_slurm_array_and_its_merge_equal_one_run_and_a_cancelled_shard_completes_on_resubmission() {
    let ready = running_as_root() && ["slurmctld", "slurmd", "munged", "sbatch"].iter().all(|t| available(t));
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the Slurm test: it runs as root, and scripts/setup-system --test installs slurmctld, slurmd \
             and munge"
        );
        eprintln!("skipped: needs root and Debian's slurmctld, slurmd and munge (scripts/setup-system --test)");
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/slurm/test-cluster.sh");
    let output = Command::new("bash").arg(script).arg(env!("CARGO_BIN_EXE_synthact")).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("merged dataset equals one local run: 6 clips"), "{stdout}");
    assert!(stdout.contains("shard 1 was cancelled with"), "{stdout}");
    assert!(stdout.contains("resubmitted dataset equals one local run: 36 clips, no leftovers"), "{stdout}");
}

//! Deployment examples: the Kubernetes Indexed Job manifest, parsed and checked against what the
//! program reads, and the program run with the environment such a pod gets.

mod common;

use std::process::Command;

use common::{REAL_TIME_FEW_FRAMES, clip_dirs, stderr};
use yaml_rust2::{Yaml, YamlLoader};

fn repository() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_kubernetes_indexed_job_gives_each_pod_its_own_shard_directory() {
    let text = std::fs::read_to_string(repository().join("deploy/k8s/indexed-job.yaml")).unwrap();
    let documents = YamlLoader::load_from_str(&text).expect("the manifest is valid YAML");
    let job = &documents[0];
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    // Indexed completion mode is what sets JOB_COMPLETION_INDEX in each pod.
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().expect("spec.completions");
    let pod = &spec["template"]["spec"];
    // Per-index retries (backoffLimitPerIndex) need pods that are not restarted in place.
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let container = &pod["containers"][0];

    // synthact pairs JOB_COMPLETION_INDEX with JOB_COMPLETIONS, which must equal completions.
    let env = container["env"].as_vec().expect("env");
    let declared = env.iter().find(|e| e["name"].as_str() == Some("JOB_COMPLETIONS")).expect("JOB_COMPLETIONS");
    assert_eq!(declared["value"].as_str(), Some(completions.to_string().as_str()));

    let args: Vec<&str> = container["args"].as_vec().expect("args").iter().filter_map(Yaml::as_str).collect();
    assert_eq!(args.first(), Some(&"generate"));
    let after =
        |flag: &str| args.iter().position(|a| *a == flag).map(|i| args[i + 1]).unwrap_or_else(|| panic!("{flag}"));
    // Each pod writes its own shard directory, on the shared volume.
    let out = after("--out");
    assert!(out.contains("$(JOB_COMPLETION_INDEX)"), "{out}");
    let mount = container["volumeMounts"][0]["mountPath"].as_str().expect("a volume mount");
    assert!(out.starts_with(mount), "{out} is on the mounted volume {mount}");
    let volume = &pod["volumes"][0];
    assert_eq!(volume["name"].as_str(), container["volumeMounts"][0]["name"].as_str());
    // The configuration it names ships with the program (the image copies the repository to /opt/synthact).
    let config = after("--config").strip_prefix("/opt/synthact/").expect("a config inside the image");
    assert!(repository().join(config).is_file(), "{config} exists in the repository");
}

#[test]
fn a_pod_environment_selects_the_shard() {
    // What Kubernetes sets in pod 1 of an Indexed Job with 2 completions, plus JOB_COMPLETIONS
    // from the manifest: that pod renders clips 1 and 3 of 4, and nothing else.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shard");
    let output = Command::new(env!("CARGO_BIN_EXE_synthact"))
        .env("JOB_COMPLETION_INDEX", "1")
        .env("JOB_COMPLETIONS", "2")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .args(["generate", "--out", out.to_str().unwrap(), "--clips", "4", "--quiet"])
        .args(["--width", "32", "--height", "32"])
        .args(REAL_TIME_FEW_FRAMES)
        .output()
        .expect("the synthact binary runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let clips = clip_dirs(&out);
    assert_eq!(clips, ["000001", "000003"]);
}

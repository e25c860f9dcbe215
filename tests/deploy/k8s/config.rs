//! The documents, and what they give the programs: kinds the tests know, ConfigMaps of
//! text that some container uses, environments the programs read and load.

use super::Manifests;
use crate::Problems;

#[test]
fn manifests_are_kinds_the_tests_know_and_config_maps_hold_text() {
    let mut problems = Problems::default();
    Manifests::read(&mut problems);
    problems.assert_none("deploy/k8s documents");
}

#[test]
fn every_environment_is_read_and_loaded_by_its_program() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    manifests.running(&mut problems);
    problems.assert_none("deploy/k8s environments");
}

#[test]
fn every_config_map_is_used_by_a_container() {
    let mut problems = Problems::default();
    let mut manifests = Manifests::read(&mut Problems::default());
    // The environments' own problems are reported by the test above.
    manifests.running(&mut Problems::default());
    let cluster = &manifests.cluster;
    for (name, (at, _)) in &cluster.config_maps {
        if !cluster.used_config_maps.contains(name) {
            problems.add(at, format!("ConfigMap {name} is used by no container"));
        }
    }
    problems.assert_none("deploy/k8s ConfigMaps");
}

//! Landlock rulesets prepared by llrun are really enforced on a forked, exec'd program.

mod common;
use common::*;
use llrun_kernel::FsAccess;
use llrun_kernel::landlock::{PathRule, PreparedRuleset, RulesetPlan};

fn secret_dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::Builder::new()
        .prefix("llrun-kernel-test-")
        .tempdir()
        .unwrap();
    let file = dir.path().join("secret.txt");
    std::fs::write(&file, "top secret\n").unwrap();
    (dir, file.to_string_lossy().into_owned())
}

#[test]
fn reading_outside_the_allowed_tree_is_refused() {
    let (_dir, secret) = secret_dir();
    // Control: without the ruleset the same program reads the file.
    let open = run_confined(&[], true, "/bin/cat", &[&secret]).unwrap();
    assert_eq!(text(&open.stdout), "top secret\n");

    let confined =
        run_confined(&prepare(&[system_only(&[])]), true, "/bin/cat", &[&secret]).unwrap();
    assert!(!confined.status.success());
    assert!(
        text(&confined.stderr).contains("Permission denied"),
        "{}",
        text(&confined.stderr)
    );
    assert_eq!(text(&confined.stdout), "");
}

#[test]
fn a_rule_grants_exactly_its_rights() {
    let (dir, secret) = secret_dir();
    let plan = system_only(&[(dir.path(), FsAccess::READ_FILE | FsAccess::READ_DIR)]);
    let rulesets = prepare(&[plan]);
    let read = run_confined(&rulesets, true, "/bin/cat", &[&secret]).unwrap();
    assert_eq!(text(&read.stdout), "top secret\n");
    let write = run_confined(
        &rulesets,
        true,
        "/bin/sh",
        &["-c", &format!("echo x >> {secret}")],
    )
    .unwrap();
    assert!(!write.status.success(), "writing should be refused");
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "top secret\n");
}

#[test]
fn a_later_layer_can_only_take_away() {
    let (dir, secret) = secret_dir();
    let wide = system_only(&[(dir.path(), FsAccess::READ_FILE)]);
    let narrow = system_only(&[]);
    let read = run_confined(
        &prepare(std::slice::from_ref(&wide)),
        true,
        "/bin/cat",
        &[&secret],
    )
    .unwrap();
    assert!(read.status.success());
    let stacked = run_confined(&prepare(&[wide, narrow]), true, "/bin/cat", &[&secret]).unwrap();
    assert!(
        !stacked.status.success(),
        "the second layer must deny what it does not grant"
    );
}

#[test]
fn exec_refused_by_landlock_is_an_exec_error_in_the_parent() {
    let mut plan = system_only(&[]);
    for rule in &mut plan.path_rules {
        rule.access.remove(FsAccess::EXECUTE);
    }
    let err = run_confined(&prepare(&[plan]), true, "/bin/true", &[]).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EACCES), "{err}");
}

#[test]
fn a_failure_inside_the_child_exits_125_with_a_message() {
    // Landlock stacks at most 16 layers: the 17th restrict_self fails with E2BIG in the child.
    let plan = RulesetPlan {
        handled_fs: FsAccess::READ_FILE,
        path_rules: vec![PathRule {
            path: "/".into(),
            access: FsAccess::READ_FILE,
        }],
        ..Default::default()
    };
    let rulesets = prepare(&vec![plan; 17]);
    let out = run_confined(&rulesets, true, "/bin/true", &[]).unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert!(
        text(&out.stderr).starts_with("llrun: cannot apply the sandbox: landlock_restrict_self: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn vanished_paths_are_skipped_and_listed() {
    let (dir, _) = secret_dir();
    let gone = dir.path().join("gone");
    let under_a_file = dir.path().join("secret.txt/inside");
    let plan = system_only(&[
        (&gone, FsAccess::READ_FILE),
        (&under_a_file, FsAccess::READ_FILE),
    ]);
    let prepared = PreparedRuleset::prepare(&plan).unwrap();
    assert_eq!(prepared.skipped(), [gone, under_a_file]);
}

#[test]
fn directory_rights_on_a_file_are_dropped_not_refused() {
    let (dir, secret) = secret_dir();
    let all = FsAccess::supported_by(llrun_kernel::landlock::probe_abi());
    let plan = system_only(&[(std::path::Path::new(&secret), all)]);
    let rulesets = prepare(&[plan]);
    let read = run_confined(&rulesets, true, "/bin/cat", &[&secret]).unwrap();
    assert_eq!(text(&read.stdout), "top secret\n");
    // The file's directory itself got nothing: a sibling cannot be created.
    let create = run_confined(
        &rulesets,
        true,
        "/bin/sh",
        &["-c", &format!("echo > {}/new", dir.path().display())],
    )
    .unwrap();
    assert!(!create.status.success());
}

#[test]
fn a_rule_path_that_cannot_be_opened_is_an_error_naming_it() {
    // A missing path is "vanished"; a symlink loop (ELOOP) is a real error.
    let (dir, _) = secret_dir();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let err = PreparedRuleset::prepare(&system_only(&[(&a, FsAccess::READ_FILE)])).unwrap_err();
    assert!(err.to_string().contains(&*a.to_string_lossy()), "{err}");
}

#[test]
fn probe_reports_the_running_kernel() {
    // This machine has Landlock; 0 would mean the probe is broken.
    assert!(llrun_kernel::landlock::probe_abi() >= 1);
}

#[test]
fn an_empty_plan_restricts_nothing() {
    let prepared = PreparedRuleset::prepare(&RulesetPlan::default()).unwrap();
    let (_dir, secret) = secret_dir();
    let out = run_confined(&[prepared], true, "/bin/cat", &[&secret]).unwrap();
    assert!(out.status.success());
}

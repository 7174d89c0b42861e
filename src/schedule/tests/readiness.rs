//! Which issues are ready: the two modes, `--wave`, and stuck detection.

use super::*;

#[test]
fn blockers_mode_starts_an_issue_before_its_wave_siblings_finish() {
    let mut s = two_waves(ScheduleMode::Blockers);
    assert_eq!(s.ready(), nums(&[1, 2]));
    s.mark_active(n(2)).unwrap();
    assert_eq!(land(&mut s, 1), nums(&[3]));
    assert_eq!(s.ready(), nums(&[3]), "#2 is still active, #3 goes anyway");
}

#[test]
fn waves_mode_waits_for_the_whole_earlier_wave() {
    let mut s = two_waves(ScheduleMode::Waves);
    s.mark_active(n(2)).unwrap();
    assert_eq!(land(&mut s, 1), nums(&[]));
    assert_eq!(s.ready(), nums(&[]), "#2 is still active");
    // A failed sibling is final too: wave 2 opens, minus #2's dependent.
    let skipped = s.mark_failed(n(2), "worker crashed").unwrap();
    assert_eq!(
        skipped,
        vec![(
            n(4),
            "blocked by #2, which failed: worker crashed".to_string()
        )]
    );
    assert_eq!(s.ready(), nums(&[3]));
}

#[test]
fn waves_mode_opens_a_wave_with_every_unblocked_issue_at_once() {
    let mut s = scheduler(
        vec![
            issue(1, 1, &[]),
            issue(2, 1, &[]),
            issue(3, 2, &[1]),
            issue(5, 2, &[1, 2]),
        ],
        ScheduleMode::Waves,
    );
    land(&mut s, 1);
    assert_eq!(land(&mut s, 2), nums(&[3, 5]));
}

#[test]
fn ready_puts_the_longest_chain_of_dependents_first_then_the_number() {
    // #9 has two levels below it (#10 → #11), #4 one (#12), #2 and #5 none.
    let s = scheduler(
        vec![
            issue(9, 1, &[]),
            issue(2, 1, &[]),
            issue(5, 1, &[]),
            issue(4, 1, &[]),
            issue(10, 2, &[9]),
            issue(11, 3, &[10]),
            issue(12, 2, &[4]),
        ],
        ScheduleMode::Blockers,
    );
    assert_eq!(s.ready(), nums(&[9, 4, 2, 5]));
    assert_eq!(s.levels_below(n(9)), 2);
}

#[test]
fn a_later_wave_with_a_longer_chain_goes_before_an_earlier_leaf() {
    // #7 (wave 2) heads a chain; #1 (wave 1) is a leaf.
    let s = scheduler(
        vec![
            issue(1, 1, &[]),
            issue(3, 1, &[]),
            issue(7, 2, &[3]),
            issue(8, 3, &[7]),
            issue(6, 2, &[]),
            issue(20, 3, &[6]),
        ],
        ScheduleMode::Blockers,
    );
    assert_eq!(s.ready(), nums(&[3, 6, 1]));
}

#[test]
fn only_wave_refuses_naming_unmerged_blockers_from_earlier_waves() {
    let s = Scheduler::new(
        vec![
            issue(1, 1, &[]),
            issue(2, 1, &[]),
            issue(7, 1, &[]),
            issue(3, 2, &[1, 2]),
            issue(4, 2, &[1]),
        ],
        ScheduleMode::Blockers,
        Some(2),
    )
    .unwrap();
    let err = s.check_only_wave(2).unwrap_err();
    assert_eq!(
        err,
        OnlyWaveError::UnmergedBlockers {
            wave: 2,
            blockers: nums(&[1, 2])
        }
    );
    assert_eq!(
        err.to_string(),
        "wave 2 needs issues that are not merged yet: #1, #2; run their waves first, or run without --wave"
    );
    assert_eq!(s.check_only_wave(1), Ok(()), "wave 1 has no blockers");
}

#[test]
fn only_wave_rejects_a_wave_that_does_not_exist() {
    let s = two_waves(ScheduleMode::Blockers);
    let err = s.check_only_wave(5).unwrap_err();
    assert_eq!(
        err,
        OnlyWaveError::UnknownWave {
            wave: 5,
            known: vec![1, 2]
        }
    );
    assert_eq!(
        err.to_string(),
        "wave 5 is not in the plan, which has waves 1, 2"
    );
}

#[test]
fn only_wave_runs_that_wave_alone_once_its_blockers_are_merged() {
    let plan = vec![
        issue(1, 1, &[]),
        issue(2, 1, &[]),
        issue(3, 2, &[1]),
        issue(4, 2, &[]),
        issue(5, 3, &[3]),
    ];
    let mut s = Scheduler::new(plan, ScheduleMode::Waves, Some(2)).unwrap();
    s.restore([(n(1), IssueStatus::Merged)]).unwrap();
    assert_eq!(s.check_only_wave(2), Ok(()));
    // #2 is unfinished in wave 1, but wave 1 is not part of this run.
    assert_eq!(s.ready(), nums(&[3, 4]));
    assert_eq!(
        land(&mut s, 3),
        nums(&[]),
        "#5 is in wave 3, outside the run"
    );
    s.mark_active(n(4)).unwrap();
    assert_eq!(s.mark_failed(n(4), "x").unwrap(), vec![]);
    assert!(s.is_finished());
    assert_eq!(s.stuck(), nums(&[]));
    assert_eq!(
        s.counts(),
        Counts {
            merged: 1,
            failed: 1,
            ..Counts::default()
        }
    );
    assert_eq!(s.mark_active(n(2)), Err(TransitionError::NotReady(n(2))));
}

#[test]
fn a_cycle_is_stuck_while_independent_work_goes_on() {
    let mut s = scheduler(
        vec![
            issue(1, 1, &[2]),
            issue(2, 1, &[1]),
            issue(3, 1, &[]),
            issue(4, 2, &[3]),
        ],
        ScheduleMode::Blockers,
    );
    assert_eq!(s.ready(), nums(&[3]));
    s.mark_active(n(3)).unwrap();
    assert_eq!(s.stuck(), nums(&[1, 2]));
    assert!(!s.is_finished(), "#3 is active and #4 can follow it");
    s.mark_merged(n(3)).unwrap();
    assert!(!s.is_finished(), "#4 is ready");
    land(&mut s, 4);
    assert!(s.is_finished());
    assert_eq!(s.stuck(), nums(&[1, 2]));
}

#[test]
fn in_waves_mode_a_stuck_wave_holds_back_every_later_wave() {
    let s = scheduler(
        vec![
            issue(1, 1, &[2]),
            issue(2, 1, &[1]),
            issue(3, 2, &[]),
            issue(4, 3, &[]),
        ],
        ScheduleMode::Waves,
    );
    assert_eq!(s.ready(), nums(&[]));
    assert!(s.is_finished());
    assert_eq!(s.stuck(), nums(&[1, 2, 3, 4]));
}

#[test]
fn waiting_on_an_unmerged_issue_outside_the_wave_is_stuck() {
    let s = Scheduler::new(
        vec![issue(1, 1, &[]), issue(2, 2, &[1]), issue(3, 2, &[])],
        ScheduleMode::Blockers,
        Some(2),
    )
    .unwrap();
    assert_eq!(s.ready(), nums(&[3]));
    assert_eq!(s.stuck(), nums(&[2]));
    assert!(!s.is_finished());
}

#[test]
fn nothing_is_stuck_in_a_healthy_plan() {
    let mut s = diamond();
    assert_eq!(s.stuck(), nums(&[]));
    s.mark_active(n(1)).unwrap();
    assert_eq!(
        s.stuck(),
        nums(&[]),
        "dependents of an active issue can still progress"
    );
}

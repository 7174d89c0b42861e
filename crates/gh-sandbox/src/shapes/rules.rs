//! The rules that apply to a branch (`repository-rule-detailed`), as `GET
//! .../rules/branches/{branch}` answers them: the repository ruleset's
//! `required_status_checks` and `merge_queue` rules on that branch. Classic
//! branch protection is not a ruleset, so it is not listed (as on GitHub).

use serde_json::{Value, json};

use crate::types::RequiredChecks;

use super::super::model::Repo;
use super::super::sim::queue::CHECK_RESPONSE_TIMEOUT;

/// The rules active on `branch`; `[]` without any.
pub fn branch_rules(repo: &Repo, branch: &str) -> Vec<Value> {
    let ruleset = &repo.ruleset;
    let Some(id) = ruleset.id else {
        return Vec::new();
    };
    let rule = |kind: &str, parameters: Value| {
        json!({
            "type": kind,
            "ruleset_source_type": "Repository",
            "ruleset_source": repo.slug.to_string(),
            "ruleset_id": id,
            "parameters": parameters
        })
    };
    let mut rules = Vec::new();
    if let Some(checks) = ruleset.required_checks.get(branch) {
        rules.push(rule("required_status_checks", required_checks(checks)));
    }
    if ruleset.requires_queue(branch) {
        rules.push(rule("merge_queue", merge_queue()));
    }
    rules
}

fn required_checks(checks: &RequiredChecks) -> Value {
    let each: Vec<Value> = checks
        .contexts
        .iter()
        .map(|c| json!({ "context": c }))
        .collect();
    json!({
        "strict_required_status_checks_policy": checks.strict,
        "do_not_enforce_on_create": false,
        "required_status_checks": each
    })
}

/// GitHub's `merge_queue` parameters with their defaults, except the squash
/// merge the sandbox's queue makes.
fn merge_queue() -> Value {
    json!({
        "check_response_timeout_minutes": CHECK_RESPONSE_TIMEOUT.as_secs() / 60,
        "grouping_strategy": "ALLGREEN",
        "max_entries_to_build": 5,
        "max_entries_to_merge": 5,
        "merge_method": "SQUASH",
        "min_entries_to_merge": 1,
        "min_entries_to_merge_wait_minutes": 5
    })
}

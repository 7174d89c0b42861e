//! Branch protection (`branch-protection`), as `GET .../branches/{branch}/protection` answers it.

use serde_json::{Value, json};

use crate::types::BranchProtection;

use super::Urls;

pub fn branch_protection(urls: Urls, branch: &str, protection: &BranchProtection) -> Value {
    let url = urls.api(&format!("/branches/{branch}/protection"));
    let off = json!({ "enabled": false });
    let mut value = json!({
        "url": url,
        "enforce_admins": { "url": format!("{url}/enforce_admins"), "enabled": false },
        "required_linear_history": off,
        "allow_force_pushes": off,
        "allow_deletions": off,
        "block_creations": off,
        "required_conversation_resolution": off,
        "lock_branch": off,
        "allow_fork_syncing": off
    });
    if let Some(checks) = &protection.required_checks {
        let each: Vec<Value> = checks
            .contexts
            .iter()
            .map(|c| json!({ "context": c, "app_id": null }))
            .collect();
        value["required_status_checks"] = json!({
            "url": format!("{url}/required_status_checks"),
            "enforcement_level": "non_admins",
            "strict": checks.strict,
            "contexts": checks.contexts,
            "contexts_url": format!("{url}/required_status_checks/contexts"),
            "checks": each
        });
    }
    value
}

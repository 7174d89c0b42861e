//! Test fixtures: CodeRabbit texts in the shapes its real comments take on
//! GitHub (headings, hidden markers, `<details>` sections, inline headers in
//! the 2024-25 "kind | severity" form and the 2026 "category | severity |
//! effort" form). The prose is ours; the structure is CodeRabbit's.

pub const HEAD: &str = "c4e14d8a8ded6b9f76d2d64b152afc24cb5a6056";
pub const BASE: &str = "f10918c0181d4dac8c3d77ee8db6d058104fa8ea";

/// The older rate-limit notice: hidden markers, a `[!WARNING]` callout.
pub fn rate_limited() -> String {
    format!(
        "<!-- This is an auto-generated comment: summarize by coderabbit.ai -->\n\
<!-- This is an auto-generated comment: rate limited by coderabbit.ai -->\n\n\
> [!WARNING]\n> ## Rate limit exceeded\n> \n\
> `@octocat` has exceeded the limit for the number of commits or files that can be reviewed per hour. \
Please wait **24 minutes and 26 seconds** before requesting another review.\n> \n\
> <details>\n> <summary>⌛ How to resolve this issue?</summary>\n> \n\
> After the wait time has elapsed, a review can be triggered using the `@coderabbitai review` command as a PR comment.\n> \n\
> </details>\n> \n> <details>\n> <summary>📥 Commits</summary>\n> \n\
> Reviewing files that changed from the base of the PR and between {BASE} and {HEAD}.\n> \n> </details>\n\n\
<!-- end of auto-generated comment: rate limited by coderabbit.ai -->"
    )
}

/// The 2026 wording, without the hidden markers.
pub const REVIEW_LIMIT_REACHED: &str = "> [!WARNING]\n> ## Review limit reached\n> \n\
> `@octocat`, you've reached your PR review limit, so we couldn't start this review.\n> \n\
> **Next review available in:** **37 minutes**\n> \n\
> <details>\n> <summary>How can I continue?</summary>\n> \n\
> After more reviews become available, a review can be triggered using the `@coderabbitai review` command.\n> \n\
> </details>";

/// Auto reviews off: the skip notice with its hidden marker.
pub const REVIEW_SKIPPED: &str = "<!-- This is an auto-generated comment: summarize by coderabbit.ai -->\n\
<!-- This is an auto-generated comment: skip review by coderabbit.ai -->\n\n\
> [!IMPORTANT]\n> ## Review skipped\n> \n\
> Auto reviews are disabled on this repository.\n> \n\
> Please check the settings in the CodeRabbit UI or the `.coderabbit.yaml` file in this repository. \
To trigger a single review, invoke the `@coderabbitai review` command.\n\n\
<!-- end of auto-generated comment: skip review by coderabbit.ai -->";

/// A draft skip, as a bare heading.
pub const REVIEW_SKIPPED_DRAFT: &str =
    "> [!NOTE]\n> ## Review skipped\n> \n> Draft detected.\n> \n> Please check the settings.";

/// The summary comment after a clean incremental review of [`HEAD`].
pub fn clean_summary() -> String {
    format!(
        "<!-- This is an auto-generated comment: summarize by coderabbit.ai -->\n\
<!-- recent_review_start -->\n\nNo actionable comments were generated in the recent review. 🎉\n\n\
<details>\n<summary>ℹ️ Recent review info</summary>\n\n<details>\n<summary>📥 Commits</summary>\n\n\
Reviewing files that changed from the base of the PR and between {BASE} and {HEAD}.\n\n\
</details>\n\n</details>\n<!-- recent_review_end -->"
    )
}

/// A review body in the 2024-25 form: nitpicks by file, an outside-diff
/// finding, review details and the prompt for agents (all of which we skip).
pub fn review_body_legacy() -> String {
    format!(
        "**Actionable comments posted: 2**\n\n\
> [!CAUTION]\n> Some comments are outside the diff and can’t be posted inline due to platform limitations.\n>\n>\n>\n\
> <details>\n> <summary>⚠️ Outside diff range comments (1)</summary><blockquote>\n>\n\
> <details>\n> <summary>src/store.rs (1)</summary><blockquote>\n>\n\
> `88-94`: **Release the lock before awaiting the flush.**\n>\n\
> Holding the guard across `.await` can deadlock when the flusher takes the same lock.\n>\n\
> </blockquote></details>\n>\n> </blockquote></details>\n\n\
<details>\n<summary>🧹 Nitpick comments (3)</summary><blockquote>\n\n\
<details>\n<summary>src/lib.rs (2)</summary><blockquote>\n\n\
`12`: **Prefer `is_empty()` over `len() == 0`.**\n\nClippy flags this.\n\n---\n\n\
`40-41`: **Rename `tmp` to something meaningful.**\n\nThe name hides intent.\n\n\
</blockquote></details>\n\
<details>\n<summary>README.md (1)</summary><blockquote>\n\n\
`3`: **Add a language to the fenced block.**\n\n\
</blockquote></details>\n\n</blockquote></details>\n\
<details>\n<summary>🔇 Additional comments (1)</summary><blockquote>\n\n\
<details>\n<summary>src/main.rs (1)</summary><blockquote>\n\n\
`5-9`: **LGTM!**\n\nThe new flag is wired correctly.\n\n\
</blockquote></details>\n\n</blockquote></details>\n\n\
<details>\n<summary>🤖 Prompt for all review comments with AI agents</summary>\n\n\
```\nVerify each finding against the current code and only fix it if needed.\n\n\
In `@src/lib.rs` at line 12, ...\n```\n\n</details>\n\n\
<details>\n<summary>📜 Review details</summary>\n\n**Configuration used**: CodeRabbit UI\n\n\
**Review profile**: CHILL\n\n<details>\n<summary>📥 Commits</summary>\n\n\
Reviewing files that changed from the base of the PR and between {BASE} and {HEAD}.\n\n\
</details>\n\n<details>\n<summary>📒 Files selected for processing (3)</summary>\n\n\
* `README.md` (1 hunks)\n* `src/lib.rs` (2 hunks)\n* `src/store.rs` (1 hunks)\n\n</details>\n\n</details>"
    )
}

/// A review body in the 2026 form: category headers on each entry, a minor
/// comments section, a trivial nitpick.
pub const REVIEW_BODY_2026: &str = "**Actionable comments posted: 1**\n\n\
<details>\n<summary>🟡 Minor comments (2)</summary><blockquote>\n\n\
<details>\n<summary>src/parse.rs-31-35 (1)</summary><blockquote>\n\n\
`31-35`: _🎯 Functional Correctness_ | _🟡 Minor_ | _⚡ Quick win_\n\n\
**Reject an empty segment after the last slash.**\n\n\
`a/` parses as a valid slug today.\n\n\
<details>\n<summary>🤖 Prompt for AI Agents</summary>\n\n```\nIn `@src/parse.rs` around lines 31 - 35, reject empty segments.\n```\n\n</details>\n\n\
<!-- cr-comment:v1:0a1b2c3d4e5f -->\n\n</blockquote></details>\n\
<details>\n<summary>docs/usage.md-12 (1)</summary><blockquote>\n\n\
`12`: _📐 Maintainability & Code Quality_ | _🟡 Minor_ | _⚡ Quick win_\n\n\
**Split the long paragraph.**\n\nIt reads better as two.\n\n\
</blockquote></details>\n\n</blockquote></details>\n\
<details>\n<summary>🧹 Nitpick comments (1)</summary><blockquote>\n\n\
<details>\n<summary>src/parse.rs-7 (1)</summary><blockquote>\n\n\
`7`: _🎯 Functional Correctness_ | _🔵 Trivial_ | _⚡ Quick win_\n\n\
**Use a `const` for the separator.**\n\n</blockquote></details>\n\n</blockquote></details>";

/// An inline "Potential issue" with a proposed fix, the prompt for agents and
/// CodeRabbit's hidden trailer.
pub const INLINE_POTENTIAL_ISSUE: &str = "_⚠️ Potential issue_ | _🟠 Major_\n\n\
**Index can go out of bounds when the list is empty.**\n\n\
`items[len - 1]` underflows for an empty `items`; `len - 1` wraps to `usize::MAX`.\n\n\
<details>\n<summary>🐛 Proposed fix</summary>\n\n```diff\n-    let last = items[len - 1];\n+    let Some(last) = items.last() else { return None };\n```\n\n</details>\n\n\
<details>\n<summary>🤖 Prompt for AI Agents</summary>\n\n```\nIn `@src/list.rs` around line 42, return None for an empty list instead of indexing len - 1.\n```\n\n</details>\n\n\
<!-- fingerprinting:phantom:medusa:falcon -->\n\n<!-- This is an auto-generated comment by CodeRabbit -->";

/// A critical potential issue with a long analysis chain.
pub const INLINE_CRITICAL: &str = "_⚠️ Potential issue_ | _🔴 Critical_\n\n\
<details>\n<summary>🧩 Analysis chain</summary>\n\n🏁 Script executed:\n\n```shell\nrg -n 'token' src/\n```\n\n\
Length of output: 1262\n\n</details>\n\n\
**The token is written to the log.**\n\n`tracing::info!(?config)` prints `config.token`.\n\n\
<!-- This is an auto-generated comment by CodeRabbit -->";

pub const INLINE_REFACTOR: &str = "_🛠️ Refactor suggestion_ | _🟠 Major_\n\n\
**Extract the retry loop into a helper.**\n\nThe same loop appears three times.\n\n\
<!-- This is an auto-generated comment by CodeRabbit -->";

pub const INLINE_NITPICK: &str = "_🧹 Nitpick (assertive)_\n\n\
**Prefer `matches!` here.**\n\nShorter and clearer.\n\n\
<!-- This is an auto-generated comment by CodeRabbit -->";

pub const INLINE_2026_CORRECTNESS: &str = "_🎯 Functional Correctness_ | _🟠 Major_ | _⚡ Quick win_\n\n\
**Preserve the exit code of the test command.**\n\nThe pipe through `grep` hides a failing `cargo test`.\n\n\
<!-- cr-comment:v1:abcdef0123 -->";

pub const INLINE_2026_MAINTAINABILITY: &str = "_📐 Maintainability & Code Quality_ | _🟠 Major_ | _⚡ Quick win_\n\n\
**Name the magic number.**\n\n`86400` deserves a constant.";

pub const INLINE_2026_TRIVIAL: &str = "_🩺 Stability & Availability_ | _🔵 Trivial_ | _⚡ Quick win_\n\n\
**Log the retry count.**";

pub const INLINE_VERIFICATION: &str = "_💡 Verification agent_\n\n\
<details>\n<summary>🧩 Analysis chain</summary>\n\nscripts...\n\n</details>\n\n\
**`parse_args` is still called with two arguments in `src/cli.rs`.**\n\nUpdate the remaining caller.";

/// A potential issue CodeRabbit later marked as fixed.
pub const INLINE_ADDRESSED: &str = "_⚠️ Potential issue_ | _🟠 Major_\n\n\
**Close the file handle.**\n\nThe handle leaks on the error path.\n\n\
<!-- This is an auto-generated comment by CodeRabbit -->\n\n✅ Addressed in commits 1a2b3c4 to 5d6e7f8";

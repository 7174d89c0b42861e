//! Parsing `owner/name` out of a git remote URL, in the https and ssh forms
//! GitHub and GitHub Enterprise hand out.

use crate::ids::RepoSlug;

/// `owner/name` from a remote URL, or `None` when the URL does not name one
/// (a local path, say).
pub fn slug_from_remote(url: &str) -> Option<RepoSlug> {
    let url = url.trim();
    let path = if let Some(rest) = url.split_once("://").map(|(_, rest)| rest) {
        // https://host/owner/name, ssh://git@host:22/owner/name
        let (_, path) = rest.split_once('/')?;
        path
    } else if let Some((userhost, path)) = url.split_once(':') {
        // scp-like: git@github.com:owner/name.git; a bare `C:` or `/x:y` is not one
        if userhost.contains('/') || userhost.is_empty() {
            return None;
        }
        path
    } else {
        return None;
    };
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(owner), Some(name), None) => format!("{owner}/{name}").parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_ssh_forms() {
        let expected = RepoSlug::new("rollercoaster-dev", "monorepo");
        for url in [
            "https://github.com/rollercoaster-dev/monorepo",
            "https://github.com/rollercoaster-dev/monorepo.git",
            "https://user@github.com/rollercoaster-dev/monorepo.git/",
            "git@github.com:rollercoaster-dev/monorepo.git",
            "ssh://git@github.com/rollercoaster-dev/monorepo.git",
            "ssh://git@ghe.example.com:2222/rollercoaster-dev/monorepo",
        ] {
            assert_eq!(slug_from_remote(url), Some(expected.clone()), "{url}");
        }
    }

    #[test]
    fn local_paths_name_no_repository() {
        for url in ["/tmp/origin.git", "../origin", "file:///tmp/a/b/c.git", ""] {
            assert_eq!(slug_from_remote(url), None, "{url}");
        }
    }
}

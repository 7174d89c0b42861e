//! Arguments too long for the kernel. Linux refuses any one argv string over
//! 128 KiB (`MAX_ARG_STRLEN`) and a whole argv plus environment over a few
//! MiB, with E2BIG, and review comments or a human's feedback can be that
//! long. Such arguments go into a file that becomes the worker's stdin (the
//! Claude CLI reads stdin together with its prompt; any agent can read the
//! file), and each is replaced by a short sentence pointing at it.

use std::io;
use std::path::{Path, PathBuf};

/// One argument longer than this (bytes) moves to the file; well under the
/// kernel's 128 KiB so that nothing in between can push it over.
pub const MAX_ARG: usize = 100 * 1024;

/// All arguments together past this (bytes) move the longest ones to the file.
pub const MAX_TOTAL: usize = 512 * 1024;

/// The argv to run, and the file to give as stdin if anything moved there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fitted {
    pub argv: Vec<String>,
    pub stdin: Option<PathBuf>,
}

/// Where a worker whose log is `log` keeps its spilled prompt.
pub fn spill_path(log: &Path) -> PathBuf {
    let mut name = log.file_name().unwrap_or_default().to_os_string();
    name.push(".prompt.txt");
    log.with_file_name(name)
}

/// Moves over-long arguments of `argv` into `spill` (overwritten) and
/// points at it; argv[0], the program, never moves.
pub fn fit(mut argv: Vec<String>, spill: &Path) -> io::Result<Fitted> {
    let moving = too_long(&argv);
    if moving.is_empty() {
        return Ok(Fitted { argv, stdin: None });
    }
    let mut text = String::new();
    for &i in &moving {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&argv[i]);
    }
    if let Some(dir) = spill.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(spill, &text)?;
    let pointer = format!(
        "Your instructions are too long for a command line ({} bytes): they are on standard input \
         and in the file {}. Read them there and follow them.",
        text.len(),
        spill.display()
    );
    for &i in &moving {
        argv[i] = pointer.clone();
    }
    Ok(Fitted {
        argv,
        stdin: Some(spill.to_path_buf()),
    })
}

/// The indexes of the arguments to move: every one over `MAX_ARG`, then the
/// longest others until the whole fits in `MAX_TOTAL`.
fn too_long(argv: &[String]) -> Vec<usize> {
    let mut moving: Vec<usize> = (1..argv.len())
        .filter(|&i| argv[i].len() > MAX_ARG)
        .collect();
    let mut total: usize = (0..argv.len())
        .filter(|i| !moving.contains(i))
        .map(|i| argv[i].len())
        .sum();
    let mut rest: Vec<usize> = (1..argv.len()).filter(|i| !moving.contains(i)).collect();
    rest.sort_by_key(|&i| std::cmp::Reverse(argv[i].len()));
    for i in rest {
        if total <= MAX_TOTAL {
            break;
        }
        total -= argv[i].len();
        moving.push(i);
    }
    moving.sort_unstable();
    moving
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn short_arguments_stay_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let spill = dir.path().join("w.log.prompt.txt");
        let fitted = fit(argv(&["claude", "-p", "fix it"]), &spill).unwrap();
        assert_eq!(fitted.argv, ["claude", "-p", "fix it"]);
        assert_eq!(fitted.stdin, None);
        assert!(!spill.exists());
    }

    #[test]
    fn a_long_argument_moves_to_the_stdin_file() {
        let dir = tempfile::tempdir().unwrap();
        let spill = spill_path(&dir.path().join("logs/review-fix-7.log"));
        assert!(spill.ends_with("logs/review-fix-7.log.prompt.txt"));
        let long = format!(
            "Address review comments on PR #7: {}",
            "x".repeat(200 * 1024)
        );
        let fitted = fit(argv(&["claude", "-p", &long, "--verbose"]), &spill).unwrap();
        assert_eq!(fitted.stdin.as_deref(), Some(spill.as_path()));
        assert_eq!(std::fs::read_to_string(&spill).unwrap(), long);
        assert_eq!(fitted.argv[..2], ["claude", "-p"]);
        assert_eq!(fitted.argv[3], "--verbose");
        assert!(fitted.argv[2].contains(&spill.display().to_string()));
        assert!(fitted.argv.iter().all(|a| a.len() < MAX_ARG));
    }

    #[test]
    fn many_medium_arguments_move_until_the_whole_fits() {
        let dir = tempfile::tempdir().unwrap();
        let spill = dir.path().join("p.txt");
        let medium = "m".repeat(90 * 1024);
        let parts: Vec<String> = std::iter::once("agent".to_string())
            .chain((0..8).map(|i| format!("{i}{medium}")))
            .collect();
        let fitted = fit(parts.clone(), &spill).unwrap();
        let total: usize = fitted.argv.iter().map(String::len).sum();
        assert!(total <= MAX_TOTAL, "{total}");
        let text = std::fs::read_to_string(&spill).unwrap();
        let moved = fitted
            .argv
            .iter()
            .filter(|a| a.starts_with("Your instructions"))
            .count();
        assert_eq!(text.split("\n\n").count(), moved);
        assert_eq!(fitted.argv[0], "agent");
    }
}

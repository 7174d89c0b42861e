//! The product's top-level modules must not import each other in a circle:
//! every `crate::<module>` path (outside comments) in a module's files is an
//! edge, and a group of modules that reach each other (a strongly connected
//! component) is a cycle. The cycles that remain are listed in [`ALLOWED`],
//! each with the imports that tie it; the list must match what the code
//! does exactly, so a new cycle fails and so does a removed one (take it off
//! the list).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The cycles that remain, as groups of modules.
const ALLOWED: &[&[&str]] = &[
    // Settings and the programs they configure: `config` validates
    // `worker::template`s and takes its defaults from `git`; `worker` reads
    // `config::WorkerSettings` and watches the tree through `git::Git`;
    // `git` shows `config::Dur` and kills process groups with
    // `worker::group`.
    &["config", "git", "worker"],
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Top-level modules: `src/<m>.rs` and `src/<m>/` (not `lib.rs`, `main.rs`).
fn modules() -> BTreeMap<String, Vec<PathBuf>> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src()).expect("src/ reads") {
        let path = entry.expect("a src/ entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            modules.insert(name, rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            modules.insert(name, vec![path]);
        }
    }
    modules
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a module directory reads") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The modules named by `crate::<module>` in `text`, comments left out.
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let path_start =
                at == 0 || !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
            if path_start && !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

type Graph = BTreeMap<String, BTreeSet<String>>;

fn graph() -> Graph {
    let modules = modules();
    let mut graph = Graph::new();
    for (name, files) in &modules {
        let mut edges = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(file).expect("a source file reads");
            edges.extend(imports(&text));
        }
        edges.retain(|to| to != name && modules.contains_key(to));
        graph.insert(name.clone(), edges);
    }
    graph
}

/// Whether `to` can be reached from `from`.
fn reaches(graph: &Graph, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::from([from.to_string()]);
    let mut stack = vec![from.to_string()];
    while let Some(at) = stack.pop() {
        if at == to {
            return true;
        }
        for next in &graph[&at] {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    false
}

/// Groups of two or more modules that reach each other.
fn cycles(graph: &Graph) -> BTreeSet<BTreeSet<String>> {
    let mut groups = BTreeSet::new();
    for name in graph.keys() {
        let group: BTreeSet<String> = graph
            .keys()
            .filter(|other| reaches(graph, name, other) && reaches(graph, other, name))
            .cloned()
            .collect();
        if group.len() > 1 {
            groups.insert(group);
        }
    }
    groups
}

/// The imports inside a group, for the failure message.
fn edges_within(graph: &Graph, group: &BTreeSet<String>) -> Vec<String> {
    let mut edges = Vec::new();
    for from in group {
        for to in graph[from].iter().filter(|to| group.contains(*to)) {
            edges.push(format!("{from} -> {to}"));
        }
    }
    edges
}

#[test]
fn imports_are_read_from_paths_and_not_from_comments() {
    let text = "use crate::run::paths;\nlet x = crate::git::DEFAULT; // crate::demo\n//! see crate::cli\nuse gh_sandbox::crate_like;\n";
    let found: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(found, ["git", "run"]);
}

#[test]
fn the_only_cycles_between_top_level_modules_are_the_listed_ones() {
    let graph = graph();
    assert!(
        graph.contains_key("cli") && graph.contains_key("run"),
        "{graph:?}"
    );
    let found = cycles(&graph);
    let allowed: BTreeSet<BTreeSet<String>> = ALLOWED
        .iter()
        .map(|group| group.iter().map(|m| m.to_string()).collect())
        .collect();
    let describe = |groups: Vec<&BTreeSet<String>>| -> String {
        groups
            .iter()
            .map(|g| format!("{g:?}: {}", edges_within(&graph, g).join(", ")))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let new: Vec<_> = found.difference(&allowed).collect();
    assert!(
        new.is_empty(),
        "modules import each other in a circle:\n{}",
        describe(new)
    );
    let gone: Vec<_> = allowed.difference(&found).collect();
    assert!(
        gone.is_empty(),
        "these listed cycles changed or are gone; update ALLOWED:\n{gone:?}"
    );
}

#[test]
fn nothing_imports_the_command_line_front_end() {
    let graph = graph();
    let importers: Vec<&String> = graph
        .iter()
        .filter(|(_, edges)| edges.contains("cli"))
        .map(|(name, _)| name)
        .collect();
    assert!(
        importers.is_empty(),
        "cli only dispatches; imported by {importers:?}"
    );
}

//! The shape of the code: the top-level modules of each crate import one
//! another one way only (no cycle), and the host's modules follow its layers
//! (ARCHITECTURE.md): the command line on top, then export and reports, then
//! training, the threaded engine, the model file, the data, and the two leaf
//! helpers at the bottom. A module imports only from the layers below its
//! own: never from a layer above, nor from a sibling in its own layer.
//!
//! Read from the sources: every `crate::NAME` path (and `crate::{A, B}` list,
//! and `super::` paths that climb out of a folder) outside comments and
//! outside a file's `#[cfg(test)]` module, attributed to the top-level module
//! the file belongs to.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file under `dir`, with its path relative to `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without comments and without its test module.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]")
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let without_comment = match trimmed.find("//") {
            Some(i) => &trimmed[..i],
            None => trimmed,
        };
        out.push_str(without_comment);
        out.push('\n');
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules that `code` names, for a file `depth` folders below `src/`
/// (`super::` climbing `depth` or more levels names a top-level module).
fn named_modules(code: &str, depth: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        if i > 0 && code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue; // e.g. `digitnet_crate::`, not a path of this crate
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let list = &list[..list.find('}').unwrap_or(list.len())];
            for item in list.split(',') {
                let name = ident_at(item.trim());
                if !name.is_empty() {
                    out.insert(name.to_string());
                }
            }
        } else {
            out.insert(ident_at(rest).to_string());
        }
    }
    if depth > 0 {
        let climb = "super::".repeat(depth);
        for (i, _) in code.match_indices(&climb) {
            if code[..i].ends_with("super::") {
                continue;
            }
            out.insert(ident_at(&code[i + climb.len()..]).to_string());
        }
    }
    out
}

/// The imports between the top-level modules of the crate whose sources are in `src`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = sources(src);
    let top = |f: &Path| -> String {
        let first = f.components().next().unwrap().as_os_str().to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let modules: BTreeSet<String> = files
        .iter()
        .map(|f| top(f))
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for f in &files {
        let from = top(f);
        if !modules.contains(&from) {
            continue;
        }
        let depth = f.components().count() - 1;
        let text = fs::read_to_string(src.join(f)).unwrap();
        for to in named_modules(&code(&text), depth) {
            if to != from && modules.contains(&to) {
                graph.get_mut(&from).unwrap().insert(to);
            }
        }
    }
    graph
}

/// A cycle in `graph`, as a path that starts and ends at the same module.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in &graph[m] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

fn describe(graph: &BTreeMap<String, BTreeSet<String>>) -> String {
    graph
        .iter()
        .map(|(m, to)| {
            format!(
                "  {m} -> {}\n",
                to.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect()
}

#[test]
fn no_crate_has_an_import_cycle_between_its_top_level_modules() {
    for krate in ["core", "host", "web"] {
        let graph = module_graph(&repo().join(krate).join("src"));
        assert!(graph.len() > 1, "{krate}: no modules found");
        if let Some(cycle) = find_cycle(&graph) {
            panic!(
                "{krate}/src: import cycle {}\nall imports:\n{}",
                cycle.join(" -> "),
                describe(&graph)
            );
        }
    }
}

/// The host's layers, top first; a module may import only modules of lower layers.
const HOST_LAYERS: [&[&str]; 7] = [
    &["cli", "fuzzing"],
    &["export", "reports"],
    &["training"],
    &["engine"],
    &["model"],
    &["data"],
    &["atomic", "say"],
];

#[test]
fn the_host_imports_only_downwards() {
    let graph = module_graph(&repo().join("host/src"));
    let rank = |m: &str| -> usize {
        HOST_LAYERS
            .iter()
            .position(|names| names.contains(&m))
            .unwrap_or_else(|| panic!("host/src/{m}: not in HOST_LAYERS (tests/tests/layout.rs)"))
    };
    let mut wrong = Vec::new();
    for (from, tos) in &graph {
        let layer = rank(from);
        for to in tos {
            let to_layer = rank(to);
            if to_layer <= layer {
                wrong.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "host imports that go up or sideways: {wrong:?}\nall imports:\n{}",
        describe(&graph)
    );
}

#[test]
fn the_checker_sees_paths_lists_and_climbing_supers_but_not_comments_or_tests() {
    let text = "use crate::a::X;\nuse crate::{b, c::Y};\n// crate::d\nfn f() { super::super::e::g(); }\n#[cfg(test)]\nmod tests { use crate::f; }\n";
    let names = named_modules(&code(text), 2);
    let expected: BTreeSet<String> = ["a", "b", "c", "e"].iter().map(|s| s.to_string()).collect();
    assert_eq!(names, expected);
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);
    graph.get_mut("c").unwrap().insert("a".to_string());
    assert_eq!(find_cycle(&graph).unwrap().len(), 4);
}

/// The longest a hand-written source file may be.
const MAX_LINES: usize = 800;

#[test]
fn no_hand_written_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    for dir in [
        "core",
        "host",
        "web",
        "tests",
        "firmware-example/src",
        "fuzz/fuzz_targets",
    ] {
        let root = repo().join(dir);
        for file in sources(&root) {
            let text = fs::read_to_string(root.join(&file)).unwrap();
            let generated = text.lines().take(5).any(|l| l.contains("@generated"));
            let lines = text.lines().count();
            if !generated && lines > MAX_LINES {
                long.push(format!("{dir}/{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these by job: {long:?}");
}

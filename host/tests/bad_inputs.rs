//! Every row of `docs/bad-inputs.md`, run: the message on standard error,
//! the exit status, and no file written or changed. The table is read from
//! the document, so it cannot drift from what `digitnet` does.

mod common;

use common::{repo, text};
use std::collections::BTreeMap;
use std::path::Path;

/// One row of the table.
#[derive(Debug)]
struct Row {
    args: Vec<String>,
    message: String,
    exit: i32,
}

/// The text between the first pair of backticks in `cell`.
fn quoted(cell: &str) -> Option<&str> {
    let start = cell.find('`')? + 1;
    let end = start + cell[start..].find('`')?;
    Some(&cell[start..end])
}

fn rows(doc: &str) -> Vec<Row> {
    let table = &doc[doc.find("<!-- rows:").expect("rows marker")..];
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            let command = quoted(cells.get(1)?)?;
            let args = command.strip_prefix("digitnet ")?;
            Some(Row {
                args: args.split_whitespace().map(String::from).collect(),
                message: quoted(cells.get(2)?)?.to_owned(),
                exit: cells.get(3)?.parse().ok()?,
            })
        })
        .collect()
}

/// A CSV file in Kaggle's layout: the header, one good row, then `bad` as line 3.
fn csv(bad: &str) -> String {
    let header: Vec<String> = std::iter::once("label".to_owned())
        .chain((0..784).map(|i| format!("pixel{i}")))
        .collect();
    let good: Vec<String> = std::iter::once("3".to_owned())
        .chain((0..784).map(|i| ((i * 7) % 256).to_string()))
        .collect();
    format!("{}\n{}\n{bad}", header.join(","), good.join(","))
}

/// A row of 785 values with `label` and one pixel set to `pixel`.
fn csv_row(label: &str, pixel: &str) -> String {
    let mut v = vec!["0".to_owned(); 785];
    v[0] = label.to_owned();
    v[400] = pixel.to_owned();
    v.join(",") + "\n"
}

/// The folder the rows run in (see the document's list of files).
fn fixtures(dir: &Path) {
    let root = repo();
    std::os::unix::fs::symlink(root.join("data"), dir.join("data")).unwrap();
    std::fs::create_dir(dir.join("models")).unwrap();
    std::fs::create_dir(dir.join("fw")).unwrap();
    let model = std::fs::read(root.join("models/mnist-784-30-10.safetensors")).unwrap();
    std::fs::write(dir.join("models/mnist-784-30-10.safetensors"), &model).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    write("empty.png", b"");
    write("notes.png", b"remember to buy milk\n");
    let mut blank = b"P5\n28 28\n255\n".to_vec();
    blank.extend([128u8; 784]);
    write("blank.pgm", &blank);
    write("huge.pgm", b"P5\n100000 100000\n255\n\x80\x80\x80\x80");
    write("garbage.safetensors", &[b'x'; 64]);
    write("truncated.safetensors", &model[..model.len() / 2]);
    // The data start after the 8-byte header length and the JSON header.
    let header_len = u64::from_le_bytes(model[..8].try_into().unwrap()) as usize;
    let mut nan = model.clone();
    nan[8 + header_len..12 + header_len].copy_from_slice(&f32::NAN.to_le_bytes());
    write("nan.safetensors", &nan);
    let header = std::str::from_utf8(&model[8..8 + header_len]).unwrap();
    assert!(header.contains("\"output.bias\""));
    let mut renamed = model[..8].to_vec();
    renamed.extend(header.replace("\"output.bias\"", "\"output.Bias\"").bytes());
    renamed.extend(&model[8 + header_len..]);
    write("renamed.safetensors", &renamed);
    // Finite weights whose sums overflow: +3e38 and −3e38 in turn give
    // ∞ − ∞ = NaN in every hidden sum, so no output is a number.
    let json: serde_json::Value = serde_json::from_str(header).unwrap();
    let offsets = &json["hidden.weight"]["data_offsets"];
    let (start, end) = (
        8 + header_len + offsets[0].as_u64().unwrap() as usize,
        8 + header_len + offsets[1].as_u64().unwrap() as usize,
    );
    let mut overflow = model.clone();
    for (i, w) in overflow[start..end].chunks_exact_mut(4).enumerate() {
        let v: f32 = if i % 2 == 0 { 3e38 } else { -3e38 };
        w.copy_from_slice(&v.to_le_bytes());
    }
    write("overflow.safetensors", &overflow);
    write("bad-label.csv", csv(&csv_row("12", "0")).as_bytes());
    write("short-row.csv", csv("1,2,3,4,5,6,7,8,9,10\n").as_bytes());
    write("bad-pixel.csv", csv(&csv_row("4", "300")).as_bytes());
    write(
        "header-only.csv",
        csv("").lines().next().unwrap().as_bytes(),
    );
    // IDX folders: the bundled files, one of them replaced by a broken raw file.
    let mnist = root.join("data/mnist");
    for (folder, broken, bytes) in [
        (
            "bad-magic",
            "train-images-idx3-ubyte",
            // The labels' magic number (2049) where the images' (2051) belongs.
            [0u8, 0, 8, 1, 0, 0, 0xEA, 0x60, 0, 0, 0, 28, 0, 0, 0, 28].to_vec(),
        ),
        (
            "truncated-idx",
            "t10k-images-idx3-ubyte",
            // 10,000 images of 28 × 28 announced, 100 bytes given.
            [0u8, 0, 8, 3, 0, 0, 0x27, 0x10, 0, 0, 0, 28, 0, 0, 0, 28]
                .into_iter()
                .chain([0u8; 100])
                .collect(),
        ),
    ] {
        let d = dir.join(folder);
        std::fs::create_dir(&d).unwrap();
        for name in [
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        ] {
            if name == broken {
                std::fs::write(d.join(name), &bytes).unwrap();
            } else {
                let gz = format!("{name}.gz");
                std::fs::copy(mnist.join(&gz), d.join(&gz)).unwrap();
            }
        }
    }
}

/// Every file under `dir` (not following the data link) and its contents.
fn listing(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            let kind = e.file_type().unwrap();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            if kind.is_dir() {
                out.insert(format!("{name}/"), Vec::new());
                stack.push(path);
            } else if kind.is_symlink() {
                out.insert(name, b"->".to_vec());
            } else {
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn every_row_of_the_bad_inputs_table() {
    let doc = std::fs::read_to_string(repo().join("docs/bad-inputs.md")).unwrap();
    let rows = rows(&doc);
    assert!(rows.len() >= 40, "only {} rows read", rows.len());
    let dir = tempfile::tempdir().unwrap();
    fixtures(dir.path());
    let before = listing(dir.path());
    let mut failures = Vec::new();
    for row in &rows {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_digitnet"))
            .args(&row.args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        let code = out.status.code();
        let after = listing(dir.path());
        let changed: Vec<&String> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, _)| k)
            .chain(before.keys().filter(|k| !after.contains_key(*k)))
            .collect();
        if code != Some(row.exit) || !stderr.contains(&row.message) || !changed.is_empty() {
            failures.push(format!(
                "digitnet {}\n  want exit {} and {:?}\n  got exit {code:?}, changed {changed:?}, stderr:\n{stderr}",
                row.args.join(" "),
                row.exit,
                row.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_table_reader_reads_cells() {
    let doc = "x\n<!-- rows: -->\n\n| k | c | m | e |\n|---|---|---|---|\n| flag | `digitnet train --epochs 0` | `at least 1` | 1 |\n\nafter\n| no | `digitnet eval` | `x` | 1 |\n";
    let r = rows(doc);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].args, ["train", "--epochs", "0"]);
    assert_eq!(r[0].message, "at least 1");
    assert_eq!(r[0].exit, 1);
}

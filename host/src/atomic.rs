//! Writing output files whole or not at all, one file or several together.
//!
//! One file (`write_atomic`): a temporary file in the same folder, flushed
//! to disk, then renamed over the target. A rename within a folder is atomic,
//! so a reader, or a run killed at any moment, sees the old file or the new
//! one, never a mixture.
//!
//! Several files that belong together (`write_group`: a model and the
//! firmware sources generated from it, `model.rs` and `samples.rs`) need more,
//! since no file system renames two files at once:
//!
//! 1. Every new file is written to a temporary file beside its target and
//!    flushed to disk. A failure here removes the temporary files: nothing
//!    has changed.
//! 2. A *journal* listing each temporary file and its target is written
//!    (itself atomically) into every folder the group writes to.
//! 3. The temporary files are renamed over their targets, one by one.
//! 4. The journals are removed.
//!
//! A run killed before step 2 ends leaves the old files (and stray temporary
//! files named `.digitnet-*.tmp`, which nothing reads). A run killed in
//! steps 2–4 leaves a journal: the next `digitnet` command that reads or
//! writes one of those folders finds it ([`recover`]) and finishes the
//! renames, so the group goes from all old to all new, never half of each.
//! Every new file was already whole on disk before the first journal was
//! written, so finishing is always possible.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Prefix of every temporary file and journal.
const PREFIX: &str = ".digitnet-";
/// Suffix of a journal's file name.
const JOURNAL_SUFFIX: &str = ".journal";

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// flushed to disk, then renamed over `path`. A reader never sees a half-written
/// file, and a failed write leaves nothing behind. Creates missing parent folders.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = write_temporary(path, bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The folder of `path` (`.` for a bare file name).
fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `bytes` in a new temporary file beside `path`, flushed to disk.
fn write_temporary(path: &Path, bytes: &[u8]) -> io::Result<tempfile::NamedTempFile> {
    let dir = folder(path);
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // Temporary files are private (0600); an output is an ordinary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

/// Writes every `(path, bytes)` so that the files change together: after a
/// failure, or a kill followed by any `digitnet` command that touches one of
/// their folders ([`recover`]), either every file is new or every file is as
/// it was (see the module's documentation).
pub(crate) fn write_group(files: &[(&Path, &[u8])]) -> io::Result<()> {
    for (path, _) in files {
        if path.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                format!("{} is a folder", path.display()),
            ));
        }
    }
    // 1. Every new file whole on disk; dropping them on an error removes them.
    let mut temporaries = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        temporaries.push(write_temporary(path, bytes)?);
        failpoint();
    }
    // 2. The journal, in every folder of the group.
    let mut entries = String::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for ((path, _), tmp) in files.iter().zip(&temporaries) {
        let dir = std::fs::canonicalize(folder(path))?;
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a file name is needed"))?;
        let target = dir.join(name);
        let from = dir.join(tmp.path().file_name().unwrap_or_default());
        entries.push_str(&format!("{}\t{}\n", from.display(), target.display()));
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let journal_name = format!("{PREFIX}{:016x}{JOURNAL_SUFFIX}", group_id(&entries));
    let journals: Vec<PathBuf> = dirs.iter().map(|d| d.join(&journal_name)).collect();
    let mut text = String::from(JOURNAL_HEADER);
    for j in &journals {
        text.push_str(&format!("journal\t{}\n", j.display()));
    }
    text.push_str(&entries);
    let mut written = Vec::new();
    for journal in &journals {
        if let Err(e) = write_atomic(journal, text.as_bytes()) {
            // Nothing renamed yet: undo the journals, the temporaries go with `temporaries`.
            for j in &written {
                let _ = std::fs::remove_file(j);
            }
            return Err(e);
        }
        written.push(journal.clone());
        failpoint();
    }
    // 3. From here on the group is committed: the new files win.
    for ((path, _), tmp) in files.iter().zip(temporaries) {
        tmp.persist(path).map_err(|e| e.error)?;
        failpoint();
    }
    for dir in &dirs {
        sync_dir(dir);
    }
    // 4. Done.
    for journal in &journals {
        std::fs::remove_file(journal)?;
        failpoint();
    }
    Ok(())
}

/// The first line of every journal.
const JOURNAL_HEADER: &str = "digitnet journal v1: rename each temporary file over its target\n";

/// A name for a group's journals, different for every group and run.
fn group_id(entries: &str) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(entries.as_bytes());
    h.write_u32(std::process::id());
    h.finish()
}

/// Flushes a folder's entries (the renames in it) to disk, where the system allows.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Finishes every group write that a killed run left unfinished in `dir`
/// (see the module's documentation), and returns the files it completed.
pub fn recover(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut completed = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(completed),
        Err(e) => return Err(e),
    };
    let mut journals: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(JOURNAL_SUFFIX))
        })
        .collect();
    journals.sort();
    for journal in journals {
        let text = match std::fs::read_to_string(&journal) {
            Ok(t) => t,
            // Finished by another run meanwhile.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let mut lines = text.lines();
        if lines.next() != Some(JOURNAL_HEADER.trim_end()) {
            continue;
        }
        let mut copies = Vec::new();
        for line in lines {
            match line.split_once('\t') {
                Some(("journal", path)) => copies.push(PathBuf::from(path)),
                Some((from, to)) => match std::fs::rename(from, to) {
                    Ok(()) => completed.push(PathBuf::from(to)),
                    // Renamed before the kill (or by another run).
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                },
                None => {}
            }
        }
        for copy in copies.iter().chain(std::iter::once(&journal)) {
            match std::fs::remove_file(copy) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        sync_dir(dir);
    }
    Ok(completed)
}

/// The environment variable of the commit's failure points, for tests: set
/// to `N`, a group write stops the process (as a kill would, with no clean-up)
/// at its `N`-th step, counted from 1: each temporary file written, each
/// journal written, each rename, each journal removed.
pub const FAILPOINT_ENV: &str = "DIGITNET_TEST_ABORT_AT_STEP";

/// Counts a step of a group write; aborts the process at the step named by
/// [`FAILPOINT_ENV`].
fn failpoint() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static ABORT_AT: OnceLock<Option<usize>> = OnceLock::new();
    static STEP: AtomicUsize = AtomicUsize::new(0);
    let abort_at = ABORT_AT.get_or_init(|| std::env::var(FAILPOINT_ENV).ok()?.parse().ok());
    if let Some(at) = *abort_at {
        if STEP.fetch_add(1, Ordering::SeqCst) + 1 == at {
            std::process::abort();
        }
    }
}

/// Why a file could not be written where it was asked for.
#[derive(Debug)]
pub enum Unwritable {
    /// The folder to write in does not exist.
    NoFolder(PathBuf),
    /// A file stands where a folder of the path should be.
    FileInTheWay(PathBuf),
    /// The folder refuses new files (read-only, no permission, a full disk).
    Refused(PathBuf, io::Error),
}

/// Checks, before any work, that `path` can be written: its folder exists
/// (or, with `make_folder`, only that last folder is missing and its parent
/// exists, as for a page's folder) and takes a new file. A file is created
/// there and removed at once; nothing else is touched.
pub fn check_writable(path: &Path, make_folder: bool) -> Result<(), Unwritable> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let probe_in = if dir.is_dir() {
        dir
    } else {
        // The nearest part of the path that exists says what is wrong.
        let mut existing = dir;
        while !existing.exists() {
            match existing.parent() {
                Some(p) if !p.as_os_str().is_empty() => existing = p,
                _ => {
                    existing = Path::new(".");
                    break;
                }
            }
        }
        if !existing.is_dir() {
            return Err(Unwritable::FileInTheWay(existing.to_path_buf()));
        }
        match dir.parent() {
            Some(parent) if make_folder && existing == parent => parent,
            Some(parent) if make_folder && parent.as_os_str().is_empty() => Path::new("."),
            _ => return Err(Unwritable::NoFolder(dir.to_path_buf())),
        }
    };
    let probe = probe_in.join(format!("{PREFIX}probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(Unwritable::Refused(probe_in.to_path_buf(), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn writes_whole_file_and_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.bin");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn failure_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // The target is an existing folder: the rename fails.
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), b"x").unwrap();
        assert!(write_atomic(&target, b"data").is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_group_in_two_folders_is_written_with_nothing_left_over() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("one/a"),
            dir.path().join("two/b"),
            dir.path().join("two/c"),
        );
        write_group(&[(&a, b"a1"), (&b, b"b1"), (&c, b"c1")]).unwrap();
        write_group(&[(&a, b"a2"), (&b, b"b2"), (&c, b"c2")]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"a2");
        assert_eq!(std::fs::read(&b).unwrap(), b"b2");
        assert_eq!(std::fs::read(&c).unwrap(), b"c2");
        assert_eq!(names(&dir.path().join("one")), ["a"]);
        assert_eq!(names(&dir.path().join("two")), ["b", "c"]);
        assert!(recover(&dir.path().join("two")).unwrap().is_empty());
    }

    #[test]
    fn a_failure_before_the_journal_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"old").unwrap();
        // The second target's folder cannot be made: a file is in the way.
        std::fs::write(dir.path().join("blocker"), b"").unwrap();
        let b = dir.path().join("blocker/b");
        assert!(write_group(&[(&a, b"new"), (&b, b"new")]).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["a", "blocker"]);
        // A folder as a target is refused before anything is written.
        let folder = dir.path().join("f");
        std::fs::create_dir(&folder).unwrap();
        assert!(write_group(&[(&a, b"new"), (&folder, b"x")]).is_err());
        assert_eq!(names(dir.path()), ["a", "blocker", "f"]);
    }

    #[test]
    fn recovery_finishes_a_journal_left_half_done() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (dir.path().join("one"), dir.path().join("two"));
        std::fs::create_dir_all(&one).unwrap();
        std::fs::create_dir_all(&two).unwrap();
        let (a, b) = (one.join("a"), two.join("b"));
        std::fs::write(&a, b"a-old").unwrap();
        std::fs::write(&b, b"b-old").unwrap();
        // As a run killed after renaming `a` but not `b` leaves them.
        let ta = one.join(".digitnet-x1.tmp");
        let tb = two.join(".digitnet-x2.tmp");
        std::fs::write(&tb, b"b-new").unwrap();
        std::fs::write(&a, b"a-new").unwrap();
        let (ja, jb) = (
            one.join(".digitnet-7.journal"),
            two.join(".digitnet-7.journal"),
        );
        let text = format!(
            "{JOURNAL_HEADER}journal\t{}\njournal\t{}\n{}\t{}\n{}\t{}\n",
            ja.display(),
            jb.display(),
            ta.display(),
            a.display(),
            tb.display(),
            b.display()
        );
        std::fs::write(&ja, &text).unwrap();
        std::fs::write(&jb, &text).unwrap();
        // Recovering either folder finishes the whole group and removes both journals.
        assert_eq!(recover(&one).unwrap(), std::slice::from_ref(&b));
        assert_eq!(std::fs::read(&a).unwrap(), b"a-new");
        assert_eq!(std::fs::read(&b).unwrap(), b"b-new");
        assert_eq!(names(&one), ["a"]);
        assert_eq!(names(&two), ["b"]);
        assert!(recover(&two).unwrap().is_empty());
        // A missing folder has nothing to recover; a foreign file is left alone.
        assert!(recover(&dir.path().join("none")).unwrap().is_empty());
        std::fs::write(one.join(".digitnet-9.journal"), "something else\n").unwrap();
        assert!(recover(&one).unwrap().is_empty());
    }

    #[test]
    fn recovery_reports_a_journal_it_cannot_remove() {
        let dir = tempfile::tempdir().unwrap();
        // The journal names a folder as its own copy: removing it fails with
        // an error other than "not found", which recovery must report, not
        // pass over as a copy another run already removed.
        let journal = dir.path().join(".digitnet-8.journal");
        let stuck = dir.path().join("stuck");
        std::fs::create_dir(&stuck).unwrap();
        let text = format!("{JOURNAL_HEADER}journal\t{}\n", stuck.display());
        std::fs::write(&journal, text).unwrap();
        assert!(recover(dir.path()).is_err());
        assert!(stuck.is_dir());
    }

    #[test]
    fn writable_paths_are_checked_without_leaving_anything() {
        let dir = tempfile::tempdir().unwrap();
        let here = dir.path();
        assert!(check_writable(&here.join("m.safetensors"), false).is_ok());
        let missing = here.join("nowhere/m.safetensors");
        assert!(matches!(
            check_writable(&missing, false),
            Err(Unwritable::NoFolder(d)) if d == here.join("nowhere")
        ));
        // A page's folder may be made, if its parent is there.
        assert!(check_writable(&missing, true).is_ok());
        assert!(matches!(
            check_writable(&here.join("a/b/page.html"), true),
            Err(Unwritable::NoFolder(_))
        ));
        std::fs::write(here.join("file"), b"x").unwrap();
        for make_folder in [false, true] {
            assert!(matches!(
                check_writable(&here.join("file/sub/m.safetensors"), make_folder),
                Err(Unwritable::FileInTheWay(f)) if f == here.join("file")
            ));
        }
        #[cfg(target_os = "linux")]
        assert!(matches!(
            check_writable(Path::new("/sys/m.safetensors"), false),
            Err(Unwritable::Refused(d, _)) if d == Path::new("/sys")
        ));
        // Only `file` is left: no probe, no folder made.
        let left: Vec<_> = std::fs::read_dir(here).unwrap().collect();
        assert_eq!(left.len(), 1);
    }
}

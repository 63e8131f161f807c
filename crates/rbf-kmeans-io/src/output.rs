//! Writing an output to a file or standard output without leaving half-written files behind.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::IoError;

/// Distinguishes temporary files of concurrent writes from one process.
static TEMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Runs `write` on standard output (`None` or `"-"`) or on the file at `path`.
///
/// A regular file is written to a temporary file in the same directory, which is renamed over
/// `path` only once everything was written; on any error the temporary file is removed and an
/// existing `path` is left untouched. Paths that are not regular files (`/dev/null`, a named
/// pipe) are written in place. The replaced file gets default permissions, and a symbolic link at
/// `path` is replaced by a regular file rather than followed.
///
/// Output is buffered; `write` need not buffer itself. The file is not synced to disk before the
/// rename, so a power failure (unlike an error) may still leave it incomplete.
pub fn write_to_path_or_stdout<F>(path: Option<&str>, write: F) -> Result<(), IoError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    match path {
        None | Some("-") => {
            let mut out = BufWriter::new(io::stdout().lock());
            write(&mut out)
                .and_then(|()| out.flush())
                .map_err(|source| IoError::Write {
                    path: "<stdout>".to_owned(),
                    source,
                })
        }
        Some(path) => write_file(Path::new(path), write).map_err(|source| IoError::Write {
            path: path.to_owned(),
            source,
        }),
    }
}

fn write_file<F>(target: &Path, write: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    // Special files cannot be replaced by a rename, and need not be: nothing half-written stays.
    if fs::metadata(target).is_ok_and(|meta| !meta.is_file()) {
        let mut out = BufWriter::new(OpenOptions::new().write(true).open(target)?);
        write(&mut out)?;
        return out.flush();
    }

    let temp = temp_path(target);
    let result = write_then_rename(&temp, target, write);
    if result.is_err() {
        // The write's own error is the one to report; a failed cleanup adds nothing actionable.
        let _ = fs::remove_file(&temp);
    }
    result
}

fn write_then_rename<F>(temp: &Path, target: &Path, write: F) -> io::Result<()>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let file = OpenOptions::new().write(true).create_new(true).open(temp)?;
    let mut out = BufWriter::new(file);
    write(&mut out)?;
    let file: File = out.into_inner().map_err(|e| e.into_error())?;
    drop(file);
    fs::rename(temp, target)
}

/// `dir/.name.<pid>.<n>.tmp` next to `target`, so the final rename stays on one file system.
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy());
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp_name = format!(".{name}.{}.{n}.tmp", std::process::id());
    match target.parent() {
        Some(dir) => dir.join(temp_name),
        None => PathBuf::from(temp_name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dir::TestDir;

    #[test]
    fn writes_a_new_file_and_replaces_an_old_one() {
        let dir = TestDir::new("output_replace");
        let path = dir.path("out.csv");

        write_to_path_or_stdout(Some(&path), |w| w.write_all(b"first\n")).unwrap();
        write_to_path_or_stdout(Some(&path), |w| w.write_all(b"second\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "second\n");
        assert_eq!(dir.entries(), ["out.csv"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = TestDir::new("output_fail");
        let path = dir.path("out.csv");
        fs::write(&path, "precious\n").unwrap();

        let err = write_to_path_or_stdout(Some(&path), |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("the model diverged"))
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("cannot write '{path}': the model diverged")
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "precious\n");
        assert_eq!(dir.entries(), ["out.csv"]);
    }

    #[test]
    fn a_missing_directory_is_reported_with_the_path() {
        let err =
            write_to_path_or_stdout(Some("/nonexistent/dir/out.csv"), |_| Ok(())).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("cannot write '/nonexistent/dir/out.csv': "),
            "{msg}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place() {
        write_to_path_or_stdout(Some("/dev/null"), |w| w.write_all(b"discarded")).unwrap();
    }

    #[test]
    fn temporary_names_sit_beside_the_target() {
        let temp = temp_path(Path::new("a/b/out.npy"));
        assert_eq!(temp.parent(), Some(Path::new("a/b")));
        assert!(temp
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".out.npy."));
    }
}

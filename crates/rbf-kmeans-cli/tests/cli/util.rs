//! Running the real `rbf-kmeans` binary and checking what a user sees.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// A scratch directory, removed when dropped.
pub struct Dir(tempfile::TempDir);

impl Dir {
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().expect("a temporary directory"))
    }

    /// `name` inside the directory, as the text a user would type.
    pub fn path(&self, name: &str) -> String {
        self.0.path().join(name).to_string_lossy().into_owned()
    }

    /// Writes `contents` to `name` and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.path(name);
        fs::write(&path, contents).expect("a scratch file");
        path
    }

    pub fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
    }

    /// The names in the directory, sorted: shows any stray temporary file.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.0.path())
            .expect("the scratch directory")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

/// What one run of the binary produced.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `rbf-kmeans args…` with stdout and stderr piped (so never a terminal) and `stdin` fed in.
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rbf-kmeans"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the rbf-kmeans binary runs");
    child
        .stdin
        .take()
        .expect("a piped stdin")
        .write_all(stdin)
        .expect("stdin is written");
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("the binary finishes");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(stderr).expect("UTF-8 stderr"),
    }
}

/// Runs `rbf-kmeans args…` with an empty stdin.
pub fn run(args: &[&str]) -> Run {
    run_with_stdin(args, b"")
}

/// Runs and asserts success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_success(&r, args);
    r.stdout
}

pub fn assert_success(r: &Run, args: &[&str]) {
    assert_eq!(r.code, Some(0), "rbf-kmeans {args:?} failed:\n{}", r.stderr);
}

/// Runs and asserts a user error: exit code 1, nothing on stdout, exactly one line on stderr
/// starting `rbf-kmeans: error: ` and holding every one of `needles`, and no panic. Returns the
/// line.
pub fn fails(args: &[&str], needles: &[&str]) -> String {
    assert_user_error(&run(args), args, needles)
}

pub fn assert_user_error(r: &Run, args: &[&str], needles: &[&str]) -> String {
    assert_one_line_error(r, args, 1, needles)
}

/// As [`fails`] for a command line that does not parse: the same one line, exit code 2.
pub fn fails_to_parse(args: &[&str], needles: &[&str]) -> String {
    assert_one_line_error(&run(args), args, 2, needles)
}

fn assert_one_line_error(r: &Run, args: &[&str], code: i32, needles: &[&str]) -> String {
    let context = format!("rbf-kmeans {args:?}\nstderr:\n{}", r.stderr);
    assert_eq!(r.code, Some(code), "exit code; {context}");
    for sign_of_a_panic in ["panicked", "RUST_BACKTRACE", "internal error"] {
        assert!(!r.stderr.contains(sign_of_a_panic), "a panic; {context}");
    }
    assert_eq!(r.stdout, "", "stdout of a failed run; {context}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr; {context}");
    let line = lines[0];
    assert!(line.starts_with("rbf-kmeans: error: "), "{context}");
    for needle in needles {
        assert!(line.contains(needle), "{needle:?} missing; {context}");
    }
    line.to_owned()
}

/// Numbers as CSV, one row per line, each written so it reads back to the same float.
pub fn csv(rows: &[&[f64]]) -> String {
    rows.iter()
        .map(|row| {
            let fields: Vec<String> = row.iter().map(f64::to_string).collect();
            fields.join(",") + "\n"
        })
        .collect()
}

/// Three well separated pairs of points in 2-D: every sensible 3-clustering is the same.
pub const THREE_PAIRS: &[&[f64]] = &[
    &[0.0, 0.0],
    &[0.1, 0.2],
    &[10.0, 10.0],
    &[10.2, 9.9],
    &[-10.0, 10.0],
    &[-9.8, 10.1],
];

/// `rows × cols` deterministic, irregular values (a small linear congruential sequence).
pub fn irregular(rows: usize, cols: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1_u64 << 53) as f64
    };
    (0..rows)
        .map(|i| {
            (0..cols)
                .map(|_| next() * 3.0 + (i % 4) as f64 * 7.0)
                .collect()
        })
        .collect()
}

/// `rows` as CSV.
pub fn csv_of(rows: &[Vec<f64>]) -> String {
    let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
    csv(&refs)
}

/// Parses CSV output (no header) with Rust's own float parser.
pub fn parse_matrix(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .map(|line| {
            line.split(',')
                .map(|f| f.parse().unwrap_or_else(|_| panic!("not a number: {f:?}")))
                .collect()
        })
        .collect()
}

/// Parses labels, one integer per line.
pub fn parse_labels(text: &str) -> Vec<usize> {
    text.lines()
        .map(|l| l.parse().unwrap_or_else(|_| panic!("not a label: {l:?}")))
        .collect()
}

/// The `centers` of a model file, each number parsed from its text by Rust's `f64` parser.
pub fn model_centers(json: &str) -> Vec<Vec<f64>> {
    let start = json.find("\"centers\"").expect("a centers key");
    let rest = &json[start + "\"centers\"".len()..];
    let open = rest.find('[').expect("a centers array");
    let (mut depth, mut rows, mut row, mut number) = (0, Vec::new(), Vec::new(), String::new());
    for c in rest[open..].chars() {
        match c {
            '[' => depth += 1,
            ']' | ',' => {
                if !number.is_empty() {
                    row.push(number.parse::<f64>().expect("a number"));
                    number.clear();
                }
                if c == ']' {
                    depth -= 1;
                    match depth {
                        0 => break,
                        _ => rows.push(std::mem::take(&mut row)),
                    }
                }
            }
            c if c.is_whitespace() => {}
            c => number.push(c),
        }
    }
    rows
}

/// A version 1.0 `.npy` file with the given header fields and raw data bytes.
pub fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    let order = if fortran { "True" } else { "False" };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}\n");
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((dict.len() as u16).to_le_bytes());
    bytes.extend(dict.as_bytes());
    bytes.extend(data);
    bytes
}

/// Little-endian `f64` bytes.
pub fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Little-endian `f32` bytes.
pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Asserts `path` was not created.
pub fn assert_absent(path: &str) {
    assert!(!Path::new(path).exists(), "{path} was left behind");
}

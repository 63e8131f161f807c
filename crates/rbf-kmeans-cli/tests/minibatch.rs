//! End-to-end tests of `rbf-kmeans fit --mini-batch`: streaming from files and standard input,
//! models usable by `predict`, errors that name the place, and memory that does not grow with
//! the input.

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rbf-kmeans"))
}

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("minibatch-{name}"));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("the binary runs");
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the binary runs");
    assert!(!out.status.success(), "should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `n` rows around 4 centers in 3 dimensions, as CSV with a header.
fn blobs_csv(n: usize) -> String {
    let mut s = String::from("a,b,c\n");
    let mut state = 7_u64;
    for i in 0..n {
        let c = (i % 4) as f64 * 10.0;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        s += &format!("{},{},{}\n", c + noise(), -c + noise(), noise());
    }
    s
}

fn model(path: &PathBuf) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_file_is_streamed_and_the_model_serves_predict() {
    let d = dir("file");
    let x = d.join("x.csv");
    fs::write(&x, blobs_csv(5000)).unwrap();
    let (m, labels) = (d.join("m.json"), d.join("labels.txt"));
    run(bin()
        .args([
            "fit",
            "--mini-batch",
            "128",
            "--passes",
            "3",
            "-k",
            "4",
            "-q",
        ])
        .args(["-i", x.to_str().unwrap(), "-o", m.to_str().unwrap()])
        .args(["--labels", labels.to_str().unwrap()]));

    let json = model(&m);
    assert_eq!(json["centers"].as_array().unwrap().len(), 4);
    assert_eq!(json["extra"]["inertia_source"], "final-pass");
    assert_eq!(json["extra"]["n_samples"], 5000);
    assert_eq!(json["options"]["algorithm"], "mini-batch");
    // Four tight blobs: about 3 · 1/12 per point.
    let inertia = json["inertia"].as_f64().unwrap();
    assert!(inertia < 5000.0 * 0.3, "{inertia}");

    let predicted = run(bin()
        .args(["predict", "-m", m.to_str().unwrap()])
        .args(["-i", x.to_str().unwrap()]));
    assert_eq!(
        String::from_utf8(predicted.stdout).unwrap(),
        fs::read_to_string(&labels).unwrap()
    );
}

#[test]
fn standard_input_is_one_pass_and_matches_the_same_pass_over_a_file() {
    let d = dir("stdin");
    let text = blobs_csv(3000);
    let x = d.join("x.csv");
    fs::write(&x, &text).unwrap();
    let (from_file, from_stdin) = (d.join("file.json"), d.join("stdin.json"));
    let args = ["fit", "--mini-batch", "100", "-k", "4", "--seed", "3", "-q"];
    run(bin()
        .args(args)
        .args(["-i", x.to_str().unwrap(), "-o", from_file.to_str().unwrap()]));

    let mut child = bin()
        .args(args)
        .args(["-i", "-", "-o", from_stdin.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (a, b) = (model(&from_file), model(&from_stdin));
    assert_eq!(a["centers"], b["centers"]);
    assert_eq!(b["extra"]["inertia_source"], "batches");

    let err = fails(
        bin()
            .args(args)
            .args(["-i", "-", "-o", "x.json", "--passes", "2"]),
    );
    assert!(err.contains("--passes must be 1"), "{err}");
}

#[test]
fn weights_stream_beside_the_data() {
    let d = dir("weights");
    let x = d.join("x.csv");
    fs::write(&x, blobs_csv(1000)).unwrap();
    let w2 = d.join("w2.csv");
    fs::write(&w2, "2\n".repeat(1000)).unwrap();
    let short = d.join("short.csv");
    fs::write(&short, "1\n".repeat(999)).unwrap();
    let (plain, weighted) = (d.join("plain.json"), d.join("weighted.json"));
    let base = [
        "fit",
        "--mini-batch",
        "64",
        "-k",
        "4",
        "--passes",
        "2",
        "-q",
    ];
    let xs = x.to_str().unwrap();
    run(bin()
        .args(base)
        .args(["-i", xs, "-o", plain.to_str().unwrap()]));
    run(bin()
        .args(base)
        .args(["-i", xs, "-o", weighted.to_str().unwrap()])
        .args(["--weights", w2.to_str().unwrap()]));
    // Doubling every weight doubles v_k, S_k and b_k exactly: the same centers, bit for bit.
    assert_eq!(model(&plain)["centers"], model(&weighted)["centers"]);

    let err = fails(
        bin()
            .args(base)
            .args(["-i", xs, "-o", "x.json", "--weights"])
            .arg(&short),
    );
    assert!(err.contains("the weights end after 999 rows"), "{err}");
}

#[test]
fn errors_name_the_line_and_column_of_a_later_chunk() {
    let d = dir("errors");
    let mut text = blobs_csv(2000);
    text += "1,2,x\n";
    let x = d.join("bad.csv");
    fs::write(&x, text).unwrap();
    let err = fails(
        bin()
            .args(["fit", "--mini-batch", "50", "-k", "3", "-o", "m.json", "-i"])
            .arg(&x),
    );
    assert!(
        err.contains("line 2002, column 3: 'x' is not a number"),
        "{err}"
    );

    let err = fails(
        bin()
            .args([
                "fit",
                "--mini-batch",
                "50",
                "-k",
                "3",
                "--n-init",
                "2",
                "-o",
                "m.json",
                "-i",
            ])
            .arg(&x),
    );
    assert!(err.contains("--n-init"), "{err}");
}

/// A C-order `float32` `.npy` file of `n × d` values, written without holding it in memory.
fn write_npy_f32(path: &PathBuf, n: usize, d: usize) {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({n}, {d}), }}");
    let pad = 64 - (10 + dict.len() + 1) % 64;
    let header = format!("{dict}{}\n", " ".repeat(pad));
    let mut f = std::io::BufWriter::new(fs::File::create(path).unwrap());
    f.write_all(b"\x93NUMPY\x01\x00").unwrap();
    f.write_all(&(header.len() as u16).to_le_bytes()).unwrap();
    f.write_all(header.as_bytes()).unwrap();
    let mut state = 1_u32;
    for i in 0..n {
        for j in 0..d {
            state = state.wrapping_mul(1664525).wrapping_add(1013904223);
            let v = ((i + j) % 8) as f32 * 5.0 + (state >> 8) as f32 / (1 << 24) as f32;
            f.write_all(&v.to_le_bytes()).unwrap();
        }
    }
}

/// Runs the binary and returns its peak resident memory in bytes (`ru_maxrss` from `wait4`).
// The child is reaped by `wait4`, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn peak_rss(cmd: &mut Command) -> u64 {
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain old data, for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own unwaited child, and both pointers are to live locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the fit failed"
    );
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn peak_memory_does_not_grow_with_the_input() {
    let d = dir("memory");
    let (small, big) = (d.join("small.npy"), d.join("big.npy"));
    write_npy_f32(&small, 100_000, 16);
    write_npy_f32(&big, 1_600_000, 16);
    let big_bytes = fs::metadata(&big).unwrap().len();
    let fit = |x: &PathBuf| {
        let mut c = bin();
        c.args([
            "fit",
            "--mini-batch",
            "1000",
            "-k",
            "8",
            "--threads",
            "2",
            "-q",
            "-i",
        ])
        .arg(x)
        .arg("-o")
        .arg(d.join("m.json"))
        .arg("--labels")
        .arg(d.join("labels.txt"));
        peak_rss(&mut c)
    };
    let (small_peak, big_peak) = (fit(&small), fit(&big));
    eprintln!("peak RSS: {small_peak} B on 6.4 MB, {big_peak} B on {big_bytes} B");
    assert!(big_peak < big_bytes / 4, "{big_peak} of {big_bytes}");
    assert!(
        big_peak < small_peak + (8 << 20),
        "{big_peak} vs {small_peak}"
    );
    fs::remove_dir_all(&d).unwrap();
}

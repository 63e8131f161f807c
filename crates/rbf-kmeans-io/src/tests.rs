//! Tests of the file-level entry points, and robustness against arbitrary bytes.

use super::*;
use crate::test_dir::TestDir;

fn npy_bytes<F: Element>(data: &Array2<F>) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_npy(&mut bytes, data.view()).unwrap();
    bytes
}

#[test]
fn reads_csv_and_npy_files_in_their_precision() {
    let dir = TestDir::new("formats");
    let csv = dir.file("x.csv", "a,b\n1,2\n3,4\n");
    let m = read_matrix(&csv, &ReadOptions::default()).unwrap();
    assert_eq!((m.nrows(), m.ncols(), m.dtype_name()), (2, 2, "f64"));

    let x32 = ndarray::array![[0.1_f32, 2.0], [3.0, 4.0]];
    let npy = dir.file("x.NPY", npy_bytes(&x32));
    let m = read_matrix(&npy, &ReadOptions::default()).unwrap();
    assert_eq!(m.dtype_name(), "f32");
    assert_eq!(m.into_f32(), x32);
}

#[test]
fn npy_content_is_recognised_under_any_extension() {
    let dir = TestDir::new("sniff");
    let x = ndarray::array![[1.5, -2.0]];
    let path = dir.file("centers.dat", npy_bytes(&x));
    assert_eq!(
        read_matrix(&path, &ReadOptions::default())
            .unwrap()
            .into_f64(),
        x
    );
}

#[test]
fn a_text_file_named_npy_is_not_numpy() {
    let dir = TestDir::new("magic");
    let path = dir.file("x.npy", "1,2\n");
    let msg = read_matrix(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        format!("'{path}' is not a NumPy .npy file (it does not start with \\x93NUMPY)")
    );
}

#[test]
fn missing_files_name_the_path_and_the_os_error() {
    for path in ["/nonexistent/x.csv", "/nonexistent/x.npy"] {
        let msg = read_matrix(path, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(&format!("cannot open '{path}': No such file")),
            "{msg}"
        );
    }
    let msg = read_vector("/nonexistent/w.csv", &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("cannot open '/nonexistent/w.csv'"), "{msg}");
}

#[test]
fn a_directory_is_reported_as_unreadable() {
    let dir = TestDir::new("isdir");
    let path = dir.path("");
    let msg = read_matrix(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.contains(&format!("'{path}'")), "{msg}");
}

#[test]
fn csv_errors_name_the_file() {
    let dir = TestDir::new("csv_errors");
    let path = dir.file("bad.csv", "x,y\n1,2\n3\n");
    let msg = read_matrix(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        format!("'{path}': line 3 has 1 fields, expected 2 (from line 1)")
    );

    let path = dir.file("empty.csv", "");
    let msg = read_matrix(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with(&format!("'{path}' holds no data")), "{msg}");
}

#[test]
fn reads_weight_vectors_from_csv_and_npy() {
    let dir = TestDir::new("vectors");
    let csv = dir.file("w.csv", "weight\r\n0.5\r\n2\r\n\r\n");
    assert_eq!(
        read_vector(&csv, &ReadOptions::default()).unwrap(),
        [0.5, 2.0]
    );

    let column = ndarray::array![[0.25], [4.0]];
    let npy = dir.file("w.npy", npy_bytes(&column));
    assert_eq!(
        read_vector(&npy, &ReadOptions::default()).unwrap(),
        [0.25, 4.0]
    );

    let sniffed = dir.file("w.bin", npy_bytes(&column));
    assert_eq!(
        read_vector(&sniffed, &ReadOptions::default()).unwrap(),
        [0.25, 4.0]
    );

    let wide = dir.file("wide.csv", "1,2\n3,4\n");
    let msg = read_vector(&wide, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        format!("'{wide}' has 2 columns; a vector needs exactly one number per line")
    );
}

#[test]
fn stdin_like_readers_work_with_any_source_name() {
    let input = std::io::Cursor::new(b"1 2\n3 4\n".to_vec());
    let m = read_csv_matrix(input, "<stdin>", &ReadOptions::default()).unwrap();
    assert_eq!(m, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);

    let msg = read_csv_matrix(&b"1 x\n"[..], "<stdin>", &ReadOptions::default()).unwrap_err();
    assert_eq!(
        msg.to_string(),
        "'<stdin>', line 1, column 2: 'x' is not a number"
    );

    match read_stream(
        npy_bytes(&ndarray::array![[7.0]]).as_slice(),
        "<stdin>",
        &Default::default(),
    ) {
        Ok(Stream::Npy(bytes)) => assert!(npy_matrix_from_bytes(&bytes, "<stdin>").is_ok()),
        _ => panic!("piped .npy data should be recognised"),
    }
}

#[test]
fn written_files_read_back_identically() {
    let dir = TestDir::new("round_trip");
    let x = ndarray::array![[0.1, -0.0, 5e-324], [1e-300, 1.0 / 3.0, -1e300]];
    let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();

    let csv = dir.path("x.csv");
    write_to_path_or_stdout(Some(&csv), |w| write_csv_matrix(w, x.view(), None)).unwrap();
    let back = read_matrix(&csv, &ReadOptions::default())
        .unwrap()
        .into_f64();
    assert_eq!(bits(&back), bits(&x));

    let npy = dir.path("x.npy");
    write_to_path_or_stdout(Some(&npy), |w| write_npy_f64(w, x.view())).unwrap();
    let back = read_matrix(&npy, &ReadOptions::default())
        .unwrap()
        .into_f64();
    assert_eq!(bits(&back), bits(&x));
}

/// xorshift64*: enough randomness to shake the parsers, with no dependency.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Bytes(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"0123456789.,;eE+-naif# \t\r\n\"x\xff";

    for round in 0..3000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                // Half the inputs draw from CSV-ish characters, to get past the first field.
                if round % 2 == 0 {
                    alphabet[rng.below(alphabet.len())]
                } else {
                    rng.next() as u8
                }
            })
            .collect();
        let _ = read_csv(bytes.as_slice(), "fuzz", &ReadOptions::default());
        let _ = npy_matrix_from_bytes(&bytes, "fuzz");
        let _ = read_stream(bytes.as_slice(), "fuzz", &ReadOptions::default());
    }
}

#[test]
fn corrupted_npy_files_never_panic() {
    let mut rng = Bytes(42);
    let valid = npy_bytes(&ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);

    for _ in 0..3000 {
        let mut bytes = valid.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        bytes.truncate(rng.below(bytes.len() + 1).max(bytes.len() - rng.below(16)));
        let _ = npy_matrix_from_bytes(&bytes, "fuzz.npy");
        let _ = npy_vector_from_bytes(&bytes, "fuzz.npy");
    }
}

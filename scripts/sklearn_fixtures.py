#!/usr/bin/env python3
"""Generate scikit-learn reference fixtures for rbf-kmeans.

Run from anywhere as

    python3 scripts/sklearn_fixtures.py

The script is self-bootstrapping: it creates (if absent) a virtual
environment at ``<repo>/.venv-fixtures/``, pip-installs the pinned versions of
numpy / scipy / scikit-learn listed in ``PINS`` into it, and re-executes itself
inside that environment (single-threaded, so the floating-point reduction order
is the same on every machine).  Only the standard library is used before the
re-exec.

It then writes one JSON file per case, plus ``index.json``, into
``crates/rbf-kmeans/tests/fixtures/sklearn/`` (existing ``*.json`` files there
are replaced).  Everything is seeded, so re-running produces identical files.

For every case the script runs ``sklearn.cluster.KMeans(init=<stored centers>,
n_init=1, algorithm="lloyd")`` twice -- with ``tol=0.0`` and with sklearn's
default ``tol=1e-4`` -- and cross-checks both runs against a plain NumPy
re-implementation of Lloyd's algorithm (direct ``(x - c)**2`` distances, no
mean-centering, no GEMM trick).  A case is only accepted when

* the two implementations agree (labels identical, centers / inertia to 1e-9),
* no cluster becomes empty at any iteration (so sklearn's empty-cluster
  relocation heuristic is never exercised),
* every label decision (in every iteration and for ``predict_x``) wins by a
  clear relative margin, so a different but correct distance computation
  cannot flip a label.

Otherwise the seed for the initial centers is changed and the case retried.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv-fixtures"
OUT_DIR = REPO / "crates" / "rbf-kmeans" / "tests" / "fixtures" / "sklearn"
PINS = ["numpy==2.4.6", "scipy==1.17.1", "scikit-learn==1.9.1"]
_GUARD = "RBF_KMEANS_FIXTURES_IN_VENV"


# --------------------------------------------------------------------------
# Bootstrap (stdlib only)
# --------------------------------------------------------------------------
def _venv_python():
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def _in_venv():
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def _bootstrap():
    import subprocess
    import venv

    py = _venv_python()
    if not py.exists():
        print(f"[fixtures] creating virtual environment {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(str(VENV))
    marker = VENV / ".rbf-kmeans-pins"
    want = "\n".join(PINS) + "\n"
    if not marker.exists() or marker.read_text() != want:
        print(f"[fixtures] installing {' '.join(PINS)}", flush=True)
        subprocess.check_call(
            [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", *PINS]
        )
        marker.write_text(want)
    env = dict(os.environ)
    env[_GUARD] = "1"
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONHASHSEED"] = "0"
    args = [str(py), str(Path(__file__).resolve()), *sys.argv[1:]]
    sys.stdout.flush()
    os.execve(str(py), args, env)


if not _in_venv():
    if os.environ.get(_GUARD):
        sys.exit(f"[fixtures] re-exec did not land in {VENV} (sys.prefix={sys.prefix})")
    _bootstrap()


# --------------------------------------------------------------------------
# Inside the venv from here on
# --------------------------------------------------------------------------
import json  # noqa: E402
import platform  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

TOL_DEFAULT = 1e-4
# Minimum relative gap between the best and second-best squared distance for
# every label decision (see `_assign`).
MIN_MARGIN = 1e-7
AGREE_RTOL = 1e-9


# --------------------------------------------------------------------------
# Reference Lloyd implementation (plain NumPy)
# --------------------------------------------------------------------------
def _assign(X, C, mu):
    """Labels, squared distances and relative decision margin.

    margin_i = (d2 - d1) / (|x_i - mu|^2 + |c_best - mu|^2 + |c_second - mu|^2)
    i.e. the gap measured against the magnitudes that enter a
    |x|^2 - 2 x.c + |c|^2 style computation on mean-centered data.
    """
    D = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(D, axis=1)
    if C.shape[0] == 1:
        return labels, D, np.inf
    order = np.argsort(D, axis=1, kind="stable")
    rows = np.arange(X.shape[0])
    d1 = D[rows, order[:, 0]]
    d2 = D[rows, order[:, 1]]
    xn = ((X - mu) ** 2).sum(axis=1)
    cn = ((C - mu) ** 2).sum(axis=1)
    scale = xn + cn[order[:, 0]] + cn[order[:, 1]]
    scale = np.where(scale > 0, scale, 1.0)
    margin = float(np.min((d2 - d1) / scale))
    return labels, D, margin


def ref_lloyd(X, w, init, max_iter, tol_abs):
    """Mirror of sklearn's `_kmeans_single_lloyd` control flow."""
    mu = X.mean(axis=0)
    k = init.shape[0]
    C = init.copy()
    labels_old = None
    strict = False
    min_margin = np.inf
    empty = False
    for i in range(max_iter):
        labels, _, m = _assign(X, C, mu)
        min_margin = min(min_margin, m)
        wsum = np.bincount(labels, weights=w, minlength=k)
        if np.any(wsum <= 0) or np.bincount(labels, minlength=k).min() == 0:
            empty = True
            break
        sums = np.zeros_like(C)
        np.add.at(sums, labels, X * w[:, None])
        C_new = sums / wsum[:, None]
        shift = float(((C_new - C) ** 2).sum())
        C = C_new
        if labels_old is not None and np.array_equal(labels, labels_old):
            strict = True
            break
        if shift <= tol_abs:
            break
        labels_old = labels
    if not strict and not empty:
        labels, _, m = _assign(X, C, mu)
        min_margin = min(min_margin, m)
    d = ((X - C[labels]) ** 2).sum(axis=1)
    inertia = float((w * d).sum())
    return {
        "centers": C,
        "labels": labels,
        "inertia": inertia,
        "n_iter": i + 1,
        "strict": strict,
        "empty": empty,
        "min_margin": min_margin,
    }


def sk_tolerance(X, tol):
    """sklearn's `_tolerance`: tol * mean of the per-feature variances of X
    (unweighted, population variance), compared with sum of squared center
    shifts."""
    if tol == 0:
        return 0.0
    return float(np.mean(np.var(X, axis=0)) * tol)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------
def _blobs(n, centers, d, std, seed):
    X, _ = datasets.make_blobs(
        n_samples=n, n_features=d, centers=centers, cluster_std=std, random_state=seed
    )
    return X


def case_iris():
    X = datasets.load_iris().data
    return X, None, 3, 300, "Iris (sklearn load_iris), all 150 rows, 4 features."


def case_wine():
    X = datasets.load_wine().data
    return X, None, 4, 300, (
        "Wine (sklearn load_wine), all 178 rows, 13 unscaled features "
        "(proline is ~1000x larger than the others)."
    )


def case_breast_cancer():
    X = datasets.load_breast_cancer().data
    return X, None, 2, 300, "Breast cancer (sklearn load_breast_cancer), all 569 rows, 30 features."


def case_digits():
    X = datasets.load_digits().data
    idx = np.sort(np.random.default_rng(1234).choice(X.shape[0], 600, replace=False))
    return X[idx], None, 10, 300, (
        "Digits (sklearn load_digits) subsampled to 600 rows (seed 1234, "
        "original order kept), 64 integer-valued pixel features 0..16."
    )


def case_blobs_iso():
    X = _blobs(360, 6, 4, 1.0, 11)
    return X, None, 6, 300, "make_blobs: 360 points, 6 isotropic blobs (std 1.0) in 4-D."


def case_blobs_aniso():
    X = _blobs(300, 5, 2, 1.0, 170)
    X = X @ np.array([[0.6, -0.64], [-0.41, 0.85]])
    return X, None, 5, 300, (
        "make_blobs: 300 points, 5 blobs in 2-D, linearly transformed by "
        "[[0.6,-0.64],[-0.41,0.85]] (anisotropic)."
    )


def case_blobs_varied():
    X = _blobs(350, 7, 3, [0.3, 0.6, 1.0, 1.5, 2.0, 2.5, 0.8], 170)
    return X, None, 7, 300, (
        "make_blobs: 350 points, 7 blobs in 3-D with unequal standard "
        "deviations 0.3..2.5."
    )


def case_uniform_square():
    X = np.random.default_rng(42).uniform(0.0, 1.0, size=(400, 2))
    return X, None, 8, 300, "400 points uniform on the unit square [0,1)^2 (no cluster structure)."


def case_one_d():
    rng = np.random.default_rng(7)
    X = np.concatenate(
        [rng.normal(loc, sc, size=m) for loc, sc, m in
         [(-5.0, 0.5, 40), (0.0, 1.0, 60), (3.0, 0.3, 30), (8.0, 2.0, 70), (20.0, 1.0, 50)]]
    )[:, None]
    return X, None, 9, 300, "1-D: 250 points from a mixture of 5 Gaussians, clustered with k=9."


def case_weighted():
    X = _blobs(300, 4, 3, 1.5, 5)
    rng = np.random.default_rng(99)
    w = rng.uniform(0.5, 3.0, size=X.shape[0])
    small = rng.choice(X.shape[0], 30, replace=False)
    w[small] = rng.uniform(1e-3, 1e-2, size=small.size)
    return X, w, 4, 300, (
        "make_blobs: 300 points, 4 blobs in 3-D, with sample weights uniform "
        "in [0.5,3) except 30 points with weights in [1e-3,1e-2)."
    )


def case_max_iter():
    X = _blobs(400, 6, 2, 3.0, 21)
    return X, None, 6, 3, (
        "make_blobs: 400 points, 6 heavily overlapping blobs in 2-D (std 3.0); "
        "max_iter=3 is reached before convergence, so the centers are the "
        "3rd M-step output and labels are re-assigned to those centers "
        "(sklearn's final E-step)."
    )


def case_small_scale():
    X = np.random.default_rng(3).normal(size=(500, 2)) * 1e-3
    return X, None, 3, 300, (
        "500 points from one 2-D standard normal scaled by 1e-3 (feature "
        "variance ~1e-6). Discriminates the tol convention: sklearn's relative "
        "tol (tol * mean feature variance) stops before strict convergence, "
        "while an absolute tol=1e-4 on the squared center shift would stop "
        "after the first iteration."
    )


# Cases whose tol_default run must stop (on the tol criterion) strictly
# before the tol0 run, so the fixtures exercise sklearn's tol convention.
WANT_TOL_EARLY = {"weighted_blobs", "small_scale"}

CASES = [
    ("iris", case_iris),
    ("wine", case_wine),
    ("breast_cancer", case_breast_cancer),
    ("digits_600", case_digits),
    ("blobs_isotropic", case_blobs_iso),
    ("blobs_anisotropic", case_blobs_aniso),
    ("blobs_varied", case_blobs_varied),
    ("uniform_square", case_uniform_square),
    ("one_d", case_one_d),
    ("weighted_blobs", case_weighted),
    ("max_iter_reached", case_max_iter),
    ("small_scale", case_small_scale),
]


# --------------------------------------------------------------------------
# Generation and checking
# --------------------------------------------------------------------------
class Reject(Exception):
    pass


def _rel_close(a, b, rtol):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) <= rtol * scale


def _pick_init(X, k, rng):
    idx = rng.choice(X.shape[0], k, replace=False)
    init = X[idx].copy()
    if np.unique(init, axis=0).shape[0] != k:
        raise Reject("duplicate initial centers")
    return init


def _sk_fit(X, w, init, max_iter, tol):
    km = KMeans(
        n_clusters=init.shape[0],
        init=init.copy(),
        n_init=1,
        max_iter=max_iter,
        tol=tol,
        algorithm="lloyd",
        copy_x=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any ConvergenceWarning etc. -> reject
        km.fit(X, sample_weight=w)
    return km


def _check(sk, ref, what):
    if ref["empty"]:
        raise Reject(f"{what}: empty cluster")
    if ref["min_margin"] < MIN_MARGIN:
        raise Reject(f"{what}: near-tie (margin {ref['min_margin']:.3g})")
    if not np.array_equal(sk.labels_, ref["labels"]):
        raise Reject(f"{what}: labels differ from reference")
    k = sk.cluster_centers_.shape[0]
    if np.bincount(sk.labels_, minlength=k).min() == 0:
        raise Reject(f"{what}: empty cluster in final labels")
    if sk.n_iter_ != ref["n_iter"]:
        raise Reject(f"{what}: n_iter {sk.n_iter_} vs reference {ref['n_iter']}")
    if not _rel_close(sk.cluster_centers_, ref["centers"], AGREE_RTOL):
        raise Reject(f"{what}: centers differ from reference")
    if not _rel_close(sk.inertia_, ref["inertia"], AGREE_RTOL):
        raise Reject(f"{what}: inertia differs from reference")


def _predict_points(X, rng, m=8):
    lo, hi = X.min(axis=0), X.max(axis=0)
    sd = X.std(axis=0)
    rows = X[rng.choice(X.shape[0], m - 3, replace=False)]
    near = rows + rng.normal(size=rows.shape) * 0.3 * sd
    far = rng.uniform(lo, hi, size=(3, X.shape[1]))
    return np.vstack([near, far])


def _result(km):
    return {
        "centers": km.cluster_centers_.tolist(),
        "labels": [int(v) for v in km.labels_],
        "inertia": float(km.inertia_),
        "n_iter": int(km.n_iter_),
    }


def build_case(name, fn):
    X, w, k, max_iter, desc = fn()
    X = np.ascontiguousarray(X, dtype=np.float64)
    w = None if w is None else np.ascontiguousarray(w, dtype=np.float64)
    wr = np.ones(X.shape[0]) if w is None else w
    tol_abs = sk_tolerance(X, TOL_DEFAULT)
    mu = X.mean(axis=0)
    reasons = []
    for attempt in range(500):
        seed = 1000 + attempt
        rng = np.random.default_rng(seed)
        try:
            init = _pick_init(X, k, rng)
            ref0 = ref_lloyd(X, wr, init, max_iter, 0.0)
            if name == "max_iter_reached":
                if ref0["strict"] or ref0["n_iter"] != max_iter:
                    raise Reject("converged before max_iter")
            elif not ref0["strict"]:
                raise Reject("no strict convergence within max_iter")
            ref1 = ref_lloyd(X, wr, init, max_iter, tol_abs)
            if name in WANT_TOL_EARLY and ref1["n_iter"] >= ref0["n_iter"]:
                raise Reject("tol_default does not stop before strict convergence")
            sk0 = _sk_fit(X, w, init, max_iter, 0.0)
            _check(sk0, ref0, "tol0")
            sk1 = _sk_fit(X, w, init, max_iter, TOL_DEFAULT)
            _check(sk1, ref1, "tol_default")
            px = _predict_points(X, np.random.default_rng(seed + 500000))
            plabels, pd2, pm = _assign(px, ref0["centers"], mu)
            if pm < MIN_MARGIN:
                raise Reject("predict_x near-tie")
            sk_pl = sk0.predict(px)
            if not np.array_equal(sk_pl, plabels):
                raise Reject("predict labels differ from reference")
            tr = sk0.transform(px)
            if not _rel_close(tr, np.sqrt(pd2), 1e-8):
                raise Reject("transform differs from reference")
            score = float(sk0.score(px))
            if not _rel_close(score, -pd2[np.arange(len(px)), plabels].sum(), 1e-8):
                raise Reject("score differs from reference")
        except Reject as e:
            reasons.append(f"seed {seed}: {e}")
            continue
        break
    else:
        raise SystemExit(f"[fixtures] {name}: no acceptable seed\n" + "\n".join(reasons[-10:]))
    if reasons:
        print(f"[fixtures] {name}: rejected {len(reasons)} seed(s), e.g. {reasons[0]}")

    tol0 = _result(sk0)
    told = {"tol": TOL_DEFAULT, "tol_abs": tol_abs}
    told.update(_result(sk1))
    n, d = X.shape
    return {
        "name": name,
        "description": desc,
        "n": int(n),
        "d": int(d),
        "k": int(k),
        "init_seed": int(seed),
        "x": X.tolist(),
        "sample_weight": None if w is None else w.tolist(),
        "init": init.tolist(),
        "max_iter": int(max_iter),
        "tol0": tol0,
        "tol_default": told,
        "min_label_margin": float(min(ref0["min_margin"], ref1["min_margin"], pm)),
        "predict_x": px.tolist(),
        "predict_labels": [int(v) for v in sk_pl],
        "transform": tr.tolist(),
        "score": score,
    }


def _dump(obj):
    """One top-level key per line; values compact. Python floats use repr
    (shortest round-trip), so every f64 survives exactly."""
    parts = [
        json.dumps(key) + ": " + json.dumps(val, separators=(",", ":"), allow_nan=False)
        for key, val in obj.items()
    ]
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _verify_file(path):
    """Re-load a written fixture and recompute inertia / labels from it."""
    c = json.loads(path.read_text())
    X = np.array(c["x"], dtype=np.float64)
    w = np.ones(len(X)) if c["sample_weight"] is None else np.array(c["sample_weight"])
    assert X.shape == (c["n"], c["d"])
    for key in ("tol0", "tol_default"):
        r = c[key]
        C = np.array(r["centers"])
        lab = np.array(r["labels"])
        assert C.shape == (c["k"], c["d"]) and lab.shape == (c["n"],)
        D = ((X[:, None, :] - C[None]) ** 2).sum(axis=2)
        assert np.array_equal(np.argmin(D, axis=1), lab), (path, key, "labels")
        inertia = float((w * D[np.arange(len(X)), lab]).sum())
        assert abs(inertia - r["inertia"]) <= 1e-10 * abs(r["inertia"]), (path, key, inertia)
    P = np.array(c["predict_x"])
    C = np.array(c["tol0"]["centers"])
    D = ((P[:, None, :] - C[None]) ** 2).sum(axis=2)
    assert np.array_equal(np.argmin(D, axis=1), c["predict_labels"])
    assert np.allclose(np.sqrt(D), c["transform"], rtol=1e-10, atol=0)
    assert abs(-D.min(axis=1).sum() - c["score"]) <= 1e-10 * abs(c["score"])


def main():
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
    }
    print("[fixtures] versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUT_DIR.glob("*.json"):
        old.unlink()
    index = {
        "generator": "scripts/sklearn_fixtures.py",
        "versions": versions,
        "kmeans_params": {
            "n_init": 1,
            "algorithm": "lloyd",
            "tol0": 0.0,
            "tol_default": TOL_DEFAULT,
            "tol_convention": (
                "sklearn stops when sum over clusters of squared center shift "
                "<= tol * mean(np.var(X, axis=0)) (unweighted population "
                "variance, = tol_abs), or earlier when labels are unchanged "
                "from the previous iteration; when it did not stop on "
                "unchanged labels it re-assigns labels to the final centers"
            ),
        },
        "cases": [],
    }
    with threadpool_limits(limits=1):
        for name, fn in CASES:
            case = build_case(name, fn)
            path = OUT_DIR / f"{name}.json"
            path.write_text(_dump(case))
            _verify_file(path)
            entry = {
                "name": name,
                "file": path.name,
                "n": case["n"],
                "d": case["d"],
                "k": case["k"],
                "max_iter": case["max_iter"],
                "weighted": case["sample_weight"] is not None,
                "n_iter_tol0": case["tol0"]["n_iter"],
                "n_iter_tol_default": case["tol_default"]["n_iter"],
            }
            index["cases"].append(entry)
            print(
                f"[fixtures] {name:18s} n={entry['n']:4d} d={entry['d']:2d} k={entry['k']:2d} "
                f"max_iter={entry['max_iter']:3d} n_iter tol0={entry['n_iter_tol0']:3d} "
                f"tol_default={entry['n_iter_tol_default']:3d} weighted={entry['weighted']} "
                f"({path.stat().st_size} bytes)"
            )
    (OUT_DIR / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    total = sum(p.stat().st_size for p in OUT_DIR.glob("*.json"))
    print(f"[fixtures] wrote {len(index['cases'])} cases to {OUT_DIR} ({total} bytes of JSON)")


if __name__ == "__main__":
    main()

//! Where the workspace keeps what the kit reads and writes, found from this crate's folder at
//! run time (nothing is compiled in, so a regenerated file is read by the same process).

use std::path::PathBuf;

/// The workspace root.
#[must_use]
pub fn workspace_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&root).unwrap_or(root)
}

/// `test-vectors/`.
#[must_use]
pub fn test_vectors() -> PathBuf {
    workspace_root().join("test-vectors")
}

/// The seed corpora of the fuzz targets, `fuzz/corpus/` (one folder per target).
#[must_use]
pub fn corpus() -> PathBuf {
    workspace_root().join("fuzz/corpus")
}

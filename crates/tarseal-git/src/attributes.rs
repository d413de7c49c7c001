//! `export-ignore` and `export-subst` from the tree's own `.gitattributes` files.

/// Which paths `git archive` leaves out or rewrites, decided from the tag's tree only.
#[derive(Debug, Clone, Default)]
pub struct ExportAttributes {
    // implementation detail
}

impl ExportAttributes {
    /// True when `git archive` would leave `path` out (the path or a parent directory carries
    /// `export-ignore`).
    pub fn is_export_ignored(&self, path: &str) -> bool {
        let _ = path;
        todo!()
    }

    /// True when `git archive` expands `$Format:...$` placeholders in `path`.
    pub fn is_export_subst(&self, path: &str) -> bool {
        let _ = path;
        todo!()
    }
}

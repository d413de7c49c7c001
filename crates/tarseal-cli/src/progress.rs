//! The progress bar: on a terminal only, silent when piped or with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;

/// Below this archive size a bar would only flicker.
const MIN_BYTES: u64 = 16 << 20;

/// A progress bar over the compressed bytes of the archive, created lazily on the first update
/// once the total is known.
pub struct Bar {
    enabled: bool,
    label: String,
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(enabled: bool, archive: &Path) -> Bar {
        Bar {
            enabled,
            label: archive
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bar: None,
        }
    }

    pub fn update(&mut self, done: u64, total: u64) {
        if !self.enabled || total < MIN_BYTES {
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            b.set_message(self.label.clone());
            b
        });
        bar.set_position(done);
    }

    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

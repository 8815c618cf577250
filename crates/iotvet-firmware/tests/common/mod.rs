//! Helpers shared by the firmware tests that build images with real tools.
#![allow(dead_code)]

use std::path::PathBuf;

/// A folder of its own under the system's temp folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("iotvet-fwtest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Bytes that do not compress (xorshift), so an image's expansion stays like a real one's.
pub fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

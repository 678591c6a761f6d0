//! The terminal of an app session run in the test's own process: what the
//! session wrote, shared with the test and read back as an 80x24 screen.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
pub struct Screen(Arc<Mutex<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Screen {
    pub fn text(&self) -> String {
        let mut parser = vt100::Parser::new(24, 80, 0);
        parser.process(&self.0.lock().unwrap());
        parser.screen().contents()
    }

    /// How long `text` took to appear; fails the test after `within`.
    #[allow(dead_code)]
    pub fn wait_for(&self, text: &str, within: Duration) -> Duration {
        let start = Instant::now();
        loop {
            if self.text().contains(text) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < within,
                "{text:?} not on screen within {within:?}:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

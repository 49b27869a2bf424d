//! A process outside the sandbox for attacks to aim at: started by the test, unrelated to llrun,
//! holding a secret in its memory and its environment.

use super::PY;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The secret a victim holds, in memory and in its environment.
pub const VICTIM_SECRET: &str = "LLRUN-SECRET(victim)";

/// A running Python process that keeps [`VICTIM_SECRET`] in a buffer at a known address and
/// waits, with `SIGTERM` and `SIGIO` blocked: a signal that reaches it stays pending, where the
/// test can see it without waiting for anything. Killed when dropped.
pub struct Victim {
    child: Child,
    /// The address of the secret in the victim's memory.
    pub address: u64,
}

const VICTIM: &str = "\
import ctypes, os, signal, sys, time
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGIO})
secret = ctypes.create_string_buffer(os.environ['VICTIM_SECRET'].encode())
print(ctypes.addressof(secret), flush=True)
time.sleep(120)
";

impl Victim {
    pub fn spawn() -> Victim {
        let mut child = Command::new(PY)
            .args(["-c", VICTIM])
            .env("VICTIM_SECRET", VICTIM_SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the victim");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("the victim's address");
        let address = line.trim().parse().expect("an address");
        Victim { child, address }
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// The signals sent to the victim and not yet handled (`ShdPnd` of /proc/PID/status), as
    /// a bit mask (bit N-1 for signal N).
    pub fn pending_signals(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let mask = status
            .lines()
            .find_map(|l| l.strip_prefix("ShdPnd:"))
            .expect("ShdPnd in /proc/PID/status");
        u64::from_str_radix(mask.trim(), 16).unwrap()
    }
}

impl Drop for Victim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

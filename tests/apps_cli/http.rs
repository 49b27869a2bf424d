//! A small HTTP server outside the sandbox that keeps every byte it receives, so that a test can
//! tell what reached it rather than trust what the client said.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A hang guard for one connection, not a timing assertion.
const PATIENCE: Duration = Duration::from_secs(60);

/// HTTP on 127.0.0.1, one connection at a time: `GET /NAME` serves `site/NAME` (404 if there is
/// none), any other request is answered 201. Each connection's request, as received, is written
/// to `received/N` before the answer goes out.
pub struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(site: PathBuf, received: PathBuf) -> Server {
        Server::start_on(0, site, received).expect("listen on 127.0.0.1")
    }

    /// The same on `port` (0: any free port).
    pub fn start_on(port: u16, site: PathBuf, received: PathBuf) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        std::fs::create_dir_all(&site)?;
        std::fs::create_dir_all(&received)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve(stream, &site, &received.join(n.to_string()));
                }
            }
        });
        Ok(Server {
            port,
            stop,
            thread: Some(thread),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// Returns once every connection made before the call has been served and recorded:
    /// connections are served in the order they come, so it is enough to be served after them.
    pub fn settle(&self) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(b"GET /settle HTTP/1.0\r\n\r\n").unwrap();
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(mut stream: TcpStream, site: &Path, log: &Path) {
    let _ = stream.set_read_timeout(Some(PATIENCE));
    let request = read_request(&mut stream);
    std::fs::write(log, &request).unwrap();
    let head = String::from_utf8_lossy(&request);
    let name = head
        .strip_prefix("GET /")
        .and_then(|rest| rest.split(' ').next());
    let (status, body) = match name {
        Some(name) => match std::fs::read(site.join(name)) {
            Ok(body) => ("200 OK", body),
            Err(_) => ("404 Not Found", b"not found\n".to_vec()),
        },
        None => ("201 Created", b"stored\n".to_vec()),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&body);
}

/// The head and the body (as long as its `Content-Length`) of one request, or what came before
/// the client closed or the hang guard ran out.
fn read_request(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut continued = false;
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            if head.contains("expect: 100-continue") && !continued {
                let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
                continued = true;
            }
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return got;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
}

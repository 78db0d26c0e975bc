//! A plain HTTP/1.1 client for the review tests and benchmark: one request
//! per connection, every header as given (the security tests set Host and
//! Origin themselves), and the WebDriver calls of the browser tests.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::Value;

/// A response: status, headers (names lower-cased) and body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One HTTP/1.1 request on a fresh connection, every header as given (the
/// tests set Host and Origin themselves).
pub fn request(port: u16, head: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("the server listens");
    let mut text = format!("{head} HTTP/1.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || head.starts_with("POST") {
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    // A server that keeps the connection open despite `Connection: close`
    // (chromedriver) is read up to its Content-Length; none waits forever.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(300)))
        .unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    let (split, length) = loop {
        let read = stream.read(&mut buffer).expect("the server answers");
        raw.extend_from_slice(&buffer[..read]);
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok());
            break (split, length);
        }
        assert!(read > 0, "the connection closed before a complete head");
    };
    loop {
        let complete = length.is_some_and(|n| raw.len() >= split + 4 + n);
        if complete {
            break;
        }
        let read = stream.read(&mut buffer).expect("the server answers");
        if read == 0 {
            break;
        }
        raw.extend_from_slice(&buffer[..read]);
    }
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let end = length.map_or(raw.len(), |n| (split + 4 + n).min(raw.len()));
    Answer {
        status,
        headers,
        body: raw[split + 4..end].to_vec(),
    }
}

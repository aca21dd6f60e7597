// The client gives up halfway through the download.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn main() -> std::io::Result<()> {
    let mut stream = TcpStream::connect("10.0.2.10:80")?;
    stream.write_all(b"GET / HTTP/1.1\r\nHost: 10.0.2.10\r\n…\r\n\r\n")?;
    let mut response = Vec::new();
    let mut buf = [0; 65536];
    while response.len() < 2000 {
        let n = stream.read(&mut buf)?; // waits for bytes
        response.extend_from_slice(&buf[..n]);
    }
    // Enough: a linger time of zero makes close send an RST, not a FIN
    // (set_linger is nightly-only in std; the socket2 crate has it).
    stream.set_linger(Some(Duration::ZERO))?; drop(stream);
    Ok(())
}

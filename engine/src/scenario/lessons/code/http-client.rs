// The client: what curl does, as a Rust program.
use std::io::{Read, Write};
use std::net::TcpStream;

fn main() -> std::io::Result<()> {
    // Sends the SYN; returns once the SYN, ACK is in.
    let mut stream = TcpStream::connect("10.0.2.10:{port}")?;
    stream.write_all(b"GET / HTTP/1.1\r\nHost: 10.0.2.10\r\n…\r\n\r\n")?;
    let mut response = Vec::new();
    let mut buf = [0; 65536];
    loop {
        // Waits until bytes (or the server's FIN) arrive.
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break; // end of file: the server closed
        }
        response.extend_from_slice(&buf[..n]);
        if response.len() >= full_length(&response) {
            break; // all of Content-Length is in
        }
    }
    drop(stream); // close: sends our FIN
    Ok(())
}

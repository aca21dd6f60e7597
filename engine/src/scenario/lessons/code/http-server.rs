// The server: a tiny web server, as a Rust program.
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:80")?; // LISTEN
    // Waits until a client's handshake is complete.
    let (mut stream, _) = listener.accept()?;
    let mut request = Vec::new();
    let mut buf = [0; 65536];
    while !request.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut buf)?; // waits for the request
        request.extend_from_slice(&buf[..n]);
    }
    stream.write_all(HEAD)?; // "HTTP/1.1 200 OK" and the headers
    stream.write_all(BODY)?; // the page
    // Waits for the client to close: read returns 0 at its FIN.
    let n = stream.read(&mut buf)?;
    assert_eq!(n, 0);
    drop(stream); // close: sends our FIN
    Ok(())
}

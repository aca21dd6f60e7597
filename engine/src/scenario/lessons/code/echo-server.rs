// An echo server (RFC 862): sends back every byte it reads.
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:7")?; // LISTEN
    let (mut stream, _) = listener.accept()?; // waits for a handshake
    let mut buf = [0; 65536];
    loop {
        let n = stream.read(&mut buf)?; // waits for bytes or the FIN
        if n == 0 {
            break; // end of file: the client closed
        }
        stream.write_all(&buf[..n])?;
    }
    drop(stream); // close: sends our FIN
    Ok(())
}

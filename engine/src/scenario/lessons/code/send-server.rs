// The server: sends its data as soon as a client connects, reads what
// the client sends, and closes once the client has.
use std::io::{Read, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:{port}")?; // LISTEN
    let (mut stream, _) = listener.accept()?; // waits for a handshake
    stream.write_all(&DATA)?; // {data}
    let mut buf = [0; 65536];
    loop {
        let n = stream.read(&mut buf)?; // waits for bytes or the FIN
        if n == 0 {
            break; // end of file: the client closed
        }
    }
    drop(stream); // close: sends our FIN
    Ok(())
}

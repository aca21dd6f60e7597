// The receiver: reads everything the sender sends, then closes.
use std::io::Read;
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("0.0.0.0:{port}")?; // LISTEN
    let (mut stream, _) = listener.accept()?; // waits for a handshake
    let mut buf = [0; 65536];
    loop {
        // Each read returns what has arrived in order so far.
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break; // end of file: the sender closed
        }
    }
    drop(stream); // close: sends our FIN
    Ok(())
}

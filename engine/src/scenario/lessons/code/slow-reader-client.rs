// The client reads slowly: 1000 bytes every 1.5 s, into a small buffer.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread::sleep;
use std::time::Duration;

fn main() -> std::io::Result<()> {
    let mut stream = TcpStream::connect("10.0.2.10:80")?;
    // Its receive buffer holds only 2000 bytes (SO_RCVBUF; socket2 sets it).
    stream.write_all(b"GET / HTTP/1.1\r\nHost: 10.0.2.10\r\n…\r\n\r\n")?;
    let mut buf = [0; 1000];
    loop {
        let n = stream.read(&mut buf)?; // at most 1000 bytes
        if n == 0 {
            break; // end of file: the server closed
        }
        // While the program sleeps, the receive buffer fills up and
        // the window it advertises shrinks to zero.
        sleep(Duration::from_millis(1500));
    }
    drop(stream);
    Ok(())
}

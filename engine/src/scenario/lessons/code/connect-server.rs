// The other host also connects (a simultaneous open), sends its line,
// reads until the client closes, then closes.
use std::io::{Read, Write};
use std::net::TcpStream;

fn main() -> std::io::Result<()> {
    // std cannot pick the local port; socket2's bind and connect can.
    // This one connects from port 6000 to port 5000.
    let mut stream = TcpStream::connect("10.0.1.5:5000")?;
    stream.write_all(b"hello from 10.0.2.10\n")?;
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

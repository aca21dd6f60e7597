// {who}: sends its data, says it is done, then reads until the other closes.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

fn main() -> std::io::Result<()> {
    {connect_note}
    let mut stream = TcpStream::connect("{addr}")?;
    stream.write_all(&DATA)?; // {data}
    // FIN: nothing more to send, but the other side may still send.
    stream.shutdown(Shutdown::Write)?;
    let mut buf = [0; 65536];
    loop {
        let n = stream.read(&mut buf)?; // waits for bytes or the FIN
        if n == 0 {
            break; // end of file
        }
    }
    Ok(())
}

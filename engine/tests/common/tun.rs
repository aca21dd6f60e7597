//! Plumbing for tests that talk to the Linux kernel's own TCP: a network
//! namespace the test creates (and always deletes), a TUN device inside it
//! whose other end is a file descriptor in the test process, child processes
//! that die with the test, and an independent packet capture.
//!
//! Nothing here leaves the namespace: the TUN device is its only link
//! besides `lo`, so the kernel in there can reach nothing but the test.

use std::io::{self, BufRead, BufReader};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The executable `name` on PATH (or in the sbin directories, which a
/// non-login root shell may leave off PATH).
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Why this host cannot join a namespace to the test, or None if it can.
pub fn unsupported() -> Option<String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not running as root (needed for network namespaces and TUN)".into());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Some("/dev/net/tun does not exist".into());
    }
    if find_tool("ip").is_none() {
        return Some("the `ip` tool (iproute2) is not installed".into());
    }
    // Root in a container may still lack the rights (CAP_NET_ADMIN, CAP_SYS_ADMIN): try once.
    let pid = std::process::id();
    let probe = Netns::create(&format!("tcpsim-probe-{pid}")).and_then(|ns| {
        let tun = Tun::create(&format!("tprobe{pid}"))?;
        ns.adopt_link(tun.name())
    });
    probe
        .err()
        .map(|e| format!("cannot make a network namespace with a TUN device in it: {e}"))
}

/// Runs a command to completion, failing with its stderr if it fails.
pub fn run(cmd: &mut Command) -> io::Result<String> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A network namespace, deleted on drop (also when the test panics).
pub struct Netns {
    name: String,
    ip: PathBuf,
}

impl Netns {
    pub fn create(name: &str) -> io::Result<Netns> {
        let ip = find_tool("ip").ok_or_else(|| io::Error::other("`ip` not found"))?;
        run(Command::new(&ip).args(["netns", "add", name]))?;
        Ok(Netns {
            name: name.to_string(),
            ip,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Deletes namespaces named `{prefix}{pid}-…` whose test process is
    /// gone: left behind by a run that was killed before its guards ran.
    pub fn remove_stale(prefix: &str) {
        let Some(ip) = find_tool("ip") else {
            return;
        };
        let Ok(list) = run(Command::new(&ip).args(["netns", "list"])) else {
            return;
        };
        for name in list.lines().filter_map(|l| l.split_whitespace().next()) {
            let Some(pid) = name.strip_prefix(prefix).and_then(|rest| rest.split('-').next()) else {
                continue;
            };
            if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
                eprintln!("deleting stale network namespace {name}");
                let _ = run(Command::new(&ip).args(["netns", "del", name]));
            }
        }
    }

    /// `program` to be run inside the namespace. `ip netns exec` execs it,
    /// so the child's pid is the program's own.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(&self.ip);
        cmd.args(["netns", "exec", &self.name]).arg(program);
        cmd
    }

    /// Runs `ip ARGS` inside the namespace.
    pub fn ip(&self, args: &[&str]) -> io::Result<String> {
        run(Command::new(&self.ip).args(["-n", &self.name]).args(args))
    }

    /// Moves a link from the test's namespace into this one.
    pub fn adopt_link(&self, link: &str) -> io::Result<()> {
        run(Command::new(&self.ip).args(["link", "set", link, "netns", &self.name])).map(drop)
    }

    /// A file under /proc/sys/net or /proc/net as this namespace sees it.
    pub fn read_proc(&self, path: &str) -> io::Result<String> {
        run(self.command("cat").arg(path))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let deleted = Command::new(&self.ip)
            .args(["netns", "del", &self.name])
            .stdin(Stdio::null())
            .output();
        match deleted {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "could not delete network namespace {}: {}",
                self.name,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => eprintln!("could not delete network namespace {}: {e}", self.name),
        }
    }
}

/// A TUN device (IFF_TUN | IFF_NO_PI): each read is one IP datagram the
/// kernel routed to the device, each write one datagram the kernel receives
/// from it. Non-persistent: closing the descriptor removes the device.
pub struct Tun {
    fd: OwnedFd,
    name: String,
}

impl Tun {
    /// Creates the device in the test's own namespace; move it with
    /// `Netns::adopt_link` (the descriptor stays valid across the move).
    pub fn create(name: &str) -> io::Result<Tun> {
        if name.len() >= libc::IFNAMSIZ {
            return Err(io::Error::other(format!("interface name {name:?} is too long")));
        }
        // SAFETY: a plain open(2) of a NUL-terminated path.
        let raw = unsafe {
            libc::open(
                c"/dev/net/tun".as_ptr(),
                libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a descriptor we just opened and own alone.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: ifreq is plain old data; all zeroes is a valid value.
        let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
        for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
            *dst = src as libc::c_char;
        }
        req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
        // SAFETY: TUNSETIFF reads and writes one ifreq, which `req` is.
        if unsafe { libc::ioctl(fd.as_raw_fd(), libc::TUNSETIFF, &mut req) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Tun {
            fd,
            name: name.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Waits up to `timeout` for a datagram to read; true if one is there.
    pub fn wait_readable(&self, timeout: Duration) -> io::Result<bool> {
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // Round up so a wait for a timer a few µs away does not spin.
        let ms = timeout.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n < 0 {
            let err = io::Error::last_os_error();
            return if err.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(err)
            };
        }
        Ok(n > 0 && pfd.revents & libc::POLLIN != 0)
    }

    /// One datagram into `buf`, or None if none is waiting.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        // SAFETY: `buf` is valid for writes of its length.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let err = io::Error::last_os_error();
            return match err.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(err),
            };
        }
        Ok(Some(n as usize))
    }

    /// Hands one whole datagram to the kernel.
    pub fn write(&self, datagram: &[u8]) -> io::Result<()> {
        // SAFETY: `datagram` is valid for reads of its length.
        let n = unsafe { libc::write(self.fd.as_raw_fd(), datagram.as_ptr().cast(), datagram.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        if n as usize != datagram.len() {
            return Err(io::Error::other(format!(
                "short write: {n} of {} bytes",
                datagram.len()
            )));
        }
        Ok(())
    }
}

/// A child process killed (and reaped) on drop unless it already ended.
pub struct ChildGuard {
    child: Child,
    what: String,
}

impl ChildGuard {
    pub fn spawn(cmd: &mut Command, what: &str) -> io::Result<ChildGuard> {
        let child = cmd
            .spawn()
            .map_err(|e| io::Error::other(format!("cannot start {what}: {e}")))?;
        Ok(ChildGuard {
            child,
            what: what.to_string(),
        })
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The exit status if the process has ended.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Waits for the process to end by itself, polling, for at most
    /// `timeout`; None if it is still running then.
    pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Asks the process to finish (SIGINT: a capture flushes its file).
    pub fn interrupt(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.child.id()) {
            if self.child.try_wait().is_ok_and(|s| s.is_none()) {
                // SAFETY: a signal to our own child, which has not been reaped.
                unsafe { libc::kill(pid, libc::SIGINT) };
            }
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if self.child.try_wait().is_ok_and(|s| s.is_none()) {
            eprintln!("stopping {} (pid {})", self.what, self.child.id());
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads a child's stderr on a thread: lines go to a channel (to wait for a
/// "ready" message) and all of it is kept for error messages.
fn follow_stderr(child: &mut Child) -> (mpsc::Receiver<String>, Arc<Mutex<String>>) {
    let (tx, rx) = mpsc::channel();
    let text = Arc::new(Mutex::new(String::new()));
    if let Some(stderr) = child.stderr.take() {
        let text = Arc::clone(&text);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut all = text.lock().unwrap_or_else(|e| e.into_inner());
                all.push_str(&line);
                all.push('\n');
                // The receiver may be gone once ready was seen: keep draining.
                let _ = tx.send(line);
            }
        });
    }
    (rx, text)
}

/// An independent capture on a link inside the namespace, by tcpdump or
/// else Wireshark's dumpcap, written as a pcap file.
pub struct Capture {
    process: ChildGuard,
    stderr: Arc<Mutex<String>>,
    path: PathBuf,
    tool: &'static str,
}

impl Capture {
    /// The capture tool this host has, if any.
    pub fn tool() -> Option<(&'static str, PathBuf)> {
        ["tcpdump", "dumpcap"]
            .into_iter()
            .find_map(|name| find_tool(name).map(|path| (name, path)))
    }

    /// Starts capturing and returns once the tool says it is capturing.
    pub fn start(ns: &Netns, link: &str, path: &Path) -> io::Result<Capture> {
        let (tool, program) = Capture::tool().ok_or_else(|| io::Error::other("no capture tool"))?;
        let mut cmd = ns.command(program);
        // 65535 bytes: the largest IPv4 datagram, so nothing is cut.
        cmd.args(["-i", link, "-s", "65535"]);
        match tool {
            // -U: write each packet at once; --immediate-mode: take each
            // packet from the kernel at once rather than when a buffer block
            // fills or times out; -Z root: keep the right to write the file
            // (tcpdump otherwise drops to its own user). -B (KiB): in
            // immediate mode the kernel's ring has one snaplen-sized slot
            // per packet, and the default 2 MiB holds only ~30 of them, so a
            // burst would be dropped from the capture.
            "tcpdump" => cmd.args(["-n", "-U", "--immediate-mode", "-Z", "root", "-B", "65536"]),
            // -P: classic pcap rather than pcapng.
            _ => cmd.arg("-P"),
        };
        cmd.arg("-w").arg(path);
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut process = ChildGuard::spawn(&mut cmd, tool)?;
        let (lines, stderr) = follow_stderr(process.child());
        // Ready: tcpdump prints "listening on tunX, ..." once the capture is
        // active. dumpcap prints "Capturing on 'tunX'" before it opens the
        // device, and "File: PATH" after, so the latter is the one to wait for.
        let ready = |line: &str| match tool {
            "tcpdump" => line.contains("listening on"),
            _ => line.starts_with("File: "),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if ready(&line) => break,
                Ok(_) => {}
                Err(_) => {
                    let text = stderr.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    return Err(io::Error::other(format!("{tool} did not start capturing: {text}")));
                }
            }
        }
        Ok(Capture {
            process,
            stderr,
            path: path.to_path_buf(),
            tool,
        })
    }

    pub fn tool_name(&self) -> &'static str {
        self.tool
    }

    /// Stops the capture once its file holds `expected` packets (or after a
    /// few seconds) and returns the file.
    ///
    /// Why wait: a capture tool stopped right after the last packet can lose
    /// the packets it has not yet taken from the kernel. dumpcap reads the
    /// kernel's ring in blocks (a block is handed over when full or after a
    /// timeout) and writes its file about twice a second.
    pub fn stop(mut self, expected: usize) -> io::Result<PathBuf> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while pcap_records(&self.path).unwrap_or(0) < expected && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.process.interrupt();
        match self.process.wait_timeout(Duration::from_secs(10))? {
            Some(_) => Ok(self.path.clone()),
            None => {
                let text = self.stderr.lock().unwrap_or_else(|e| e.into_inner()).clone();
                Err(io::Error::other(format!("{} did not stop: {text}", self.tool)))
            }
        }
    }
}

/// Whole packet records in a classic pcap file (either byte order, micro-
/// or nanosecond timestamps); a record still being written is not counted.
pub fn pcap_records(path: &Path) -> io::Result<usize> {
    const GLOBAL_HEADER: usize = 24;
    const RECORD_HEADER: usize = 16;
    let bytes = std::fs::read(path)?;
    let Some(magic) = bytes.get(..4) else {
        return Ok(0);
    };
    let little_endian = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => return Err(io::Error::other(format!("{}: not a classic pcap file", path.display()))),
    };
    let mut records = 0;
    let mut pos = GLOBAL_HEADER;
    while let Some(header) = bytes.get(pos..pos + RECORD_HEADER) {
        let len = [header[8], header[9], header[10], header[11]];
        let incl_len = if little_endian {
            u32::from_le_bytes(len)
        } else {
            u32::from_be_bytes(len)
        } as usize;
        pos += RECORD_HEADER + incl_len;
        if pos > bytes.len() {
            break;
        }
        records += 1;
    }
    Ok(records)
}

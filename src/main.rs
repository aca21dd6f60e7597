fn main() {
    watch_tcp::start();
}

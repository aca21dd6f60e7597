//! pcap writer (classic libpcap format, link type raw IPv4).

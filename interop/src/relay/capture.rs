//! A pcap file of datagrams the relay passed: raw IP packets (`LINKTYPE_RAW`) whose IPv4 or IPv6 and UDP headers are made from
//! the addresses, so that tshark can dissect the QUIC packets and, given the endpoints' key
//! logs, decrypt them, as the interop runner does with its captures.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

/// pcap's magic number (microsecond timestamps).
const MAGIC: u32 = 0xa1b2_c3d4;
/// `LINKTYPE_RAW`: each record is an IPv4 or IPv6 packet.
const LINKTYPE_RAW: u32 = 101;
/// Longest record kept.
const SNAPLEN: u32 = 65_535;
/// UDP's protocol number.
const UDP: u8 = 17;

/// A pcap file being written.
pub struct Capture {
    out: BufWriter<File>,
}

impl Capture {
    /// Creates `path` and writes the file's header.
    pub fn create(path: &Path) -> std::io::Result<Capture> {
        let mut out = BufWriter::new(File::create(path)?);
        out.write_all(&MAGIC.to_le_bytes())?;
        out.write_all(&2u16.to_le_bytes())?;
        out.write_all(&4u16.to_le_bytes())?;
        out.write_all(&0i32.to_le_bytes())?; // GMT offset
        out.write_all(&0u32.to_le_bytes())?; // timestamp accuracy
        out.write_all(&SNAPLEN.to_le_bytes())?;
        out.write_all(&LINKTYPE_RAW.to_le_bytes())?;
        Ok(Capture { out })
    }

    /// Adds the datagram `payload` from `src` to `dst`, seen `at` after the relay started.
    /// Addresses of different families are written as IPv6 (the IPv4 one mapped).
    pub fn write(
        &mut self,
        at: Duration,
        (src, dst): (SocketAddr, SocketAddr),
        ecn: u8,
        payload: &[u8],
    ) -> std::io::Result<()> {
        let packet = ip_udp(src, dst, ecn, payload);
        let len = u32::try_from(packet.len()).unwrap_or(u32::MAX);
        let kept = len.min(SNAPLEN);
        self.out.write_all(
            &u32::try_from(at.as_secs())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        )?;
        self.out.write_all(&at.subsec_micros().to_le_bytes())?;
        self.out.write_all(&kept.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&packet[..kept as usize])
    }

    /// Writes out what is buffered.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// An IP packet carrying `payload` in a UDP datagram from `src` to `dst`, with the ECN
/// codepoint `ecn` in its TOS or traffic class.
fn ip_udp(src: SocketAddr, dst: SocketAddr, ecn: u8, payload: &[u8]) -> Vec<u8> {
    let ecn = ecn & 0b11;
    let udp_len = 8 + payload.len();
    let mut udp = Vec::with_capacity(udp_len);
    udp.extend_from_slice(&src.port().to_be_bytes());
    udp.extend_from_slice(&dst.port().to_be_bytes());
    udp.extend_from_slice(&u16::try_from(udp_len).unwrap_or(u16::MAX).to_be_bytes());
    udp.extend_from_slice(&[0, 0]); // checksum, filled in below for IPv6
    udp.extend_from_slice(payload);
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = u16::try_from(20 + udp_len).unwrap_or(u16::MAX);
            let mut ip = vec![0x45, ecn];
            ip.extend_from_slice(&total.to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0, 64, UDP, 0, 0]); // id, DF, TTL, checksum
            ip.extend_from_slice(&s.octets());
            ip.extend_from_slice(&d.octets());
            let sum = !fold(sum_words(&ip, 0));
            ip[10..12].copy_from_slice(&sum.to_be_bytes());
            // UDP's checksum is optional over IPv4: left zero.
            ip.extend_from_slice(&udp);
            ip
        }
        (s, d) => {
            let (s, d) = (v6(s), v6(d));
            let mut pseudo = Vec::with_capacity(40);
            pseudo.extend_from_slice(&s);
            pseudo.extend_from_slice(&d);
            pseudo.extend_from_slice(&u32::try_from(udp_len).unwrap_or(u32::MAX).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, UDP]);
            let sum = match !fold(sum_words(&udp, sum_words(&pseudo, 0))) {
                0 => 0xffff,
                sum => sum,
            };
            udp[6..8].copy_from_slice(&sum.to_be_bytes());
            // Version 6, then the traffic class (its low bits the ECN field) across the nibbles.
            let mut ip = vec![0x60, ecn << 4, 0, 0];
            ip.extend_from_slice(&u16::try_from(udp_len).unwrap_or(u16::MAX).to_be_bytes());
            ip.extend_from_slice(&[UDP, 64]);
            ip.extend_from_slice(&s);
            ip.extend_from_slice(&d);
            ip.extend_from_slice(&udp);
            ip
        }
    }
}

/// An address as IPv6 bytes (IPv4 mapped).
fn v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// The Internet checksum's running sum of `data` as 16-bit big-endian words, added to `sum`.
fn sum_words(data: &[u8], sum: u64) -> u64 {
    data.chunks(2).fold(sum, |acc, w| {
        acc + u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]))
    })
}

/// The sum folded into 16 bits with end-around carry.
fn fold(mut sum: u64) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_header_checksum_verifies() {
        let p = ip_udp(
            "127.0.0.1:4433".parse().unwrap(),
            "127.0.0.2:443".parse().unwrap(),
            0b10,
            b"hello",
        );
        // A header with its checksum sums to 0xffff; the TOS carries the ECN bits.
        assert_eq!(fold(sum_words(&p[..20], 0)), 0xffff);
        assert_eq!(p.len(), 20 + 8 + 5);
        assert_eq!(p[1], 0b10);
    }

    #[test]
    fn ipv6_udp_checksum_verifies() {
        let src: SocketAddr = "[::1]:4433".parse().unwrap();
        let dst: SocketAddr = "[::1]:443".parse().unwrap();
        let p = ip_udp(src, dst, 0b11, b"odd");
        // The traffic class spans the first two bytes: its low bits are the ECN field.
        assert_eq!(((p[0] & 0x0f) << 4 | p[1] >> 4) & 0b11, 0b11);
        let udp = &p[40..];
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&v6(src.ip()));
        pseudo.extend_from_slice(&v6(dst.ip()));
        pseudo.extend_from_slice(&(udp.len() as u32).to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, UDP]);
        assert_eq!(fold(sum_words(udp, sum_words(&pseudo, 0))), 0xffff);
    }
}

//! IPv4/IPv6 CIDR ranges (`10.0.0.0/8`, `fd00::/8`, or a bare address).

use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr.trim().parse().map_err(|_| format!("`{s}` is not an IP address or CIDR range"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: prefix length must be 0..={max}"))?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        let bits = |ip: &IpAddr| -> (u128, u32) {
            match ip {
                IpAddr::V4(v4) => (u128::from(u32::from(*v4)), 32),
                IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                    Some(v4) if self.network.is_ipv4() => (u128::from(u32::from(v4)), 32),
                    _ => (u128::from(*v6), 128),
                },
            }
        };
        let (net, width) = bits(&self.network);
        let (addr, addr_width) = bits(ip);
        if width != addr_width {
            return false;
        }
        let shift = u32::from(width as u8 - self.prefix);
        if shift >= width {
            return true;
        }
        (net >> shift) == (addr >> shift)
    }

    /// Parses `text` as an address (also `addr:port`, `[v6]:port`) and tests membership.
    pub fn contains_text(&self, text: &str) -> bool {
        let t = text.trim();
        let ip = t.parse::<IpAddr>().ok().or_else(|| {
            let host = t.strip_prefix('[').and_then(|r| r.split_once(']')).map(|(h, _)| h);
            let host = host.or_else(|| t.rsplit_once(':').map(|(h, _)| h).filter(|h| !h.contains(':')));
            host?.parse().ok()
        });
        ip.is_some_and(|ip| self.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains_text("10.1.2.3"));
        assert!(c.contains_text("10.1.2.3:443"));
        assert!(c.contains_text("::ffff:10.1.2.3"));
        assert!(!c.contains_text("11.0.0.1"));
        assert!(!c.contains_text("not an ip"));
        let v6 = Cidr::parse("fd00::/8").unwrap();
        assert!(v6.contains_text("fd12::1"));
        assert!(v6.contains_text("[fd12::1]:80"));
        assert!(!v6.contains_text("10.0.0.1"));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains_text("8.8.8.8"));
        assert!(Cidr::parse("1.2.3.4").unwrap().contains_text("1.2.3.4"));
        assert!(Cidr::parse("1.2.3.4/33").is_err());
        assert!(Cidr::parse("1.2.3/8").is_err());
    }
}

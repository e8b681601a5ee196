//! Matching a certificate against a host name, IP address or e-mail address as OpenSSL's
//! `X509_check_host`, `X509_check_ip` and `X509_check_email` do (subject alternative names
//! first, the subject's common name when there are none of the kind asked for, OpenSSL's
//! wildcard rules and `X509_CHECK_FLAG_*`), and name constraints (`NAME_CONSTRAINTS_check`).

use super::cert::{CertInfo, Subtree};
use super::codes::x509_v;

/// `X509_CHECK_FLAG_*` host check flags.
pub mod check_flag {
    /// `X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT`: compare the subject's common name even when
    /// the certificate has DNS alternative names.
    pub const ALWAYS_CHECK_SUBJECT: u32 = 0x1;
    /// `X509_CHECK_FLAG_NO_WILDCARDS`.
    pub const NO_WILDCARDS: u32 = 0x2;
    /// `X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS`: a wildcard only as a whole label.
    pub const NO_PARTIAL_WILDCARDS: u32 = 0x4;
    /// `X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS`.
    pub const MULTI_LABEL_WILDCARDS: u32 = 0x8;
    /// `X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS`.
    pub const SINGLE_LABEL_SUBDOMAINS: u32 = 0x10;
    /// `X509_CHECK_FLAG_NEVER_CHECK_SUBJECT`: never compare the common name.
    pub const NEVER_CHECK_SUBJECT: u32 = 0x20;
    /// Internal: the name checked starts with a dot (any subdomain matches).
    pub(crate) const DOT_SUBDOMAINS: u32 = 0x8000;
}

use check_flag as f;

/// The certificate's name that `host` matches (`X509_check_host` > 0, with the name for
/// `peername`), or `None`. `host` must already be a valid name to compare (see
/// [`host_is_checkable`]).
pub(crate) fn match_host(cert: &CertInfo, host: &str, flags: u32) -> Option<String> {
    let mut flags = flags & !f::DOT_SUBDOMAINS;
    let host = host.as_bytes();
    if host.len() > 1 && host[0] == b'.' {
        flags |= f::DOT_SUBDOMAINS;
    }
    let equal = |pattern: &[u8]| {
        if flags & f::NO_WILDCARDS != 0 {
            equal_nocase(pattern, host, flags)
        } else {
            equal_wildcard(pattern, host, flags)
        }
    };
    if let Some(names) = &cert.alt_names
        && !names.dns.is_empty()
    {
        if let Some(found) = names.dns.iter().find(|d| equal(d.as_bytes())) {
            return Some(found.clone());
        }
        if flags & f::ALWAYS_CHECK_SUBJECT == 0 {
            return None;
        }
    }
    if flags & f::NEVER_CHECK_SUBJECT != 0 {
        return None;
    }
    cert.common_names
        .iter()
        .find(|cn| equal(cn.as_bytes()))
        .cloned()
}

/// Whether `X509_check_host` compares `host` at all (it answers -2 for a name with an
/// embedded NUL; anything else is compared).
pub(crate) fn host_is_checkable(host: &str) -> bool {
    !host.contains('\0')
}

/// Whether the certificate carries the IP address `ip` (4 or 16 bytes, network order) as an
/// alternative name (`X509_check_ip`; the common name is never compared for addresses).
pub(crate) fn match_ip(cert: &CertInfo, ip: &[u8]) -> bool {
    cert.alt_names
        .iter()
        .flat_map(|n| n.ip.iter())
        .any(|a| a.as_slice() == ip)
}

/// Whether the certificate carries the e-mail address `email` (`X509_check_email`): the
/// local part compared exactly, the domain ignoring case; the subject's e-mail attributes
/// when there are no e-mail alternative names.
pub(crate) fn match_email(cert: &CertInfo, email: &str) -> bool {
    let equal = |candidate: &str| equal_email(candidate.as_bytes(), email.as_bytes());
    if let Some(names) = &cert.alt_names
        && !names.email.is_empty()
    {
        return names.email.iter().any(|e| equal(e));
    }
    cert.subject_emails.iter().any(|e| equal(e))
}

/// With [`f::DOT_SUBDOMAINS`], skips leading labels of `pattern` until it is as long as the
/// subject (OpenSSL's `skip_prefix`).
fn skip_prefix(pattern: &[u8], subject_len: usize, flags: u32) -> &[u8] {
    if flags & f::DOT_SUBDOMAINS == 0 {
        return pattern;
    }
    let mut p = pattern;
    while p.len() > subject_len && !p.is_empty() && p[0] != 0 {
        if flags & f::SINGLE_LABEL_SUBDOMAINS != 0 && p[0] == b'.' {
            break;
        }
        p = &p[1..];
    }
    p
}

/// Equal ignoring ASCII case (no NUL in the pattern).
fn equal_nocase(pattern: &[u8], subject: &[u8], flags: u32) -> bool {
    let pattern = skip_prefix(pattern, subject.len(), flags);
    pattern.len() == subject.len() && !pattern.contains(&0) && pattern.eq_ignore_ascii_case(subject)
}

/// Equal byte for byte.
fn equal_case(pattern: &[u8], subject: &[u8], flags: u32) -> bool {
    skip_prefix(pattern, subject.len(), flags) == subject
}

/// E-mail addresses: the part from the last `@` ignoring case, the local part exactly.
fn equal_email(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = a.len();
    while i > 0 {
        i -= 1;
        if a[i] == b'@' || b[i] == b'@' {
            if !equal_nocase(&a[i..], &b[i..], 0) {
                return false;
            }
            break;
        }
    }
    if i == 0 {
        i = a.len();
    }
    equal_case(&a[..i], &b[..i], 0)
}

/// A pattern with at most one valid wildcard compared with `subject` (`equal_wildcard`).
fn equal_wildcard(pattern: &[u8], subject: &[u8], flags: u32) -> bool {
    let star = if subject.len() > 1 && subject[0] == b'.' {
        None
    } else {
        valid_star(pattern, flags)
    };
    match star {
        None => equal_nocase(pattern, subject, flags),
        Some(at) => wildcard_match(&pattern[..at], &pattern[at + 1..], subject, flags),
    }
}

/// Where the pattern's one acceptable `*` is (`valid_star`): in the leftmost label, not in
/// an IDNA label, the whole label or (unless forbidden) at one end of it, with at least two
/// dots after it and every label well formed.
fn valid_star(p: &[u8], flags: u32) -> Option<usize> {
    const START: u8 = 1;
    const HYPHEN: u8 = 4;
    const IDNA: u8 = 8;
    let mut star = None;
    let mut state = START;
    let mut dots = 0;
    for i in 0..p.len() {
        let c = p[i];
        if c == b'*' {
            let at_start = state & START != 0;
            let at_end = i == p.len() - 1 || p[i + 1] == b'.';
            if star.is_some() || state & IDNA != 0 || dots > 0 {
                return None;
            }
            if flags & f::NO_PARTIAL_WILDCARDS != 0 && (!at_start || !at_end) {
                return None;
            }
            if !at_start && !at_end {
                return None;
            }
            star = Some(i);
            state &= !START;
        } else if c.is_ascii_alphanumeric() {
            if state & START != 0 && p.len() - i >= 4 && p[i..i + 4].eq_ignore_ascii_case(b"xn--") {
                state |= IDNA;
            }
            state &= !(HYPHEN | START);
        } else if c == b'.' {
            if state & (HYPHEN | START) != 0 {
                return None;
            }
            state = START;
            dots += 1;
        } else if c == b'-' {
            if state & START != 0 {
                return None;
            }
            state |= HYPHEN;
        } else {
            return None;
        }
    }
    if state & (START | HYPHEN) != 0 || dots < 2 {
        return None;
    }
    star
}

/// `prefix*suffix` against `subject` (`wildcard_match`).
fn wildcard_match(prefix: &[u8], suffix: &[u8], subject: &[u8], flags: u32) -> bool {
    if subject.len() < prefix.len() + suffix.len() {
        return false;
    }
    if !equal_nocase(prefix, &subject[..prefix.len()], flags) {
        return false;
    }
    let start = prefix.len();
    let end = subject.len() - suffix.len();
    if !equal_nocase(&subject[end..], suffix, flags) {
        return false;
    }
    let mut allow_multi = false;
    let mut allow_idna = false;
    if prefix.is_empty() && suffix.first() == Some(&b'.') {
        if start == end {
            return false;
        }
        allow_idna = true;
        allow_multi = flags & f::MULTI_LABEL_WILDCARDS != 0;
    }
    if !allow_idna && subject.len() >= 4 && subject[..4].eq_ignore_ascii_case(b"xn--") {
        return false;
    }
    let middle = &subject[start..end];
    if middle == b"*" {
        return true;
    }
    middle
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || (allow_multi && *c == b'.'))
}

/// OpenSSL's `NAME_CHECK_MAX`: the most name × constraint comparisons one certificate may
/// need against one CA's name constraints.
const NAME_CHECK_MAX: usize = 1 << 20;

/// `NAME_CONSTRAINTS_check` of `cert` against the constraints `(permitted, excluded)` of a
/// CA above it: `X509_V_OK` or the violation. The subject's directory name and e-mail
/// attributes and every alternative name are checked; `check_cn` adds the subject's common
/// names as DNS names (OpenSSL's `NAME_CONSTRAINTS_check_CN`, for a leaf without DNS
/// alternative names).
///
/// As OpenSSL guards against the cost, a certificate whose subject attributes and
/// alternative names (of any form), times the CA's permitted and excluded subtrees, exceed
/// [`NAME_CHECK_MAX`] fails with `X509_V_ERR_UNSPECIFIED` unchecked.
pub(crate) fn check_constraints(
    cert: &CertInfo,
    permitted: &[Subtree],
    excluded: &[Subtree],
    check_cn: bool,
) -> i64 {
    let name_count = cert.subject.iter().map(Vec::len).sum::<usize>()
        + cert.alt_names.as_ref().map_or(0, |n| n.count);
    let constraint_count = permitted.len() + excluded.len();
    if name_count > 0 && constraint_count > NAME_CHECK_MAX / name_count {
        return x509_v::ERR_UNSPECIFIED;
    }
    let mut names: Vec<Candidate<'_>> = Vec::new();
    if !cert.subject.is_empty() {
        names.push(Candidate::Directory(&cert.subject));
    }
    names.extend(cert.subject_emails.iter().map(|e| Candidate::Email(e)));
    if let Some(alt) = &cert.alt_names {
        names.extend(alt.dns.iter().map(|d| Candidate::Dns(d)));
        names.extend(alt.email.iter().map(|e| Candidate::Email(e)));
        names.extend(alt.uri.iter().map(|u| Candidate::Uri(u)));
        names.extend(alt.ip.iter().map(|i| Candidate::Ip(i)));
        names.extend(alt.dir.iter().map(Candidate::Directory));
    }
    let mut result = x509_v::OK;
    for name in &names {
        let r = check_one(name, permitted, excluded);
        if r != x509_v::OK {
            return r;
        }
    }
    if check_cn {
        for cn in &cert.common_names {
            let cn = match cn_dns_id(cn) {
                Ok(Some(dns)) => dns,
                Ok(None) => continue,
                Err(e) => return e,
            };
            result = check_one(&Candidate::Dns(cn), permitted, excluded);
            if result != x509_v::OK {
                return result;
            }
        }
    }
    result
}

/// A common name as the DNS name name constraints apply to (`cn2dnsid`): `Ok(None)` when it
/// does not look like a host name of two labels or more (letters, digits, `_`, and inner
/// `-` and `.`, no `.` beside another or beside a `-`); trailing NULs are dropped, and an
/// embedded one fails with `X509_V_ERR_UNSUPPORTED_NAME_SYNTAX`.
fn cn_dns_id(cn: &str) -> Result<Option<&str>, i64> {
    let cn = cn.trim_end_matches('\0');
    let b = cn.as_bytes();
    if b.contains(&0) {
        return Err(x509_v::ERR_UNSUPPORTED_NAME_SYNTAX);
    }
    let mut dns = false;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_alphanumeric() || c == b'_' {
            continue;
        }
        if i > 0 && i + 1 < b.len() {
            if c == b'-' {
                continue;
            }
            if c == b'.' && b[i + 1] != b'.' && b[i - 1] != b'-' && b[i + 1] != b'-' {
                dns = true;
                continue;
            }
        }
        dns = false;
        break;
    }
    Ok(dns.then_some(cn))
}

/// A name of the certificate, of one of the forms constraints apply to.
enum Candidate<'a> {
    Dns(&'a str),
    Email(&'a str),
    Uri(&'a str),
    Ip(&'a [u8]),
    Directory(&'a super::cert::NameKey),
}

/// One name against the constraints: excluded if any excluded subtree of its form matches,
/// else a violation if there are permitted subtrees of its form and none matches.
fn check_one(name: &Candidate<'_>, permitted: &[Subtree], excluded: &[Subtree]) -> i64 {
    let mut of_form = false;
    let mut matched = false;
    for p in permitted {
        match subtree_match(name, p) {
            Some(true) => {
                of_form = true;
                matched = true;
            }
            Some(false) => of_form = true,
            None => {}
        }
    }
    if of_form && !matched {
        return x509_v::ERR_PERMITTED_VIOLATION;
    }
    if excluded
        .iter()
        .any(|e| subtree_match(name, e) == Some(true))
    {
        return x509_v::ERR_EXCLUDED_VIOLATION;
    }
    x509_v::OK
}

/// Whether `name` is within `base`; `None` when they are of different forms.
fn subtree_match(name: &Candidate<'_>, base: &Subtree) -> Option<bool> {
    match (name, base) {
        (Candidate::Dns(n), Subtree::Dns(b)) => Some(dns_within(n, b)),
        (Candidate::Email(n), Subtree::Email(b)) => Some(email_within(n, b)),
        (Candidate::Uri(n), Subtree::Uri(b)) => Some(uri_within(n, b)),
        (Candidate::Ip(n), Subtree::Ip(ip, mask)) => Some(
            n.len() == ip.len()
                && n.iter()
                    .zip(ip.iter().zip(mask))
                    .all(|(a, (b, m))| a & m == b & m),
        ),
        (Candidate::Directory(n), Subtree::Directory(b)) => {
            Some(n.len() >= b.len() && n[..b.len()] == b[..])
        }
        _ => None,
    }
}

/// `nc_dns`: an empty base matches everything; otherwise the name equals the base or ends
/// with it after a dot (a base starting with a dot needs a label before it).
fn dns_within(name: &str, base: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    let (name, base) = (name.as_bytes(), base.as_bytes());
    if name.len() < base.len() {
        return false;
    }
    let tail = &name[name.len() - base.len()..];
    if !tail.eq_ignore_ascii_case(base) {
        return false;
    }
    if name.len() == base.len() || base[0] == b'.' {
        return true;
    }
    name[name.len() - base.len() - 1] == b'.'
}

/// `nc_email`: a base with `@` is a whole address; one starting with a dot a domain's
/// subdomains; otherwise the domain part exactly.
fn email_within(name: &str, base: &str) -> bool {
    let Some(at) = name.rfind('@') else {
        return false;
    };
    let (local, domain) = (&name[..at], &name[at + 1..]);
    if let Some(bat) = base.rfind('@') {
        return local == &base[..bat] && domain.eq_ignore_ascii_case(&base[bat + 1..]);
    }
    if base.starts_with('.') {
        return domain.len() > base.len()
            && domain[domain.len() - base.len()..].eq_ignore_ascii_case(base);
    }
    domain.eq_ignore_ascii_case(base)
}

/// `nc_uri`: the host part of the URI against the base as a DNS constraint.
fn uri_within(name: &str, base: &str) -> bool {
    let Some((_, rest)) = name.split_once("://") else {
        return false;
    };
    let host_end = rest.find([':', '/']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    if let Some(b) = base.strip_prefix('.') {
        return host.len() > b.len() + 1
            && host[host.len() - b.len()..].eq_ignore_ascii_case(b)
            && host.as_bytes()[host.len() - b.len() - 1] == b'.';
    }
    host.eq_ignore_ascii_case(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_openssl() {
        let w = |p: &str, s: &str, fl: u32| equal_wildcard(p.as_bytes(), s.as_bytes(), fl);
        assert!(w("*.example.com", "a.example.com", 0));
        assert!(!w("*.example.com", "a.b.example.com", 0));
        assert!(!w("*.example.com", "example.com", 0));
        assert!(w("f*.example.com", "foo.example.com", 0));
        assert!(!w(
            "f*.example.com",
            "foo.example.com",
            f::NO_PARTIAL_WILDCARDS
        ));
        assert!(
            !w("*.com", "example.com", 0),
            "two dots needed after the star"
        );
        assert!(w("*.Example.COM", "A.example.com", 0));
        assert!(
            w("*.example.com", "xn--a.example.com", 0),
            "A-labels may stand for the star"
        );
        assert!(!w("xn--*.example.com", "xn--a.example.com", 0));
    }

    #[test]
    fn common_names_as_dns_names_follow_cn2dnsid() {
        assert_eq!(cn_dns_id("www.example.com"), Ok(Some("www.example.com")));
        assert_eq!(
            cn_dns_id("a_b.example.com\0\0"),
            Ok(Some("a_b.example.com"))
        );
        assert_eq!(cn_dns_id("localhost"), Ok(None), "one label");
        assert_eq!(
            cn_dns_id("*.example.com"),
            Ok(None),
            "a wildcard is no host name"
        );
        assert_eq!(cn_dns_id("a..b"), Ok(None));
        assert_eq!(cn_dns_id("a-.b"), Ok(None));
        assert_eq!(cn_dns_id(".a.b"), Ok(None));
        assert_eq!(cn_dns_id("Test CA"), Ok(None));
        assert_eq!(
            cn_dns_id("a.example.com\0.evil.org"),
            Err(x509_v::ERR_UNSUPPORTED_NAME_SYNTAX)
        );
    }

    #[test]
    fn name_constraints_dns() {
        assert!(dns_within("a.example.com", "example.com"));
        assert!(!dns_within("aexample.com", "example.com"));
        assert!(dns_within("a.example.com", ".example.com"));
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("anything", ""));
    }
}

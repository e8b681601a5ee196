//! `qssl::x509`: certificates parsed from DER with their names (entries, NIDs, the
//! `X509_NAME_oneline` text), host and address matching, and the PEM reader and writer the
//! contexts and the C library share.

use std::net::{IpAddr, Ipv4Addr};

use qssl::error::{ERR_LIB_ASN1, ERR_LIB_PEM, SslError, asn1_r, pem_r};
use qssl::x509::pem::{self, MAX_PEM_LINE, MAX_PEM_SECTION};
use qssl::x509::verify::check_flag;
use qssl::x509::{CERTIFICATE_LABEL, Certificate, NID_UNDEF};
use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue, Issuer, KeyPair, SanType};

/// OpenSSL's NIDs for the attribute types the tests use.
const NID_COMMON_NAME: i32 = 13;
const NID_COUNTRY_NAME: i32 = 14;
const NID_ORGANIZATION_NAME: i32 = 17;

/// A certificate issued by a CA named "Test CA" for the subject
/// `/C=FR/O=Ex\x01ample/2.5.29.99=custom/CN=hôte` (a control byte, an attribute type qssl
/// does not name, UTF-8), valid for `example.com`, `*.example.org` and 192.0.2.1: its DER
/// and the CA's.
fn issued() -> (Vec<u8>, Vec<u8>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.distinguished_name = DistinguishedName::new();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();

    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.subject_alt_names = vec![
        SanType::DnsName("example.com".try_into().unwrap()),
        SanType::DnsName("*.example.org".try_into().unwrap()),
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
    ];
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString("FR".try_into().unwrap()),
    );
    dn.push(DnType::OrganizationName, "Ex\u{1}ample");
    dn.push(DnType::CustomDnType(vec![2, 5, 29, 99]), "custom");
    dn.push(DnType::CommonName, "hôte");
    params.distinguished_name = dn;
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    (cert.der().to_vec(), ca.der().to_vec())
}

/// A self-signed certificate without alternative names, its subject's common name `cn`.
fn common_name_only(cn: &str) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.self_signed(&key).unwrap().der().to_vec()
}

/// Asserts that `err` is `lib`'s `reason`.
#[track_caller]
fn assert_error(err: &SslError, lib: i32, reason: i32) {
    assert_eq!((err.lib(), err.reason()), (lib, reason), "{err}");
}

#[test]
fn names_have_entries_with_nids_and_labels() {
    let (der, _) = issued();
    let (cert, used) = Certificate::from_der(&der).unwrap();
    assert_eq!(used, der.len());
    let entries: Vec<(i32, &str, &[u8])> = cert
        .subject()
        .entries()
        .iter()
        .map(|e| (e.nid(), e.label(), e.value()))
        .collect();
    assert_eq!(
        entries,
        [
            (NID_COUNTRY_NAME, "C", &b"FR"[..]),
            (NID_ORGANIZATION_NAME, "O", &b"Ex\x01ample"[..]),
            (NID_UNDEF, "2.5.29.99", &b"custom"[..]),
            (NID_COMMON_NAME, "CN", "hôte".as_bytes()),
        ]
    );
    let issuer: Vec<(i32, &str, &[u8])> = cert
        .issuer()
        .entries()
        .iter()
        .map(|e| (e.nid(), e.label(), e.value()))
        .collect();
    assert_eq!(issuer, [(NID_COMMON_NAME, "CN", &b"Test CA"[..])]);
}

#[test]
fn oneline_escapes_bytes_outside_printable_ascii_and_cuts_at_an_attribute() {
    let (der, _) = issued();
    let (cert, _) = Certificate::from_der(&der).unwrap();
    let full = r"/C=FR/O=Ex\x01ample/2.5.29.99=custom/CN=h\xC3\xB4te";
    assert_eq!(cert.subject().oneline(usize::MAX), full);
    assert_eq!(cert.subject().oneline(full.len()), full);
    // One byte short of the whole text: the last attribute is left out, not cut.
    assert_eq!(
        cert.subject().oneline(full.len() - 1),
        r"/C=FR/O=Ex\x01ample/2.5.29.99=custom"
    );
    assert_eq!(cert.subject().oneline(5), "/C=FR");
    assert_eq!(cert.subject().oneline(4), "");
    assert_eq!(cert.issuer().oneline(usize::MAX), "/CN=Test CA");
}

#[test]
fn entries_are_found_by_nid() {
    let (der, _) = issued();
    let (cert, _) = Certificate::from_der(&der).unwrap();
    let subject = cert.subject();
    assert_eq!(
        subject.entry_by_nid(NID_COMMON_NAME).map(|e| e.value()),
        Some("hôte".as_bytes())
    );
    assert_eq!(
        subject.entry_by_nid(NID_COUNTRY_NAME).map(|e| e.label()),
        Some("C")
    );
    // No entry of the type, and never one for NID_undef (the unnamed type has that NID).
    assert!(subject.entry_by_nid(18).is_none());
    assert!(subject.entry_by_nid(NID_UNDEF).is_none());
    assert!(cert.issuer().entry_by_nid(NID_ORGANIZATION_NAME).is_none());
}

#[test]
fn der_parse_reports_the_bytes_used_and_asn1_errors() {
    let (der, ca) = issued();
    let mut two = der.clone();
    two.extend_from_slice(&ca);
    let (first, used) = Certificate::from_der(&two).unwrap();
    assert_eq!(used, der.len());
    assert_eq!(first.der(), &der[..]);
    let (second, used) = Certificate::from_der(&two[der.len()..]).unwrap();
    assert_eq!(used, ca.len());
    assert_eq!(second.subject(), first.issuer());

    // Truncated: x509-parser reports the end of the input as a parse error, which has
    // always been ASN1_R_WRONG_TAG here (OpenSSL reports a header or length error).
    let err = Certificate::from_der(&der[..der.len() / 2]).unwrap_err();
    assert_error(&err, ERR_LIB_ASN1, asn1_r::WRONG_TAG);
    let err = Certificate::from_der(&[]).unwrap_err();
    assert_eq!(err.lib(), ERR_LIB_ASN1);
    // An INTEGER, not a certificate.
    let err = Certificate::from_der(&[0x02, 0x01, 0x00]).unwrap_err();
    assert_error(&err, ERR_LIB_ASN1, asn1_r::WRONG_TAG);
}

#[test]
fn host_names_and_addresses_match_as_x509_check_does() {
    let (der, _) = issued();
    let (cert, _) = Certificate::from_der(&der).unwrap();
    assert_eq!(
        cert.check_host("EXAMPLE.com", 0).as_deref(),
        Some("example.com")
    );
    assert_eq!(
        cert.check_host("www.example.org", 0).as_deref(),
        Some("*.example.org")
    );
    assert_eq!(
        cert.check_host("www.example.org", check_flag::NO_WILDCARDS),
        None
    );
    assert_eq!(cert.check_host("a.b.example.org", 0), None);
    assert_eq!(cert.check_host("example.net", 0), None);
    // With DNS alternative names the common name is not looked at, unless asked.
    assert_eq!(cert.check_host("hôte", 0), None);
    assert!(cert.check_ip(&[192, 0, 2, 1]));
    assert!(!cert.check_ip(&[192, 0, 2, 2]));

    let (cn_only, _) = Certificate::from_der(&common_name_only("Host.Example")).unwrap();
    assert_eq!(
        cn_only.check_host("host.example", 0).as_deref(),
        Some("Host.Example")
    );
    assert_eq!(cn_only.check_host("other.example", 0), None);
    assert_eq!(
        cn_only.check_host("host.example", check_flag::NEVER_CHECK_SUBJECT),
        None
    );
}

#[test]
fn pem_round_trip() {
    let (der, _) = issued();
    let (cert, _) = Certificate::from_der(&der).unwrap();
    let text = cert.to_pem();
    assert_eq!(text, pem::encode(CERTIFICATE_LABEL, &der));
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(text.ends_with("-----END CERTIFICATE-----\n"));
    assert!(text.lines().all(|l| l.len() <= 64));
    assert!(!text.contains('\r'));

    let (back, used) = pem::decode_section(text.as_bytes(), CERTIFICATE_LABEL).unwrap();
    assert_eq!(back, der);
    assert_eq!(used, text.len());
    assert_eq!(Certificate::from_pem(text.as_bytes()).unwrap(), cert);

    // CRLF line ends read the same.
    let crlf = text.replace('\n', "\r\n");
    let (back, _) = pem::decode_section(crlf.as_bytes(), CERTIFICATE_LABEL).unwrap();
    assert_eq!(back, der);

    // Any label is written; a known one reads back.
    let key = pem::encode("PRIVATE KEY", b"\x30\x03\x02\x01\x00");
    assert_eq!(
        pem::decode_section(key.as_bytes(), "PRIVATE KEY")
            .unwrap()
            .0,
        b"\x30\x03\x02\x01\x00"
    );
}

#[test]
fn sections_of_other_labels_are_skipped() {
    let (der, ca) = issued();
    let key = KeyPair::generate().unwrap();
    let text = format!(
        "some text first\n{}-----BEGIN UNKNOWN THING-----\nnot base64 !\n-----END UNKNOWN THING-----\n{}{}",
        key.serialize_pem(),
        pem::encode(CERTIFICATE_LABEL, &der),
        pem::encode(CERTIFICATE_LABEL, &ca),
    );
    let bytes = text.as_bytes();
    let (first, used) = pem::decode_section(bytes, CERTIFICATE_LABEL).unwrap();
    assert_eq!(first, der);
    let (second, used2) = pem::decode_section(&bytes[used..], CERTIFICATE_LABEL).unwrap();
    assert_eq!(second, ca);
    assert_eq!(used + used2, bytes.len());
    let err = pem::decode_section(&bytes[used + used2..], CERTIFICATE_LABEL).unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::NO_START_LINE);

    let all: Vec<Vec<u8>> = pem::sections(bytes, CERTIFICATE_LABEL)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(all, [der, ca]);
    let (key_der, _) = pem::decode_section(bytes, "PRIVATE KEY").unwrap();
    assert_eq!(key_der, key.serialize_der());
}

#[test]
fn malformed_pem_fails_with_openssl_reasons() {
    let err = pem::decode_section(b"", CERTIFICATE_LABEL).unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::NO_START_LINE);
    let err = pem::decode_section(b"no PEM here\n", CERTIFICATE_LABEL).unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::NO_START_LINE);

    let bad = b"-----BEGIN CERTIFICATE-----\nMII*not+base64\n-----END CERTIFICATE-----\n";
    let err = pem::decode_section(bad, CERTIFICATE_LABEL).unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::BAD_BASE64_DECODE);
    // Sections are decoded even when another label is wanted, as in OpenSSL.
    let err = pem::decode_section(bad, "PRIVATE KEY").unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::BAD_BASE64_DECODE);

    let (der, _) = issued();
    let text = pem::encode(CERTIFICATE_LABEL, &der);
    let cut = &text[..text.len() - "-----END CERTIFICATE-----\n".len()];
    let err = pem::decode_section(cut.as_bytes(), CERTIFICATE_LABEL).unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::BAD_END_LINE);
    assert_eq!(err.data(), Some("no -----END CERTIFICATE----- line"));

    // A -----BEGIN line without its closing dashes.
    let err = pem::decode_section(
        b"-----BEGIN CERTIFICATE
",
        CERTIFICATE_LABEL,
    )
    .unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::NO_START_LINE);

    let mut iter = pem::sections(bad, CERTIFICATE_LABEL);
    assert!(iter.next().unwrap().is_err());
    assert!(iter.next().is_none(), "nothing after an error");
}

/// A line source over `text` as `BIO_gets` reads one: lines of at most the asked length
/// (cut there if longer), counting the calls.
struct Lines<'a> {
    rest: &'a [u8],
    calls: usize,
}

impl Lines<'_> {
    fn next(&mut self, max: usize) -> Option<Vec<u8>> {
        assert_eq!(max, MAX_PEM_LINE);
        self.calls += 1;
        let end = self
            .rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.rest.len(), |i| i + 1)
            .min(max);
        let (line, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(line.to_vec())
    }
}

#[test]
fn a_line_source_is_read_one_section_at_a_time() {
    let (der, ca) = issued();
    let text = format!(
        "{}{}",
        pem::encode(CERTIFICATE_LABEL, &der),
        pem::encode(CERTIFICATE_LABEL, &ca)
    );
    let mut lines = Lines {
        rest: text.as_bytes(),
        calls: 0,
    };
    let first = pem::read_section_lines(|max| lines.next(max), CERTIFICATE_LABEL).unwrap();
    assert_eq!(first, der);
    // Nothing past the first section's end line was asked for.
    assert_eq!(
        lines.calls,
        pem::encode(CERTIFICATE_LABEL, &der).lines().count()
    );
    let second = pem::read_section_lines(|max| lines.next(max), CERTIFICATE_LABEL).unwrap();
    assert_eq!(second, ca);
    let err = pem::read_section_lines(|max| lines.next(max), CERTIFICATE_LABEL).unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::NO_START_LINE);

    // A failing source ends the input.
    let err = pem::read_section_lines(|_| None, CERTIFICATE_LABEL).unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::NO_START_LINE);

    // Base64 on one line longer than MAX_PEM_LINE is taken in pieces, and still decodes.
    let body = pem::encode(CERTIFICATE_LABEL, &[0x5a; 6000]);
    let lines: Vec<&str> = body.lines().collect();
    let long = format!(
        "{}\n{}\n{}\n",
        lines[0],
        lines[1..lines.len() - 1].concat(),
        lines[lines.len() - 1]
    );
    assert!(long.lines().nth(1).unwrap().len() > MAX_PEM_LINE);
    let mut lines = Lines {
        rest: long.as_bytes(),
        calls: 0,
    };
    let back = pem::read_section_lines(|max| lines.next(max), CERTIFICATE_LABEL).unwrap();
    assert_eq!(back, [0x5a; 6000]);
}

#[test]
fn a_section_longer_than_the_limit_fails_with_bad_end_line() {
    let mut text = String::from("-----BEGIN CERTIFICATE-----\n");
    let line = format!("{}\n", "A".repeat(64));
    while text.len() <= MAX_PEM_SECTION {
        text.push_str(&line);
    }
    text.push_str("-----END CERTIFICATE-----\n");
    let mut lines = Lines {
        rest: text.as_bytes(),
        calls: 0,
    };
    let err = pem::read_section_lines(|max| lines.next(max), CERTIFICATE_LABEL).unwrap_err();
    assert_error(&err, ERR_LIB_PEM, pem_r::BAD_END_LINE);
    assert!(!lines.rest.is_empty(), "reading stopped at the limit");

    // Text outside sections does not count.
    let mut text = "x".repeat(60).repeat(MAX_PEM_SECTION / 60 + 1);
    text.push('\n');
    text.push_str(&pem::encode(CERTIFICATE_LABEL, b"\x30\x00"));
    let mut lines = Lines {
        rest: text.as_bytes(),
        calls: 0,
    };
    let der = pem::read_section_lines(|max| lines.next(max), CERTIFICATE_LABEL).unwrap();
    assert_eq!(der, b"\x30\x00");
}

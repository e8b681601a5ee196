//! What verification needs to know about one certificate, read once: OpenSSL's cached
//! extension facts (basic constraints, key usages, key identifiers, alternative names, name
//! constraints, critical extensions it does not handle), its names in comparable form, its
//! validity, and the strength of its key and signature.

use x509_parser::der_parser::oid;
use x509_parser::oid_registry::Oid;
use x509_parser::prelude::{
    FromDer, GeneralName, ParsedExtension, X509Certificate, X509Name, X509Version,
};
use x509_parser::public_key::PublicKey;

/// OpenSSL's `KU_*` bits (`X509_get_key_usage`).
pub(crate) mod ku {
    /// `KU_DIGITAL_SIGNATURE`.
    pub(crate) const DIGITAL_SIGNATURE: u16 = 0x0080;
    /// `KU_KEY_ENCIPHERMENT`.
    pub(crate) const KEY_ENCIPHERMENT: u16 = 0x0020;
    /// `KU_KEY_AGREEMENT`.
    pub(crate) const KEY_AGREEMENT: u16 = 0x0008;
    /// `KU_KEY_CERT_SIGN`.
    pub(crate) const KEY_CERT_SIGN: u16 = 0x0004;
}

/// OpenSSL's `XKU_*` bits (`X509_get_extended_key_usage`).
pub(crate) mod xku {
    /// `XKU_SSL_SERVER`.
    pub(crate) const SSL_SERVER: u32 = 0x1;
    /// `XKU_SSL_CLIENT`.
    pub(crate) const SSL_CLIENT: u32 = 0x2;
    /// `XKU_SMIME`.
    pub(crate) const SMIME: u32 = 0x4;
    /// `XKU_CODE_SIGN`.
    pub(crate) const CODE_SIGN: u32 = 0x8;
    /// `XKU_SGC`.
    pub(crate) const SGC: u32 = 0x10;
    /// `XKU_OCSP_SIGN`.
    pub(crate) const OCSP_SIGN: u32 = 0x20;
    /// `XKU_TIMESTAMP`.
    pub(crate) const TIMESTAMP: u32 = 0x40;
    /// `XKU_ANYEKU`.
    pub(crate) const ANYEKU: u32 = 0x100;
}

/// Netscape certificate type bits as OpenSSL numbers them (`NS_*`).
pub(crate) mod ns {
    /// `NS_SSL_CLIENT`.
    pub(crate) const SSL_CLIENT: u8 = 0x80;
    /// `NS_SSL_SERVER`.
    pub(crate) const SSL_SERVER: u8 = 0x40;
    /// `NS_SSL_CA`.
    pub(crate) const SSL_CA: u8 = 0x04;
    /// `NS_ANY_CA`: any of the CA bits.
    pub(crate) const ANY_CA: u8 = 0x07;
}

/// A name in the form OpenSSL compares names (`X509_NAME_cmp` on canonical encodings):
/// per attribute its type and its value, string values folded to lower case with runs of
/// white space collapsed and trimmed.
pub(crate) type NameKey = Vec<Vec<(Vec<u8>, Vec<u8>)>>;

/// The authority key identifier's parts.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthorityKeyId {
    pub(crate) key_id: Option<Vec<u8>>,
    /// The directory name among the issuer names, in comparable form.
    pub(crate) issuer: Option<NameKey>,
    pub(crate) serial: Option<Vec<u8>>,
}

/// A name constraint's base name.
#[derive(Debug, Clone)]
pub(crate) enum Subtree {
    Dns(String),
    Email(String),
    /// An address and mask.
    Ip(Vec<u8>, Vec<u8>),
    Directory(NameKey),
    Uri(String),
    /// A form qssl does not check (it fails the check, as OpenSSL's unsupported forms do).
    Other,
}

/// A certificate's subject alternative names that verification looks at.
#[derive(Debug, Clone, Default)]
pub(crate) struct AltNames {
    pub(crate) dns: Vec<String>,
    pub(crate) ip: Vec<Vec<u8>>,
    pub(crate) email: Vec<String>,
    pub(crate) uri: Vec<String>,
    pub(crate) dir: Vec<NameKey>,
    /// How many names of any kind (an empty extension is an error in strict mode).
    pub(crate) count: usize,
}

/// One certificate with the facts verification uses.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    /// The DER, which also identifies the certificate (`X509_cmp`).
    pub(crate) der: Vec<u8>,
    pub(crate) subject: NameKey,
    pub(crate) issuer: NameKey,
    /// The subject's common names, as text.
    pub(crate) common_names: Vec<String>,
    /// The subject's e-mail address attributes.
    pub(crate) subject_emails: Vec<String>,
    pub(crate) version: u32,
    pub(crate) serial: Vec<u8>,
    /// Validity, in seconds since the epoch.
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    /// A basic constraints extension is present (`EXFLAG_BCONS`).
    pub(crate) bcons: bool,
    pub(crate) bcons_critical: bool,
    /// `CA:TRUE` (`EXFLAG_CA`).
    pub(crate) ca: bool,
    pub(crate) path_len: Option<u32>,
    /// Key usage bits (`KU_*`), when the extension is present.
    pub(crate) key_usage: Option<u16>,
    /// Extended key usage bits (`XKU_*`), when the extension is present.
    pub(crate) ext_key_usage: Option<u32>,
    /// Netscape certificate type bits, when present.
    pub(crate) ns_cert_type: Option<u8>,
    pub(crate) skid: Option<Vec<u8>>,
    pub(crate) skid_critical: bool,
    pub(crate) akid: Option<AuthorityKeyId>,
    pub(crate) akid_critical: bool,
    pub(crate) alt_names: Option<AltNames>,
    pub(crate) san_critical: bool,
    /// Name constraints: permitted and excluded subtrees.
    pub(crate) name_constraints: Option<(Vec<Subtree>, Vec<Subtree>)>,
    /// A critical extension OpenSSL does not handle (`EXFLAG_CRITICAL`).
    pub(crate) unhandled_critical: bool,
    /// An extension OpenSSL handles failed to parse, or is invalid (`EXFLAG_INVALID`).
    pub(crate) invalid: bool,
    /// Subject and issuer names are equal (`EXFLAG_SI`).
    pub(crate) self_issued: bool,
    /// Self-issued with a matching key identifier and a key that fits its signature
    /// algorithm (`EXFLAG_SS`).
    pub(crate) self_signed: bool,
    /// The extension count, for strict checks.
    pub(crate) extension_count: usize,
    /// The key's security bits (`EVP_PKEY_get_security_bits`), 0 when unknown.
    pub(crate) key_bits: u32,
    /// The signature's security bits (`X509_get_signature_info`), 0 when unknown.
    pub(crate) signature_bits: u32,
    /// The key's algorithm, for matching signature algorithms.
    key_kind: KeyKind,
    /// The key kind the signature algorithm inside the signed part needs (the one
    /// `check_sig_alg_match` reads).
    signature_kind: KeyKind,
    /// Outer and inner signature algorithms are the same.
    pub(crate) signature_algorithms_agree: bool,
    /// The signature's bit string declares unused bits: OpenSSL reads it, but no signature
    /// with them verifies (`ASN1_R_INVALID_BIT_STRING_BITS_LEFT`).
    signature_padded: bool,
    /// The subject name has no attributes / the issuer name has none.
    pub(crate) subject_empty: bool,
    pub(crate) issuer_empty: bool,
}

/// The kind of a public key or of the key a signature algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    /// RSA-PSS keys and signatures (an RSA key may make them too).
    RsaPss,
    Ec,
    Ed25519,
    Ed448,
    Dsa,
    Unknown,
}

impl CertInfo {
    /// Reads a certificate's facts from its DER; `None` if it does not parse. What follows
    /// the certificate is not looked at, as `d2i_X509` does not.
    pub(crate) fn parse(der: &[u8]) -> Option<CertInfo> {
        if let Ok((rest, cert)) = X509Certificate::from_der(der) {
            return Self::read(&der[..der.len() - rest.len()], &cert);
        }
        // OpenSSL reads a signature whose unused bits are not zero, clearing them
        // (`c2i_ASN1_BIT_STRING`), where x509-parser refuses it; such a signature never
        // verifies.
        let cleared = clear_signature_padding(der)?;
        let (rest, cert) = X509Certificate::from_der(&cleared).ok()?;
        Self::read(&der[..cleared.len() - rest.len()], &cert)
    }

    /// The facts of `cert`, whose DER as received is `der`.
    fn read(der: &[u8], cert: &X509Certificate<'_>) -> Option<CertInfo> {
        let signature_padded = outer_layers(der)?;
        let mut info = CertInfo {
            der: der.to_vec(),
            subject: name_key(cert.subject()),
            issuer: name_key(cert.issuer()),
            common_names: cert
                .subject()
                .iter_common_name()
                .filter_map(|a| a.as_str().ok().map(str::to_owned))
                .collect(),
            subject_emails: cert
                .subject()
                .iter_email()
                .filter_map(|a| a.as_str().ok().map(str::to_owned))
                .collect(),
            version: match cert.version() {
                X509Version::V1 => 1,
                X509Version::V2 => 2,
                _ => 3,
            },
            serial: cert.tbs_certificate.raw_serial().to_vec(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            bcons: false,
            bcons_critical: false,
            ca: false,
            path_len: None,
            key_usage: None,
            ext_key_usage: None,
            ns_cert_type: None,
            skid: None,
            skid_critical: false,
            akid: None,
            akid_critical: false,
            alt_names: None,
            san_critical: false,
            name_constraints: None,
            unhandled_critical: false,
            invalid: false,
            self_issued: false,
            self_signed: false,
            extension_count: cert.extensions().len(),
            key_bits: key_bits(cert),
            signature_bits: signature_bits(cert),
            key_kind: key_kind(&cert.public_key().algorithm.algorithm),
            signature_kind: signature_kind(&cert.tbs_certificate.signature.algorithm),
            signature_algorithms_agree: cert.signature_algorithm == cert.tbs_certificate.signature,
            signature_padded,
            subject_empty: cert.subject().iter_attributes().next().is_none(),
            issuer_empty: cert.issuer().iter_attributes().next().is_none(),
        };
        for ext in cert.extensions() {
            info.read_extension(ext.oid.clone(), ext.critical, ext.parsed_extension());
        }
        info.self_issued = info.subject == info.issuer;
        info.self_signed =
            info.self_issued && info.akid_matches(&info) && info.key_fits_signature_of(&info);
        Some(info)
    }

    /// Records one extension as `ossl_x509v3_cache_extensions` does.
    fn read_extension(&mut self, oid: Oid<'_>, critical: bool, parsed: &ParsedExtension<'_>) {
        let handled = HANDLED.contains(&oid);
        if critical && !handled && !self.unhandled_critical {
            self.unhandled_critical = true;
        }
        match parsed {
            ParsedExtension::BasicConstraints(bc) => {
                self.bcons = true;
                self.bcons_critical = critical;
                self.ca = bc.ca;
                self.path_len = bc.path_len_constraint;
            }
            ParsedExtension::KeyUsage(k) => {
                let bits = openssl_key_usage(k.flags);
                if bits == 0 {
                    self.invalid = true;
                }
                self.key_usage = Some(bits);
            }
            ParsedExtension::ExtendedKeyUsage(e) => {
                let mut bits = 0;
                for (on, bit) in [
                    (e.server_auth, xku::SSL_SERVER),
                    (e.client_auth, xku::SSL_CLIENT),
                    (e.email_protection, xku::SMIME),
                    (e.code_signing, xku::CODE_SIGN),
                    (e.ocsp_signing, xku::OCSP_SIGN),
                    (e.time_stamping, xku::TIMESTAMP),
                    (e.any, xku::ANYEKU),
                ] {
                    if on {
                        bits |= bit;
                    }
                }
                if e.other.iter().any(|o| SGC.iter().any(|s| s == o)) {
                    bits |= xku::SGC;
                }
                self.ext_key_usage = Some(bits);
            }
            ParsedExtension::NSCertType(t) => {
                let mut bits = 0;
                for (on, bit) in [
                    (t.ssl_client(), ns::SSL_CLIENT),
                    (t.ssl_server(), ns::SSL_SERVER),
                    (t.ssl_ca(), ns::SSL_CA),
                    (t.smime_ca(), 0x02),
                    (t.object_signing_ca(), 0x01),
                ] {
                    if on {
                        bits |= bit;
                    }
                }
                self.ns_cert_type = Some(bits);
            }
            ParsedExtension::SubjectKeyIdentifier(k) => {
                self.skid = Some(k.0.to_vec());
                self.skid_critical = critical;
            }
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                self.akid = Some(AuthorityKeyId {
                    key_id: a.key_identifier.as_ref().map(|k| k.0.to_vec()),
                    issuer: a.authority_cert_issuer.as_ref().and_then(|names| {
                        names.iter().find_map(|n| match n {
                            GeneralName::DirectoryName(d) => Some(name_key(d)),
                            _ => None,
                        })
                    }),
                    serial: a.authority_cert_serial.map(<[u8]>::to_vec),
                });
                self.akid_critical = critical;
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                let mut names = AltNames {
                    count: san.general_names.len(),
                    ..AltNames::default()
                };
                for n in &san.general_names {
                    match n {
                        GeneralName::DNSName(d) => names.dns.push((*d).to_owned()),
                        GeneralName::IPAddress(ip) => names.ip.push(ip.to_vec()),
                        GeneralName::RFC822Name(e) => names.email.push((*e).to_owned()),
                        GeneralName::URI(u) => names.uri.push((*u).to_owned()),
                        GeneralName::DirectoryName(d) => names.dir.push(name_key(d)),
                        _ => {}
                    }
                }
                self.alt_names = Some(names);
                self.san_critical = critical;
            }
            ParsedExtension::NameConstraints(nc) => {
                let subtrees = |s: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
                    s.iter().flatten().map(|t| subtree(&t.base)).collect()
                };
                self.name_constraints = Some((
                    subtrees(&nc.permitted_subtrees),
                    subtrees(&nc.excluded_subtrees),
                ));
            }
            ParsedExtension::ParseError { .. } if handled => self.invalid = true,
            _ => {}
        }
    }

    /// `X509_check_akid(issuer, self.akid)`: `X509_V_OK` (0) or why `issuer` cannot be the
    /// one the authority key identifier names.
    pub(crate) fn akid_error(&self, issuer: &CertInfo) -> i64 {
        use super::codes::x509_v;
        let Some(akid) = &self.akid else {
            return x509_v::OK;
        };
        if let (Some(k), Some(s)) = (&akid.key_id, &issuer.skid)
            && k != s
        {
            return x509_v::ERR_AKID_SKID_MISMATCH;
        }
        if akid.serial.as_ref().is_some_and(|s| *s != issuer.serial) {
            return x509_v::ERR_AKID_ISSUER_SERIAL_MISMATCH;
        }
        if akid.issuer.as_ref().is_some_and(|n| *n != issuer.issuer) {
            return x509_v::ERR_AKID_ISSUER_SERIAL_MISMATCH;
        }
        x509_v::OK
    }

    fn akid_matches(&self, issuer: &CertInfo) -> bool {
        self.akid_error(issuer) == 0
    }

    /// Whether this certificate's key can have made `subject`'s signature (`check_sig_alg_match`).
    pub(crate) fn key_fits_signature_of(&self, subject: &CertInfo) -> bool {
        self.key_kind != KeyKind::Unknown
            && (self.key_kind == subject.signature_kind
                || (self.key_kind == KeyKind::Rsa && subject.signature_kind == KeyKind::RsaPss))
    }

    /// `X509_check_ca`: 0 not a CA; 1 a CA by basic constraints; 3 a version-1 self-signed
    /// root; 4 a CA by key usage alone; 5 a CA by Netscape type alone.
    pub(crate) fn check_ca(&self) -> u32 {
        if self.invalid {
            return 0;
        }
        if self.rejects_key_usage(ku::KEY_CERT_SIGN) {
            return 0;
        }
        if self.bcons {
            return u32::from(self.ca);
        }
        if self.version == 1 && self.self_signed {
            3
        } else if self.key_usage.is_some() {
            4
        } else if self.ns_cert_type.is_some_and(|t| t & ns::ANY_CA != 0) {
            5
        } else {
            0
        }
    }

    /// The key usage extension is present and has none of `bits` (`ku_reject`).
    pub(crate) fn rejects_key_usage(&self, bits: u16) -> bool {
        self.key_usage.is_some_and(|k| k & bits == 0)
    }

    /// The extended key usage extension is present and has none of `bits` (`xku_reject`).
    pub(crate) fn rejects_ext_key_usage(&self, bits: u32) -> bool {
        self.ext_key_usage.is_some_and(|k| k & bits == 0)
    }

    /// The Netscape certificate type is present and has none of `bits` (`ns_reject`).
    pub(crate) fn rejects_ns_type(&self, bits: u8) -> bool {
        self.ns_cert_type.is_some_and(|t| t & bits == 0)
    }

    /// Whether `issuer`'s key made this certificate's signature.
    pub(crate) fn signed_by(&self, issuer: &CertInfo) -> bool {
        if self.signature_padded {
            return false;
        }
        let (Ok((_, cert)), Ok((_, signer))) = (
            X509Certificate::from_der(&self.der),
            X509Certificate::from_der(&issuer.der),
        ) else {
            return false;
        };
        cert.verify_signature(Some(signer.public_key())).is_ok()
    }

    /// Whether the certificate's key could be read at all.
    pub(crate) fn has_usable_key(&self) -> bool {
        self.key_kind != KeyKind::Unknown
    }
}

/// Checks the layers of a certificate no signature covers (the `Certificate` sequence, the
/// outer signature algorithm and the signature value) as `d2i_X509` reads them, where
/// x509-parser is lenient: the tags' class and form, the algorithm's OID tag, no element
/// after the signature, at most 7 unused bits. `None` if OpenSSL would not parse them, else
/// whether the signature declares unused bits.
fn outer_layers(der: &[u8]) -> Option<bool> {
    const SEQUENCE: u8 = 0x30;
    const OID: u8 = 0x06;
    const BIT_STRING: u8 = 0x03;
    let (SEQUENCE, certificate, _) = tlv(der)? else {
        return None;
    };
    let (SEQUENCE, _, rest) = tlv(certificate)? else {
        return None;
    };
    let (SEQUENCE, algorithm, rest) = tlv(rest)? else {
        return None;
    };
    let (OID, _, _) = tlv(algorithm)? else {
        return None;
    };
    let (BIT_STRING, signature, []) = tlv(rest)? else {
        return None;
    };
    match signature.first() {
        Some(&unused) if unused <= 7 => Some(unused != 0),
        _ => None,
    }
}

/// `der` with the unused bits of its signature cleared, if the outer layers are well formed
/// ([`outer_layers`]) and any of those bits is set; else `None`.
fn clear_signature_padding(der: &[u8]) -> Option<Vec<u8>> {
    outer_layers(der)?;
    // The signature ends the certificate.
    let (_, certificate, after) = tlv(der)?;
    let (_, _, rest) = tlv(certificate)?;
    let (_, _, rest) = tlv(rest)?;
    let (_, signature, _) = tlv(rest)?;
    let (&unused, bits) = signature.split_first()?;
    let padding = (1u8 << unused) - 1;
    if bits.last()? & padding == 0 {
        return None;
    }
    let at = der.len() - after.len() - 1;
    let mut cleared = der.to_vec();
    cleared[at] &= !padding;
    Some(cleared)
}

/// One DER element of `input` (a one-byte tag, a definite length): its tag, its content
/// and what follows it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > size_of::<usize>() || rest.len() < n {
            return None;
        }
        let (bytes, rest) = rest.split_at(n);
        let len = bytes.iter().fold(0, |len, b| len << 8 | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((tag, content, rest))
}

/// The extensions OpenSSL's verifier handles (`X509_supported_extension`), by OID: a critical
/// extension outside this list (key identifiers included) fails with
/// `X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION`.
static HANDLED: [Oid<'static>; 15] = [
    oid!(2.16.840.1.113730.1.1), // netscape cert type
    oid!(2.5.29.15),             // key usage
    oid!(2.5.29.17),             // subject alt name
    oid!(2.5.29.19),             // basic constraints
    oid!(2.5.29.32),             // certificate policies
    oid!(2.5.29.31),             // CRL distribution points
    oid!(2.5.29.37),             // extended key usage
    oid!(1.3.6.1.5.5.7.1.7),     // IP address blocks
    oid!(1.3.6.1.5.5.7.1.8),     // AS identifiers
    oid!(1.3.6.1.5.5.7.48.1.5),  // OCSP no check
    oid!(2.5.29.36),             // policy constraints
    oid!(1.3.6.1.5.5.7.1.14),    // proxy cert info
    oid!(2.5.29.30),             // name constraints
    oid!(2.5.29.33),             // policy mappings
    oid!(2.5.29.54),             // inhibit any policy
];

/// Server gated crypto usages (Microsoft's and Netscape's), `XKU_SGC`.
static SGC: [Oid<'static>; 2] = [oid!(1.3.6.1.4.1.311.10.3.3), oid!(2.16.840.1.113730.4.1)];

/// x509-parser's key usage bits (bit 0 = digitalSignature) as OpenSSL's `KU_*` value (the
/// first byte of the bit string, digitalSignature = 0x80, then decipherOnly = 0x8000).
fn openssl_key_usage(flags: u16) -> u16 {
    let mut out = 0;
    for bit in 0..8 {
        if flags & (1 << bit) != 0 {
            out |= 0x80 >> bit;
        }
    }
    if flags & (1 << 8) != 0 {
        out |= 0x8000;
    }
    out
}

/// A name in comparable form (see [`NameKey`]).
pub(crate) fn name_key(name: &X509Name<'_>) -> NameKey {
    name.iter_rdn()
        .map(|rdn| {
            let mut set: Vec<(Vec<u8>, Vec<u8>)> = rdn
                .iter()
                .map(|atv| {
                    let value = match atv.as_str() {
                        Ok(s) => canonical(s),
                        Err(_) => atv.attr_value().data.to_vec(),
                    };
                    (atv.attr_type().as_bytes().to_vec(), value)
                })
                .collect();
            set.sort();
            set
        })
        .collect()
}

/// A string value as OpenSSL's canonical name encoding has it: ASCII folded to lower case,
/// leading and trailing white space dropped, inner runs of white space made one space.
fn canonical(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for word in s.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend(word.bytes().map(|b| b.to_ascii_lowercase()));
    }
    out
}

/// A name constraint's base in checkable form.
fn subtree(name: &GeneralName<'_>) -> Subtree {
    match name {
        GeneralName::DNSName(d) => Subtree::Dns((*d).to_owned()),
        GeneralName::RFC822Name(e) => Subtree::Email((*e).to_owned()),
        GeneralName::URI(u) => Subtree::Uri((*u).to_owned()),
        GeneralName::DirectoryName(d) => Subtree::Directory(name_key(d)),
        GeneralName::IPAddress(raw) if raw.len() == 8 || raw.len() == 32 => {
            let (ip, mask) = raw.split_at(raw.len() / 2);
            Subtree::Ip(ip.to_vec(), mask.to_vec())
        }
        _ => Subtree::Other,
    }
}

/// The kind of key a public key algorithm OID names.
fn key_kind(alg: &Oid<'_>) -> KeyKind {
    let known: [(Oid<'static>, KeyKind); 6] = [
        (oid!(1.2.840.113549.1.1.1), KeyKind::Rsa),
        (oid!(1.2.840.113549.1.1.10), KeyKind::RsaPss),
        (oid!(1.2.840.10045.2.1), KeyKind::Ec),
        (oid!(1.3.101.112), KeyKind::Ed25519),
        (oid!(1.3.101.113), KeyKind::Ed448),
        (oid!(1.2.840.10040.4.1), KeyKind::Dsa),
    ];
    known
        .iter()
        .find(|(o, _)| o == alg)
        .map_or(KeyKind::Unknown, |(_, k)| *k)
}

/// The kind of key a signature algorithm OID needs, and its digest's security bits.
fn signature_algorithm(alg: &Oid<'_>) -> (KeyKind, u32) {
    let known: [(Oid<'static>, KeyKind, u32); 14] = [
        (oid!(1.2.840.113549.1.1.4), KeyKind::Rsa, 39), // md5
        (oid!(1.2.840.113549.1.1.5), KeyKind::Rsa, 63), // sha1
        (oid!(1.2.840.113549.1.1.14), KeyKind::Rsa, 112), // sha224
        (oid!(1.2.840.113549.1.1.11), KeyKind::Rsa, 128),
        (oid!(1.2.840.113549.1.1.12), KeyKind::Rsa, 192),
        (oid!(1.2.840.113549.1.1.13), KeyKind::Rsa, 256),
        (oid!(1.2.840.113549.1.1.10), KeyKind::RsaPss, 128),
        (oid!(1.2.840.10045.4.1), KeyKind::Ec, 63),
        (oid!(1.2.840.10045.4.3.1), KeyKind::Ec, 112),
        (oid!(1.2.840.10045.4.3.2), KeyKind::Ec, 128),
        (oid!(1.2.840.10045.4.3.3), KeyKind::Ec, 192),
        (oid!(1.2.840.10045.4.3.4), KeyKind::Ec, 256),
        (oid!(1.3.101.112), KeyKind::Ed25519, 128),
        (oid!(1.3.101.113), KeyKind::Ed448, 224),
    ];
    known
        .iter()
        .find(|(o, _, _)| o == alg)
        .map_or((KeyKind::Unknown, 0), |(_, k, b)| (*k, *b))
}

fn signature_kind(alg: &Oid<'_>) -> KeyKind {
    signature_algorithm(alg).0
}

/// The signature's security bits as `X509_get_signature_info` reports them.
fn signature_bits(cert: &X509Certificate<'_>) -> u32 {
    signature_algorithm(&cert.signature_algorithm.algorithm).1
}

/// The key's security bits as `EVP_PKEY_get_security_bits` reports them.
fn key_bits(cert: &X509Certificate<'_>) -> u32 {
    let Ok(key) = cert.public_key().parsed() else {
        return 0;
    };
    match key {
        PublicKey::RSA(rsa) => rsa_security_bits(modulus_bits(rsa.modulus)),
        PublicKey::EC(point) => match key_kind(&cert.public_key().algorithm.algorithm) {
            KeyKind::Ed25519 => 128,
            KeyKind::Ed448 => 224,
            _ => {
                let curve = cert.public_key().algorithm.parameters.as_ref();
                ec_key_bits(curve.and_then(|c| c.as_oid().ok()), point.data())
            }
        },
        PublicKey::DSA(_) => 80,
        _ => match key_kind(&cert.public_key().algorithm.algorithm) {
            KeyKind::Ed25519 => 128,
            KeyKind::Ed448 => 224,
            _ => 0,
        },
    }
}

/// A NIST prime curve whose points OpenSSL checks when it decodes a key: its OID, its field
/// prime and its `b` (big-endian hex; `a` is p - 3), and its keys' security bits.
struct Curve {
    oid: Oid<'static>,
    p: &'static str,
    b: &'static str,
    bits: u32,
}

/// P-256, P-384 and P-521 (OpenSSL's `ec_curve.c`).
static NIST_CURVES: [Curve; 3] = [
    Curve {
        oid: oid!(1.2.840.10045.3.1.7),
        p: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
        b: "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
        bits: 128,
    },
    Curve {
        oid: oid!(1.3.132.0.34),
        p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF",
        b: "B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF",
        bits: 192,
    },
    Curve {
        oid: oid!(1.3.132.0.35),
        p: "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        b: "0051953EB9618E1C9A1F929A21A0B68540EEA2DA725B99B315F3B8B489918EF109E156193951EC7E937B1652C0BD3BB1BF073573DF883D2C34F1EF451FD46B503F00",
        bits: 256,
    },
];

/// The security bits of an EC key with the encoded `point` on the named `curve`. On P-256,
/// P-384 and P-521 the point is decoded as `EC_POINT_oct2point` decodes it (uncompressed,
/// compressed or hybrid, coordinates below the prime, on the curve; a lone 0 is the point
/// at infinity), and a key that does not decode has 0 bits, as OpenSSL finds no key; on
/// another curve, half the point's size.
fn ec_key_bits(curve: Option<Oid<'_>>, point: &[u8]) -> u32 {
    use x509_parser::num_bigint::BigUint;
    let Some(curve) = curve.and_then(|c| NIST_CURVES.iter().find(|n| n.oid == c)) else {
        let size = x509_parser::public_key::ECPoint::from(point).key_size();
        return u32::try_from(size / 2).unwrap_or(0);
    };
    let hex = |h: &str| BigUint::parse_bytes(h.as_bytes(), 16).unwrap_or_default();
    let (p, b) = (hex(curve.p), hex(curve.b));
    let field_len = usize::try_from(p.bits().div_ceil(8)).unwrap_or(0);
    let Some((&form, coordinates)) = point.split_first() else {
        return 0;
    };
    let (x, y) = match (form, coordinates.len()) {
        (0, 0) => return curve.bits,
        (2 | 3, n) if n == field_len => (BigUint::from_bytes_be(coordinates), None),
        (4 | 6 | 7, n) if n == 2 * field_len => {
            let (x, y) = coordinates.split_at(field_len);
            let y = BigUint::from_bytes_be(y);
            if form != 4 && y.bit(0) != (form == 7) {
                return 0;
            }
            (BigUint::from_bytes_be(x), Some(y))
        }
        _ => return 0,
    };
    if x >= p || y.as_ref().is_some_and(|y| *y >= p) {
        return 0;
    }
    // y² = x³ - 3x + b (mod p).
    let rhs = ((&x * &x % &p) * &x + &b + &p * 3u8 - &x * 3u8) % &p;
    let on_curve = match y {
        Some(y) => &y * &y % &p == rhs,
        // A compressed point needs a square root of the right-hand side (Euler's
        // criterion), an odd one for form 3: a zero root is even.
        None if rhs == BigUint::ZERO => form == 2,
        None => rhs.modpow(&((&p - 1u8) >> 1), &p) == BigUint::from(1u8),
    };
    if on_curve { curve.bits } else { 0 }
}

/// The bit length of an RSA modulus given as big-endian bytes.
fn modulus_bits(modulus: &[u8]) -> u32 {
    let trimmed: &[u8] = match modulus.iter().position(|b| *b != 0) {
        Some(at) => &modulus[at..],
        None => &[],
    };
    match trimmed.first() {
        Some(first) => {
            u32::try_from(trimmed.len() - 1).unwrap_or(u32::MAX / 8) * 8
                + (8 - first.leading_zeros())
        }
        None => 0,
    }
}

/// OpenSSL's security bits for an RSA modulus of `bits` bits (`BN_security_bits`).
fn rsa_security_bits(bits: u32) -> u32 {
    match bits {
        15360.. => 256,
        7680.. => 192,
        3072.. => 128,
        2048.. => 112,
        1024.. => 80,
        _ => 0,
    }
}

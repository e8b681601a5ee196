//! `qssl cert`: a certificate and private key for testing, self-signed or signed by a CA
//! of the user's (made with rcgen, no hand-written ASN.1).

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};

use crate::args::{Cert, KeyAlgorithm};
use crate::failure::{Context, Outcome};

/// Runs `qssl cert`.
pub(crate) fn run(args: &Cert) -> Outcome {
    let algorithm = match args.algorithm {
        KeyAlgorithm::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyAlgorithm::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        KeyAlgorithm::Ed25519 => &rcgen::PKCS_ED25519,
    };
    let key = KeyPair::generate_for(algorithm).context("generating the key")?;
    let names: Vec<String> = args.names.iter().chain(&args.san).cloned().collect();
    let mut params = CertificateParams::new(names).context("the names")?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, args.names[0].as_str());
    params.distinguished_name = subject;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = now + time::Duration::days(i64::from(args.days));
    if args.ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
    } else {
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
    }
    let cert = match (&args.ca_cert, &args.ca_key) {
        (Some(ca_cert), Some(ca_key)) => {
            let ca_pem = read(ca_cert)?;
            let ca_key = KeyPair::from_pem(&read(ca_key)?)
                .context("the CA key (PKCS #8 PEM, as qssl cert and openssl genpkey write it)")?;
            let issuer = Issuer::from_ca_cert_pem(&ca_pem, ca_key)
                .context(format_args!("the CA certificate {}", ca_cert.display()))?;
            params.signed_by(&key, &issuer).context("signing")?
        }
        _ => params.self_signed(&key).context("signing")?,
    };
    write(&args.cert_out, &cert.pem(), 0o644)?;
    write(&args.key_out, &key.serialize_pem(), 0o600)?;
    eprintln!(
        "wrote {} and {}",
        args.cert_out.display(),
        args.key_out.display()
    );
    Ok(())
}

fn read(path: &Path) -> Outcome<String> {
    std::fs::read_to_string(path).context(format_args!("{}", path.display()))
}

/// Writes `text` to a new `path` with permissions `mode` (a private key only for its owner).
fn write(path: &Path, text: &str, mode: u32) -> Outcome {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    // A file made afresh, so an old one's permissions do not stay.
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .context(format_args!("{}", path.display()))?;
    file.write_all(text.as_bytes())
        .context(format_args!("{}", path.display()))
}

//! The `X509_V_*` verify results with OpenSSL 3.5's values and the texts
//! `X509_verify_cert_error_string` gives them (from `x509_vfy.h` and `x509_txt.c`), and the
//! `X509_V_FLAG_*` verification flags.

/// `X509_V_*` codes.
pub mod x509_v {
    /// `X509_V_OK`.
    pub const OK: i64 = 0;
    /// `X509_V_ERR_UNSPECIFIED`.
    pub const ERR_UNSPECIFIED: i64 = 1;
    /// `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT`.
    pub const ERR_UNABLE_TO_GET_ISSUER_CERT: i64 = 2;
    /// `X509_V_ERR_UNABLE_TO_GET_CRL`.
    pub const ERR_UNABLE_TO_GET_CRL: i64 = 3;
    /// `X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE`.
    pub const ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE: i64 = 4;
    /// `X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE`.
    pub const ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE: i64 = 5;
    /// `X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY`.
    pub const ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: i64 = 6;
    /// `X509_V_ERR_CERT_SIGNATURE_FAILURE`.
    pub const ERR_CERT_SIGNATURE_FAILURE: i64 = 7;
    /// `X509_V_ERR_CRL_SIGNATURE_FAILURE`.
    pub const ERR_CRL_SIGNATURE_FAILURE: i64 = 8;
    /// `X509_V_ERR_CERT_NOT_YET_VALID`.
    pub const ERR_CERT_NOT_YET_VALID: i64 = 9;
    /// `X509_V_ERR_CERT_HAS_EXPIRED`.
    pub const ERR_CERT_HAS_EXPIRED: i64 = 10;
    /// `X509_V_ERR_CRL_NOT_YET_VALID`.
    pub const ERR_CRL_NOT_YET_VALID: i64 = 11;
    /// `X509_V_ERR_CRL_HAS_EXPIRED`.
    pub const ERR_CRL_HAS_EXPIRED: i64 = 12;
    /// `X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD`.
    pub const ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD: i64 = 13;
    /// `X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD`.
    pub const ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: i64 = 14;
    /// `X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD`.
    pub const ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD: i64 = 15;
    /// `X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD`.
    pub const ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD: i64 = 16;
    /// `X509_V_ERR_OUT_OF_MEM`.
    pub const ERR_OUT_OF_MEM: i64 = 17;
    /// `X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT`.
    pub const ERR_DEPTH_ZERO_SELF_SIGNED_CERT: i64 = 18;
    /// `X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN`.
    pub const ERR_SELF_SIGNED_CERT_IN_CHAIN: i64 = 19;
    /// `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY`.
    pub const ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i64 = 20;
    /// `X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE`.
    pub const ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: i64 = 21;
    /// `X509_V_ERR_CERT_CHAIN_TOO_LONG`.
    pub const ERR_CERT_CHAIN_TOO_LONG: i64 = 22;
    /// `X509_V_ERR_CERT_REVOKED`.
    pub const ERR_CERT_REVOKED: i64 = 23;
    /// `X509_V_ERR_NO_ISSUER_PUBLIC_KEY`.
    pub const ERR_NO_ISSUER_PUBLIC_KEY: i64 = 24;
    /// `X509_V_ERR_PATH_LENGTH_EXCEEDED`.
    pub const ERR_PATH_LENGTH_EXCEEDED: i64 = 25;
    /// `X509_V_ERR_INVALID_PURPOSE`.
    pub const ERR_INVALID_PURPOSE: i64 = 26;
    /// `X509_V_ERR_CERT_UNTRUSTED`.
    pub const ERR_CERT_UNTRUSTED: i64 = 27;
    /// `X509_V_ERR_CERT_REJECTED`.
    pub const ERR_CERT_REJECTED: i64 = 28;
    /// `X509_V_ERR_SUBJECT_ISSUER_MISMATCH`.
    pub const ERR_SUBJECT_ISSUER_MISMATCH: i64 = 29;
    /// `X509_V_ERR_AKID_SKID_MISMATCH`.
    pub const ERR_AKID_SKID_MISMATCH: i64 = 30;
    /// `X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH`.
    pub const ERR_AKID_ISSUER_SERIAL_MISMATCH: i64 = 31;
    /// `X509_V_ERR_KEYUSAGE_NO_CERTSIGN`.
    pub const ERR_KEYUSAGE_NO_CERTSIGN: i64 = 32;
    /// `X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER`.
    pub const ERR_UNABLE_TO_GET_CRL_ISSUER: i64 = 33;
    /// `X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION`.
    pub const ERR_UNHANDLED_CRITICAL_EXTENSION: i64 = 34;
    /// `X509_V_ERR_KEYUSAGE_NO_CRL_SIGN`.
    pub const ERR_KEYUSAGE_NO_CRL_SIGN: i64 = 35;
    /// `X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION`.
    pub const ERR_UNHANDLED_CRITICAL_CRL_EXTENSION: i64 = 36;
    /// `X509_V_ERR_INVALID_NON_CA`.
    pub const ERR_INVALID_NON_CA: i64 = 37;
    /// `X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED`.
    pub const ERR_PROXY_PATH_LENGTH_EXCEEDED: i64 = 38;
    /// `X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE`.
    pub const ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE: i64 = 39;
    /// `X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED`.
    pub const ERR_PROXY_CERTIFICATES_NOT_ALLOWED: i64 = 40;
    /// `X509_V_ERR_INVALID_EXTENSION`.
    pub const ERR_INVALID_EXTENSION: i64 = 41;
    /// `X509_V_ERR_INVALID_POLICY_EXTENSION`.
    pub const ERR_INVALID_POLICY_EXTENSION: i64 = 42;
    /// `X509_V_ERR_NO_EXPLICIT_POLICY`.
    pub const ERR_NO_EXPLICIT_POLICY: i64 = 43;
    /// `X509_V_ERR_DIFFERENT_CRL_SCOPE`.
    pub const ERR_DIFFERENT_CRL_SCOPE: i64 = 44;
    /// `X509_V_ERR_UNSUPPORTED_EXTENSION_FEATURE`.
    pub const ERR_UNSUPPORTED_EXTENSION_FEATURE: i64 = 45;
    /// `X509_V_ERR_UNNESTED_RESOURCE`.
    pub const ERR_UNNESTED_RESOURCE: i64 = 46;
    /// `X509_V_ERR_PERMITTED_VIOLATION`.
    pub const ERR_PERMITTED_VIOLATION: i64 = 47;
    /// `X509_V_ERR_EXCLUDED_VIOLATION`.
    pub const ERR_EXCLUDED_VIOLATION: i64 = 48;
    /// `X509_V_ERR_SUBTREE_MINMAX`.
    pub const ERR_SUBTREE_MINMAX: i64 = 49;
    /// `X509_V_ERR_APPLICATION_VERIFICATION`.
    pub const ERR_APPLICATION_VERIFICATION: i64 = 50;
    /// `X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE`.
    pub const ERR_UNSUPPORTED_CONSTRAINT_TYPE: i64 = 51;
    /// `X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX`.
    pub const ERR_UNSUPPORTED_CONSTRAINT_SYNTAX: i64 = 52;
    /// `X509_V_ERR_UNSUPPORTED_NAME_SYNTAX`.
    pub const ERR_UNSUPPORTED_NAME_SYNTAX: i64 = 53;
    /// `X509_V_ERR_CRL_PATH_VALIDATION_ERROR`.
    pub const ERR_CRL_PATH_VALIDATION_ERROR: i64 = 54;
    /// `X509_V_ERR_PATH_LOOP`.
    pub const ERR_PATH_LOOP: i64 = 55;
    /// `X509_V_ERR_SUITE_B_INVALID_VERSION`.
    pub const ERR_SUITE_B_INVALID_VERSION: i64 = 56;
    /// `X509_V_ERR_SUITE_B_INVALID_ALGORITHM`.
    pub const ERR_SUITE_B_INVALID_ALGORITHM: i64 = 57;
    /// `X509_V_ERR_SUITE_B_INVALID_CURVE`.
    pub const ERR_SUITE_B_INVALID_CURVE: i64 = 58;
    /// `X509_V_ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM`.
    pub const ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM: i64 = 59;
    /// `X509_V_ERR_SUITE_B_LOS_NOT_ALLOWED`.
    pub const ERR_SUITE_B_LOS_NOT_ALLOWED: i64 = 60;
    /// `X509_V_ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256`.
    pub const ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256: i64 = 61;
    /// `X509_V_ERR_HOSTNAME_MISMATCH`.
    pub const ERR_HOSTNAME_MISMATCH: i64 = 62;
    /// `X509_V_ERR_EMAIL_MISMATCH`.
    pub const ERR_EMAIL_MISMATCH: i64 = 63;
    /// `X509_V_ERR_IP_ADDRESS_MISMATCH`.
    pub const ERR_IP_ADDRESS_MISMATCH: i64 = 64;
    /// `X509_V_ERR_DANE_NO_MATCH`.
    pub const ERR_DANE_NO_MATCH: i64 = 65;
    /// `X509_V_ERR_EE_KEY_TOO_SMALL`.
    pub const ERR_EE_KEY_TOO_SMALL: i64 = 66;
    /// `X509_V_ERR_CA_KEY_TOO_SMALL`.
    pub const ERR_CA_KEY_TOO_SMALL: i64 = 67;
    /// `X509_V_ERR_CA_MD_TOO_WEAK`.
    pub const ERR_CA_MD_TOO_WEAK: i64 = 68;
    /// `X509_V_ERR_INVALID_CALL`.
    pub const ERR_INVALID_CALL: i64 = 69;
    /// `X509_V_ERR_STORE_LOOKUP`.
    pub const ERR_STORE_LOOKUP: i64 = 70;
    /// `X509_V_ERR_NO_VALID_SCTS`.
    pub const ERR_NO_VALID_SCTS: i64 = 71;
    /// `X509_V_ERR_PROXY_SUBJECT_NAME_VIOLATION`.
    pub const ERR_PROXY_SUBJECT_NAME_VIOLATION: i64 = 72;
    /// `X509_V_ERR_OCSP_VERIFY_NEEDED`.
    pub const ERR_OCSP_VERIFY_NEEDED: i64 = 73;
    /// `X509_V_ERR_OCSP_VERIFY_FAILED`.
    pub const ERR_OCSP_VERIFY_FAILED: i64 = 74;
    /// `X509_V_ERR_OCSP_CERT_UNKNOWN`.
    pub const ERR_OCSP_CERT_UNKNOWN: i64 = 75;
    /// `X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM`.
    pub const ERR_UNSUPPORTED_SIGNATURE_ALGORITHM: i64 = 76;
    /// `X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH`.
    pub const ERR_SIGNATURE_ALGORITHM_MISMATCH: i64 = 77;
    /// `X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY`.
    pub const ERR_SIGNATURE_ALGORITHM_INCONSISTENCY: i64 = 78;
    /// `X509_V_ERR_INVALID_CA`.
    pub const ERR_INVALID_CA: i64 = 79;
    /// `X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA`.
    pub const ERR_PATHLEN_INVALID_FOR_NON_CA: i64 = 80;
    /// `X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN`.
    pub const ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN: i64 = 81;
    /// `X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA`.
    pub const ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA: i64 = 82;
    /// `X509_V_ERR_ISSUER_NAME_EMPTY`.
    pub const ERR_ISSUER_NAME_EMPTY: i64 = 83;
    /// `X509_V_ERR_SUBJECT_NAME_EMPTY`.
    pub const ERR_SUBJECT_NAME_EMPTY: i64 = 84;
    /// `X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER`.
    pub const ERR_MISSING_AUTHORITY_KEY_IDENTIFIER: i64 = 85;
    /// `X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER`.
    pub const ERR_MISSING_SUBJECT_KEY_IDENTIFIER: i64 = 86;
    /// `X509_V_ERR_EMPTY_SUBJECT_ALT_NAME`.
    pub const ERR_EMPTY_SUBJECT_ALT_NAME: i64 = 87;
    /// `X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL`.
    pub const ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL: i64 = 88;
    /// `X509_V_ERR_CA_BCONS_NOT_CRITICAL`.
    pub const ERR_CA_BCONS_NOT_CRITICAL: i64 = 89;
    /// `X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL`.
    pub const ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL: i64 = 90;
    /// `X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL`.
    pub const ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL: i64 = 91;
    /// `X509_V_ERR_CA_CERT_MISSING_KEY_USAGE`.
    pub const ERR_CA_CERT_MISSING_KEY_USAGE: i64 = 92;
    /// `X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3`.
    pub const ERR_EXTENSIONS_REQUIRE_VERSION_3: i64 = 93;
    /// `X509_V_ERR_EC_KEY_EXPLICIT_PARAMS`.
    pub const ERR_EC_KEY_EXPLICIT_PARAMS: i64 = 94;
    /// `X509_V_ERR_RPK_UNTRUSTED`.
    pub const ERR_RPK_UNTRUSTED: i64 = 95;
}

/// `X509_V_FLAG_*` verification flags (`X509_VERIFY_PARAM_set_flags`).
pub mod x509_v_flag {
    /// `X509_V_FLAG_CB_ISSUER_CHECK`.
    pub const CB_ISSUER_CHECK: u64 = 0x0;
    /// `X509_V_FLAG_USE_CHECK_TIME`.
    pub const USE_CHECK_TIME: u64 = 0x2;
    /// `X509_V_FLAG_CRL_CHECK`.
    pub const CRL_CHECK: u64 = 0x4;
    /// `X509_V_FLAG_CRL_CHECK_ALL`.
    pub const CRL_CHECK_ALL: u64 = 0x8;
    /// `X509_V_FLAG_IGNORE_CRITICAL`.
    pub const IGNORE_CRITICAL: u64 = 0x10;
    /// `X509_V_FLAG_X509_STRICT`.
    pub const X509_STRICT: u64 = 0x20;
    /// `X509_V_FLAG_ALLOW_PROXY_CERTS`.
    pub const ALLOW_PROXY_CERTS: u64 = 0x40;
    /// `X509_V_FLAG_POLICY_CHECK`.
    pub const POLICY_CHECK: u64 = 0x80;
    /// `X509_V_FLAG_EXPLICIT_POLICY`.
    pub const EXPLICIT_POLICY: u64 = 0x100;
    /// `X509_V_FLAG_INHIBIT_ANY`.
    pub const INHIBIT_ANY: u64 = 0x200;
    /// `X509_V_FLAG_INHIBIT_MAP`.
    pub const INHIBIT_MAP: u64 = 0x400;
    /// `X509_V_FLAG_NOTIFY_POLICY`.
    pub const NOTIFY_POLICY: u64 = 0x800;
    /// `X509_V_FLAG_EXTENDED_CRL_SUPPORT`.
    pub const EXTENDED_CRL_SUPPORT: u64 = 0x1000;
    /// `X509_V_FLAG_USE_DELTAS`.
    pub const USE_DELTAS: u64 = 0x2000;
    /// `X509_V_FLAG_CHECK_SS_SIGNATURE`.
    pub const CHECK_SS_SIGNATURE: u64 = 0x4000;
    /// `X509_V_FLAG_TRUSTED_FIRST`.
    pub const TRUSTED_FIRST: u64 = 0x8000;
    /// `X509_V_FLAG_SUITEB_128_LOS_ONLY`.
    pub const SUITEB_128_LOS_ONLY: u64 = 0x10000;
    /// `X509_V_FLAG_SUITEB_192_LOS`.
    pub const SUITEB_192_LOS: u64 = 0x20000;
    /// `X509_V_FLAG_SUITEB_128_LOS`.
    pub const SUITEB_128_LOS: u64 = 0x30000;
    /// `X509_V_FLAG_PARTIAL_CHAIN`.
    pub const PARTIAL_CHAIN: u64 = 0x80000;
    /// `X509_V_FLAG_NO_ALT_CHAINS`.
    pub const NO_ALT_CHAINS: u64 = 0x100000;
    /// `X509_V_FLAG_NO_CHECK_TIME`.
    pub const NO_CHECK_TIME: u64 = 0x200000;
}

/// OpenSSL's text for a verify result code (`X509_verify_cert_error_string`), or `None` for
/// a code OpenSSL has no text for.
pub(crate) fn known_text(code: i64) -> Option<&'static str> {
    let text = match code {
        x509_v::OK => "ok",
        x509_v::ERR_UNSPECIFIED => "unspecified certificate verification error",
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT => "unable to get issuer certificate",
        x509_v::ERR_UNABLE_TO_GET_CRL => "unable to get certificate CRL",
        x509_v::ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE => "unable to decrypt certificate's signature",
        x509_v::ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE => "unable to decrypt CRL's signature",
        x509_v::ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY => "unable to decode issuer public key",
        x509_v::ERR_CERT_SIGNATURE_FAILURE => "certificate signature failure",
        x509_v::ERR_CRL_SIGNATURE_FAILURE => "CRL signature failure",
        x509_v::ERR_CERT_NOT_YET_VALID => "certificate is not yet valid",
        x509_v::ERR_CERT_HAS_EXPIRED => "certificate has expired",
        x509_v::ERR_CRL_NOT_YET_VALID => "CRL is not yet valid",
        x509_v::ERR_CRL_HAS_EXPIRED => "CRL has expired",
        x509_v::ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD => {
            "format error in certificate's notBefore field"
        }
        x509_v::ERR_ERROR_IN_CERT_NOT_AFTER_FIELD => "format error in certificate's notAfter field",
        x509_v::ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD => "format error in CRL's lastUpdate field",
        x509_v::ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD => "format error in CRL's nextUpdate field",
        x509_v::ERR_OUT_OF_MEM => "out of memory",
        x509_v::ERR_DEPTH_ZERO_SELF_SIGNED_CERT => "self-signed certificate",
        x509_v::ERR_SELF_SIGNED_CERT_IN_CHAIN => "self-signed certificate in certificate chain",
        x509_v::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY => "unable to get local issuer certificate",
        x509_v::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE => "unable to verify the first certificate",
        x509_v::ERR_CERT_CHAIN_TOO_LONG => "certificate chain too long",
        x509_v::ERR_CERT_REVOKED => "certificate revoked",
        x509_v::ERR_NO_ISSUER_PUBLIC_KEY => "issuer certificate doesn't have a public key",
        x509_v::ERR_PATH_LENGTH_EXCEEDED => "path length constraint exceeded",
        x509_v::ERR_INVALID_PURPOSE => "unsuitable certificate purpose",
        x509_v::ERR_CERT_UNTRUSTED => "certificate not trusted",
        x509_v::ERR_CERT_REJECTED => "certificate rejected",
        x509_v::ERR_SUBJECT_ISSUER_MISMATCH => "subject issuer mismatch",
        x509_v::ERR_AKID_SKID_MISMATCH => "authority and subject key identifier mismatch",
        x509_v::ERR_AKID_ISSUER_SERIAL_MISMATCH => "authority and issuer serial number mismatch",
        x509_v::ERR_KEYUSAGE_NO_CERTSIGN => "key usage does not include certificate signing",
        x509_v::ERR_UNABLE_TO_GET_CRL_ISSUER => "unable to get CRL issuer certificate",
        x509_v::ERR_UNHANDLED_CRITICAL_EXTENSION => "unhandled critical extension",
        x509_v::ERR_KEYUSAGE_NO_CRL_SIGN => "key usage does not include CRL signing",
        x509_v::ERR_UNHANDLED_CRITICAL_CRL_EXTENSION => "unhandled critical CRL extension",
        x509_v::ERR_INVALID_NON_CA => "invalid non-CA certificate (has CA markings)",
        x509_v::ERR_PROXY_PATH_LENGTH_EXCEEDED => "proxy path length constraint exceeded",
        x509_v::ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE => "key usage does not include digital signature",
        x509_v::ERR_PROXY_CERTIFICATES_NOT_ALLOWED => {
            "proxy certificates not allowed, please set the appropriate flag"
        }
        x509_v::ERR_INVALID_EXTENSION => "invalid or inconsistent certificate extension",
        x509_v::ERR_INVALID_POLICY_EXTENSION => {
            "invalid or inconsistent certificate policy extension"
        }
        x509_v::ERR_NO_EXPLICIT_POLICY => "no explicit policy",
        x509_v::ERR_DIFFERENT_CRL_SCOPE => "different CRL scope",
        x509_v::ERR_UNSUPPORTED_EXTENSION_FEATURE => "unsupported extension feature",
        x509_v::ERR_UNNESTED_RESOURCE => "RFC 3779 resource not subset of parent's resources",
        x509_v::ERR_PERMITTED_VIOLATION => "permitted subtree violation",
        x509_v::ERR_EXCLUDED_VIOLATION => "excluded subtree violation",
        x509_v::ERR_SUBTREE_MINMAX => "name constraints minimum and maximum not supported",
        x509_v::ERR_APPLICATION_VERIFICATION => "application verification failure",
        x509_v::ERR_UNSUPPORTED_CONSTRAINT_TYPE => "unsupported name constraint type",
        x509_v::ERR_UNSUPPORTED_CONSTRAINT_SYNTAX => {
            "unsupported or invalid name constraint syntax"
        }
        x509_v::ERR_UNSUPPORTED_NAME_SYNTAX => "unsupported or invalid name syntax",
        x509_v::ERR_CRL_PATH_VALIDATION_ERROR => "CRL path validation error",
        x509_v::ERR_PATH_LOOP => "path loop",
        x509_v::ERR_SUITE_B_INVALID_VERSION => "Suite B: certificate version invalid",
        x509_v::ERR_SUITE_B_INVALID_ALGORITHM => "Suite B: invalid public key algorithm",
        x509_v::ERR_SUITE_B_INVALID_CURVE => "Suite B: invalid ECC curve",
        x509_v::ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM => "Suite B: invalid signature algorithm",
        x509_v::ERR_SUITE_B_LOS_NOT_ALLOWED => "Suite B: curve not allowed for this LOS",
        x509_v::ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256 => "Suite B: cannot sign P-384 with P-256",
        x509_v::ERR_HOSTNAME_MISMATCH => "hostname mismatch",
        x509_v::ERR_EMAIL_MISMATCH => "email address mismatch",
        x509_v::ERR_IP_ADDRESS_MISMATCH => "IP address mismatch",
        x509_v::ERR_DANE_NO_MATCH => "no matching DANE TLSA records",
        x509_v::ERR_EE_KEY_TOO_SMALL => "EE certificate key too weak",
        x509_v::ERR_CA_KEY_TOO_SMALL => "CA certificate key too weak",
        x509_v::ERR_CA_MD_TOO_WEAK => "CA signature digest algorithm too weak",
        x509_v::ERR_INVALID_CALL => "invalid certificate verification context",
        x509_v::ERR_STORE_LOOKUP => "issuer certificate lookup error",
        x509_v::ERR_NO_VALID_SCTS => "Certificate Transparency required, but no valid SCTs found",
        x509_v::ERR_PROXY_SUBJECT_NAME_VIOLATION => "proxy subject name violation",
        x509_v::ERR_OCSP_VERIFY_NEEDED => "OCSP verification needed",
        x509_v::ERR_OCSP_VERIFY_FAILED => "OCSP verification failed",
        x509_v::ERR_OCSP_CERT_UNKNOWN => "OCSP unknown cert",
        x509_v::ERR_UNSUPPORTED_SIGNATURE_ALGORITHM => {
            "Cannot find certificate signature algorithm"
        }
        x509_v::ERR_SIGNATURE_ALGORITHM_MISMATCH => {
            "subject signature algorithm and issuer public key algorithm mismatch"
        }
        x509_v::ERR_SIGNATURE_ALGORITHM_INCONSISTENCY => {
            "cert info signature and signature algorithm mismatch"
        }
        x509_v::ERR_INVALID_CA => "invalid CA certificate",
        x509_v::ERR_PATHLEN_INVALID_FOR_NON_CA => "Path length invalid for non-CA cert",
        x509_v::ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN => {
            "Path length given without key usage keyCertSign"
        }
        x509_v::ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA => {
            "Key usage keyCertSign invalid for non-CA cert"
        }
        x509_v::ERR_ISSUER_NAME_EMPTY => "Issuer name empty",
        x509_v::ERR_SUBJECT_NAME_EMPTY => "Subject name empty",
        x509_v::ERR_MISSING_AUTHORITY_KEY_IDENTIFIER => "Missing Authority Key Identifier",
        x509_v::ERR_MISSING_SUBJECT_KEY_IDENTIFIER => "Missing Subject Key Identifier",
        x509_v::ERR_EMPTY_SUBJECT_ALT_NAME => "Empty Subject Alternative Name extension",
        x509_v::ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL => {
            "Subject empty and Subject Alt Name extension not critical"
        }
        x509_v::ERR_CA_BCONS_NOT_CRITICAL => "Basic Constraints of CA cert not marked critical",
        x509_v::ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL => "Authority Key Identifier marked critical",
        x509_v::ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL => "Subject Key Identifier marked critical",
        x509_v::ERR_CA_CERT_MISSING_KEY_USAGE => "CA cert does not include key usage extension",
        x509_v::ERR_EXTENSIONS_REQUIRE_VERSION_3 => "Using cert extension requires at least X509v3",
        x509_v::ERR_EC_KEY_EXPLICIT_PARAMS => "Certificate public key has explicit ECC parameters",
        x509_v::ERR_RPK_UNTRUSTED => "Raw public key untrusted, no trusted keys configured",
        _ => return None,
    };
    Some(text)
}

//! Distinguished names: their attributes with OpenSSL's NIDs and short names, and the one-line
//! text `X509_NAME_oneline` prints.

use std::fmt::Write as _;

use x509_parser::prelude::X509Name;

/// The attribute types qssl names, as OpenSSL does: dotted OID, NID and short name.
const ATTRIBUTES: &[(&str, i32, &str)] = &[
    ("2.5.4.3", 13, "CN"),
    ("2.5.4.6", 14, "C"),
    ("2.5.4.7", 15, "L"),
    ("2.5.4.8", 16, "ST"),
    ("2.5.4.10", 17, "O"),
    ("2.5.4.11", 18, "OU"),
    ("1.2.840.113549.1.9.1", 48, "emailAddress"),
    ("2.5.4.42", 99, "GN"),
    ("2.5.4.4", 100, "SN"),
    ("2.5.4.43", 101, "initials"),
    ("2.5.4.5", 105, "serialNumber"),
    ("2.5.4.12", 106, "title"),
    ("2.5.4.13", 107, "description"),
    ("2.5.4.41", 173, "name"),
    ("2.5.4.46", 174, "dnQualifier"),
    ("0.9.2342.19200300.100.1.25", 391, "DC"),
    ("0.9.2342.19200300.100.1.1", 458, "UID"),
    ("2.5.4.65", 510, "pseudonym"),
    ("2.5.4.9", 660, "street"),
    ("2.5.4.17", 661, "postalCode"),
    ("2.5.4.15", 860, "businessCategory"),
];

/// `NID_undef`: the NID of an attribute type qssl does not name.
pub const NID_UNDEF: i32 = 0;

/// One attribute of a name (`X509_NAME_ENTRY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEntry {
    nid: i32,
    label: String,
    value: Vec<u8>,
}

impl NameEntry {
    /// OpenSSL's NID of the attribute type (`NID_commonName` is 13, ...), or [`NID_UNDEF`] for
    /// a type qssl does not name.
    pub fn nid(&self) -> i32 {
        self.nid
    }

    /// The type's short name (`CN`, `O`, `emailAddress`, ...), or its dotted OID when it has
    /// no NID.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The value's content bytes, as encoded in the certificate (whatever its string type).
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

/// A distinguished name (`X509_NAME`): its attributes in the order the certificate has them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name {
    entries: Vec<NameEntry>,
}

impl Name {
    /// The name x509-parser parsed.
    pub(crate) fn from_parsed(name: &X509Name<'_>) -> Self {
        let entries = name
            .iter_attributes()
            .map(|attr| {
                let oid = attr.attr_type().to_id_string();
                let (nid, label) = ATTRIBUTES
                    .iter()
                    .find(|(dotted, _, _)| *dotted == oid)
                    .map_or((NID_UNDEF, oid.clone()), |(_, nid, short)| {
                        (*nid, (*short).to_owned())
                    });
                NameEntry {
                    nid,
                    label,
                    value: attr.as_slice().to_vec(),
                }
            })
            .collect();
        Self { entries }
    }

    /// The attributes, in order.
    pub fn entries(&self) -> &[NameEntry] {
        &self.entries
    }

    /// The first attribute whose type has OpenSSL's NID `nid` (`X509_NAME_get_text_by_NID`);
    /// never one for [`NID_UNDEF`].
    pub fn entry_by_nid(&self, nid: i32) -> Option<&NameEntry> {
        if nid == NID_UNDEF {
            return None;
        }
        self.entries.iter().find(|e| e.nid == nid)
    }

    /// `X509_NAME_oneline`'s text: `/type=value` per attribute (`/C=FR/O=Example/CN=host`),
    /// bytes outside printable ASCII as `\xHH`; at most `limit` bytes, cut at the end of the
    /// last attribute that fits whole.
    pub fn oneline(&self, limit: usize) -> String {
        let mut line = String::new();
        for e in &self.entries {
            let mut part = format!("/{}=", e.label);
            for &b in &e.value {
                if (b' '..=b'~').contains(&b) {
                    part.push(char::from(b));
                } else {
                    let _ = write!(part, "\\x{b:02X}");
                }
            }
            if line.len() + part.len() > limit {
                break;
            }
            line.push_str(&part);
        }
        line
    }
}

//! The ABI three ways: every integer constant qssl's headers define has the value OpenSSL
//! 3.5's headers give it; every structure C passes in has OpenSSL's size and field offsets;
//! and the Rust side (`qssl_capi::abi`) agrees with both.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use qssl_capi::abi::{CONSTANTS, LAYOUTS};

/// Macros qssl's headers define differently from OpenSSL 3.5's, each with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "OPENSSL_VERSION_PATCH",
        "qssl implements the 3.5 API as 3.5.0, whatever patch release the reference is",
    ),
    ("OPENSSL_VERSION_NUMBER", "3.5.0, as OPENSSL_VERSION_PATCH"),
    (
        "SSL_OP_SERVER_PREFERENCE",
        "OpenSSL 3.6's name for SSL_OP_CIPHER_SERVER_PREFERENCE, which its guide demos use",
    ),
];

fn include() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include/openssl")
}

/// qssl's headers, by file name.
fn headers() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(include())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".h"))
        .collect();
    names.sort();
    names
}

/// The object-like macros of qssl's headers whose value is an integer constant expression:
/// numbers, operators, casts to integer types, other such macros and function-like macros
/// over them (`SSL_OP_BIT(22)`).
fn integer_macros() -> BTreeSet<String> {
    let mut values = BTreeMap::new();
    let mut function_like = BTreeSet::new();
    for h in headers() {
        for line in std::fs::read_to_string(include().join(&h)).unwrap().lines() {
            let Some(rest) = line.trim_start().strip_prefix('#') else {
                continue;
            };
            let Some(rest) = rest.trim_start().strip_prefix("define") else {
                continue;
            };
            let rest = rest.trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let value = rest[name.len()..].split("/*").next().unwrap_or("").trim();
            // Function-like macros (`SSL_OP_BIT(n)`) may build values; they and include
            // guards have no value of their own.
            if rest[name.len()..].starts_with('(') {
                function_like.insert(name);
                continue;
            }
            if value.is_empty() {
                continue;
            }
            values.insert(name, value.to_owned());
        }
    }
    let words = ["long", "int", "unsigned", "uint64_t", "uint32_t", "size_t"];
    // A macro is an integer if its value is made of numbers, integer types, function-like
    // macros and macros already known to be integers: grow the set until it stops growing.
    let mut integers = BTreeSet::new();
    loop {
        let before = integers.len();
        for (name, value) in &values {
            let ids = identifiers(value);
            let integer = !value.contains(['"', '\'', '{'])
                // A type name alone (`OSSL_ASYNC_FD` standing for `int`) is no value.
                && (value.chars().any(|c| c.is_ascii_digit())
                    || ids.iter().any(|t| !words.contains(&t.as_str())))
                && ids.iter().all(|t| {
                    words.contains(&t.as_str())
                        || is_number(t)
                        // Called, not named: `SSL_CTX_set1_curves` standing for the
                        // function-like `SSL_CTX_set1_groups` is an alias, not a value.
                        || (function_like.contains(t) && value.contains(&format!("{t}(")))
                        || (integers.contains(t) && t != name)
                });
            if integer {
                integers.insert(name.clone());
            }
        }
        if integers.len() == before {
            return integers;
        }
    }
}

/// The identifier-like tokens of a C expression.
fn identifiers(expr: &str) -> Vec<String> {
    expr.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| t.starts_with(|c: char| c.is_alphabetic() || c == '_'))
        .map(str::to_owned)
        .collect()
}

/// Whether a token is a number with a suffix (`1UL`) or in hex, which `identifiers` keeps.
fn is_number(t: &str) -> bool {
    t.trim_end_matches(['u', 'U', 'l', 'L'])
        .chars()
        .all(|c| c.is_ascii_digit())
}

/// A C program printing each macro's value (or that it is undefined), each enumerator the Rust
/// side names, and each structure's size and field offsets.
fn program(macros: &BTreeSet<String>) -> String {
    let mut c = String::from("#include <stdio.h>\n#include <stddef.h>\n");
    for h in headers() {
        c.push_str(&format!("#include <openssl/{h}>\n"));
    }
    c.push_str("int main(void) {\n");
    for m in macros {
        c.push_str(&format!(
            "#ifdef {m}\n    printf(\"{m} %lld\\n\", (long long)({m}));\n#else\n    \
             printf(\"{m} undefined\\n\");\n#endif\n"
        ));
    }
    // The Rust side's constants that are not macros (enumerators such as BIO_LOOKUP_SERVER).
    for (name, _) in CONSTANTS.iter().filter(|(n, _)| !macros.contains(*n)) {
        c.push_str(&format!(
            "    printf(\"{name} %lld\\n\", (long long)({name}));\n"
        ));
    }
    for (ty, _, fields) in LAYOUTS {
        c.push_str(&format!(
            "    printf(\"sizeof {ty} %zu\\n\", sizeof({ty}));\n"
        ));
        for (field, _) in *fields {
            c.push_str(&format!(
                "    printf(\"offsetof {ty}.{field} %zu\\n\", offsetof({ty}, {field}));\n"
            ));
        }
    }
    c.push_str("    return 0;\n}\n");
    c
}

/// Builds and runs the program against `include` (the directory holding `openssl/`).
fn values(name: &str, source: &str, include: &Path) -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("abi");
    std::fs::create_dir_all(&dir).unwrap();
    let (src, bin) = (dir.join(format!("{name}.c")), dir.join(name));
    std::fs::write(&src, source).unwrap();
    let status = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Werror", "-o"])
        .arg(&bin)
        .arg(&src)
        .arg(format!("-I{}", include.display()))
        .status()
        .expect("cc");
    assert!(
        status.success(),
        "compiling the ABI program against {include:?}"
    );
    let out = Command::new(&bin).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn headers_constants_and_layouts_match_openssl_and_the_rust_side() {
    let macros = integer_macros();
    assert!(
        macros.len() > 400,
        "only {} integer macros found",
        macros.len()
    );
    let source = program(&macros);
    let ours = values("qssl", &source, &include().join(".."));
    let theirs = values("openssl", &source, &common::reference().join("include"));
    let known: BTreeMap<&str, &str> = KNOWN_DIFFERENCES.iter().copied().collect();
    let differing: Vec<String> = ours
        .iter()
        .filter(|(k, v)| theirs.get(*k) != Some(*v) && !known.contains_key(k.as_str()))
        .map(|(k, v)| format!("{k}: qssl {v}, OpenSSL 3.5 {:?}", theirs.get(k)))
        .collect();
    assert!(
        differing.is_empty(),
        "headers differ:\n{}",
        differing.join("\n")
    );
    for (name, _) in KNOWN_DIFFERENCES {
        assert_ne!(
            ours.get(*name),
            theirs.get(*name),
            "{name} no longer differs"
        );
    }
    // The Rust constants are the headers' values, under the headers' names.
    for (name, value) in CONSTANTS {
        assert_eq!(
            ours.get(*name),
            Some(&value.to_string()),
            "qssl_capi::abi::{name}"
        );
    }
    // The Rust structures have the headers' layouts (which equal OpenSSL's, checked above).
    for (ty, size, fields) in LAYOUTS {
        assert_eq!(ours[&format!("sizeof {ty}")], size.to_string(), "{ty}");
        for (field, offset) in *fields {
            assert_eq!(
                ours[&format!("offsetof {ty}.{field}")],
                offset.to_string(),
                "{ty}.{field}"
            );
        }
    }
}

//! The shared libraries as OpenSSL installs its own: SONAMEs, the filter arrangement, and the
//! exported symbols with OpenSSL 3.5's names and version nodes (`util/libssl.num` and
//! `util/libcrypto.num` of its source, compared with the reference build's libraries too);
//! and the pkg-config files.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{qssl_libs, reference};

/// `readelf`'s output for `lib` with `flag`.
fn readelf(flag: &str, lib: &Path) -> String {
    let out = Command::new("readelf")
        .args([flag, "-W"])
        .arg(lib)
        .output()
        .expect("readelf");
    assert!(out.status.success(), "readelf {flag} {}", lib.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The functions and objects `lib` defines in its dynamic symbol table, with their version
/// node (the version definitions themselves left out).
fn exports(lib: &Path) -> BTreeMap<String, String> {
    readelf("--dyn-syms", lib)
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // Num: Value Size Type Bind Vis Ndx Name
            if fields.len() < 8 || fields[4] != "GLOBAL" || fields[6] == "UND" {
                return None;
            }
            let (name, version) = fields[7].split_once('@')?;
            let version = version.trim_start_matches('@');
            (name != version).then(|| (name.to_owned(), version.to_owned()))
        })
        .collect()
}

/// OpenSSL 3.5's own list for `lib` (`ssl` or `crypto`): name to version node.
fn openssl_list(lib: &str) -> BTreeMap<String, String> {
    let num = openssl_src::source_dir().join(format!("util/lib{lib}.num"));
    std::fs::read_to_string(num)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.len() >= 4 && fields[3].starts_with("EXIST:")).then(|| {
                let version = format!("OPENSSL_{}", fields[2].replace('_', "."));
                (fields[0].to_owned(), version)
            })
        })
        .collect()
}

/// The `DT_*` entries of `lib` whose tag contains `tag`, as their bracketed values.
fn dynamic(lib: &Path, tag: &str) -> Vec<String> {
    readelf("-d", lib)
        .lines()
        .filter(|l| l.contains(&format!("({tag})")))
        .filter_map(|l| Some(l.split_once('[')?.1.trim_end_matches(']').to_owned()))
        .collect()
}

#[test]
fn libraries_have_openssls_sonames_and_resolve_in_one_implementation() {
    let libs = qssl_libs();
    for (lib, needed) in [
        ("libssl.so.3", vec!["libcrypto.so.3"]),
        ("libcrypto.so.3", vec![]),
    ] {
        let path = libs.join(lib);
        assert_eq!(dynamic(&path, "SONAME"), [lib]);
        assert_eq!(dynamic(&path, "FILTER"), ["libqssl.so.0"], "{lib}");
        let deps: Vec<String> = dynamic(&path, "NEEDED")
            .into_iter()
            .filter(|d| !d.starts_with("libc.so"))
            .collect();
        assert_eq!(deps, needed, "{lib}");
        // The dev links point at them.
        let dev = libs.join(lib.trim_end_matches(".3"));
        assert_eq!(std::fs::read_link(dev).unwrap(), Path::new(lib));
    }
    assert_eq!(
        dynamic(&libs.join("libqssl.so.0"), "SONAME"),
        ["libqssl.so.0"]
    );
}

/// The libssl functions OpenSSL 4.0 adds that qssl has, with their ordinals in 4.0's
/// `util/libssl.num`.
const OPENSSL_4_0_SSL: [&str; 7] = [
    "SSL_CTX_get0_alpn_protos", // 57
    "SSL_get0_alpn_protos",     // 58
    "SSL_get_peer_addr",        // 475
    "SSL_CTX_is_quic",          // 596
    "SSL_CTX_is_server",        // 597
    "OSSL_QUIC_method",         // 598
    "SSL_listen_ex",            // 599
];

#[test]
fn every_export_is_openssls_with_its_version() {
    let libs = qssl_libs();
    let implementation = exports(&libs.join("libqssl.so.0"));
    let mut declared = BTreeMap::new();
    for lib in ["ssl", "crypto"] {
        let ours = exports(&libs.join(format!("lib{lib}.so.3")));
        let theirs = openssl_list(lib);
        let reference_build = exports(&reference().join(format!("lib/lib{lib}.so.3")));
        assert!(
            ours.len() > 100,
            "lib{lib}.so.3 exports only {}",
            ours.len()
        );
        for (name, version) in &ours {
            if version == "OPENSSL_4.0.0" {
                // OpenSSL 4.0's additions (its libssl.so.4 has every symbol at 4.0.0).
                assert!(
                    lib == "ssl" && OPENSSL_4_0_SSL.contains(&name.as_str()),
                    "lib{lib}.so.3 exports {name}@{version}, not an OpenSSL 4.0 libssl addition"
                );
                assert_eq!(theirs.get(name), None, "{name} is new in 4.0");
                assert_eq!(implementation.get(name), Some(version));
                continue;
            }
            if version == "QSSL_1.0.0" {
                // qssl's own calls: libssl only, a prefix OpenSSL never uses, declared in
                // <qssl/*.h>.
                assert!(
                    lib == "ssl" && name.starts_with("QSSL_"),
                    "lib{lib}.so.3 exports {name}@{version}"
                );
                assert_eq!(theirs.get(name), None, "{name} is not OpenSSL's");
                assert_eq!(implementation.get(name), Some(version));
                continue;
            }
            assert_eq!(
                theirs.get(name),
                Some(version),
                "lib{lib}.so.3 exports {name}@{version}; OpenSSL 3.5's lib{lib} has {:?}",
                theirs.get(name)
            );
            assert_eq!(
                reference_build.get(name),
                Some(version),
                "the reference OpenSSL's lib{lib}.so.3 exports {name} as well"
            );
            assert_eq!(
                implementation.get(name),
                Some(version),
                "libqssl.so.0 defines {name}@{version} for lib{lib}.so.3's filter"
            );
        }
        declared.extend(ours);
    }
    // libqssl.so.0 exports exactly what the two libraries declare: no helper of its own.
    assert_eq!(implementation, declared);
}

/// Installs the libraries under a scratch prefix with `scripts/install.sh`; returns it.
fn install() -> std::path::PathBuf {
    let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("install-prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    let mut cmd = Command::new(common::repo().join("scripts/install.sh"));
    cmd.arg("--no-build");
    if qssl_libs().ancestors().any(|p| p.ends_with("debug")) {
        cmd.arg("--debug");
    }
    let status = cmd
        .arg(&prefix)
        .stdout(std::process::Stdio::null())
        .status();
    assert!(status.unwrap().success(), "install.sh");
    prefix
}

/// A program printing the library's version and whether it made a context.
const VERSION_PROGRAM: &str = "#include <stdio.h>\n#include <openssl/ssl.h>\n\
    #include <openssl/crypto.h>\nint main(void) { SSL_CTX *c = SSL_CTX_new(TLS_client_method());\n\
    printf(\"%s %d\\n\", OpenSSL_version(OPENSSL_VERSION), c != NULL);\n\
    SSL_CTX_free(c); return 0; }\n";

/// Compiles [`VERSION_PROGRAM`] with `flags` and runs it with `libs` as its library path.
fn build_and_run_version(name: &str, flags: &[&str], libs: &Path) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("installed");
    std::fs::create_dir_all(&dir).unwrap();
    let (src, bin) = (dir.join("version.c"), dir.join(name));
    std::fs::write(&src, VERSION_PROGRAM).unwrap();
    let status = Command::new("cc")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .args(flags)
        .status()
        .unwrap();
    assert!(status.success(), "cc {flags:?}");
    let out = Command::new(&bin)
        .env("LD_LIBRARY_PATH", libs)
        .output()
        .unwrap();
    common::checked(name, common::Mode::Qssl, out)
}

#[test]
fn installed_libraries_build_programs_through_pkg_config_and_statically() {
    let prefix = install();
    let pc = Command::new("pkg-config")
        .args(["--cflags", "--libs", "openssl"])
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .expect("pkg-config (installed by scripts/test.sh)");
    assert!(pc.status.success());
    let flags = String::from_utf8_lossy(&pc.stdout).into_owned();
    assert!(
        flags.contains(&format!("-I{}", prefix.join("include").display())),
        "{flags}"
    );
    let flags: Vec<&str> = flags.split_whitespace().collect();
    let out = build_and_run_version("version", &flags, &prefix.join("lib"));
    assert!(
        out.starts_with("OpenSSL 3.5") && out.ends_with(" 1\n"),
        "{out}"
    );
    // The static archives link on their own (everything is in libcrypto.a).
    let include = format!("-I{}", prefix.join("include").display());
    let archives = [
        prefix.join("lib/libssl.a").display().to_string(),
        prefix.join("lib/libcrypto.a").display().to_string(),
    ];
    let mut flags = vec![include.as_str(), &archives[0], &archives[1]];
    flags.extend(["-lgcc_s", "-lpthread", "-lm", "-ldl"]);
    let out = build_and_run_version("version-static", &flags, Path::new("/nonexistent"));
    assert!(
        out.starts_with("OpenSSL 3.5") && out.ends_with(" 1\n"),
        "{out}"
    );
}

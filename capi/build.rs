//! Compiles the C shim (the variadic functions Rust cannot define) and, next to the libssl
//! the crate builds, writes libcrypto as a reference to it (a linker script and an empty
//! archive) plus pkg-config files, so `cc app.c -lssl -lcrypto` and
//! `pkg-config --libs openssl` work against the build directory.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=shim/variadic.c");
    println!("cargo:rerun-if-changed=include");
    cc::Build::new()
        .file("shim/variadic.c")
        .include("include")
        .warnings(true)
        .cargo_metadata(false)
        .compile("qssl_variadic");
    // The shim's functions are C's own exports: link the whole archive, and list them for
    // the dynamic symbol table (rustc's export list names only Rust's symbols).
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static:-bundle,+whole-archive=qssl_variadic");
    let list = out.join("c_exports.list");
    write_if_changed(
        &list,
        b"{\n  global:\n    ERR_set_error;\n    ERR_vset_error;\n    ERR_add_error_data;\n    ERR_add_error_txt;\n    BIO_snprintf;\n    BIO_vsnprintf;\n    BIO_printf;\n    BIO_vprintf;\n};\n",
    );
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        list.display()
    );

    let Some(profile_dir) = profile_dir() else {
        println!("cargo:warning=could not find the target directory; libcrypto not written");
        return;
    };
    // `INPUT(libssl.so)`: linking with -lcrypto links libssl.so; the program then needs only
    // libssl.so at run time.
    write_if_changed(&profile_dir.join("libcrypto.so"), b"INPUT(libssl.so)\n");
    // An archive with no members: everything is in libssl.a.
    write_if_changed(&profile_dir.join("libcrypto.a"), b"!<arch>\n");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let include = manifest.join("include");
    let pkgconfig = profile_dir.join("pkgconfig");
    let _ = fs::create_dir_all(&pkgconfig);
    let pc = |name: &str, libs: &str, requires: &str| {
        format!(
            "libdir={}\nincludedir={}\n\nName: {name}\nDescription: qssl, an OpenSSL-compatible \
             QUIC and TLS library\nVersion: 3.5.0\n{requires}Libs: -L${{libdir}} \
             -Wl,-rpath,${{libdir}} {libs}\nCflags: -I${{includedir}}\n",
            profile_dir.display(),
            include.display()
        )
    };
    write_if_changed(
        &pkgconfig.join("libcrypto.pc"),
        pc("OpenSSL-libcrypto", "-lcrypto", "").as_bytes(),
    );
    write_if_changed(
        &pkgconfig.join("libssl.pc"),
        pc("OpenSSL-libssl", "-lssl", "Requires.private: libcrypto\n").as_bytes(),
    );
    write_if_changed(
        &pkgconfig.join("openssl.pc"),
        pc("OpenSSL", "-lssl -lcrypto", "").as_bytes(),
    );
}

/// `target/<profile>`: three levels above OUT_DIR (`target/<profile>/build/<pkg>/out`).
fn profile_dir() -> Option<PathBuf> {
    let out = PathBuf::from(env::var_os("OUT_DIR")?);
    Some(out.ancestors().nth(3)?.to_path_buf())
}

fn write_if_changed(path: &Path, contents: &[u8]) {
    if fs::read(path).ok().as_deref() != Some(contents) {
        let _ = fs::write(path, contents);
    }
}

//! `#[entry]`: the one way `qssl-capi` defines a function C programs call.
//!
//! ```ignore
//! #[entry]
//! /// `SSL_up_ref`.
//! pub unsafe extern "C" fn SSL_up_ref(ssl: *mut SSL) -> c_int {
//!     // the body: returns the C value, or a failure value early
//! }
//! ```
//!
//! expands to the exported (`#[unsafe(no_mangle)]`) function with the same signature whose
//! body runs inside `crate::entry::run`: a panic is caught and becomes `ERR_R_INTERNAL_ERROR`
//! on the error queue and the failure value of the return type (`crate::entry::CReturn`), and
//! the object the call was made on is restored for the outer call when it returns. Inside the
//! body, the type alias `Ret` names the return type, so argument helpers can return its
//! failure value.
//!
//! Each entry's name is also recorded, NUL-terminated, in the object file's `.qssl_exports`
//! section: the list the link step (`scripts/c-libs.sh`) exports, each symbol with the
//! version OpenSSL gives it. `#[entry(internal)]` marks a function the library's own C code
//! calls: guarded the same way, but not recorded, so the shared libraries keep it local.

use proc_macro::TokenStream;
use quote::quote;
use syn::{Error, ItemFn, ReturnType, parse_macro_input};

/// Defines an exported C function; see the crate documentation.
#[proc_macro_attribute]
pub fn entry(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr = proc_macro2::TokenStream::from(attr);
    let internal = attr.to_string() == "internal";
    if !attr.is_empty() && !internal {
        return Error::new_spanned(attr, "expected `#[entry]` or `#[entry(internal)]`")
            .to_compile_error()
            .into();
    }
    let f = parse_macro_input!(item as ItemFn);
    if let Some(problem) = check(&f) {
        return problem.to_compile_error().into();
    }
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = f;
    let name = sig.ident.to_string();
    let ret = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    // The name, NUL-terminated, in the section the link step reads the export list from.
    let record = (!internal).then(|| {
        let bytes = syn::LitByteStr::new(format!("{name}\0").as_bytes(), sig.ident.span());
        let len = name.len() + 1;
        quote! {
            const _: () = {
                #[unsafe(link_section = ".qssl_exports")]
                #[used]
                static EXPORT: [u8; #len] = *#bytes;
            };
        }
    });
    quote! {
        #record
        #(#attrs)*
        #[unsafe(no_mangle)]
        #vis #sig {
            #[allow(dead_code, reason = "named for the body's argument helpers")]
            type Ret = #ret;
            crate::entry::run::<Ret>(
                #name,
                || -> <Ret as crate::entry::CReturn>::Value #block,
            )
        }
    }
    .into()
}

/// Why `f` cannot be an exported C function, if it cannot.
fn check(f: &ItemFn) -> Option<Error> {
    let sig = &f.sig;
    let abi_is_c = sig
        .abi
        .as_ref()
        .and_then(|abi| abi.name.as_ref())
        .is_some_and(|name| name.value() == "C");
    if !abi_is_c {
        return Some(Error::new_spanned(
            &sig.ident,
            "an entry must be `extern \"C\"`",
        ));
    }
    if !matches!(f.vis, syn::Visibility::Public(_)) {
        return Some(Error::new_spanned(&sig.ident, "an entry must be `pub`"));
    }
    if !sig.generics.params.is_empty() || sig.asyncness.is_some() || sig.variadic.is_some() {
        return Some(Error::new_spanned(
            &sig.ident,
            "an entry has no generics, is not async and not variadic",
        ));
    }
    None
}

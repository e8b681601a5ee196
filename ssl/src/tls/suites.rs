//! `SSL_set_ciphersuites` and `SSL_set_cipher_list` on TLS objects: the object's client and
//! server configurations are made again from its context with the suites it chose (keeping
//! its own ALPN list), for its next handshake.

use std::sync::Arc;

use super::Tls;
use crate::ctx::{SslCtx, SuiteChoice};
use crate::error::SslError;

impl Tls {
    /// `SSL_set_ciphersuites`: this object's TLS 1.3 suites by name (`ctx` is the context it
    /// was made from). `SSL_R_NO_CIPHER_MATCH` when none is known, as in OpenSSL.
    #[track_caller]
    pub fn set_ciphersuites(&self, ctx: &SslCtx, list: &str) -> Result<(), SslError> {
        self.rechoose(ctx, |choice| ctx.choose_ciphersuites(choice, list))
    }

    /// `SSL_set_cipher_list`: this object's TLS 1.2 suites from an OpenSSL cipher string.
    #[track_caller]
    pub fn set_cipher_list(&self, ctx: &SslCtx, list: &str) -> Result<(), SslError> {
        self.rechoose(ctx, |choice| ctx.choose_cipher_list(choice, list))
    }

    /// Changes the object's suite choice with `choose` and remakes its configurations.
    #[track_caller]
    fn rechoose(
        &self,
        ctx: &SslCtx,
        choose: impl FnOnce(&mut SuiteChoice) -> Result<(), SslError>,
    ) -> Result<(), SslError> {
        let mut st = self.lock();
        let mut suites = st.suites.clone();
        choose(&mut suites)?;
        if let Ok(client) = &mut st.client {
            // The object's own ALPN list stays.
            let alpn = std::mem::take(&mut client.template.alpn_protocols);
            client.template = ctx.tls_client_config(client.sessions.clone(), &suites)?;
            client.template.alpn_protocols = alpn;
        }
        if st.server.is_ok() {
            crate::error::set_mark();
            st.server = ctx.tls_server_template(&suites).map(Arc::new);
            crate::error::pop_to_mark();
        }
        st.suites = suites;
        Ok(())
    }
}

//! Getting started: the common tasks as whole programs. Each example runs as a test (a
//! server on a thread of its own, on loopback), so each is known to work as written.
//!
//! The model is OpenSSL's: a context ([`SslCtx`](crate::SslCtx)) holds the settings —
//! certificates, trust roots, ALPN — and makes objects; a QUIC connection, each of its
//! streams and a listener are [`Ssl`](crate::Ssl) objects, a TLS connection over a byte
//! stream is a [`Tls`](crate::tls::Tls) object. Objects block by default; non-blocking ones
//! report [`ErrorCode::WantRead`](crate::ErrorCode::WantRead) and friends, and
//! [`quic::poll()`](crate::quic::poll()) waits on many at once.
//!
//! # Certificates and trust roots
//!
//! A server needs a certificate chain and its key, from PEM files as OpenSSL reads them
//! (`openssl req -x509 ...` or `qssl cert localhost` make them) or from memory. A client
//! trusts the system's roots ([`SslCtx::set_default_verify_paths`](crate::SslCtx::set_default_verify_paths))
//! or the certificates it is given, and checks the name it connects to.
//!
//! ```
//! use qssl::ctx::{FileType, Method, SSL_VERIFY_PEER};
//! use qssl::SslCtx;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A self-signed certificate for "localhost", written as PEM files.
//! let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
//! let dir = tempfile::tempdir()?;
//! let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
//! std::fs::write(&cert, made.cert.pem())?;
//! std::fs::write(&key, made.signing_key.serialize_pem())?;
//!
//! // A server context with that certificate chain and key.
//! let mut server = SslCtx::new(Method::QuicServer);
//! server.use_certificate_chain_file(&cert)?;
//! server.use_private_key_file(&key, FileType::Pem)?;
//! server.check_private_key()?;
//!
//! // A client context that trusts exactly that certificate, and verifies servers.
//! let mut client = SslCtx::new(Method::QuicClient);
//! client.load_verify_locations(Some(cert.as_path()), None)?;
//! client.set_verify(SSL_VERIFY_PEER, None);
//! assert_eq!(client.trust_root_count(), 1);
//!
//! // Or the system's roots, as a client of public servers wants.
//! let mut public = SslCtx::new(Method::QuicClient);
//! public.set_default_verify_paths();
//! public.set_verify(SSL_VERIFY_PEER, None);
//! # Ok(())
//! # }
//! ```
//!
//! # A QUIC server and a client fetching over a stream
//!
//! Both sides block. The listener hands out connections, each connection the streams its
//! client opens; the client opens a stream, writes a request and ends it
//! ([`WRITE_FLAG_CONCLUDE`](crate::quic::WRITE_FLAG_CONCLUDE), a FIN), then reads the
//! answer until the server's FIN ([`ErrorCode::ZeroReturn`](crate::ErrorCode::ZeroReturn)).
//! Both contexts offer the same application protocol (ALPN), which QUIC requires.
//!
//! ```
//! use std::sync::Arc;
//! use qssl::ctx::{Method, SSL_VERIFY_PEER};
//! use qssl::quic::WRITE_FLAG_CONCLUDE;
//! use qssl::{ErrorCode, Ssl, SslCtx};
//! use qssl_bio::{DatagramBio, UdpBio};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
//! let alpn = b"\x07example"; // ALPN's wire format: a length, then the name
//!
//! let mut server_ctx = SslCtx::new(Method::QuicServer);
//! server_ctx.use_certificate_der(made.cert.der())?;
//! server_ctx.use_private_key_der(made.signing_key.serialized_der())?;
//! server_ctx.set_alpn_protos(alpn)?;
//! let socket = UdpBio::bind("127.0.0.1:0".parse()?)?;
//! let server_addr = socket.local_addr().socket_addr().expect("an IP address");
//! let socket: Arc<dyn DatagramBio> = Arc::new(socket);
//! let listener = Ssl::new_listener(&server_ctx, 0)?;
//! listener.set_bio(Some(socket.clone()), Some(socket))?;
//! listener.listen()?;
//! let server = std::thread::spawn(move || -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let conn = listener.accept_connection(0)?.expect("a blocking accept");
//!     let stream = conn.accept_stream(0)?.expect("a blocking accept");
//!     let mut request = vec![0u8; 100];
//!     let n = stream.read(&mut request)?;
//!     let answer = format!("you asked for {}", String::from_utf8_lossy(&request[..n]));
//!     stream.write_ex2(answer.as_bytes(), WRITE_FLAG_CONCLUDE)?;
//!     // Wait for the client to close the connection.
//!     while conn.conn_close_info()?.is_none() {
//!         conn.handle_events();
//!         std::thread::sleep(std::time::Duration::from_millis(5));
//!     }
//!     Ok(())
//! });
//!
//! let mut client_ctx = SslCtx::new(Method::QuicClient);
//! client_ctx.add_trusted_certificate(made.cert.der())?;
//! client_ctx.set_verify(SSL_VERIFY_PEER, None);
//! client_ctx.set_alpn_protos(alpn)?;
//! let socket: Arc<dyn DatagramBio> = Arc::new(UdpBio::bind("127.0.0.1:0".parse()?)?);
//! let conn = Ssl::new(&client_ctx)?;
//! conn.set_bio(Some(socket.clone()), Some(socket))?;
//! conn.set_initial_peer_addr(server_addr)?;
//! conn.set_host_name("localhost")?; // sent as SNI and checked in the certificate
//! conn.connect()?;
//! println!("{} with {:?}", conn.version_string(), conn.connection_info().and_then(|i| i.cipher_suite));
//!
//! let stream = conn.new_stream(0)?;
//! stream.write_ex2(b"/index.html", WRITE_FLAG_CONCLUDE)?;
//! let mut answer = Vec::new();
//! let mut buf = [0u8; 1024];
//! loop {
//!     match stream.read(&mut buf) {
//!         Ok(n) => answer.extend_from_slice(&buf[..n]),
//!         Err(e) if e.code() == ErrorCode::ZeroReturn => break, // the server's FIN
//!         Err(e) => return Err(e.into()),
//!     }
//! }
//! assert_eq!(answer, b"you asked for /index.html");
//! conn.shutdown()?; // blocks until the close is done
//! server.join().unwrap().map_err(|e| e.to_string())?;
//! # Ok(())
//! # }
//! ```
//!
//! # Non-blocking, with `SSL_poll`
//!
//! A non-blocking object never waits: a call that cannot go on fails with
//! [`IoError::is_retry`](crate::IoError::is_retry) true, and
//! [`quic::poll()`](crate::quic::poll()) waits until any of several objects can go on (and
//! meanwhile drives their connections). Here one thread serves a listener and a client,
//! both non-blocking, and reads three streams as their data comes.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use qssl::ctx::{Method, SSL_VERIFY_PEER};
//! use qssl::quic::poll::{poll, PollItem, POLL_EVENT_IC, POLL_EVENT_ISB, POLL_EVENT_R};
//! use qssl::quic::{
//!     IncomingStreamPolicy, ACCEPT_CONNECTION_NO_BLOCK, ACCEPT_STREAM_NO_BLOCK,
//!     STREAM_FLAG_NO_BLOCK, WRITE_FLAG_CONCLUDE,
//! };
//! use qssl::{ErrorCode, Ssl, SslCtx};
//! use qssl_bio::{DatagramBio, UdpBio};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
//! let mut server_ctx = SslCtx::new(Method::QuicServer);
//! server_ctx.use_certificate_der(made.cert.der())?;
//! server_ctx.use_private_key_der(made.signing_key.serialized_der())?;
//! server_ctx.set_alpn_protos(b"\x04demo")?;
//! let mut client_ctx = SslCtx::new(Method::QuicClient);
//! client_ctx.add_trusted_certificate(made.cert.der())?;
//! client_ctx.set_verify(SSL_VERIFY_PEER, None);
//! client_ctx.set_alpn_protos(b"\x04demo")?;
//!
//! let udp = |addr: &str| -> Result<Arc<dyn DatagramBio>, Box<dyn std::error::Error>> {
//!     Ok(Arc::new(UdpBio::bind(addr.parse()?)?))
//! };
//! let server_socket = UdpBio::bind("127.0.0.1:0".parse()?)?;
//! let server_addr = server_socket.local_addr().socket_addr().expect("an IP address");
//! let server_socket: Arc<dyn DatagramBio> = Arc::new(server_socket);
//! let listener = Ssl::new_listener(&server_ctx, 0)?;
//! listener.set_bio(Some(server_socket.clone()), Some(server_socket))?;
//! listener.set_blocking_mode(false)?;
//! listener.listen()?;
//!
//! let client = Ssl::new(&client_ctx)?;
//! let socket = udp("127.0.0.1:0")?;
//! client.set_bio(Some(socket.clone()), Some(socket))?;
//! client.set_initial_peer_addr(server_addr)?;
//! client.set_host_name("localhost")?;
//! client.set_blocking_mode(false)?;
//!
//! let mut server_conn: Option<Ssl> = None;
//! let mut streams: Vec<Ssl> = Vec::new();
//! let mut received = Vec::new();
//! let mut sent = false;
//! while received.len() < 3 {
//!     // The client: connect, then open three streams, each with a message and a FIN.
//!     match client.connect() {
//!         Ok(()) if !sent => {
//!             for i in 0..3 {
//!                 let stream = client.new_stream(STREAM_FLAG_NO_BLOCK)?;
//!                 stream.write_ex2(format!("message {i}").as_bytes(), WRITE_FLAG_CONCLUDE)?;
//!             }
//!             sent = true;
//!         }
//!         Ok(()) => {}
//!         Err(e) if e.is_retry() => {} // the handshake goes on
//!         Err(e) => return Err(e.into()),
//!     }
//!     // The server: take the connection, then its streams, then read them to their end.
//!     if server_conn.is_none() {
//!         server_conn = listener.accept_connection(ACCEPT_CONNECTION_NO_BLOCK)?;
//!         if let Some(conn) = &server_conn {
//!             conn.set_incoming_stream_policy(IncomingStreamPolicy::Accept, 0)?;
//!         }
//!     }
//!     if let Some(conn) = &server_conn {
//!         while let Some(stream) = conn.accept_stream(ACCEPT_STREAM_NO_BLOCK)? {
//!             streams.push(stream);
//!         }
//!     }
//!     let mut buf = [0u8; 100];
//!     streams.retain(|stream| match stream.read(&mut buf) {
//!         Ok(n) => {
//!             received.push(String::from_utf8_lossy(&buf[..n]).into_owned());
//!             true
//!         }
//!         Err(e) => e.code() != ErrorCode::ZeroReturn, // done at its FIN
//!     });
//!     // Wait until something can go on: a new connection, a new stream, data to read.
//!     let mut items = vec![PollItem { ssl: Some(&listener), events: POLL_EVENT_IC, revents: 0 }];
//!     items.push(PollItem { ssl: Some(&client), events: 0, revents: 0 });
//!     if let Some(conn) = &server_conn {
//!         items.push(PollItem { ssl: Some(conn), events: POLL_EVENT_ISB, revents: 0 });
//!     }
//!     for stream in &streams {
//!         items.push(PollItem { ssl: Some(stream), events: POLL_EVENT_R, revents: 0 });
//!     }
//!     poll(&mut items, Some(Duration::from_millis(50)), 0)?;
//! }
//! received.sort();
//! assert_eq!(received, ["message 0", "message 1", "message 2"]);
//! # Ok(())
//! # }
//! ```
//!
//! # TLS over TCP
//!
//! A [`Tls`](crate::tls::Tls) object runs TLS 1.3 or 1.2 over a TCP stream (or any byte
//! stream BIO), and is itself a byte stream: `std::io::Read` and `Write`.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::{TcpListener, TcpStream};
//! use qssl::ctx::{Method, SSL_VERIFY_PEER};
//! use qssl::tls::Tls;
//! use qssl::SslCtx;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
//! let mut server_ctx = SslCtx::new(Method::TlsServer);
//! server_ctx.use_certificate_der(made.cert.der())?;
//! server_ctx.use_private_key_der(made.signing_key.serialized_der())?;
//! let tcp = TcpListener::bind("127.0.0.1:0")?;
//! let addr = tcp.local_addr()?;
//! let server = std::thread::spawn(move || -> std::io::Result<()> {
//!     let (stream, _) = tcp.accept()?;
//!     let tls = Tls::new(&server_ctx).expect("a server context");
//!     tls.set_tcp(stream);
//!     tls.set_accept_state();
//!     let mut line = [0u8; 5];
//!     (&tls).read_exact(&mut line)?; // the handshake happens on the first read
//!     (&tls).write_all(&line.to_ascii_uppercase())?;
//!     let _ = tls.shutdown();
//!     Ok(())
//! });
//!
//! let mut client_ctx = SslCtx::new(Method::TlsClient);
//! client_ctx.add_trusted_certificate(made.cert.der())?;
//! client_ctx.set_verify(SSL_VERIFY_PEER, None);
//! let tls = Tls::new(&client_ctx)?;
//! tls.set_tcp(TcpStream::connect(addr)?);
//! tls.set_host_name("localhost")?;
//! tls.connect()?;
//! assert_eq!(tls.version_string(), "TLSv1.3");
//! (&tls).write_all(b"hello")?;
//! let mut answer = String::new();
//! (&tls).read_to_string(&mut answer)?; // to the server's close_notify
//! assert_eq!(answer, "HELLO");
//! server.join().unwrap()?;
//! # Ok(())
//! # }
//! ```

//! qlog trace files from QUIC objects (`SslCtx::set_qlog_dir`, what `QLOGDIR` does): one
//! JSON-SEQ file per connection and side, named by the original destination connection ID.

use std::io::Read;

use qssl_tests::fixtures::*;
use qssl_tests::identity::Identity;
use serde_json::Value;

#[test]
fn each_connection_writes_its_trace_file_on_each_side() {
    let dir = tempfile::tempdir().unwrap();
    let id = Identity::localhost();
    let (mut cctx, mut sctx) = (client_ctx(&id.cert), server_ctx(&id));
    cctx.set_qlog_dir(Some(dir.path()), "").unwrap();
    sctx.set_qlog_dir(Some(dir.path()), "-* transport:* connectivity:*")
        .unwrap();
    assert!(cctx.set_qlog_dir(Some(dir.path()), "nonsense").is_err());
    let setup = pair_setup_with(id, &cctx, &sctx, qssl::quic::LISTENER_FLAG_NO_VALIDATE);
    let conn = connect_pair(&setup);
    let objects = [&setup.client, &setup.listener, &conn];
    let stream = setup.client.new_stream(0).unwrap();
    retry(&objects, || {
        stream.write_ex2(b"hello", qssl::quic::WRITE_FLAG_CONCLUDE)
    })
    .unwrap();
    let incoming = next_stream(&objects, &conn);
    let mut got = [0u8; 5];
    retry(&objects, || incoming.read(&mut got)).unwrap();
    assert_eq!(&got, b"hello");
    drop((stream, incoming, conn, setup));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    let odcid = names[0]
        .strip_suffix("_client.sqlog")
        .expect("the client's");
    assert_eq!(names[1], format!("{odcid}_server.sqlog"));
    assert!(odcid.len() >= 16 && odcid.chars().all(|c| c.is_ascii_hexdigit()));
    for name in &names {
        let mut text = Vec::new();
        std::fs::File::open(dir.path().join(name))
            .unwrap()
            .read_to_end(&mut text)
            .unwrap();
        let records: Vec<Value> = text
            .split(|b| *b == 0x1e)
            .skip(1)
            .map(|r| serde_json::from_slice(r).unwrap())
            .collect();
        assert_eq!(records[0]["qlog_version"], "0.3");
        let events: Vec<&str> = records[1..]
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert!(events.contains(&"transport:packet_received"), "{name}");
        let recovery = events.iter().any(|e| e.starts_with("recovery:"));
        // The server's filter left out everything but transport and connectivity.
        assert_eq!(recovery, name.ends_with("_client.sqlog"), "{name}");
    }
}

//! HTTPS built in (`serve --tls-cert/--tls-key`): the server speaks TLS
//! with the given certificate, marks its session cookie `Secure`, answers
//! nothing to plain HTTP on that port, and says what is wrong with a bad
//! certificate or key file.

mod common;

use std::path::Path;
use std::sync::Arc;

use phuxanh_domain::Role;
use phuxanh_web::{ServeOptions, Tls};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

/// A self-signed certificate for `localhost`, written as PEM files.
fn certificate(dir: &Path) -> (Tls, CertificateDer<'static>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let tls = Tls {
        cert: dir.join("fullchain.pem"),
        key: dir.join("privkey.pem"),
    };
    std::fs::write(&tls.cert, made.cert.pem()).unwrap();
    std::fs::write(&tls.key, made.signing_key.serialize_pem()).unwrap();
    (tls, made.cert.der().clone())
}

/// A TLS client that trusts `cert` only.
fn client(cert: CertificateDer<'static>) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Sends one HTTP/1.1 request over TLS and reads the whole answer.
async fn https(
    connector: &tokio_rustls::TlsConnector,
    addr: std::net::SocketAddr,
    request: &str,
) -> String {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut stream = connector.connect(name, tcp).await.unwrap();
    // TLS 1.3 with the post-quantum hybrid key exchange.
    let session = stream.get_ref().1;
    assert_eq!(
        session.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    let group = session.negotiated_key_exchange_group().map(|g| g.name());
    assert_eq!(group, Some(rustls::NamedGroup::X25519MLKEM768));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    // The server may close without TLS's close_notify once it has answered.
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// `serve` with TLS on a free loopback port, until the test ends.
async fn serve(db: &Path, tls: Tls) -> std::net::SocketAddr {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let options = ServeOptions {
        tls: Some(tls),
        ..ServeOptions::on(addr)
    };
    let db = db.to_path_buf();
    tokio::spawn(async move {
        phuxanh_web::serve(&db, options)
            .await
            .map_err(|e| e.to_string())
    });
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return addr;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the server did not listen on {addr}");
}

#[tokio::test]
async fn https_is_served_with_the_certificate_and_the_cookie_is_secure() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::fixture(dir.path(), "");
    common::user_token(&db, "ca.thanhphu", Role::Manager, Some("837"));
    let (tls, cert) = certificate(dir.path());
    let addr = serve(&db, tls).await;
    let connector = client(cert);

    let health = https(
        &connector,
        addr,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");

    // Signing in over HTTPS sets a Secure session cookie.
    let form = "username=ca.thanhphu&password=m%E1%BA%ADt+kh%E1%BA%A9u+th%E1%BB%AD+nghi%E1%BB%87m&next=%2Funits%2F837";
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    let answer = https(&connector, addr, &request).await;
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("no cookie: {answer}"));
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");

    // Plain HTTP to the HTTPS port gets no HTTP answer.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        plain.read_to_end(&mut got),
    )
    .await;
    assert!(!String::from_utf8_lossy(&got).contains("HTTP/1.1 200"));

    // A client that does not trust the certificate does not get through.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let stranger = client(other.cert.der().clone());
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let refused = stranger
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await;
    assert!(refused.is_err());
}

#[test]
fn a_bad_certificate_or_key_file_is_named_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let (good, _) = certificate(dir.path());
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let (other, _) = certificate(other_dir.path());
    let cases = [
        (
            Tls {
                cert: junk.clone(),
                key: good.key.clone(),
            },
            "junk.pem: holds no certificate",
        ),
        (
            Tls {
                cert: dir.path().join("missing.pem"),
                key: good.key.clone(),
            },
            "missing.pem: not a PEM certificate chain",
        ),
        (
            Tls {
                cert: good.cert.clone(),
                key: junk.clone(),
            },
            "junk.pem: not a PEM private key",
        ),
        (
            Tls {
                cert: good.cert.clone(),
                key: other.key.clone(),
            },
            "the key does not fit the certificate",
        ),
    ];
    for (tls, expected) in cases {
        let err = tls
            .acceptor()
            .err()
            .unwrap_or_else(|| panic!("{tls:?} accepted"));
        assert!(err.contains(expected), "{tls:?}: {err}");
    }
    assert!(good.acceptor().is_ok());
}

//! Abuse of the service by callers with no key or with a client's key, against real server
//! processes: a brute force of the credentials is locked out per address (before the
//! credentials are looked at, so a right guess is refused like a wrong one), a client
//! starting generate in a loop runs out of its hourly expensive sessions while another
//! client is served, a body or headers that never finish arriving are cut off, and
//! connections beyond the limit wait without harming the ones served.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/server.rs"]
mod server;

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::time::Duration;

use server::*;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Another address of the loopback network (Linux routes all of 127.0.0.0/8 to `lo`).
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// `GET url` from the source address `from` with `token`: (status, Retry-After, code).
fn get_from(from: IpAddr, url: &str, token: &str) -> (u16, Option<u64>, String) {
    let http = reqwest::blocking::Client::builder()
        .local_address(from)
        .build()
        .unwrap();
    let r = http.get(url).bearer_auth(token).send().unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
    let body = r.bytes().unwrap();
    let code = if status == 200 {
        String::new()
    } else {
        code(&body)
    };
    (status, retry, code)
}

#[test]
fn a_brute_force_is_locked_out_per_address() {
    let dir = tempdir();
    let srv = Server::sqlite_with(dir.path(), &["--auth-failures-per-minute", "5"]);
    let (alice, key_file) = srv.create_client("alice");
    let key = api_key(&key_file);
    let status_url = format!("{}/v1/clients/{alice}", srv.url);
    assert_eq!(get_from(LOOPBACK, &status_url, &key).0, 200);

    // Guesses of alice's key: five 401s, then the address is locked out.
    for i in 0..5 {
        let guess = format!("tdk_{alice}_{i:064x}");
        let (status, retry, code) = get_from(LOOPBACK, &status_url, &guess);
        assert_eq!((status, retry, code.as_str()), (401, None, "unauthorized"));
    }
    let guess = format!("tdk_{alice}_{:064x}", 99);
    let (status, retry, code) = get_from(LOOPBACK, &status_url, &guess);
    assert_eq!((status, code.as_str()), (429, "too_many_requests"));
    let retry = retry.expect("a Retry-After");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");

    // While locked out, the right key and the admin token are refused the same way: the
    // attacker cannot tell a right guess from a wrong one.
    let (status, _, code) = get_from(LOOPBACK, &status_url, &key);
    assert_eq!((status, code.as_str()), (429, "too_many_requests"));
    let (status, _, _) = get_from(LOOPBACK, &status_url, &srv.admin_token());
    assert_eq!(status, 429);

    // Another address is served.
    assert_eq!(get_from(OTHER, &status_url, &key).0, 200);
    // Successes do not count: many from the other address, still served.
    for _ in 0..10 {
        assert_eq!(get_from(OTHER, &status_url, &key).0, 200);
    }
}

#[test]
fn generate_in_a_loop_runs_out_while_another_client_is_served() {
    let dir = tempdir();
    let srv = Server::sqlite_with(dir.path(), &["--expensive-sessions-per-hour", "3"]);
    let (_, mallory_key_file) = srv.create_client("mallory");
    let mallory_key = api_key(&mallory_key_file);
    let start = |key: &str| {
        raw(
            "POST",
            &format!("{}/v1/sessions", srv.url),
            Some(key),
            Some(("application/json", br#"{"operation":"generate"}"#.to_vec())),
            &[],
        )
    };
    for _ in 0..3 {
        assert_eq!(start(&mallory_key).0, 201);
    }
    let (status, body) = start(&mallory_key);
    assert_eq!((status, code(&body).as_str()), (429, "too_many_requests"));
    assert!(String::from_utf8_lossy(&body).contains("per client and hour"));

    // Another client generates a wallet and signs on both curves.
    let (bob, bob_key_file) = srv.create_client("bob");
    let bob_key = api_key(&bob_key_file);
    let phone = dir.path().join("bob");
    let client = library_client(
        tandem_cli::http::HttpTransport::new(&srv.url, bob_key.clone()).unwrap(),
        &bob,
        &phone,
    );
    client.generate(&mut |_| {}).unwrap();
    client
        .sign_ed25519(b"served while another client is refused", &mut |_| {})
        .unwrap();
    client.sign_secp256k1(&[7; 32], &mut |_| {}).unwrap();
    // Mallory is still refused (bob's sessions were not counted against her).
    assert_eq!(start(&mallory_key).0, 429);
}

#[test]
fn a_body_that_never_arrives_is_cut_off() {
    let dir = tempdir();
    let srv = Server::sqlite_with(dir.path(), &["--body-timeout", "1"]);
    let (_, key_file) = srv.create_client("slow");
    let key = api_key(&key_file);
    let addr = srv.url.strip_prefix("http://").unwrap();
    let mut tcp = TcpStream::connect(addr).unwrap();
    // Without the body timeout the server would wait for the other 90 bytes forever; the
    // read below would then fail at its own (much longer) limit.
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        tcp,
        "POST /v1/sign/ed25519 HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n",
        key.as_str()
    )
    .unwrap();
    tcp.write_all(&[0; 10]).unwrap();
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    assert!(
        status_line.starts_with("HTTP/1.1 400"),
        "expected a 400 for a body cut off, got {answer:?}"
    );
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    assert_eq!(code(body.as_bytes()), "bad_request");
    assert!(body.contains("timeout"), "{body}");
}

/// Reads until the server closes; `Err` if it did not within the read timeout.
fn until_closed(tcp: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    tcp.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer)?;
    Ok(answer)
}

#[test]
fn headers_that_never_end_and_idle_connections_are_closed() {
    let dir = tempdir();
    let srv = Server::sqlite_with(dir.path(), &["--header-timeout", "1"]);
    let addr = srv.url.strip_prefix("http://").unwrap();
    // Headers trickled and never finished: closed (without the timeout, never: the read
    // would fail at its 60 s limit).
    let mut slow = TcpStream::connect(addr).unwrap();
    write!(slow, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").unwrap();
    until_closed(&mut slow).expect("the server closes a connection whose headers never end");
    // A connection that never sends anything, and one left idle after a request.
    let mut silent = TcpStream::connect(addr).unwrap();
    until_closed(&mut silent).expect("the server closes a silent connection");
    let mut idle = TcpStream::connect(addr).unwrap();
    write!(idle, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let answer = until_closed(&mut idle).expect("the server closes an idle connection");
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{answer:?}"
    );
}

#[test]
fn connections_beyond_the_limit_wait_for_a_free_one() {
    let dir = tempdir();
    let srv = Server::sqlite_with(
        dir.path(),
        &["--max-connections", "2", "--header-timeout", "30"],
    );
    let addr = srv.url.strip_prefix("http://").unwrap();
    // Two connections hold both slots (their headers unfinished).
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut tcp = TcpStream::connect(addr).unwrap();
            write!(tcp, "GET /healthz HTTP/1.1\r\n").unwrap();
            tcp
        })
        .collect();
    // A third connects (the kernel's backlog) but is not served while they hold them...
    let mut third = TcpStream::connect(addr).unwrap();
    write!(
        third,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut byte = [0u8; 1];
    let waited = third.read(&mut byte);
    assert!(
        matches!(&waited, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
        "served beyond the connection limit: {waited:?}"
    );
    // ...and is served as soon as one of them finishes.
    write!(held[0], "Host: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let first = until_closed(&mut held[0]).unwrap();
    assert!(
        String::from_utf8_lossy(&first).starts_with("HTTP/1.1 200"),
        "{first:?}"
    );
    let answer = until_closed(&mut third).unwrap();
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{answer:?}"
    );
    drop(held);
}

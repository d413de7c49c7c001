//! Publish load for bench/log-batch.sh: durable publishes per second with C concurrent
//! clients against a running `tarseal serve` (every record distinct, pre-signed before the
//! clock starts, so the client's signing is not measured).
//!
//! ```text
//! publish_load setup DIR N        # DIR/trust (project bench) and DIR/bodies.jsonl
//! publish_load load URL DIR C     # publish every body with C threads; print the rate
//! ```

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sequoia_openpgp as openpgp;
use tarseal_sig::SigningKey;

fn record(i: u64) -> String {
    let mut s = String::from("tarseal/v1 artifact\n");
    for k in tarseal_server::record::KEYS {
        let v = match k {
            "project" => "bench".to_string(),
            "tag" => format!("t{}", i % 1000),
            "file" => format!("bench-{i}.tar.gz"),
            "sha256" => format!("{i:064x}"),
            "md5" => "d41d8cd98f00b204e9800998ecf8427e".to_string(),
            "verdict" => "pass".to_string(),
            "size" => "1".to_string(),
            _ => format!("x-{k}"),
        };
        s.push_str(&format!("{k} {v}\n"));
    }
    s
}

fn setup(dir: &Path, n: u64) {
    use openpgp::serialize::Serialize;
    let (cert, _) = openpgp::cert::CertBuilder::general_purpose(Some("Bench <b@example.org>"))
        .set_creation_time(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .generate()
        .expect("key");
    let mut tsk = Vec::new();
    cert.as_tsk().serialize(&mut tsk).expect("key bytes");
    let key = SigningKey::from_bytes(&tsk, Path::new("mem")).expect("signing key");
    let trust = dir.join("trust");
    std::fs::create_dir_all(&trust).expect("trust dir");
    std::fs::write(
        trust.join("bench.toml"),
        format!(
            "threshold = 1\n[[key]]\nopenpgp = \"{}\"\n",
            key.fingerprint()
        ),
    )
    .expect("trust file");
    std::fs::write(trust.join("bench.keys"), key.public_cert_armored()).expect("keys");
    let mut out =
        std::io::BufWriter::new(std::fs::File::create(dir.join("bodies.jsonl")).expect("bodies"));
    for i in 0..n {
        let r = record(i);
        let sig = key.sign_detached(r.as_bytes()).expect("sign");
        writeln!(
            out,
            "{}",
            serde_json::json!({"record": r, "signature": sig})
        )
        .expect("write");
    }
}

fn load(url: &str, dir: &Path, conc: usize) {
    let bodies: Vec<String> =
        std::io::BufReader::new(std::fs::File::open(dir.join("bodies.jsonl")).expect("bodies"))
            .lines()
            .map(|l| l.expect("line"))
            .collect();
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let endpoint = format!("{}/v1/records", url.trim_end_matches('/'));
    let t0 = std::time::Instant::now();
    let threads: Vec<_> = (0..conc)
        .map(|_| {
            let (bodies, next, endpoint) = (bodies.clone(), next.clone(), endpoint.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut acked = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(b) = bodies.get(i) else { break };
                    let r = agent
                        .post(&endpoint)
                        .header("Content-Type", "application/json")
                        .send(b.as_bytes())
                        .expect("publish");
                    let status = r.status().as_u16();
                    let text = r.into_body().read_to_string().expect("answer");
                    assert_eq!(status, 200, "{text}");
                    assert!(text.contains("\"existing\":false"), "{text}");
                    acked += 1;
                }
                acked
            })
        })
        .collect();
    let acked: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{acked} durable publishes in {secs:.2} s with {conc} clients = {:.0} publishes/s",
        acked as f64 / secs
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("setup") => setup(Path::new(&args[2]), args[3].parse().expect("N")),
        Some("load") => load(&args[2], Path::new(&args[3]), args[4].parse().expect("C")),
        _ => eprintln!("usage: publish_load setup DIR N | load URL DIR C"),
    }
}

//! The load test: 200 simulated desks, each an enrolled terminal with a replica of its own,
//! each doing a round every 10 s (connect, Hello, push a few ops, pull to the head, Bye),
//! staggered over the first 10 s, for a bounded time. Every round's latency is kept; a round
//! that fails or takes over 30 s is counted as failed. It stops by itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use careerdesk::domain::ids::DeviceId;
use careerdesk::domain::sync::SealedOp;
use careerdesk::sync::client::Endpoint;
use careerdesk::sync::SyncError;

use crate::net::{self, Running, Terminal};
use crate::support::{self, Spread};

/// Simulated desks.
const DESKS: usize = 200;
/// Each desk's round period.
const PERIOD: Duration = Duration::from_secs(10);
/// Ops each desk pushes per round.
const OPS_PER_ROUND: u64 = 3;
/// A round that takes longer is given up and counted as failed.
const ROUND_LIMIT: Duration = Duration::from_secs(30);
/// The target for a round's p99.
const TARGET_P99: Duration = Duration::from_millis(200);

/// How long the test runs (`CAREERDESK_BENCH_LOAD_SECS`, 60 by default, 10 at least).
fn duration() -> Duration {
    let secs = std::env::var("CAREERDESK_BENCH_LOAD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60u64);
    Duration::from_secs(secs.max(10))
}

/// One desk: its terminal, its replica, what it has pushed and where it has pulled to.
struct SimDesk {
    terminal: Terminal,
    device: DeviceId,
    cursor: u64,
}

/// What one round did.
struct Round {
    pulled: u64,
}

async fn round(desk: &mut SimDesk, endpoint: &Endpoint, templates: &[SealedOp]) -> Result<Round, SyncError> {
    let (mut s, (_, high_water)) = desk.terminal.hello(endpoint, vec![desk.device]).await?;
    let held = high_water.first().map_or(0, |h| h.1);
    let ops: Vec<SealedOp> = (held + 1..=held + OPS_PER_ROUND)
        .map(|seq| crate::relabel(&templates[seq as usize % templates.len()], desk.device, seq))
        .collect();
    let after = net::push(&mut s, ops).await?;
    if after != held + OPS_PER_ROUND {
        return Err(SyncError::Protocol(format!(
            "pushed to {after}, not {}",
            held + OPS_PER_ROUND
        )));
    }
    let mut pulled = 0;
    loop {
        let (ops, _) = net::pull(&mut s, desk.cursor).await?;
        let Some(&(last, _)) = ops.last() else { break };
        pulled += ops.len() as u64;
        desk.cursor = last;
    }
    s.close().await;
    Ok(Round { pulled })
}

/// Runs the load test and prints its figures.
pub async fn run(
    server: &Running,
    endpoint: &Endpoint,
    templates: &[SealedOp],
    anchor: Duration,
    institution: [u8; 32],
) {
    let t = Instant::now();
    let mut desks = Vec::with_capacity(DESKS);
    let start_head = server.relay().head().expect("head");
    for i in 0..DESKS {
        let terminal = Terminal::enrol(endpoint, &server.code(), &format!("Load desk {i}"), institution).await;
        let device = DeviceId::new_at(support::busy_weekday().timestamp_millis() as u64);
        // Each desk has synced before: it starts at the head.
        desks.push(SimDesk {
            terminal,
            device,
            cursor: start_head,
        });
    }
    eprintln!("load: {DESKS} terminals enrolled in {:.2?}", t.elapsed());

    let templates: Arc<Vec<SealedOp>> = Arc::new(templates.to_vec());
    let length = duration();
    let begin = tokio::time::Instant::now();
    let end = begin + length;
    let mut tasks = Vec::with_capacity(DESKS);
    for (i, mut desk) in desks.into_iter().enumerate() {
        let endpoint = endpoint.clone();
        let templates = templates.clone();
        let offset = PERIOD * i as u32 / DESKS as u32;
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let (mut failed, mut pulled) = (0u64, 0u64);
            let mut next = begin + offset;
            while next < end {
                tokio::time::sleep_until(next).await;
                let t = Instant::now();
                match tokio::time::timeout(ROUND_LIMIT, round(&mut desk, &endpoint, &templates)).await {
                    Ok(Ok(r)) => {
                        times.push(t.elapsed());
                        pulled += r.pulled;
                    }
                    Ok(Err(e)) => {
                        failed += 1;
                        if failed == 1 {
                            eprintln!("load: a round failed: {e}");
                        }
                    }
                    Err(_) => failed += 1,
                }
                // The next round is a period after this one was due; a late desk goes at once.
                next += PERIOD;
            }
            (times, failed, pulled)
        }));
    }
    let (mut times, mut failed, mut pulled) = (Vec::new(), 0, 0);
    for task in tasks {
        let (t, f, p) = task.await.expect("a desk's task");
        times.extend(t);
        failed += f;
        pulled += p;
    }
    let ran = begin.elapsed();
    let pushed = server.relay().head().expect("head") - start_head;
    eprintln!(
        "load: {DESKS} desks, a round every {PERIOD:?} each, {OPS_PER_ROUND} ops pushed per round, for {length:?} (ran {ran:.1?}): {} rounds done, {failed} failed; {pushed} ops pushed, {pulled} pulled",
        times.len()
    );
    if times.is_empty() {
        eprintln!("load: no round finished");
        return;
    }
    let s = Spread::of(&times);
    eprintln!(
        "load round latency: p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        s.p50, s.p99, s.max
    );
    support::report_absolute(
        "load_round p99 (200 desks)",
        s.p99,
        TARGET_P99,
        "sled insert+flush p50 (one 300 B value)",
        anchor,
    );
}

//! What the API benchmark's clients do: PutThings of new weights and GetThings of a
//! record's latest weights through a haven-sdk [`Connection`], one after another
//! (closed loop) or at a fixed offered rate (open loop).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use haven_domain::ids::RecordId;
use haven_domain::thing_type::WEIGHT;
use haven_sdk::{CallAs, Connection};
use haven_wire::methods::get_things::{ThingFilter, ThingFormat, ThingSection, ThingsGroupRequest};
use tokio::task::JoinSet;

use crate::closed_loop;
use crate::plan::Plan;
use crate::report::{Measurement, Workload};
use crate::store::QUERY_LIMIT;
use crate::store::data::weight_draft;

/// One person's online calls about their record, through one connection.
#[derive(Debug)]
pub struct Caller {
    connection: Arc<Connection>,
    call_as: CallAs,
    record_id: RecordId,
    latest_weights: ThingsGroupRequest,
}

impl Caller {
    /// Calls as `call_as` about `record_id`.
    pub fn new(connection: Arc<Connection>, call_as: CallAs, record_id: RecordId) -> Self {
        // As applications usually ask: the core section and the type's data XML.
        let latest_weights = ThingsGroupRequest {
            max: Some(QUERY_LIMIT),
            filters: vec![ThingFilter { type_ids: vec![WEIGHT], ..ThingFilter::default() }],
            format: ThingFormat {
                sections: vec![ThingSection::Core],
                xml: vec![String::new()],
                ..ThingFormat::default()
            },
            ..ThingsGroupRequest::default()
        };
        Self { connection, call_as, record_id, latest_weights }
    }

    /// GetThings of the record's latest weights; returns how many came back, failing unless
    /// they are `QUERY_LIMIT` weights.
    pub async fn get_latest_weights(&self) -> Result<u64> {
        let answer =
            self.connection.get_things(&self.call_as, self.record_id, vec![self.latest_weights.clone()]).await?;
        let group = answer.groups.first().context("GetThings answered no group")?;
        if group.things.len() != QUERY_LIMIT as usize || group.things.iter().any(|thing| thing.type_id != WEIGHT) {
            bail!("GetThings returned {} things, not {QUERY_LIMIT} weights", group.things.len());
        }
        Ok(group.things.len() as u64)
    }
}

/// A closed-loop client of the API: PutThings or GetThings, as its workload says.
#[derive(Debug)]
pub struct ApiClient {
    caller: Caller,
    workload: Workload,
    /// Numbers the things it writes, which spaces their measurement times.
    next_index: u64,
}

impl ApiClient {
    /// A client doing `workload` as `caller`.
    pub fn new(caller: Caller, workload: Workload) -> Self {
        Self { caller, workload, next_index: 0 }
    }
}

impl closed_loop::Client for ApiClient {
    /// Building the drafts is not part of the latency; writing them as XML, signing, the
    /// HTTP exchange and reading the answer are.
    async fn operate(&mut self) -> Result<(Duration, u64)> {
        match self.workload {
            Workload::Put { things_per_transaction } => {
                let things = (0..things_per_transaction)
                    .map(|_| {
                        self.next_index += 1;
                        (None, weight_draft(self.next_index))
                    })
                    .collect();
                let caller = &self.caller;
                let started = Instant::now();
                let keys = caller.connection.put_things(&caller.call_as, caller.record_id, things).await?;
                let latency = started.elapsed();
                if keys.len() != things_per_transaction {
                    bail!("PutThings returned {} keys for {things_per_transaction} things", keys.len());
                }
                Ok((latency, keys.len() as u64))
            }
            Workload::Query { .. } => {
                let started = Instant::now();
                let things = self.caller.get_latest_weights().await?;
                Ok((started.elapsed(), things))
            }
        }
    }
}

/// A finished request of the open loop.
#[derive(Debug)]
struct Completion {
    scheduled: Instant,
    finished: Instant,
    things: u64,
}

/// Offers GetThings at `rate` requests per second, taking the callers in turn, whether or
/// not earlier requests have finished (an open loop, as independent users would). Each
/// latency runs from when the request was due, not when it was sent, so queueing anywhere
/// (in the server, the connection pools or this scheduler) counts instead of holding back
/// later requests, which would hide it. Requests due during the warm-up are not counted;
/// the measurement waits for every counted request to finish, and its elapsed time runs
/// until the last did, so the achieved rate falls below `rate` when the server cannot keep
/// up.
pub async fn measure_at_rate(
    engine: &'static str,
    callers: Vec<Caller>,
    rate: u32,
    plan: &Plan,
) -> Result<Measurement> {
    if callers.is_empty() || rate == 0 {
        bail!("an open-loop measurement needs callers and a rate");
    }
    let callers: Vec<Arc<Caller>> = callers.into_iter().map(Arc::new).collect();
    let interval = Duration::from_secs(1) / rate;
    let start = Instant::now();
    let measure_start = start + plan.warmup;
    let measure_end = measure_start + plan.measure;
    let mut in_flight = JoinSet::new();
    let mut counted = Counted::new(measure_start);
    let mut index: u32 = 0;
    loop {
        let due = start + interval.saturating_mul(index);
        if due >= measure_end {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let caller = Arc::clone(&callers[index as usize % callers.len()]);
        in_flight.spawn(async move {
            let things = caller.get_latest_weights().await?;
            anyhow::Ok(Completion { scheduled: due, finished: Instant::now(), things })
        });
        while let Some(joined) = in_flight.try_join_next() {
            counted.add(joined.context("a GetThings request panicked")??);
        }
        index = index.saturating_add(1);
    }
    while let Some(joined) = in_flight.join_next().await {
        counted.add(joined.context("a GetThings request panicked")??);
    }
    let elapsed = counted.last_finished.saturating_duration_since(measure_start).max(plan.measure);
    Ok(Measurement::new(
        engine,
        Workload::Query { limit: QUERY_LIMIT },
        callers.len(),
        counted.things,
        elapsed,
        counted.latencies,
    ))
}

/// What the open loop counted: requests due after the warm-up.
#[derive(Debug)]
struct Counted {
    measure_start: Instant,
    latencies: Vec<Duration>,
    things: u64,
    last_finished: Instant,
}

impl Counted {
    fn new(measure_start: Instant) -> Self {
        Self { measure_start, latencies: Vec::new(), things: 0, last_finished: measure_start }
    }

    fn add(&mut self, completion: Completion) {
        if completion.scheduled >= self.measure_start {
            self.latencies.push(completion.finished.saturating_duration_since(completion.scheduled));
            self.things += completion.things;
            self.last_finished = self.last_finished.max(completion.finished);
        }
    }
}

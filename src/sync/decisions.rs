//! What a desk asks of the server that the server decides: bookings and event places
//! claimed and let go, leases of slots and places, and decisions given back to a server
//! restored from an older backup. Each opens its own session after the hello.

use super::client::{opened, unexpected, Credentials};
use super::message::{Reply, Request};
use super::SyncError;
use crate::domain::appointment::Appointment;
use crate::domain::booking_claim::{Claim, Lease, Release, MAX_CLAIMS};
use crate::domain::place_claim::{PlaceClaim, PlaceLease, PlaceRelease};
use crate::store::relay::{Decided, PlacesDecided, Reinstated};
use crate::store::Store;

/// How many claims go in one request (each carries the client's history, so frames stay
/// well under the limit).
const CLAIMS_PER_REQUEST: usize = 50;

/// Asks the server for a lease of a consultant's slots to this desk: the lease given.
pub async fn take_lease(store: &Store, creds: &Credentials, lease: Lease, hours: u32) -> Result<Lease, SyncError> {
    let mut session = opened(store, creds).await?;
    let reply = session.call(&Request::Lease { lease, hours }).await?;
    session.close().await;
    match reply {
        Reply::Leased { lease } => Ok(lease),
        other => Err(unexpected(&other)),
    }
}

/// Hands one of this desk's leases back: whether the server held it.
pub async fn return_lease(store: &Store, creds: &Credentials, id: u128) -> Result<bool, SyncError> {
    let mut session = opened(store, creds).await?;
    let reply = session.call(&Request::ReturnLease { id }).await?;
    session.close().await;
    match reply {
        Reply::LeaseReturned { held } => Ok(held),
        other => Err(unexpected(&other)),
    }
}

/// Asks `store`'s server to decide provisional bookings, in order, and to let go of the slots
/// of confirmed bookings cancelled since: each claim's answer, and the releases done.
pub async fn settle_bookings(
    store: &Store,
    creds: &Credentials,
    claims: Vec<Claim>,
    releases: Vec<Release>,
) -> Result<Decided, SyncError> {
    let mut decided = Decided::default();
    if claims.is_empty() && releases.is_empty() {
        return Ok(decided);
    }
    let mut session = opened(store, creds).await?;
    // Releases first: a slot let go on one desk may be the one another desk's claim wants.
    for chunk in releases.chunks(MAX_CLAIMS) {
        let reply = session
            .call(&Request::Bookings {
                claims: Vec::new(),
                releases: chunk.to_vec(),
            })
            .await?;
        let Reply::Bookings { released, .. } = reply else {
            return Err(unexpected(&reply));
        };
        decided.released.extend(released);
    }
    for chunk in claims.chunks(CLAIMS_PER_REQUEST) {
        let reply = session
            .call(&Request::Bookings {
                claims: chunk.to_vec(),
                releases: Vec::new(),
            })
            .await?;
        let Reply::Bookings { answers, .. } = reply else {
            return Err(unexpected(&reply));
        };
        if answers.len() != chunk.len() || answers.iter().zip(chunk).any(|(a, c)| a.0 != c.booking.id) {
            return Err(SyncError::Protocol(
                "the server answered other bookings than those asked".into(),
            ));
        }
        decided.answers.extend(answers);
    }
    session.close().await;
    Ok(decided)
}

/// Asks `store`'s server to decide the event places this desk gave provisionally, in order,
/// and to let go of the places of confirmed bookings cancelled since.
pub async fn settle_places(
    store: &Store,
    creds: &Credentials,
    claims: Vec<PlaceClaim>,
    releases: Vec<PlaceRelease>,
) -> Result<PlacesDecided, SyncError> {
    let mut decided = PlacesDecided::default();
    if claims.is_empty() && releases.is_empty() {
        return Ok(decided);
    }
    let mut session = opened(store, creds).await?;
    // Releases first: a place let go on one desk may be the one another desk's claim wants.
    for chunk in releases.chunks(MAX_CLAIMS) {
        let reply = session
            .call(&Request::Places {
                claims: Vec::new(),
                releases: chunk.to_vec(),
            })
            .await?;
        let Reply::Places { released, .. } = reply else {
            return Err(unexpected(&reply));
        };
        decided.released.extend(released);
    }
    for chunk in claims.chunks(CLAIMS_PER_REQUEST) {
        let reply = session
            .call(&Request::Places {
                claims: chunk.to_vec(),
                releases: Vec::new(),
            })
            .await?;
        let Reply::Places { answers, .. } = reply else {
            return Err(unexpected(&reply));
        };
        if answers.len() != chunk.len() || answers.iter().zip(chunk).any(|(a, c)| a.0 != c.booking.id) {
            return Err(SyncError::Protocol(
                "the server answered other event places than those asked".into(),
            ));
        }
        decided.answers.extend(answers);
    }
    session.close().await;
    Ok(decided)
}

/// Asks `store`'s server for a lease of some of an event's places, for `hours`.
pub async fn take_place_lease(
    store: &Store,
    creds: &Credentials,
    lease: PlaceLease,
    capacity: u32,
    settled: u32,
    hours: u32,
) -> Result<PlaceLease, SyncError> {
    let mut session = opened(store, creds).await?;
    let reply = session
        .call(&Request::LeasePlaces {
            lease,
            capacity,
            settled,
            hours,
        })
        .await?;
    session.close().await;
    match reply {
        Reply::LeasedPlaces { lease } => Ok(lease),
        other => Err(unexpected(&other)),
    }
}

/// Gives a restored server back the confirmed bookings and places this desk holds, in
/// requests of at most `MAX_CLAIMS` of each; what it had given away since.
pub async fn reinstate(
    store: &Store,
    creds: &Credentials,
    slots: Vec<Appointment>,
    places: Vec<PlaceClaim>,
) -> Result<Reinstated, SyncError> {
    let mut out = Reinstated::default();
    if slots.is_empty() && places.is_empty() {
        return Ok(out);
    }
    let mut session = opened(store, creds).await?;
    let rounds = slots.len().div_ceil(MAX_CLAIMS).max(places.len().div_ceil(MAX_CLAIMS));
    for n in 0..rounds {
        let part = |len: usize| (n * MAX_CLAIMS).min(len)..((n + 1) * MAX_CLAIMS).min(len);
        let reply = session
            .call(&Request::Reinstate {
                slots: slots[part(slots.len())].to_vec(),
                places: places[part(places.len())].to_vec(),
            })
            .await?;
        let Reply::Reinstated {
            slots_taken,
            places_full,
        } = reply
        else {
            return Err(unexpected(&reply));
        };
        out.slots_taken.extend(slots_taken);
        out.places_full.extend(places_full);
    }
    session.close().await;
    Ok(out)
}

//! The jobs that open the store for the desk screen: first-run set-up (create the store, write
//! the policy, generate demo data with progress) and signing in (open the store, unwrap the
//! key with argon2, sign the operator in). Each runs off the screen thread and posts
//! [`JobDone::Opened`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::desk::{Clock, Desk};
use crate::paths::Paths;
use crate::policy::Policy;
use crate::store::{LockedStore, StoreError};
use crate::ui::event::{Event, JobDone, Poster};
use crate::ui::holder;
use crate::ui::pane::Notice;

/// How often demo generation reports its progress at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(50);

/// What the set-up form asked for.
pub struct Setup {
    /// Where the store goes.
    pub paths: Paths,
    /// The chosen example policy.
    pub policy: Policy,
    /// Its text, written to the data directory.
    pub policy_text: &'static str,
    /// Its name.
    pub policy_name: &'static str,
    /// The first administrator's login.
    pub login: String,
    /// Their name.
    pub name: String,
    /// Their password.
    pub password: Zeroizing<String>,
    /// How many demo clients to generate (0: none).
    pub demo: usize,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

/// Creates the store (and demo data), reporting demo progress through `post`.
pub fn create(setup: Setup, post: &Poster) -> JobDone {
    let desk = match create_store(&setup) {
        Ok(desk) => desk,
        Err(e) => {
            return JobDone::Opened {
                locked: None,
                result: Err(e),
            }
        }
    };
    let locked = Some(desk.locked());
    let notice = if setup.demo == 0 {
        Notice::Done(format!("Store created with the {} policy.", setup.policy_name))
    } else {
        let post = post.clone();
        let last = Mutex::new(None::<Instant>);
        let report = crate::demo::Progress::Report(Arc::new(move |what: &str, done: u64, total: u64| {
            let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
            if done < total && last.is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
                return;
            }
            *last = Some(Instant::now());
            post.post(Event::Job(JobDone::Progress(what.to_string(), done, total)));
        }));
        match crate::demo::generate(&desk, setup.demo, 1, &report) {
            Ok(summary) => Notice::Done(format!(
                "Store created; {} demo clients loaded. Demo staff sign in with password `{}`.",
                summary.clients,
                crate::demo::DEMO_PASSWORD
            )),
            Err(e) => Notice::Problem(format!("The store was created but demo data failed: {e}")),
        }
    };
    JobDone::Opened {
        locked,
        result: Ok((Box::new(desk), Some(notice))),
    }
}

fn create_store(setup: &Setup) -> Result<Desk, String> {
    let paths = &setup.paths;
    std::fs::create_dir_all(&paths.data).map_err(|e| format!("cannot create {}: {e}", paths.data.display()))?;
    let mut desk = Desk::init(
        &paths.store(),
        setup.policy.clone(),
        &setup.login,
        &setup.name,
        &setup.password,
        setup.clock.clone(),
    )
    .map_err(|e| e.to_string())?;
    // Texts are planned only when notify.toml names an SMS command (APPT-09).
    desk.set_channels(crate::notify::NotifyConfig::channels_in(&paths.config));
    std::fs::write(paths.policy(), setup.policy_text)
        .map_err(|e| format!("cannot write {}: {e}", paths.policy().display()))?;
    Ok(desk)
}

/// What the sign-in form asked for.
pub struct SignIn {
    /// Where the store is.
    pub paths: Paths,
    /// The store, if this screen has opened it already.
    pub locked: Option<LockedStore>,
    /// The login typed.
    pub login: String,
    /// The password typed.
    pub password: Zeroizing<String>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

/// Opens the store if need be and signs the operator in.
pub fn sign_in(s: SignIn, post: &Poster) -> JobDone {
    let locked = match s.locked {
        Some(l) => l,
        None => match LockedStore::open(&s.paths.store()) {
            Ok(l) => l,
            Err(e) => {
                return JobDone::Opened {
                    locked: None,
                    result: Err(open_error(&s.paths, e)),
                }
            }
        },
    };
    let result = Policy::load(&s.paths.policy())
        .map_err(|e| e.to_string())
        .and_then(|policy| {
            // A store made by an older version is re-indexed at this unlock: say how far it is.
            let progress = |what: &str, done: u64, total: u64| {
                post.post(Event::Job(JobDone::Progress(what.to_string(), done, total)));
            };
            Desk::sign_in_reporting(&locked, policy, &s.login, &s.password, s.clock, &progress)
                .map_err(|e| e.to_string())
        })
        .map(|mut desk| {
            // Texts are planned only when notify.toml names an SMS command (APPT-09).
            desk.set_channels(crate::notify::NotifyConfig::channels_in(&s.paths.config));
            (Box::new(desk), None)
        });
    JobDone::Opened {
        locked: Some(locked),
        result,
    }
}

/// Why the store could not be opened, naming whatever holds it when that is known.
pub fn open_error(paths: &Paths, e: StoreError) -> String {
    match (&e, holder::live(&paths.data)) {
        (StoreError::Open { .. }, Some(h)) if h.pid != std::process::id() => h.message(),
        _ => e.to_string(),
    }
}

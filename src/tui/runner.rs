//! Performs the app's effects against the store and reports what came of
//! them. [`perform`] does one effect; [`Workers`] runs them off the input
//! thread for a terminal session, the slow ones on a worker of their own.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use crate::case::history;
use crate::rules::decision::editable;
use crate::store::{AccessEntry, CaseStore, LockHolder, LockInfo, StoreError};

use super::effect::{Done, Effect, OpenMode, OpenRequest, Opened, SavePurpose};
use super::screens::dashboard::DashboardState;

/// Performs one effect.
pub fn perform(store: &dyn CaseStore, effect: Effect) -> Done {
    match effect {
        Effect::ListQueue if store.pages_queue() => Done::QueuePaged,
        Effect::ListQueue => Done::Queue(store.list()),
        Effect::QueuePage(query) => Done::QueuePage {
            result: store.queue_page(&query).map_err(|e| e.to_string()),
            query,
        },
        Effect::ReadLocks => Done::Locks(
            store
                .locks()
                .into_iter()
                .map(|(id, lock)| (id, lock.holder.reviewer.name))
                .collect(),
        ),
        Effect::CountQueue(query) => Done::QueueCounted {
            // A count query's limit is how far to count.
            result: store
                .count_queue(&query, query.limit)
                .map_err(|e| e.to_string()),
            query,
        },
        Effect::CheckStore => {
            Done::StoreChecked(store.warnings().into_iter().map(|w| w.0).collect())
        }
        Effect::FindDrafts { author, session } => Done::Drafts(
            store
                .drafts()
                .into_iter()
                .filter(|d| d.key.author == author && d.key.session != session)
                .filter(|d| !session_is_live(store, &d.key.session))
                .collect(),
        ),
        Effect::FindCaseDrafts { id } => Done::CaseDrafts {
            drafts: store
                .drafts()
                .into_iter()
                .filter(|d| d.key.subject == id && !session_is_live(store, &d.key.session))
                .collect(),
            id,
        },
        Effect::HandOverDraft {
            draft,
            to,
            case,
            expected,
        } => Done::Saved {
            purpose: SavePurpose::Supervise,
            result: hand_over_draft(store, &draft, &to, *case, &expected),
        },
        Effect::Open(request) => Done::Opened(open(store, &request)),
        Effect::View {
            id,
            holder,
            banner,
            now,
            stale_after,
        } => Done::Opened(view(store, &id, &holder, banner, (now, stale_after))),
        Effect::Create {
            mut case,
            received,
            reviewer,
            at,
            draft,
            then,
        } => {
            let mut complete = |case: &mut crate::case::Case| {
                history::record(
                    case,
                    None,
                    &reviewer,
                    "created",
                    "Case created at intake",
                    at,
                );
            };
            let result = store
                .create(&mut case, received, &mut complete)
                .map(|id| {
                    // The case holds everything the draft did.
                    let _ = store.discard_draft(&draft);
                    let location = store.case_location(&id);
                    (id, location)
                })
                .map_err(|e| e.to_string());
            Done::Created { then, result }
        }
        Effect::ImportPas {
            path,
            policy,
            due_table,
            reviewer,
            at,
            draft,
        } => {
            let result = import_pas(store, &path, &policy, &due_table, &reviewer, at);
            if result.is_ok() {
                let _ = store.discard_draft(&draft);
            }
            Done::Created {
                then: SavePurpose::Save,
                result,
            }
        }
        Effect::Save {
            mut case,
            expected,
            purpose,
            draft,
            sign,
        } => {
            let signed = match &sign {
                Some(signing) => sign_last_entry(store, &mut case, signing),
                None => Ok(()),
            };
            let result =
                signed.and_then(|()| store.save(&case, &expected).map_err(|e| e.to_string()));
            if result.is_ok()
                && let Some(draft) = draft
            {
                let _ = store.discard_draft(&draft);
            }
            let location = store.case_location(&case.id);
            Done::Saved {
                purpose,
                result: result.map(|()| (*case, location)),
            }
        }
        Effect::Unlock { id, holder } => match store.unlock(&id, &holder) {
            Ok(()) => Done::Nothing,
            Err(err) => Done::Failed(format!("Could not release the lock of {id}: {err}")),
        },
        Effect::WriteDraft { key, json } => Done::DraftWritten {
            result: store.save_draft(&key, &json).map_err(|e| e.to_string()),
            key,
        },
        Effect::DiscardDraft { key } => {
            Done::DraftDiscarded(store.discard_draft(&key).map_err(|e| e.to_string()))
        }
        Effect::Recover {
            draft,
            open: request,
        } => {
            let is_intake = draft.subject.starts_with("new-");
            let result = store
                .load_draft(&draft)
                .map_err(|e| format!("Draft of {}: {e}", draft.subject))
                .and_then(|json| {
                    if is_intake {
                        return Ok((None, json));
                    }
                    open(store, &request).map(|opened| (Some(opened), json))
                });
            Done::Recovered { draft, result }
        }
        Effect::BreakLock { id, expected } => {
            Done::LockBroken(store.break_lock(&id, &expected).map_err(|e| e.to_string()))
        }
        Effect::CmsFigures { year } => Done::CmsFigures(cms_panel(store, year)),
        Effect::Dashboard { now } => match store.figures(now) {
            Ok(stats) => Done::Dashboard(Box::new(DashboardState { stats, cms: None })),
            Err(err) => Done::Failed(format!("The dashboard's figures could not be read: {err}")),
        },
    }
}

/// Signs the act the case's last history entry records, with the access
/// log's head at this moment. Without a key, a store with a roster refuses
/// the save; a store without one saves unsigned.
fn sign_last_entry(
    store: &dyn CaseStore,
    case: &mut crate::case::Case,
    signing: &super::effect::Signing,
) -> Result<(), String> {
    use crate::identity::signing::sign_last_entry;
    let key = match signing.key.as_ref().map(|signer| signer.ready()) {
        Some(Ok(key)) => key,
        Some(Err(err)) if signing.required => return Err(format!("Not signed: {err}")),
        None if signing.required => {
            return Err("Not signed: no signing key is set (--signing-key FILE)".to_string());
        }
        _ => return Ok(()),
    };
    let head = store.access_log_head().map_err(|e| e.to_string())?;
    sign_last_entry(case, &*key, head).map_err(|e| format!("Not signed: {e}"))
}

/// Saves `case` (whose history records the handover), then writes the
/// draft as `to`'s, under a session that is not alive so that it is offered
/// to them, and only then lets the lost session's draft go.
fn hand_over_draft(
    store: &dyn CaseStore,
    draft: &crate::store::DraftKey,
    to: &str,
    case: crate::case::Case,
    expected: &str,
) -> Result<(crate::case::Case, String), String> {
    let json = store.load_draft(draft).map_err(|e| e.to_string())?;
    store.save(&case, expected).map_err(|e| e.to_string())?;
    // The lost session's lock goes with its draft, or the next reviewer
    // could not open the case to recover it.
    if let Some(lock) = store.lock_info(&case.id)
        && lock.holder.session == draft.session
        && store.session_alive(&draft.session) == Some(false)
    {
        store
            .break_lock(&case.id, &lock)
            .map_err(|e| e.to_string())?;
    }
    let handed = crate::store::DraftKey {
        subject: draft.subject.clone(),
        author: to.to_string(),
        session: format!("handed-{}", draft.session),
    };
    store
        .save_draft(&handed, &json)
        .map_err(|e| format!("the case says so, but the draft was not copied: {e}"))?;
    let _ = store.discard_draft(draft);
    let location = store.case_location(&case.id);
    Ok((case, location))
}

/// Whether a session may still be writing: alive, or impossible to tell.
fn session_is_live(store: &dyn CaseStore, session: &str) -> bool {
    store.session_alive(session) != Some(false)
}

/// Loads the case; locks it for editing when the role and status allow and
/// nobody else holds it; logs the access. An access that cannot be logged
/// is refused: nothing is shown that the log does not record.
fn open(store: &dyn CaseStore, request: &OpenRequest) -> Result<Opened, String> {
    let case = store.load(&request.id).map_err(|e| e.to_string())?;
    // A case that is not intact is never edited over: saving would chain
    // onto an outside edit and bury the evidence of it.
    if let Some(banner) = not_intact(&case) {
        log(store, &request.holder, &case.id, "view")?;
        return Ok(read_only(store, case, Some(banner), request));
    }
    if let Err(reason) = editable(&case, request.role) {
        log(store, &request.holder, &case.id, "view")?;
        return Ok(read_only(store, case, Some(reason.into()), request));
    }
    match take_lock(store, request) {
        Ok(_) => {}
        Err(StoreError::Locked(info)) => {
            log(store, &request.holder, &case.id, "view")?;
            let banner = format!("Read-only: {}", info.describe());
            return Ok(read_only(store, case, Some(banner), request));
        }
        Err(err) => return Err(err.to_string()),
    }
    if let Err(err) = log(store, &request.holder, &case.id, "open") {
        let _ = store.unlock(&case.id, &request.holder);
        return Err(err);
    }
    Ok(Opened {
        case,
        mode: OpenMode::Edit,
    })
}

/// Why a case may not be edited over: an edit made outside the app, or a
/// history that no longer holds.
fn not_intact(case: &crate::case::Case) -> Option<String> {
    use crate::case::history::{Standing, standing};
    let standing = standing(case);
    match &standing {
        Standing::Intact => None,
        Standing::EditedOutside { .. } => {
            let mut fields = standing.changed_fields();
            fields.truncate(4);
            Some(format!(
                "Read-only: edited outside umdesk ({}); a supervisor may accept it (A) with a reason",
                fields.join(", ")
            ))
        }
        Standing::ChainBroken(why) => Some(format!(
            "Read-only: its history does not hold ({why}); it cannot be edited in umdesk"
        )),
    }
}

/// The case shown read-only, with its lock and whether that is stale.
fn read_only(
    store: &dyn CaseStore,
    case: crate::case::Case,
    banner: Option<String>,
    request: &OpenRequest,
) -> Opened {
    let lock = store.lock_info(&case.id);
    let lock_is_stale = lock
        .as_ref()
        .is_some_and(|lock| store.lock_is_stale(lock, request.now, request.stale_after));
    Opened {
        case,
        mode: OpenMode::ReadOnly {
            banner,
            lock,
            lock_is_stale,
        },
    }
}

/// Takes the edit lock. A lock this reviewer left behind in a session that
/// is gone (a crash, a dropped connection) is taken over in one step that
/// compares the lock it replaces with the lock it checked.
fn take_lock(store: &dyn CaseStore, request: &OpenRequest) -> Result<LockInfo, StoreError> {
    match store.lock(&request.id, &request.holder) {
        Err(StoreError::Locked(info)) if may_take_over(store, request, &info) => {
            store.take_over(&request.id, &info, &request.holder)
        }
        other => other,
    }
}

fn may_take_over(store: &dyn CaseStore, request: &OpenRequest, lock: &LockInfo) -> bool {
    if lock.holder.reviewer != request.holder.reviewer {
        return false;
    }
    if request.recovering.as_deref() == Some(lock.holder.session.as_str()) {
        return true;
    }
    store.lock_is_stale(lock, request.now, request.stale_after)
}

fn view(
    store: &dyn CaseStore,
    id: &str,
    holder: &LockHolder,
    banner: Option<String>,
    (now, stale_after): (time::OffsetDateTime, time::Duration),
) -> Result<Opened, String> {
    let case = store.load(id).map_err(|e| e.to_string())?;
    log(store, holder, id, "view")?;
    let lock = store.lock_info(id);
    let lock_is_stale = lock
        .as_ref()
        .is_some_and(|lock| store.lock_is_stale(lock, now, stale_after));
    let banner = banner.or_else(|| {
        lock.as_ref()
            .map(|lock| format!("Read-only: {}", lock.describe()))
    });
    Ok(Opened {
        case,
        mode: OpenMode::ReadOnly {
            banner,
            lock,
            lock_is_stale,
        },
    })
}

/// Records an access by `holder`'s session, from where that session is.
fn log(
    store: &dyn CaseStore,
    holder: &LockHolder,
    case_id: &str,
    action: &str,
) -> Result<(), String> {
    let mut entry = AccessEntry::new(&holder.reviewer, case_id, action);
    entry.from = match &holder.connection {
        Some(connection) => format!("{} via ssh {connection}", holder.host),
        None => holder.host.clone(),
    };
    store
        .log_access(&entry)
        .map_err(|err| format!("Could not write the access log, so {case_id} is not shown: {err}"))
}

/// The CMS-0057-F figures of `year`: they count appeals and extensions,
/// which only whole cases carry, so the cases first decided that year are
/// read one at a time and folded in (a case that cannot be read is left
/// out, as the listing leaves out unreadable files). Never more than one
/// case in memory, however large the store.
fn cms_panel(
    store: &dyn CaseStore,
    year: i32,
) -> Result<super::screens::dashboard::CmsPanel, String> {
    let ids = store
        .decided_in(year)
        .map_err(|e| format!("The CMS figures could not be read: {e}"))?;
    let cases = ids.iter().filter_map(|id| store.load(id).ok());
    let (standard, expedited) = crate::rules::cms::figures(cases, Some(year));
    Ok(super::screens::dashboard::CmsPanel {
        year,
        standard,
        expedited,
    })
}

/// Worker threads performing effects for one session, reporting each
/// result on `done`. Effects of one kind are performed in the order given.
pub struct Workers {
    fast: Option<Sender<Effect>>,
    slow: Option<Sender<Effect>>,
    fast_thread: Option<JoinHandle<()>>,
}

impl Workers {
    pub fn start<T: From<Done> + Send + 'static>(
        store: Arc<dyn CaseStore>,
        done: Sender<T>,
    ) -> std::io::Result<Workers> {
        let (fast, fast_thread) = worker("umdesk-store", Arc::clone(&store), done.clone())?;
        let (slow, _) = worker("umdesk-store-slow", store, done)?;
        Ok(Workers {
            fast: Some(fast),
            slow: Some(slow),
            fast_thread: Some(fast_thread),
        })
    }

    pub fn submit(&self, effects: Vec<Effect>) {
        for effect in effects {
            let worker = if effect.is_slow() {
                &self.slow
            } else {
                &self.fast
            };
            if let Some(worker) = worker {
                // A worker gone means the session is ending; the effect's
                // caller learns nothing more either way.
                let _ = worker.send(effect);
            }
        }
    }

    /// Waits until every effect given so far that writes (drafts, saves,
    /// unlocks) is done. Slow reads still under way are abandoned.
    pub fn finish(mut self) {
        self.slow.take();
        self.fast.take();
        if let Some(thread) = self.fast_thread.take() {
            let _ = thread.join();
        }
    }
}

fn worker<T: From<Done> + Send + 'static>(
    name: &str,
    store: Arc<dyn CaseStore>,
    done: Sender<T>,
) -> std::io::Result<(Sender<Effect>, JoinHandle<()>)> {
    let (sender, effects): (Sender<Effect>, Receiver<Effect>) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            for effect in effects {
                if done.send(T::from(perform(&*store, effect))).is_err() {
                    // Nobody is listening: the writes still happen.
                    continue;
                }
            }
        })?;
    Ok((sender, thread))
}

/// The app with its effects performed at once, in the calling thread: for
/// tests, benchmarks and anything else that drives the app without a
/// terminal. Slow effects asked for at the start wait for the first event
/// (or [`Inline::finish_listing`]), as they would behind a first frame.
pub struct Inline {
    pub app: super::app::App,
    store: Arc<dyn CaseStore>,
    deferred: Vec<Effect>,
    lease: Option<crate::store::SessionLease>,
}

impl Inline {
    /// The app as a session would start it over `store`.
    pub fn start(
        settings: super::Settings,
        theme: super::theme::Theme,
        store: Arc<dyn CaseStore>,
    ) -> Inline {
        let head = store.list_cached(super::FIRST_SCREEN);
        let mut app = super::app::App::new(settings, theme, head);
        let lease = store.begin_session(&app.holder).ok();
        let effects = app.start();
        let mut inline = Inline {
            app,
            store,
            deferred: Vec::new(),
            lease,
        };
        let (slow, fast): (Vec<Effect>, Vec<Effect>) = effects
            .into_iter()
            .partition(|e| e.is_slow() && inline.app.listing_is_cached);
        inline.deferred = slow;
        inline.perform_all(fast);
        inline
    }

    /// Handles `event` and everything that follows from it.
    pub fn handle(&mut self, event: super::event::Event) {
        let mut effects = std::mem::take(&mut self.deferred);
        effects.extend(self.app.handle(event));
        self.perform_all(effects);
    }

    pub fn handle_key(&mut self, key: ratatui::crossterm::event::KeyEvent) {
        self.handle(super::event::Event::Key(key));
    }

    pub fn paste(&mut self, text: &str) {
        self.handle(super::event::Event::Paste(text.to_string()));
    }

    /// Writes the draft of what changed, as the session's timer would.
    pub fn autosave(&mut self) {
        self.handle(super::event::Event::AutosaveDue);
    }

    /// The session ends as on a signal: the draft kept, the lock let go.
    pub fn shutdown(&mut self) {
        self.handle(super::event::Event::Stop("shutdown".to_string()));
    }

    /// Performs the slow effects still waiting (the full listing).
    pub fn finish_listing(&mut self) {
        let effects = std::mem::take(&mut self.deferred);
        self.perform_all(effects);
    }

    pub fn open_case(&mut self, id: &str) {
        self.app.open_case(id);
        self.handle(super::event::Event::Resize);
    }

    pub fn view_case(&mut self, id: &str, banner: Option<String>) {
        self.app.view_case(id, banner);
        self.handle(super::event::Event::Resize);
    }

    /// The session dies as a killed process would: nothing more is
    /// written, no lock let go; only its lease ends, as the system ends
    /// a dead process's hold on its files.
    pub fn crash(mut self) {
        drop(self.lease.take());
        std::mem::forget(self);
    }

    fn perform_all(&mut self, mut effects: Vec<Effect>) {
        // Breadth first, in order: what one result asks for comes after
        // what was already asked.
        let mut queue: std::collections::VecDeque<Effect> = effects.drain(..).collect();
        while let Some(effect) = queue.pop_front() {
            let done = perform(&*self.store, effect);
            queue.extend(self.app.handle(super::event::Event::from(done)));
        }
    }
}

impl std::ops::Deref for Inline {
    type Target = super::app::App;

    fn deref(&self) -> &super::app::App {
        &self.app
    }
}

impl std::ops::DerefMut for Inline {
    fn deref_mut(&mut self) -> &mut super::app::App {
        &mut self.app
    }
}

/// Reads the PAS request in `path` and creates its case, or finds the one
/// the same request made before: the case id and where it is.
fn import_pas(
    store: &dyn CaseStore,
    path: &std::path::Path,
    policy: &crate::policy::LoadedPolicy,
    due_table: &crate::case::due::DueTable,
    reviewer: &crate::case::Reviewer,
    at: time::OffsetDateTime,
) -> Result<(String, String), String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|err| crate::sanitize::line(&format!("{name}: {err}")).into_owned())?;
    // What the file says reaches the status line only escaped.
    let imported = crate::pas::import_request(&text).map_err(|err| {
        crate::sanitize::line(&format!(
            "{name} is not a PAS request umdesk can make a case of: {err}"
        ))
        .into_owned()
    })?;
    let key = imported.request.key();
    if let Some(id) = store.find_by_request(&key).map_err(|e| e.to_string())? {
        let location = store.case_location(&id);
        return Ok((id, format!("imported before: {location}")));
    }
    let mut case = crate::case::new_case("pending", imported.facts, policy, due_table);
    case.pas_request = Some(imported.request);
    crate::rules::answers::sync_all(&policy.policy, &mut case);
    let received = case.request.received_at.date();
    let summary = format!("Case imported from PAS request {key}");
    let mut complete = |case: &mut crate::case::Case| {
        history::record(case, None, reviewer, "created", &summary, at);
    };
    let id = store
        .create(&mut case, received, &mut complete)
        .map_err(|e| e.to_string())?;
    let location = store.case_location(&id);
    Ok((id, location))
}

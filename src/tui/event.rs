//! Everything that reaches a session's app: keys and pastes from its
//! terminal, resizes, the autosave timer, and the results of effects.

use ratatui::crossterm::event::KeyEvent;

use super::effect::Done;

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Paste(String),
    /// The terminal changed size; the frame is drawn anew.
    Resize,
    /// Time to write the draft of what changed.
    AutosaveDue,
    /// An effect was performed.
    Done(Box<Done>),
    /// Someone (this session included) created, saved, locked or unlocked
    /// case `.0` (empty: something may have been missed): the queue is
    /// read again.
    StoreChanged(String),
    /// The session must end now (a signal, a hang-up, a server shutting
    /// down): the app keeps its work as a draft and lets go of its lock.
    Stop(String),
}

impl From<Done> for Event {
    fn from(done: Done) -> Event {
        Event::Done(Box::new(done))
    }
}

//! The dashboard's CMS-0057-F panel: the figures of the year so far, each
//! percentage with what it is of, at 80x24 and wide.

mod common;

use common::*;
use ratatui::crossterm::event::KeyCode;
use time::Duration;
use umdesk::case::{AppealOutcome, AppealParty, Reviewer, Role, Status};
use umdesk::fixtures::sample_cases;
use umdesk::rules::notices;

/// The samples, their denial appealed and overturned, and the dashboard
/// of the year the samples were decided in (2026).
fn dashboard_app() -> (tempfile::TempDir, App) {
    let store = empty_store();
    let ada = Reviewer {
        name: "Ada Second, MD".to_string(),
        role: Role::Physician,
    };
    for mut case in sample_cases(&policy()) {
        if case.status == Status::Denied {
            let decided = case.determination.as_ref().unwrap().decided_at;
            let filed = decided + Duration::days(3);
            notices::file_appeal(&mut case, &nurse(), AppealParty::Member, false, filed, NOW)
                .unwrap();
            notices::decide_appeal(
                &mut case,
                &ada,
                AppealOutcome::Overturned,
                "New imaging.",
                NOW,
            )
            .unwrap();
        }
        write_case(store.path(), &case);
    }
    let mut app = app_with(store.path(), supervisor());
    press(&mut app, KeyCode::Char('d'));
    (store, app)
}

#[test]
fn the_dashboard_shows_the_cms_figures_with_their_denominators() {
    let (_store, app) = dashboard_app();
    for (width, height) in [(80, 24), (200, 60)] {
        let terminal = draw(&app, width, height);
        let text = screen_text(&terminal);
        assert!(
            text.contains("CMS-0057-F figures, decided in 2026"),
            "{text}"
        );
        assert!(
            text.contains("Approved after appeal      100.0% (1 of 1)"),
            "{text}"
        );
        insta::assert_snapshot!(
            format!("dashboard_cms_{width}x{height}"),
            terminal.backend()
        );
    }
}

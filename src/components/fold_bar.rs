//! On a phone, the long panels (ladder, header inspector, state diagram,
//! lab) and the playback options (speed, switches, embed) are folded under
//! the narration, one tap away: a row of toggles.
//! The page's CSS shows the row and folds the panels only on narrow
//! screens; wider screens show every panel and no row.

use yew::prelude::*;

/// Which panels a phone shows, one bit each.
pub const LADDER: u8 = 1;
pub const INSPECTOR: u8 = 2;
pub const STATES: u8 = 4;
pub const LAB: u8 = 8;
pub const OPTIONS: u8 = 16;

/// `open`: the panels shown; `embedded` pages have no state diagram or lab.
pub fn fold_bar(open: u8, embedded: bool, on_toggle: &Callback<u8>) -> Html {
    let panels = [
        (LADDER, "ladder", "fold-ladder", "Ladder"),
        (INSPECTOR, "inspector", "fold-inspector", "Headers"),
        (STATES, "states", "fold-states", "States"),
        (LAB, "lab", "fold-lab", "Lab"),
        (OPTIONS, "options", "fold-options", "Options"),
    ];
    html! {
        <nav class="fold-bar" aria-label="Panels">
            { for panels.into_iter().filter(|(bit, ..)| !embedded || *bit & (STATES | LAB) == 0).map(|(bit, id, testid, name)| html! {
                <button aria-expanded={if open & bit != 0 { "true" } else { "false" }} aria-controls={id}
                        onclick={on_toggle.reform(move |_| bit)} data-testid={testid}>{ name }</button>
            }) }
        </nav>
    }
}

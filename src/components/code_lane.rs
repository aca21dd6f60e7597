//! Each host's program as Rust code beside the ladder, with the line that
//! is running at the current moment highlighted and what its call is
//! waiting for, or returned. The calls come from the engine's
//! applications (the trace), the code from the lesson's listings.

use crate::narration::calls::{failure_cause, returned, waiting};
use crate::state::story::Story;
use std::rc::Rc;
use tcpsim::net::Side;
use tcpsim::scenario::listing::{CallSpan, Listing};
use yew::prelude::*;

pub struct Props {
    pub story: Rc<Story>,
    pub listings: [Option<Rc<Listing>>; 2],
    pub calls: Rc<[Vec<CallSpan>; 2]>,
    /// The line each call runs on (`AppState::placed`).
    pub placed: [Rc<Vec<usize>>; 2],
    /// Records applied so far (the ladder's clock: calls returning at one
    /// instant come in the order their segments arrived).
    pub cursor: usize,
    /// Open at first (folded on phones and when embedded).
    pub open: bool,
    /// The last step is shown: a call still waiting will return on its
    /// own (a timeout), and the lane says how.
    pub at_end: bool,
}

pub fn code_lane(props: &Props) -> Html {
    if props.listings.iter().all(Option::is_none) {
        return html! {};
    }
    html! {
        <details class="code-lane" open={props.open} data-testid="code-lane">
            <summary data-testid="code-lane-summary">{ "The code: each host's program, and the line running now" }</summary>
            <div class="code-hosts">
                { for [Side::Client, Side::Server].into_iter().map(|side| {
                    match &props.listings[side.index()] {
                        Some(listing) => {
                            let i = side.index();
                            let now = running(&props.placed[i], &props.calls[i], props.cursor);
                            program(&props.story, side, listing, now, props.at_end)
                        }
                        None => html! {},
                    }
                }) }
            </div>
        </details>
    }
}

/// Where one host's program is: the line running, the call on it, and
/// whether that call has returned.
pub struct Running<'a> {
    pub line: usize,
    pub call: &'a CallSpan,
    pub returned: bool,
}

impl Running<'_> {
    /// What the call is waiting for, or what it returned.
    pub fn what(&self) -> String {
        match self.call.end {
            Some((_, result)) if self.returned => returned(self.call.call, result),
            _ => waiting(self.call.call).to_string(),
        }
    }
}

/// Where one host's program is once `cursor` records are applied, its
/// calls on the lines `placed`; None before its first call.
pub fn running<'a>(placed: &[usize], calls: &'a [CallSpan], cursor: usize) -> Option<Running<'a>> {
    let k = calls.iter().rposition(|c| c.records.0 < cursor)?;
    let line = *placed.get(k)?;
    let call = &calls[k];
    let returned = call.records.1.is_some_and(|r| r < cursor);
    Some(Running { line, call, returned })
}

fn program(story: &Story, side: Side, listing: &Listing, now: Option<Running>, at_end: bool) -> Html {
    let id = format!("code-{}", side.name());
    // An error, and the segment behind it, as the program sees it.
    let error = now.as_ref().filter(|r| r.returned || at_end).and_then(|r| {
        let (_, result) = r.call.end?;
        let cause = failure_cause(story, side, r.call)?;
        let when = if r.returned { "" } else { "in the end, " };
        Some(format!("// ↑ {when}{}: {cause}", returned(r.call.call, result)))
    });
    let status = match &now {
        Some(r) => format!("line {}: {}", r.line + 1, r.what()),
        None => "not started yet".to_string(),
    };
    html! {
        <figure class="code-host" aria-labelledby={id.clone()}>
            <figcaption id={id.clone()}>
                <strong>{ format!("The {}", side.name()) }</strong>{ " · " }
                <span data-testid={format!("code-status-{}", side.name())}>{ status }</span>
            </figcaption>
            <pre tabindex="0" aria-label={format!("The {}'s program", side.name())}><code>
                { for listing.lines.iter().enumerate().map(|(i, text)| {
                    let current = now.as_ref().is_some_and(|r| r.line == i);
                    html! {
                        <span class={if current { "code-line current" } else { "code-line" }}
                              aria-current={current.then_some("true")}
                              data-testid={current.then(|| format!("code-current-{}", side.name()))}>
                            <span class="ln" aria-hidden="true">{ i + 1 }</span>{ text }
                            // The error under its line (a block: it ends the line).
                            if let (true, Some(error)) = (current, &error) {
                                <span class="code-error" data-testid={format!("code-error-{}", side.name())}>
                                    { indent(text) }{ error }
                                </span>
                            } else {
                                { "\n" }
                            }
                        </span>
                    }
                }) }
            </code></pre>
        </figure>
    }
}

/// The leading spaces of a line of code.
fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

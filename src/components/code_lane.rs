//! Each host's program as Rust code beside the ladder, with the line that
//! is running at the current moment highlighted and what its call is
//! waiting for, or returned. The calls come from the engine's
//! applications (the trace), the code from the lesson's listings.

use crate::narration::calls::{returned, waiting};
use std::rc::Rc;
use tcpsim::net::Side;
use tcpsim::scenario::listing::{CallSpan, Listing};
use yew::prelude::*;

pub struct Props {
    pub listings: [Option<Rc<Listing>>; 2],
    pub calls: Rc<[Vec<CallSpan>; 2]>,
    /// Records applied so far (the ladder's clock: calls returning at one
    /// instant come in the order their segments arrived).
    pub cursor: usize,
    /// Open at first (folded on phones and when embedded).
    pub open: bool,
}

pub fn code_lane(props: &Props) -> Html {
    if props.listings.iter().all(Option::is_none) {
        return html! {};
    }
    html! {
        <details class="code-lane" open={props.open} data-testid="code-lane">
            <summary>{ "The code: each host's program, and the line running now" }</summary>
            <div class="code-hosts">
                { for [Side::Client, Side::Server].into_iter().map(|side| {
                    match &props.listings[side.index()] {
                        Some(listing) => program(side, listing, &props.calls[side.index()], props.cursor),
                        None => html! {},
                    }
                }) }
            </div>
        </details>
    }
}

/// Where one host's program is once `cursor` records are applied: the
/// line and what its call is doing, or None before its first call.
pub fn running(listing: &Listing, calls: &[CallSpan], cursor: usize) -> Option<(usize, String)> {
    let k = calls.iter().rposition(|c| c.records.0 < cursor)?;
    let kinds: Vec<_> = calls[..=k].iter().map(|c| c.call).collect();
    let line = *listing.place(&kinds).ok()?.last()?;
    let c = calls[k];
    let what = match (c.end, c.records.1) {
        (Some((_, result)), Some(r)) if r < cursor => returned(c.call, result),
        _ => waiting(c.call).to_string(),
    };
    Some((line, what))
}

fn program(side: Side, listing: &Listing, calls: &[CallSpan], cursor: usize) -> Html {
    let now = running(listing, calls, cursor);
    let id = format!("code-{}", side.name());
    let status = match &now {
        Some((line, what)) => format!("line {}: {what}", line + 1),
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
                    let current = now.as_ref().is_some_and(|(line, _)| *line == i);
                    html! {
                        <span class={if current { "code-line current" } else { "code-line" }}
                              aria-current={current.then_some("true")}
                              data-testid={current.then(|| format!("code-current-{}", side.name()))}>
                            <span class="ln" aria-hidden="true">{ i + 1 }</span>{ text }{ "\n" }
                        </span>
                    }
                }) }
            </code></pre>
        </figure>
    }
}

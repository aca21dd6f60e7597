//! The narration for a replayed capture: which frame this is, what the
//! analysis marks on it mean, and both hosts' states as inferred from the
//! capture (which shows packets, never states).

use crate::capture_protocol::Replayed;
use crate::state::story::Story;
use tcpsim::tcp::State;
use yew::prelude::*;

fn state_name(s: Option<State>) -> String {
    s.map_or("unknown".into(), |s| s.to_string())
}

pub fn capture_narration(r: &Replayed, story: &Story, focus: usize) -> Html {
    let shown = r.steps.len();
    let intro = format!(
        "Conversation #{}: client {}, server {}. The client is the host that sent the first SYN. \
         The capture was taken {}; each segment is drawn leaving and arriving as the handshake timed the way to each host.",
        r.stream, r.client, r.server, r.vantage
    );
    let limit = (r.total > shown).then(|| format!("This replay shows the first {shown} of its {} packets.", r.total));
    let Some((note, step)) = focus
        .checked_sub(1)
        .and_then(|i| r.steps.get(i).zip(story.steps.get(i)))
    else {
        return html! {
            <section class="narration" aria-labelledby="narration-title">
                <h2 id="narration-title" data-testid="narration-title">{ "A captured connection" }</h2>
                <p data-testid="narration">{ intro }</p>
                if let Some(limit) = limit { <p>{ limit }</p> }
                if let Some(why) = &r.unavailable { <p role="alert">{ why }</p> }
                <p class="knows">{ "States are inferred from the capture: a host's state changes when the capture shows it sending, or shows that a segment reached it." }</p>
            </section>
        };
    };
    let secs = format!("{}.{:06}", note.time_us / 1_000_000, note.time_us % 1_000_000);
    let what = format!(
        "Frame {} at {secs} s: the {} sent {}.",
        note.frame,
        step.from.name(),
        step.label()
    );
    html! {
        <section class="narration" aria-labelledby="narration-title">
            <h2 id="narration-title" data-testid="narration-title">{ format!("Frame {}", note.frame) }</h2>
            <p data-testid="narration">{ what }</p>
            if note.marks.is_empty() {
                <p class="marks">{ "Nothing unusual: no analysis mark." }</p>
            } else {
                <ul class="marks" data-testid="marks">
                    { for note.marks.iter().map(|(label, meaning)| {
                        let label = match (label.as_str(), note.dup_ack) {
                            ("Dup ACK", Some((n, of))) => format!("Dup ACK {of}#{n}"),
                            _ => label.clone(),
                        };
                        html! { <li><strong>{ label }</strong>{ ": " }{ meaning }</li> }
                    }) }
                </ul>
            }
            if note.checksum_ok == Some(false) {
                <p>{ "Its TCP checksum is wrong as captured. On the sending host that is usual: the network card fills it in after the capture takes its copy (checksum offload)." }</p>
            }
            <p class="knows" data-testid="inferred-states">
                <strong>{ "Inferred from the capture: " }</strong>
                { format!("client {}, server {}.", state_name(note.states[0]), state_name(note.states[1])) }
            </p>
        </section>
    }
}

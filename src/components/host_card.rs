//! One host: its role, address and port, and a badge with its TCP state.
//! When the state changes the badge shows the transition (old → new) and
//! flashes once (not at all with reduced motion).

use crate::state::story::Transition;
use std::net::Ipv4Addr;
use tcpsim::tcp::State;
use yew::prelude::*;

pub fn host_card(
    role: &'static str,
    (ip, port): (Ipv4Addr, u16),
    state: State,
    transition: Option<Transition>,
) -> Html {
    // Keyed by the transition's record, so each change restarts the flash.
    let key = transition.map_or(0, |t| t.record + 1);
    html! {
        <section class={format!("host host-{role}")} aria-label={format!("{role} host")}>
            <h2 class="host-role">{ role }</h2>
            <p class="host-addr">{ format!("{ip}:{port}") }</p>
            <p class="badge" key={key} data-testid={format!("state-{role}")}
               data-state={state.to_string()}>{ state.to_string() }</p>
            <p class="transition" aria-hidden="true">
                { match transition {
                    Some(t) => format!("{} → {}", t.from, t.to),
                    None => "\u{a0}".to_string(),
                } }
            </p>
        </section>
    }
}

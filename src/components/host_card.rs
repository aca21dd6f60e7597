//! One host: its role, address and port, and a badge with its TCP state.
//! When the state changes the badge shows the transition (old → new) and
//! flashes once (not at all with reduced motion).

use crate::state::story::Transition;
use std::net::SocketAddr;
use tcpsim::net::Side;
use tcpsim::tcp::State;
use yew::prelude::*;

/// `state` None: not known (a replayed capture that began mid-connection);
/// `inferred`: read off a capture, not reported by the engine.
pub fn host_card(
    side: Side,
    addr: SocketAddr,
    state: Option<State>,
    transition: Option<Transition>,
    inferred: bool,
) -> Html {
    let name = state.map_or("unknown".to_string(), |s| s.to_string());
    // Keyed by the transition's record, so each change restarts the flash.
    let key = transition.map_or(0, |t| t.record + 1);
    let (class, label, testid) = match side {
        Side::Client => ("host host-client", "client host", "state-client"),
        Side::Server => ("host host-server", "server host", "state-server"),
    };
    html! {
        <section {class} aria-label={label}>
            <h2 class="host-role">{ side.name() }</h2>
            <p class="host-addr">{ tcpsim::wire::endpoint_text(addr.ip(), addr.port()) }</p>
            <p class="badge" key={key} data-testid={testid}
               data-state={name.clone()}>{ name }</p>
            if inferred {
                <p class="inferred">{ "inferred from the capture" }</p>
            }
            <p class="transition" aria-hidden="true">
                { match transition {
                    Some(t) => format!("{} → {}", t.from, t.to),
                    None => "\u{a0}".to_string(),
                } }
            </p>
        </section>
    }
}

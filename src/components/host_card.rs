//! One host: its role, address and port, and a badge with its TCP state.
//! When the state changes the badge shows the transition (old → new) and
//! flashes once (not at all with reduced motion).

use crate::state::story::Transition;
use std::net::Ipv4Addr;
use tcpsim::tcp::State;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub role: &'static str,
    pub addr: (Ipv4Addr, u16),
    pub state: State,
    pub transition: Option<Transition>,
}

#[component(HostCard)]
pub fn host_card(props: &Props) -> Html {
    let (ip, port) = props.addr;
    // Keyed by the transition's record, so each change restarts the flash.
    let key = props.transition.map_or(0, |t| t.record + 1);
    html! {
        <section class={classes!("host", format!("host-{}", props.role))} aria-label={format!("{} host", props.role)}>
            <h2 class="host-role">{ props.role }</h2>
            <p class="host-addr">{ format!("{ip}:{port}") }</p>
            <p class="badge" key={key} data-testid={format!("state-{}", props.role)}
               data-state={props.state.to_string()}>{ props.state.to_string() }</p>
            <p class="transition" aria-hidden="true">
                { match props.transition {
                    Some(t) => format!("{} → {}", t.from, t.to),
                    None => "\u{a0}".to_string(),
                } }
            </p>
        </section>
    }
}

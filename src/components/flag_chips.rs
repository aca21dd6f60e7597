//! A segment's flags as coloured chips. The name is always written: colour
//! is never the only thing that tells SYN from FIN.

use tcpsim::wire::TcpFlags;
use yew::prelude::*;

pub fn flag_chips(flags: TcpFlags) -> Html {
    html! {
        <span class="chips">
            { for flags.names().iter().map(|n| html! {
                <span class={format!("chip chip-{}", n.to_ascii_lowercase())}>{ *n }</span>
            }) }
        </span>
    }
}

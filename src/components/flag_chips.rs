//! A segment's flags as coloured chips. The name is always written: colour
//! is never the only thing that tells SYN from FIN.

use tcpsim::wire::TcpFlags;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub flags: TcpFlags,
}

#[component(FlagChips)]
pub fn flag_chips(props: &Props) -> Html {
    let names = props.flags.names();
    html! {
        <span class="chips">
            { for names.iter().map(|n| html! {
                <span class={classes!("chip", format!("chip-{}", n.to_lowercase()))}>{ *n }</span>
            }) }
        </span>
    }
}

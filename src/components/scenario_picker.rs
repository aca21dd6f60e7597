//! Choose a scenario from the engine's library.

use tcpsim::scenario::ALL;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub current: AttrValue,
    pub on_pick: Callback<String>,
}

#[component(ScenarioPicker)]
pub fn scenario_picker(props: &Props) -> Html {
    let on_change = props.on_pick.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        select.value()
    });
    let summary = ALL.iter().find(|s| s.id == props.current).map_or("", |s| s.summary);
    html! {
        <div class="picker">
            <label>
                { "Scenario " }
                <select onchange={on_change} data-testid="scenario">
                    { for ALL.iter().map(|s| html! {
                        <option value={s.id} selected={s.id == props.current}>{ s.title }</option>
                    }) }
                </select>
            </label>
            <span class="muted picker-summary">{ summary }</span>
        </div>
    }
}

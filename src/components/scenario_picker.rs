//! Choose a scenario from the engine's library.

use tcpsim::scenario::ALL;
use yew::prelude::*;

/// `summary` is the current lesson's, once its script has arrived.
pub fn scenario_picker(current: &str, summary: &str, on_pick: &Callback<String>) -> Html {
    let on_change = on_pick.reform(|e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        select.value()
    });
    html! {
        <div class="picker">
            <label>
                { "Scenario " }
                <select onchange={on_change} data-testid="scenario">
                    { for ALL.iter().map(|s| html! {
                        <option value={s.id} selected={s.id == current}>{ s.title }</option>
                    }) }
                </select>
            </label>
            <span class="muted picker-summary">{ summary }</span>
        </div>
    }
}

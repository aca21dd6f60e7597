//! Dismissible notices, e.g. which URL parameter was ignored and why.

use yew::prelude::*;

pub fn notices(notices: &[String], on_dismiss: &Callback<usize>) -> Html {
    if notices.is_empty() {
        return html! {};
    }
    // One live region around the list: a status role on each item would
    // take the items out of the list.
    html! {
        <div role="status" data-testid="notices">
            <ul class="notices">
                { for notices.iter().enumerate().map(|(i, text)| html! {
                    <li class="notice">
                        <span>{ text }</span>
                        <button class="icon-button" onclick={on_dismiss.reform(move |_| i)} aria-label="Dismiss this notice">{ "×" }</button>
                    </li>
                }) }
            </ul>
        </div>
    }
}

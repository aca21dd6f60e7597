//! Dismissible notices, e.g. which URL parameter was ignored and why.

use yew::prelude::*;

pub fn notices(notices: &[String], on_dismiss: &Callback<usize>) -> Html {
    if notices.is_empty() {
        return html! {};
    }
    html! {
        <ul class="notices" data-testid="notices">
            { for notices.iter().enumerate().map(|(i, text)| html! {
                <li class="notice" role="status">
                    <span>{ text }</span>
                    <button class="icon-button" onclick={on_dismiss.reform(move |_| i)} aria-label="Dismiss this notice">{ "×" }</button>
                </li>
            }) }
        </ul>
    }
}

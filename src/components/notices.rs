//! Dismissible notices, e.g. which URL parameter was ignored and why.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub notices: Vec<String>,
    pub on_dismiss: Callback<usize>,
}

#[component(Notices)]
pub fn notices(props: &Props) -> Html {
    if props.notices.is_empty() {
        return html! {};
    }
    html! {
        <ul class="notices" data-testid="notices">
            { for props.notices.iter().enumerate().map(|(i, text)| {
                let dismiss = props.on_dismiss.reform(move |_| i);
                html! {
                    <li class="notice" role="status">
                        <span>{ text }</span>
                        <button class="icon-button" onclick={dismiss} aria-label="Dismiss this notice">{ "×" }</button>
                    </li>
                }
            }) }
        </ul>
    }
}

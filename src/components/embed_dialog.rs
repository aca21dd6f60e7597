//! The "Embed" panel: a ready `<iframe>` snippet for the current view.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The page address with this view's query, compact layout on.
    pub url: String,
    pub on_close: Callback<()>,
}

#[component(EmbedDialog)]
pub fn embed_dialog(props: &Props) -> Html {
    let snippet = format!(
        "<iframe src=\"{}\" width=\"100%\" height=\"640\" style=\"border:0\" title=\"Watch TCP work\" loading=\"lazy\"></iframe>",
        props.url.replace('&', "&amp;").replace('"', "&quot;")
    );
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <section class="embed" role="region" aria-labelledby="embed-title" data-testid="embed">
            <h2 id="embed-title">{ "Embed this view" }</h2>
            <p>{ "Paste this into your page. It opens at the current scenario and step, in the compact layout." }</p>
            <textarea readonly=true rows="3" aria-label="iframe snippet" data-testid="embed-snippet" value={snippet} />
            <button onclick={close}>{ "Close" }</button>
        </section>
    }
}

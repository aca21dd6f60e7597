//! The "Embed" panel: a ready `<iframe>` snippet for the current view.

use yew::prelude::*;

/// `url`: the page address with this view's query, compact layout on.
pub fn embed_dialog(url: &str, on_close: &Callback<()>) -> Html {
    let snippet = format!(
        "<iframe src=\"{}\" width=\"100%\" height=\"640\" style=\"border:0\" title=\"Watch TCP work\" loading=\"lazy\"></iframe>",
        url.replace('&', "&amp;").replace('"', "&quot;")
    );
    html! {
        <section class="embed" role="region" aria-labelledby="embed-title" data-testid="embed">
            <h2 id="embed-title">{ "Embed this view" }</h2>
            <p>{ "Paste this into your page. It opens at the current scenario and step, in the compact layout." }</p>
            <textarea readonly=true rows="3" aria-label="iframe snippet" data-testid="embed-snippet" value={snippet} />
            <button onclick={on_close.reform(|_: MouseEvent| ())}>{ "Close" }</button>
        </section>
    }
}

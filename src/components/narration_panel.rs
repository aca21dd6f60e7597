//! What is happening at this step and why, what each side now knows, and
//! the notes and glossary that frame the default story.

use crate::narration::{narrate, notes, GLOSSARY};
use crate::state::story::Shared;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub story: Shared,
    pub focus: usize,
    pub compact: bool,
}

#[component(NarrationPanel)]
pub fn narration_panel(props: &Props) -> Html {
    let n = narrate(&props.story, props.focus);
    html! {
        <section class="narration" aria-labelledby="narration-title">
            <h2 id="narration-title" data-testid="narration-title">{ n.title }</h2>
            <p data-testid="narration">{ n.what }</p>
            if let Some(knows) = n.knows {
                <p class="knows"><strong>{ "What each side knows: " }</strong>{ knows }</p>
            }
            if !props.compact {
                { for notes(&props.story).iter().map(|(title, text)| html! {
                    <details class="note"><summary>{ *title }</summary><p>{ *text }</p></details>
                }) }
                <details class="note glossary">
                    <summary>{ "Glossary" }</summary>
                    <dl>
                        { for GLOSSARY.iter().map(|(term, text)| html! { <><dt>{ *term }</dt><dd>{ *text }</dd></> }) }
                    </dl>
                </details>
            }
        </section>
    }
}

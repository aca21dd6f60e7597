//! The default story as plain text with its whole ladder, for readers
//! without JavaScript or WebAssembly (and search engines). Rendered once at
//! build time into the first page's `<noscript>`; never in the browser.

use super::ladder::{self, ladder};
use crate::narration::narrate;
use crate::state::story::{Shared, Story};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub story: Shared,
}

#[component(StoryText)]
pub fn story_text(props: &Props) -> Html {
    let story: &Story = &props.story;
    let end = story.steps.last().map_or(0, |s| s.shown.cursor);
    html! {
        <section class="app still story-text" aria-labelledby="story-text-title">
            <h2 id="story-text-title">{ "The default story as text" }</h2>
            <p>{ format!("One HTTP request over TCP in {} segments, from the handshake to the close.", story.steps.len()) }</p>
            { ladder(&ladder::Props { story: props.story.clone(), cursor: end, focus: 0, on_select: Callback::noop(), keys: Vec::new() }) }
            <ol>
                { for story.steps.iter().map(|step| {
                    let told = narrate(story, step.number, None, "");
                    html! { <li><strong>{ told.title }</strong>{ " " }{ told.what }</li> }
                }) }
            </ol>
        </section>
    }
}

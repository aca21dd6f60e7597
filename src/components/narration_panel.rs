//! What is happening at this step and why, what each side now knows, and
//! the lesson's notes and the glossary.

use crate::hooks::fetch_text;
use crate::lesson::Lesson;
use crate::narration::phrases::Phrases;
use crate::narration::{is_default_story, narrate};
use crate::state::story::Shared;
use crate::state::Action;
use std::rc::Rc;
use yew::prelude::*;

pub struct Props {
    pub story: Shared,
    pub focus: usize,
    pub compact: bool,
    /// The lesson's script, once loaded; `Err` says why it is not.
    pub lesson: Option<Result<Rc<Lesson>, String>>,
    /// The phrasebook lessons past the default story are told from.
    pub phrases: Option<Result<Rc<Phrases>, String>>,
    /// The glossary, fetched the first time it is opened.
    pub glossary: Option<Result<Rc<Lesson>, String>>,
    /// The socket calls that return as this step's segment arrives.
    pub calls: Option<String>,
    pub on_action: Callback<Action>,
}

pub fn narration_panel(props: &Props) -> Html {
    let mut n = narrate(
        &props.story,
        props.focus,
        props.phrases.as_ref().and_then(|p| p.as_deref().ok()),
        props
            .lesson
            .as_ref()
            .and_then(|l| l.as_deref().ok())
            .map_or("", |l| l.summary.as_str()),
    );
    if let (Some(Err(why)), false, true) = (&props.phrases, is_default_story(&props.story), props.focus > 0) {
        n.what = format!("This lesson's narration could not be loaded ({why}).");
    }
    html! {
        <section class="narration" aria-labelledby="narration-title">
            <h2 id="narration-title" data-testid="narration-title">{ n.title }</h2>
            <p data-testid="narration">{ n.what }</p>
            if let Some(calls) = &props.calls {
                <p class="narration-calls" data-testid="narration-calls">{ calls }</p>
            }
            if let Some(knows) = n.knows {
                <p class="knows"><strong>{ "What each side knows: " }</strong>{ knows }</p>
            }
            if !props.compact {
                { notes(props) }
                <details class="note glossary" ontoggle={load_glossary(props)}>
                    <summary>{ "Glossary" }</summary>
                    { match &props.glossary {
                        Some(Ok(words)) => html! {
                            <dl>
                                { for words.notes.iter().map(|(term, text)| html! { <><dt>{ term }</dt><dd>{ text.join(" ") }</dd></> }) }
                            </dl>
                        },
                        Some(Err(why)) => html! { <p class="note-missing">{ format!("The glossary could not be loaded ({why}).") }</p> },
                        None => html! {},
                    } }
                </details>
            }
        </section>
    }
}

fn notes(props: &Props) -> Html {
    html! {
        <>
            if !props.story.as_designed {
                <p class="note-missing">{ "You changed this run in the lab: the notes describe the lesson as designed." }</p>
            }
            { match &props.lesson {
                None => html! {},
                Some(Err(why)) => html! { <p class="note-missing">{ format!("This lesson's notes could not be loaded ({why}).") }</p> },
                Some(Ok(lesson)) => html! {
                    { for lesson.notes.iter().map(|(title, paragraphs)| html! {
                        <details class="note" data-testid="note">
                            <summary>{ title }</summary>
                            { for paragraphs.iter().map(|p| html! { <p>{ p }</p> }) }
                        </details>
                    }) }
                },
            } }
        </>
    }
}

/// Opening the glossary the first time fetches it.
fn load_glossary(props: &Props) -> Option<Callback<Event>> {
    if props.glossary.is_some() {
        return None;
    }
    let on_action = props.on_action.clone();
    Some(Callback::from(move |_: Event| {
        let loaded = on_action
            .reform(|text: Result<String, String>| Action::Glossary(text.and_then(|t| Lesson::parse(&t)).map(Rc::new)));
        fetch_text("lessons/glossary.md", loaded);
    }))
}

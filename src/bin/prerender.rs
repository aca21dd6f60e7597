//! Renders the first page's opening view (the default story before its
//! first segment) into `index.html` of a release build, so the page shows
//! it before the WebAssembly has arrived; the app then takes the page over
//! with the same view. Puts the lesson's script in the page, so the app's
//! first view needs no fetch, and the whole story as text for readers
//! without JavaScript. Run by Trunk after a release build:
//! `prerender DIR` (the build's staging directory).

use std::process::ExitCode;
use watch_tcp::components::story_text::{Props as StoryProps, StoryText};
use watch_tcp::state::story::{Shared, Story};
use watch_tcp::{App, Props};
use yew::ServerRenderer;

/// Shown if the app has not taken over after a while (see style.css).
const NOT_STARTED: &str =
    "<p class=not-started>Playing, stepping and the lab have not started: they need JavaScript and WebAssembly.</p>";

/// The opening tag the page's app is mounted on, and what it holds until
/// the app renders.
const MOUNT: [&str; 2] = ["<div id=app>", "<div id=\"app\">"];

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: prerender DIR (a release build's directory, with index.html)");
        return ExitCode::FAILURE;
    };
    match prerender(std::path::Path::new(&dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("prerender: {why}");
            ExitCode::FAILURE
        }
    }
}

fn prerender(dir: &std::path::Path) -> Result<(), String> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"));
    let page = read("index.html")?;
    let lesson = read("lessons/curl.md")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    let view = {
        let lesson = lesson.clone();
        runtime.block_on(
            ServerRenderer::<App>::with_props(move || Props {
                query: Some("".into()),
                still: Some(false),
                lesson: Some(("curl".into(), lesson.into())),
                first_screen: true,
            })
            .hydratable(false)
            .render(),
        )
    };
    let text = runtime.block_on(
        ServerRenderer::<StoryText>::with_props(|| {
            let trace = tcpsim::scenario::run("curl", &Default::default()).expect("the default story runs");
            StoryProps {
                story: Shared(std::rc::Rc::new(Story::new(trace))),
            }
        })
        .hydratable(false)
        .render(),
    );
    // One ladder has the id: the app's.
    let text = text.replacen(r#" id="ladder""#, "", 1);
    // The view's test hooks are the app's, on the view it draws in its
    // place: the page carries none (attribute values are escaped, so a
    // quote ends each).
    let view = without_attribute(&view, " data-testid=\"");
    let page = load_after_first_paint(&put_in(&page, &view, &lesson, &text)?)?;
    std::fs::write(dir.join("index.html"), page).map_err(|e| format!("index.html: {e}"))
}

/// `page` with the view in its mount point (in place of the loading
/// message), the lesson's script after it, and the story as text in its
/// `<noscript>`.
fn put_in(page: &str, view: &str, lesson: &str, text: &str) -> Result<String, String> {
    let (at, tag) = MOUNT
        .iter()
        .find_map(|tag| Some((page.find(tag)?, tag)))
        .ok_or("no <div id=app> in index.html")?;
    let inside = at + tag.len();
    let close = inside + page[inside..].find("</div>").ok_or("<div id=app> is not closed")?;
    // The loading line stays for links to other views (see index.html).
    let loading = page[inside..close].replacen("<p ", "<p hidden ", 1);
    let noscript = page.find("</noscript>").ok_or("no <noscript> in index.html")?;
    if noscript < close || lesson.contains("</script") {
        return Err("index.html is not laid out as expected".into());
    }
    Ok(format!(
        "{}{loading}<div class=prerendered>{view}{NOT_STARTED}</div></div>\
         <script type=text/markdown id=first-lesson data-scenario=curl>{lesson}</script>{}{text}{}",
        &page[..inside],
        &page[close + "</div>".len()..noscript],
        &page[noscript..]
    ))
}

/// The first paint is the prerendered view's alone: Trunk's loader and its
/// preload links fetch the app's script and wasm at once, competing with
/// the page for the network; here the loader fetches them once the
/// browser reports the first contentful paint (or ten frames on, or a
/// second in a hidden tab).
fn load_after_first_paint(page: &str) -> Result<String, String> {
    let start = page
        .find("<script type=module>")
        .ok_or("no loader script in index.html")?;
    let end = start
        + page[start..]
            .find("</script>")
            .ok_or("the loader script is not closed")?;
    let loader = &page[start..end];
    let quoted = |after: &str| -> Result<&str, String> {
        let at = loader.find(after).ok_or(format!("no {after} in the loader"))? + after.len();
        let len = loader[at..].find('\'').ok_or("unquoted name in the loader")?;
        Ok(&loader[at..at + len])
    };
    let (js, wasm) = (quoted("from '")?, quoted("module_or_path: '")?);
    let ours = format!(
        "<script type=module>await new Promise((done) => {{ let frames = 0; \
         const wait = () => performance.getEntriesByName('first-contentful-paint').length || ++frames > 10 ? done() : requestAnimationFrame(wait); \
         wait(); setTimeout(done, 1000); }});\n\
         const bindings = await import('{js}');\n\
         const wasm = await bindings.default({{ module_or_path: '{wasm}' }});\n\
         window.wasmBindings = bindings;\n\
         dispatchEvent(new CustomEvent('TrunkApplicationStarted', {{ detail: {{ wasm }} }}));"
    );
    let mut page = format!("{}{ours}{}", &page[..start], &page[end..]);
    for preload in [
        format!("href={js} rel=modulepreload>"),
        format!("href={wasm} rel=preload type=application/wasm>"),
    ] {
        let at = page.find(&preload).ok_or(format!("no preload link for {preload}"))?;
        let open = page[..at].rfind("<link").ok_or("a preload link without <link")?;
        page.replace_range(open..at + preload.len(), "");
    }
    Ok(page)
}

/// `html` without any `name"…"` attribute (`name` ends with its `="`).
fn without_attribute(html: &str, name: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(name) {
        out.push_str(&rest[..at]);
        let value = &rest[at + name.len()..];
        rest = value.find('"').map_or("", |end| &value[end + 1..]);
    }
    out.push_str(rest);
    out
}

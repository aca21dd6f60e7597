//! What to watch for in this lesson, and a chip for each of its key
//! moments: one click (or its number key) jumps to that step.

use yew::prelude::*;

/// `moments` are (step, label) in the order the lesson lists them.
pub fn key_moments(watch: &str, moments: &[(usize, String)], step: usize, on_go: &Callback<usize>) -> Html {
    if watch.is_empty() && moments.is_empty() {
        return html! {};
    }
    html! {
        <nav class="key-moments" aria-label="Key moments" data-testid="key-moments">
            <p class="watch"><strong>{ "Watch for: " }</strong>{ watch }</p>
            if !moments.is_empty() {
                <ol>
                    { for moments.iter().enumerate().map(|(i, (n, label))| {
                        let n = *n;
                        html! {
                            <li>
                                <button class="chip" onclick={on_go.reform(move |_| n)} data-testid="key-moment"
                                        aria-current={(n == step).then_some("step")}
                                        title={format!("Go to step {n} (key {})", i + 1)}>
                                    <span class="chip-key" aria-hidden="true">{ i + 1 }</span>
                                    { format!(" {label} · {n}") }
                                </button>
                            </li>
                        }
                    }) }
                </ol>
            }
        </nav>
    }
}

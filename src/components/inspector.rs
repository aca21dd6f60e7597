//! The header inspector: every IPv4 and TCP field of one segment with its
//! value and meaning, the flag bits as bits, and the raw bytes in hex.
//! Hovering or focusing a field highlights its bytes; hovering a byte, or
//! moving the byte cursor with the arrow keys, highlights its field.

use super::class_names;
use crate::field_meanings::meaning;
use crate::state::story::Step;
use crate::state::Action;
use tcpsim::wire::fields::{describe, Field, Layer};
use yew::prelude::*;

/// What the pointer or focus is on, in the inspector of one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hover {
    Field(usize),
    Byte(usize),
}

/// Payload bytes beyond this many are summarised, not listed.
const SHOWN_PAYLOAD: usize = 128;

fn hover<E: 'static>(on_action: &Callback<Action>, focus: usize, h: Option<Hover>) -> Callback<E> {
    on_action.reform(move |_| Action::Hover(h.map(|h| (focus, h))))
}

/// `hovered` is what the pointer or focus is on (the app keeps it, for
/// this step only); `on_action` receives `Action::Hover`.
pub fn inspector(step: Option<&Step>, hovered: Option<Hover>, on_action: &Callback<Action>) -> Html {
    let focus = step.map_or(0, |s| s.number);
    let Some(step) = step else {
        return html! {
            <section class="inspector" id="inspector" aria-labelledby="inspector-title">
                <h2 id="inspector-title">{ "Header inspector" }</h2>
                <p class="muted">{ "Step forward to see the first segment's headers, field by field." }</p>
            </section>
        };
    };
    let fields = match describe(&step.bytes) {
        Ok(fields) => fields,
        Err(e) => {
            return html! {
                <section class="inspector" id="inspector" aria-labelledby="inspector-title">
                    <h2 id="inspector-title">{ "Header inspector" }</h2>
                    <p role="alert">{ format!("This datagram cannot be decoded: {e}") }</p>
                </section>
            }
        }
    };
    let header_end = fields
        .iter()
        .filter(|f| f.layer != Layer::Payload)
        .map(|f| f.end)
        .max()
        .unwrap_or(0);
    let shown_end = step.bytes.len().min(header_end + SHOWN_PAYLOAD);
    let field_of_byte = |i: usize| fields.iter().position(|f| f.start <= i && i < f.end);
    let covers = |f: &Field, i: usize| f.start <= i && i < f.end;
    let byte_lit = |i: usize| match hovered {
        Some(Hover::Field(h)) => fields.get(h).is_some_and(|f| covers(f, i)),
        Some(Hover::Byte(b)) => b == i,
        None => false,
    };
    let row_lit = |row: usize| match hovered {
        Some(Hover::Field(h)) => h == row,
        Some(Hover::Byte(b)) => covers(&fields[row], b),
        None => false,
    };
    // The bytes are one tab stop: arrow keys move a byte cursor through
    // them (a row of 16 up and down), lighting its field as hovering does.
    let on_hex_key = {
        let on_action = on_action.clone();
        let last = shown_end.saturating_sub(1);
        Callback::from(move |e: KeyboardEvent| {
            let at = match hovered {
                Some(Hover::Byte(b)) => b,
                _ => 0,
            };
            let to = match e.key().as_str() {
                "ArrowRight" => at + 1,
                "ArrowLeft" => at.saturating_sub(1),
                "ArrowDown" => at + 16,
                "ArrowUp" => at.saturating_sub(16),
                "Home" => 0,
                "End" => last,
                _ => return,
            };
            // Not the page's step shortcuts while the cursor has the keys.
            e.prevent_default();
            e.stop_propagation();
            on_action.emit(Action::Hover(Some((focus, Hover::Byte(to.min(last))))));
        })
    };
    // Focus puts the cursor on the first byte, unless the pointer (whose
    // click brought the focus) is already on one.
    let on_hex_focus = {
        let on_action = on_action.clone();
        Callback::from(move |_: FocusEvent| {
            if !matches!(hovered, Some(Hover::Byte(_))) {
                on_action.emit(Action::Hover(Some((focus, Hover::Byte(0)))));
            }
        })
    };
    let cursor_note = match hovered {
        // Every field in the byte: a byte can hold several (the flags).
        Some(Hover::Byte(b)) => step.bytes.get(b).map_or(String::new(), |v| {
            let names: Vec<&str> = fields
                .iter()
                .filter(|f| covers(f, b))
                .map(|f| f.name.as_str())
                .collect();
            format!("Byte {b} (0x{v:02x}): {}", names.join(", "))
        }),
        _ => String::new(),
    };
    html! {
        <section class="inspector" id="inspector" aria-labelledby="inspector-title">
            <h2 id="inspector-title">{ format!("Header inspector — segment #{}", step.number) }</h2>
            <div class="inspector-body">
                <table class="fields" data-testid="fields">
                    <caption class="visually-hidden">{ "Every header field: name, value and meaning" }</caption>
                    <thead><tr><th scope="col">{ "Field" }</th><th scope="col">{ "Value" }</th><th scope="col">{ "Meaning" }</th></tr></thead>
                    { for [Layer::Ipv4, Layer::Ipv6, Layer::Tcp, Layer::Payload].into_iter().map(|layer| {
                        let rows: Vec<(usize, &Field)> = fields.iter().enumerate().filter(|(_, f)| f.layer == layer).collect();
                        if rows.is_empty() { return html! {}; }
                        html! {
                            <tbody>
                                <tr class="layer-row"><th colspan="3" scope="rowgroup">{ layer_name(layer) }</th></tr>
                                { for rows.into_iter().map(|(i, f)| html! {
                                    <tr class={if row_lit(i) { "field lit" } else { "field" }}
                                        tabindex="0" data-field={f.name.clone()}
                                        onmouseenter={hover(on_action, focus, Some(Hover::Field(i)))} onmouseleave={hover(on_action, focus, None)}
                                        onfocus={hover(on_action, focus, Some(Hover::Field(i)))} onblur={hover(on_action, focus, None)}>
                                        <th scope="row">{ &f.name }{ bits_note(f) }</th>
                                        <td class="value">{ value_cell(f) }</td>
                                        <td class="meaning">{ meaning(f.layer, &f.name) }</td>
                                    </tr>
                                }) }
                            </tbody>
                        }
                    }) }
                </table>
                <div class="hex" aria-label="Raw bytes in hexadecimal; arrow keys move through them" role="group" tabindex="0"
                     data-testid="hex" onkeydown={on_hex_key} onfocus={on_hex_focus} onblur={hover(on_action, focus, None)}>
                    <p class="visually-hidden" aria-live="polite">{ cursor_note }</p>
                    { for step.bytes[..shown_end].chunks(16).enumerate().map(|(row, chunk)| html! {
                        <div class="hex-row">
                            <span class="hex-offset" aria-hidden="true">{ format!("{:04x}", row * 16) }</span>
                            { for chunk.iter().enumerate().map(|(j, b)| {
                                let i = row * 16 + j;
                                let field = field_of_byte(i);
                                html! {
                                    <span class={class_names(&[Some("byte"), byte_lit(i).then_some("lit"), field.map(|f| layer_class(fields[f].layer))])}
                                          onmouseenter={hover(on_action, focus, Some(Hover::Byte(i)))} onmouseleave={hover(on_action, focus, None)}>
                                        { format!("{b:02x}") }
                                    </span>
                                }
                            }) }
                        </div>
                    }) }
                    if shown_end < step.bytes.len() {
                        <p class="muted">{ format!("… and {} more payload bytes", step.bytes.len() - shown_end) }</p>
                    }
                </div>
            </div>
        </section>
    }
}

fn layer_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Ipv4 => "IPv4 header",
        Layer::Ipv6 => "IPv6 header",
        Layer::Tcp => "TCP header",
        Layer::Payload => "Data",
    }
}

fn layer_class(layer: Layer) -> &'static str {
    match layer {
        Layer::Ipv4 | Layer::Ipv6 => "b-ip",
        Layer::Tcp => "b-tcp",
        Layer::Payload => "b-data",
    }
}

/// For fields narrower than a byte: which bits they are.
fn bits_note(f: &Field) -> Html {
    match f.bits {
        Some((first, 1)) => html! { <span class="bits-note">{ format!(" (bit {first})") }</span> },
        Some((first, n)) => html! { <span class="bits-note">{ format!(" (bits {first}–{})", first + n - 1) }</span> },
        None => html! {},
    }
}

/// Single flag bits are shown as a 0 or 1 cell.
fn value_cell(f: &Field) -> Html {
    match f.bits {
        Some((_, 1)) => {
            let set = f.value.starts_with('1');
            html! { <span class={if set { "bit bit-set" } else { "bit" }}>{ if set { "1 set" } else { "0" } }</span> }
        }
        _ => html! { { &f.value } },
    }
}

//! The header inspector: every IPv4 and TCP field of one segment with its
//! value and meaning, the flag bits as bits, and the raw bytes in hex.
//! Hovering or focusing a field highlights its bytes; hovering a byte
//! highlights its field.

use super::class_names;
use crate::field_meanings::meaning;
use crate::state::story::Step;
use tcpsim::wire::fields::{describe, Field, Layer};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub step: Option<Step>,
}

/// What the pointer or focus is on.
#[derive(Clone, Copy, PartialEq)]
enum Hover {
    Field(usize),
    Byte(usize),
}

fn hover<E>(state: &UseStateHandle<Option<Hover>>, h: Option<Hover>) -> Callback<E> {
    let state = state.clone();
    Callback::from(move |_| state.set(h))
}

/// Payload bytes beyond this many are summarised, not listed.
const SHOWN_PAYLOAD: usize = 128;

#[component(Inspector)]
pub fn inspector(props: &Props) -> Html {
    let hovered = use_state(|| None::<Hover>);
    let Some(step) = &props.step else {
        return html! {
            <section class="inspector" aria-labelledby="inspector-title">
                <h2 id="inspector-title">{ "Header inspector" }</h2>
                <p class="muted">{ "Step forward to see the first segment's headers, field by field." }</p>
            </section>
        };
    };
    let fields = match describe(&step.bytes) {
        Ok(fields) => fields,
        Err(e) => {
            return html! {
                <section class="inspector" aria-labelledby="inspector-title">
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
    let byte_lit = |i: usize| match *hovered {
        Some(Hover::Field(h)) => fields.get(h).is_some_and(|f| covers(f, i)),
        Some(Hover::Byte(b)) => b == i,
        None => false,
    };
    let row_lit = |row: usize| match *hovered {
        Some(Hover::Field(h)) => h == row,
        Some(Hover::Byte(b)) => covers(&fields[row], b),
        None => false,
    };
    html! {
        <section class="inspector" aria-labelledby="inspector-title">
            <h2 id="inspector-title">{ format!("Header inspector — segment #{}", step.number) }</h2>
            <div class="inspector-body">
                <table class="fields" data-testid="fields">
                    <caption class="visually-hidden">{ "Every header field: name, value and meaning" }</caption>
                    <thead><tr><th scope="col">{ "Field" }</th><th scope="col">{ "Value" }</th><th scope="col">{ "Meaning" }</th></tr></thead>
                    { for [Layer::Ipv4, Layer::Tcp, Layer::Payload].into_iter().map(|layer| {
                        let rows: Vec<(usize, &Field)> = fields.iter().enumerate().filter(|(_, f)| f.layer == layer).collect();
                        if rows.is_empty() { return html! {}; }
                        html! {
                            <tbody>
                                <tr class="layer-row"><th colspan="3" scope="rowgroup">{ layer_name(layer) }</th></tr>
                                { for rows.into_iter().map(|(i, f)| html! {
                                    <tr class={if row_lit(i) { "field lit" } else { "field" }}
                                        tabindex="0" data-field={f.name.clone()}
                                        onmouseenter={hover(&hovered, Some(Hover::Field(i)))} onmouseleave={hover(&hovered, None)}
                                        onfocus={hover(&hovered, Some(Hover::Field(i)))} onblur={hover(&hovered, None)}>
                                        <th scope="row">{ &f.name }{ bits_note(f) }</th>
                                        <td class="value">{ value_cell(f) }</td>
                                        <td class="meaning">{ meaning(&f.name) }</td>
                                    </tr>
                                }) }
                            </tbody>
                        }
                    }) }
                </table>
                <div class="hex" aria-label="Raw bytes in hexadecimal" role="group" tabindex="0">
                    { for step.bytes[..shown_end].chunks(16).enumerate().map(|(row, chunk)| html! {
                        <div class="hex-row">
                            <span class="hex-offset" aria-hidden="true">{ format!("{:04x}", row * 16) }</span>
                            { for chunk.iter().enumerate().map(|(j, b)| {
                                let i = row * 16 + j;
                                let field = field_of_byte(i);
                                html! {
                                    <span class={class_names(&[Some("byte"), byte_lit(i).then_some("lit"), field.map(|f| layer_class(fields[f].layer))])}
                                          onmouseenter={hover(&hovered, Some(Hover::Byte(i)))} onmouseleave={hover(&hovered, None)}>
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
        Layer::Tcp => "TCP header",
        Layer::Payload => "Data",
    }
}

fn layer_class(layer: Layer) -> &'static str {
    match layer {
        Layer::Ipv4 => "b-ip",
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

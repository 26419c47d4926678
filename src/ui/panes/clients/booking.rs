//! The clients pane's booking flow: enter on each step (open a match, choose a type, book a
//! free slot, cancel a booking), and the free slots of a type when they have been looked up.

use super::{ClientsPane, Mode};
use crate::domain::appointment::{Appointment, Slot};
use crate::domain::policy::AppointmentTypeId;
use crate::ui::event::PaneDone;
use crate::ui::pane::{Cx, PaneId};

impl ClientsPane {
    pub(super) fn upcoming(&self) -> Vec<Appointment> {
        let now = self.now;
        self.card
            .as_ref()
            .map(|c| {
                c.appointments
                    .iter()
                    .filter(|a| a.outcome().is_none() && a.end() > now)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(super) fn choose(&mut self, cx: &mut Cx<'_>) {
        match std::mem::replace(&mut self.mode, Mode::Browse) {
            Mode::Browse => {
                if self.waiting.is_some() {
                    self.open_when_found = true;
                } else if !self.matches.is_empty() {
                    self.searching = false;
                    self.load_card(cx);
                } else if self.search.value().trim().is_empty() {
                    cx.problem("nobody to open: type part of a name, a student number or an e-mail");
                } else if !self.index.is_ready() {
                    cx.problem("the client directory is still loading; try again in a moment");
                } else {
                    cx.problem(format!(
                        "no client matches `{}`; `n` adds a walk-in client",
                        self.search.value().trim()
                    ));
                }
            }
            Mode::FindingSlots { type_id } => self.mode = Mode::FindingSlots { type_id },
            Mode::Form(form) => self.mode = Mode::Form(form),
            // Enter in the erasure steps is handled before this (see `erase_step`).
            erase @ Mode::Erase { .. } => self.mode = erase,
            // The sections' own enter is handled before this (see `section_command`).
            other @ (Mode::Section { .. } | Mode::Record(_) | Mode::Attachment { .. }) => self.mode = other,
            Mode::BookType { selected } => {
                let Some(card) = &self.card else { return };
                let Some((type_id, name, decision)) = card.eligibility.get(selected) else {
                    return;
                };
                if !decision.is_allowed() {
                    cx.problem(format!("{name}: {}", decision.explain()));
                    self.mode = Mode::BookType { selected };
                    return;
                }
                let type_id = type_id.clone();
                self.mode = Mode::FindingSlots {
                    type_id: type_id.clone(),
                };
                cx.spawn(PaneId::Clients, "free slots", move |desk| {
                    let slots = desk.free_slots(&type_id, 28, 200).map_err(|e| e.to_string());
                    PaneDone::FreeSlots(type_id, slots)
                });
            }
            Mode::BookSlot {
                type_id,
                slots,
                selected,
                who,
            } => {
                let (Some(card), Some(slot)) = (&self.card, slots.get(selected)) else {
                    return cx.problem("no slot chosen: esc goes back");
                };
                match cx.desk.book_slot(&card.client, slot.id, cx.desk.now()) {
                    Ok(a) => {
                        let setting = match cx.desk.policy().location(&a.location) {
                            Some(l) if l.confidential => "confidential setting",
                            _ => "not a confidential setting",
                        };
                        *cx.messages_queued = true;
                        cx.done(format!(
                            "Booked {} {} for {} at {} ({setting}).",
                            type_id,
                            cx.desk.local_time(a.start).format("%a %-d %b %H:%M"),
                            card.client.name,
                            a.location
                        ));
                        self.reload_card(cx);
                    }
                    Err(e) => {
                        cx.problem(e.to_string());
                        self.mode = Mode::BookSlot {
                            type_id,
                            slots,
                            selected,
                            who,
                        };
                    }
                }
            }
            Mode::Cancel { bookings, selected } => {
                let Some(a) = bookings.get(selected) else { return };
                match cx.desk.cancel(a.id) {
                    Ok(c) => {
                        *cx.messages_queued = true;
                        let how = c.outcome().map_or("cancelled", |o| o.code());
                        cx.done(format!("Booking {} {how}.", c.id));
                        self.reload_card(cx);
                    }
                    Err(e) => cx.problem(e.to_string()),
                }
            }
        }
    }

    /// Takes the free slots of `type_id` once looked up: offers them to choose from, or says
    /// why there are none.
    pub(super) fn slots_found(
        &mut self,
        type_id: AppointmentTypeId,
        result: Result<Vec<Slot>, String>,
        cx: &mut Cx<'_>,
    ) {
        // Only if the person is still waiting for this type's slots.
        if !matches!(&self.mode, Mode::FindingSlots { type_id: t } if *t == type_id) {
            return;
        }
        let name = cx
            .desk
            .policy()
            .appointment_type(&type_id)
            .map_or_else(|| type_id.to_string(), |t| t.name.clone());
        let selected = self
            .card
            .as_ref()
            .and_then(|c| c.eligibility.iter().position(|(id, _, _)| *id == type_id))
            .unwrap_or(0);
        match result {
            Ok(slots) if slots.is_empty() => {
                self.mode = Mode::BookType { selected };
                cx.problem(format!("no free {name} slots in the next 4 weeks"));
            }
            Ok(slots) => {
                // Each row names its consultant: two slots at one time read the same otherwise.
                let who = cx
                    .desk
                    .staff_names()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(id, s)| (id, format!("{} ({})", s.login, s.name)))
                    .collect();
                self.mode = Mode::BookSlot {
                    type_id,
                    slots,
                    selected: 0,
                    who,
                }
            }
            Err(e) => {
                self.mode = Mode::BookType { selected };
                cx.problem(e);
            }
        }
    }
}

//! The calendar's event handling: commands, keys, clicks and job results, and the order its
//! parts are drawn in.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::Frame;

use super::{view, CalendarPane, Hit, Mode, Span};
use crate::ui::command::Command;
use crate::ui::event::PaneDone;
use crate::ui::input::Input;
use crate::ui::pane::{is_movement, move_selection, Cx, Notice, Pane, PaneId};
use crate::ui::theme::Theme;

impl Pane for CalendarPane {
    fn id(&self) -> PaneId {
        PaneId::Calendar
    }

    fn typing(&self) -> bool {
        !matches!(self.mode, Mode::Browse)
    }

    fn shown(&mut self, cx: &mut Cx<'_>) {
        self.load(cx);
    }

    fn synced(&mut self, on_show: bool, cx: &mut Cx<'_>) {
        // A sync may have decided provisional bookings or merged other desks' slots: the
        // calendar on show loads again, unless a step (a date, a booking, a form) is under way.
        if on_show && matches!(self.mode, Mode::Browse) {
            self.load(cx);
        }
    }

    fn command(&mut self, cmd: Command, cx: &mut Cx<'_>) -> bool {
        // While a field is open, the cursor keys edit it and enter/esc finish it.
        if let Some(field) = self.field() {
            let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
            match cmd {
                Command::CalendarPrev => {
                    field.handle(&key(KeyCode::Left));
                    return true;
                }
                Command::CalendarNext => {
                    field.handle(&key(KeyCode::Right));
                    return true;
                }
                Command::Back => {
                    self.mode = Mode::Browse;
                    return true;
                }
                _ => {}
            }
        }
        if let Some(handled) = self.action_command(cmd, cx) {
            return handled;
        }
        if let Mode::Pick { matches, selected, .. } = &mut self.mode {
            if is_movement(cmd) {
                *selected = move_selection(*selected, matches.len(), cmd, self.page);
                return true;
            }
            if cmd == Command::Select {
                self.book_chosen(cx);
                return true;
            }
            return false;
        }
        if matches!(self.mode, Mode::Goto(_)) {
            if cmd == Command::Select {
                self.submit_goto(cx);
                return true;
            }
            return is_movement(cmd);
        }
        if self.span == Span::Month {
            if cmd == Command::Select {
                self.open_day(cx);
                return true;
            }
            if self.move_day(cmd, cx) {
                return true;
            }
        } else if self.gridded() && self.move_cell(cmd) {
            return true;
        }
        if is_movement(cmd) {
            self.selected = move_selection(self.selected, self.rows.len(), cmd, self.page);
            self.remember();
            return true;
        }
        match cmd {
            Command::Select => self.open_client(cx),
            Command::BookSlot => self.start_booking(cx),
            Command::AddSeries => self.start_series(cx),
            Command::WithdrawSlot => self.start_withdraw(cx),
            Command::CalendarToday => {
                let today = cx.desk.today();
                self.jump(today, cx);
            }
            Command::CalendarPrev => self.step(false, cx),
            Command::CalendarNext => self.step(true, cx),
            Command::CalendarWeek => self.toggle_week(cx),
            Command::CalendarDay => self.show_span(Span::Day, cx),
            Command::CalendarMonth if self.span == Span::Month => self.show_span(Span::Day, cx),
            Command::CalendarMonth => self.show_span(Span::Month, cx),
            Command::CalendarGrid => self.toggle_grid(cx),
            Command::CalendarRooms => self.toggle_columns(cx),
            Command::CalendarEarlier => self.step(false, cx),
            Command::CalendarLater => self.step(true, cx),
            Command::CalendarConsultant => self.request(true, cx),
            Command::CalendarGoto => self.mode = Mode::Goto(Input::new()),
            Command::Refresh => self.load(cx),
            Command::Back => {}
            _ => return false,
        }
        true
    }

    fn key(&mut self, key: &KeyEvent, cx: &mut Cx<'_>) -> bool {
        if let Mode::Series(form) = &mut self.mode {
            form.key(key);
            return true;
        }
        let picking = matches!(self.mode, Mode::Pick { .. });
        let Some(field) = self.field() else { return false };
        let changed = field.handle(key);
        if changed && picking {
            self.refilter(cx);
        }
        true
    }

    fn click(&mut self, column: u16, row: u16, _cx: &mut Cx<'_>) {
        let hit = self
            .hits
            .iter()
            .find(|(r, _)| column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height)
            .map(|(_, h)| *h);
        match hit {
            Some(Hit::Slot(i)) if matches!(self.mode, Mode::Browse) => {
                self.selected = i;
                self.remember();
            }
            Some(Hit::Cell(c)) if matches!(self.mode, Mode::Browse) => {
                self.cell = c;
                self.sync_cell();
            }
            Some(Hit::Day(d)) if matches!(self.mode, Mode::Browse) => self.date = d,
            Some(Hit::Match(i)) => {
                if let Mode::Pick { selected, .. } = &mut self.mode {
                    *selected = i;
                }
            }
            _ => {}
        }
    }

    fn render(&mut self, frame: &mut Frame<'_>, area: Rect, th: &Theme) {
        self.hits.clear();
        match (self.span, self.gridded()) {
            (Span::Month, _) => self.render_month(frame, area, th),
            (Span::Day, true) => self.render_day_grid(frame, area, th),
            (Span::Week, true) => self.render_week_grid(frame, area, th),
            (Span::Day, false) => self.render_day(frame, area, th),
            (Span::Week, false) => self.render_week(frame, area, th),
        }
        match &self.mode {
            Mode::Browse => {}
            Mode::Goto(input) => view::render_goto(frame, area, input, th),
            Mode::Pick {
                slot,
                search,
                matches,
                selected,
            } => {
                let what = format!(
                    "Book {} {} with {}",
                    slot.appointment_type,
                    view::local_short(self.tz, slot.start),
                    self.login(slot.consultant)
                );
                let hits = view::render_pick(frame, area, &what, search, matches, *selected, th);
                self.hits.extend(hits.into_iter().map(|(r, i)| (r, Hit::Match(i))));
            }
            Mode::Series(_) | Mode::Withdraw(_) => self.render_action(frame, area, th),
        }
    }

    fn job_done(&mut self, done: PaneDone, cx: &mut Cx<'_>) {
        match done {
            PaneDone::Calendar(ticket, data) => {
                if self.loading != Some(ticket) {
                    return;
                }
                self.loading = None;
                match *data {
                    Ok(d) => {
                        self.staff = d.staff;
                        self.rows = d.rows;
                        self.index = d.index;
                        self.grids = d.grids;
                        self.events = d.events;
                        self.month = d.month;
                        self.consultant = d.consultant;
                        self.now = d.now;
                        self.today = d.today;
                        match d.message {
                            Some(Notice::Done(t)) => cx.done(t),
                            Some(Notice::Problem(t)) => cx.problem(t),
                            None => {}
                        }
                        self.reselect();
                    }
                    Err(e) => cx.problem(e),
                }
            }
            PaneDone::ClientMatches(ticket, Some(found)) if self.searches.is_current(ticket) => {
                if let Mode::Pick { matches, selected, .. } = &mut self.mode {
                    *matches = found;
                    *selected = 0;
                }
            }
            _ => {}
        }
    }

    fn featured(&self) -> &'static [Command] {
        &[
            Command::Select,
            Command::BookSlot,
            Command::CalendarPrev,
            Command::CalendarNext,
            Command::CalendarToday,
            Command::CalendarWeek,
            Command::CalendarConsultant,
            Command::CalendarGoto,
            Command::AddSeries,
            Command::WithdrawSlot,
            Command::Help,
            Command::CalendarMonth,
            Command::CalendarGrid,
        ]
    }
}

//! Drawing the tree in place on a terminal: move the cursor up over the
//! tree drawn last, clear to the end of the screen, print the lines that
//! stay (notes, logs) and then the new tree. Lines are cut to the terminal's
//! width and the tree to its height, because a wrapped or scrolled-off line
//! would make the next erase miss.

use std::fmt::Write as _;
use std::io::Write;

use crate::status::tree::clip;

const HIDE_CURSOR: &str = "\x1b[?25l";
const SHOW_CURSOR: &str = "\x1b[?25h";
const CLEAR_DOWN: &str = "\x1b[J";

/// The terminal's width and height in characters.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Size {
    pub cols: usize,
    pub rows: usize,
}

pub struct Screen<W: Write> {
    out: W,
    /// Lines of the tree on screen right above the cursor.
    drawn: usize,
    cursor_hidden: bool,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W) -> Screen<W> {
        Screen {
            out,
            drawn: 0,
            cursor_hidden: false,
        }
    }

    /// Replaces the tree on screen: `above` is printed first and stays.
    pub fn draw(&mut self, above: &[String], tree: &str, size: Size) {
        let mut text = self.erase();
        if !self.cursor_hidden {
            text.push_str(HIDE_CURSOR);
            self.cursor_hidden = true;
        }
        push_lines(&mut text, above);
        let fitted = fit(tree, size);
        push_lines(&mut text, &fitted);
        self.drawn = fitted.len();
        self.emit(&text);
    }

    /// Leaves the tree where it is; what comes next goes below it.
    pub fn detach(&mut self) {
        self.drawn = 0;
    }

    /// Prints lines below whatever is on screen.
    pub fn print(&mut self, lines: &[String]) {
        let mut text = String::new();
        push_lines(&mut text, lines);
        self.emit(&text);
    }

    /// The last drawing: erases the live tree, prints `above` and the whole
    /// `tree` (it will not be redrawn, so it may be taller than the screen),
    /// and shows the cursor again.
    pub fn finish(&mut self, above: &[String], tree: &str) {
        let mut text = self.erase();
        push_lines(&mut text, above);
        text.push_str(tree);
        if self.cursor_hidden {
            text.push_str(SHOW_CURSOR);
            self.cursor_hidden = false;
        }
        self.drawn = 0;
        self.emit(&text);
    }

    /// Shows the cursor if a drawing hid it (the view ends early).
    pub fn restore(&mut self) {
        if self.cursor_hidden {
            self.cursor_hidden = false;
            self.emit(SHOW_CURSOR);
        }
    }

    #[cfg(test)]
    pub fn out(&self) -> &W {
        &self.out
    }

    /// Up to the first line of the tree drawn last, and clear from there.
    fn erase(&mut self) -> String {
        let mut text = String::new();
        if self.drawn > 0 {
            let _ = write!(text, "\r\x1b[{}A{CLEAR_DOWN}", self.drawn);
        }
        self.drawn = 0;
        text
    }

    /// One write per drawing, so the terminal never shows half a tree.
    fn emit(&mut self, text: &str) {
        // A closed stdout must not take the run down.
        let _ = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush());
    }
}

fn push_lines(text: &mut String, lines: &[String]) {
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
}

/// The tree's lines, each cut short of the last column (some terminals wrap
/// on it), and no more of them than the screen holds below one free line.
fn fit(tree: &str, size: Size) -> Vec<String> {
    let width = size.cols.saturating_sub(1).max(10);
    let room = size.rows.saturating_sub(1).max(2);
    let lines: Vec<&str> = tree.lines().collect();
    let mut fitted: Vec<String> = lines.iter().map(|l| clip(l, width)).collect();
    if fitted.len() > room {
        let hidden = fitted.len() - (room - 1);
        fitted.truncate(room - 1);
        let more = format!("… {hidden} more lines; `auto-milestone status` shows them all");
        fitted.push(clip(&more, width));
    }
    fitted
}

/// The size of the terminal on stdout, if stdout is one.
pub fn stdout_size() -> Option<Size> {
    // SAFETY: TIOCGWINSZ only writes a `winsize` into the struct we pass.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
    (rc == 0 && ws.ws_col > 0 && ws.ws_row > 0).then(|| Size {
        cols: ws.ws_col.into(),
        rows: ws.ws_row.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: Size = Size { cols: 80, rows: 24 };

    fn text(screen: &Screen<Vec<u8>>) -> String {
        String::from_utf8(screen.out().clone()).unwrap()
    }

    fn lines(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_redraw_moves_up_over_the_last_tree_and_clears_below() {
        let mut screen = Screen::new(Vec::new());
        screen.draw(&[], "tree 1\nline 2\n", BIG);
        assert_eq!(text(&screen), "\x1b[?25ltree 1\nline 2\n");
        screen.draw(&lines(&["a note"]), "tree 2\nline 2\nline 3\n", BIG);
        assert_eq!(
            text(&screen),
            "\x1b[?25ltree 1\nline 2\n\r\x1b[2A\x1b[Ja note\ntree 2\nline 2\nline 3\n"
        );
    }

    #[test]
    fn finishing_prints_the_whole_tree_and_shows_the_cursor() {
        let mut screen = Screen::new(Vec::new());
        let small = Size { cols: 80, rows: 3 };
        screen.draw(&[], "1\n2\n3\n4\n", small);
        assert_eq!(
            text(&screen),
            "\x1b[?25l1\n… 3 more lines; `auto-milestone status` shows them all\n"
        );
        screen.finish(&lines(&["done"]), "1\n2\n3\n4\n");
        assert!(
            text(&screen).ends_with("\r\x1b[2A\x1b[Jdone\n1\n2\n3\n4\n\x1b[?25h"),
            "{:?}",
            text(&screen)
        );
        screen.restore();
        assert!(text(&screen).ends_with("\x1b[?25h"), "shown once");
        assert_eq!(text(&screen).matches("\x1b[?25h").count(), 1);
    }

    #[test]
    fn a_detached_tree_stays_and_restore_shows_the_cursor() {
        let mut screen = Screen::new(Vec::new());
        screen.draw(&[], "tree\n", BIG);
        screen.detach();
        screen.print(&lines(&["question?"]));
        screen.draw(&[], "tree\n", BIG);
        assert_eq!(
            text(&screen),
            "\x1b[?25ltree\nquestion?\ntree\n",
            "nothing erased after a detach"
        );
        screen.restore();
        assert!(text(&screen).ends_with("tree\n\x1b[?25h"));
    }

    #[test]
    fn long_lines_are_cut_short_of_the_last_column() {
        let narrow = Size { cols: 12, rows: 24 };
        assert_eq!(
            fit("abcdefghijklmnop\nshort\n", narrow),
            ["abcdefghij…", "short"]
        );
    }
}

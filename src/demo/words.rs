//! Word lists for generated demo data (assets/demo): names no real record was taken from.

/// A programme with its school and level.
pub struct Programme {
    /// Programme name.
    pub name: &'static str,
    /// School.
    pub school: &'static str,
    /// Level code.
    pub level: &'static str,
}

fn lines(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// The word lists.
pub struct Words {
    /// First names.
    pub first: Vec<&'static str>,
    /// Family names.
    pub last: Vec<&'static str>,
    /// Programmes.
    pub programmes: Vec<Programme>,
    /// Employer name first words.
    pub employer_first: Vec<&'static str>,
    /// Employer name second words.
    pub employer_second: Vec<&'static str>,
    /// Employer name suffixes.
    pub employer_suffix: Vec<&'static str>,
    /// Sectors.
    pub sectors: Vec<&'static str>,
    /// Employer tags.
    pub tags: Vec<&'static str>,
    /// Sentences for note bodies.
    pub note_phrases: Vec<&'static str>,
}

impl Words {
    /// Loads the lists compiled into the binary.
    pub fn load() -> Self {
        let programmes = lines(include_str!("../../assets/demo/programmes.txt"))
            .into_iter()
            .filter_map(|l| {
                let mut parts = l.split('|');
                Some(Programme {
                    name: parts.next()?,
                    school: parts.next()?,
                    level: parts.next()?,
                })
            })
            .collect();
        let emp = lines(include_str!("../../assets/demo/employers.txt"));
        let list = |i: usize| -> Vec<&'static str> {
            emp.get(i)
                .map(|l| l.split(',').map(str::trim).collect())
                .unwrap_or_default()
        };
        Self {
            first: lines(include_str!("../../assets/demo/first-names.txt")),
            last: lines(include_str!("../../assets/demo/last-names.txt")),
            programmes,
            employer_first: list(0),
            employer_second: list(1),
            employer_suffix: list(2),
            sectors: list(3),
            tags: list(4),
            note_phrases: lines(include_str!("../../assets/demo/note-phrases.txt")),
        }
    }
}

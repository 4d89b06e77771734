//! Merging a service's sections into a MAPISVC.INF text and removing them, as splices of the
//! original text.
//!
//! What merge adds, so that remove can take exactly that away again:
//! - the `[Services]` entry, as a line after the last entry of the first `[Services]` section
//!   (after its header when it has none);
//! - at the end of the file, a blank line, then the service section and the provider sections
//!   separated by blank lines. A file without a final line break keeps having none.
//! - A file without `[Services]` gets one at the start of that block, with the entry and no
//!   blank line before the service section: a form that an existing `[Services]` never takes,
//!   so remove knows it created it.
//!
//! Merge first removes whatever an earlier version left (the entry, the service section, the
//! sections its `Providers=` listed, sections with the declared provider names), so merging
//! twice is merging once, and remove after merge gives back the file as it was before.

use core::ops::Range;

use super::scan::{self, Kind, Line, Unit};
use super::{InfError, InfText};

/// Sections to take out: the service's, and provider sections that nothing else claims.
fn targets<U: Unit>(
    text: &[U],
    lines: &[Line],
    name: &str,
    extra_providers: &[&str],
) -> Result<Vec<Range<usize>>, InfError> {
    let sections = scan::sections(lines);
    let is_services = |s: &scan::Section| scan::name_is(text, &s.name, "Services");
    let ours = |s: &scan::Section| scan::name_is(text, &s.name, name);

    // Provider sections the old version listed, and names that other services use.
    let mut listed: Vec<Vec<u32>> = extra_providers.iter().map(|p| scan::fold_str(p)).collect();
    let mut claimed: Vec<Vec<u32>> = vec![scan::fold_str("Services")];
    for section in &sections {
        let providers = section
            .entries(lines)
            .filter(|(_, key, _)| scan::name_is(text, key, "Providers"))
            .flat_map(|(_, _, value)| scan::list_items(text, value));
        let providers: Vec<Vec<u32>> = providers.map(|item| scan::folded(text, &item)).collect();
        if ours(section) {
            listed.extend(providers);
        } else {
            claimed.extend(providers);
        }
        if is_services(section) {
            claimed.extend(
                section
                    .entries(lines)
                    .filter(|(_, key, _)| !scan::name_is(text, key, name))
                    .map(|(_, key, _)| scan::folded(text, key)),
            );
        }
    }
    for provider in extra_providers {
        if claimed.contains(&scan::fold_str(provider)) {
            return Err(InfError::Conflict {
                section: (*provider).to_owned(),
            });
        }
    }

    let mut targets = Vec::new();
    for (index, section) in sections.iter().enumerate() {
        let folded = scan::folded(text, &section.name);
        let provider = listed.contains(&folded) && !claimed.contains(&folded);
        // The `[Services]` merge created: its header, our entry, then our service section.
        let created_services = is_services(section)
            && section.lines.len() == 2
            && matches!(&lines[section.lines.start + 1].kind,
                Kind::Entry { key, .. } if scan::name_is(text, key, name))
            && sections.get(index + 1).is_some_and(ours);
        if ours(section) || provider || created_services {
            targets.push(section.extent(lines));
        }
    }
    Ok(targets)
}

/// Removes the sections `targets` gives (for merge, also those with the declared provider
/// names), then the `[Services]` and `[Default Services]` entries of `name`.
fn remove_units<U: Unit>(
    text: &[U],
    name: &str,
    extra_providers: &[&str],
) -> Result<Vec<U>, InfError> {
    let lines = scan::scan(text);
    let mut ranges = targets(text, &lines, name, extra_providers)?;
    ranges.sort_by_key(|range| range.start);

    // Sections separated by blank lines only are one block (merge wrote them that way).
    let mut blocks: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match blocks.last_mut() {
            Some(last)
                if lines
                    .iter()
                    .filter(|line| line.start >= last.end && line.next <= range.start)
                    .all(|line| matches!(line.kind, Kind::Blank)) =>
            {
                last.end = last.end.max(range.end)
            }
            _ => blocks.push(range),
        }
    }
    let mut out = text.to_vec();
    for block in blocks.iter().rev() {
        let mut start = block.start;
        // The blank line merge put before the block.
        if let Some(before) = lines
            .iter()
            .find(|line| line.next == start && line.next > line.start)
            && before.kind == Kind::Blank
        {
            start = before.start;
        }
        let start = take_break_at_end(&lines, text.len(), start, block.end);
        out.drain(start..block.end);
    }

    // The `[Services]` entries (and `[Default Services]` ones, which name installed services
    // only), one at a time: removing one may change the line before the next.
    loop {
        let lines = scan::scan(&out);
        let entry = scan::sections(&lines)
            .iter()
            .filter(|s| LISTS.iter().any(|list| scan::name_is(&out, &s.name, list)))
            .flat_map(|s| s.entries(&lines).collect::<Vec<_>>())
            .find(|(_, key, _)| scan::name_is(&out, key, name))
            .map(|(index, _, _)| index);
        let Some(index) = entry else { break };
        let line = &lines[index];
        let start = take_break_at_end(&lines, out.len(), line.start, line.next);
        out.drain(start..line.next);
    }
    Ok(out)
}

/// The sections whose keys are service names.
const LISTS: [&str; 2] = ["Services", "Default Services"];

const CR: u32 = b'\r' as u32;
const LF: u32 = b'\n' as u32;

fn is<U: Unit>(units: &[U], ascii: &str) -> bool {
    units.len() == ascii.len()
        && units
            .iter()
            .zip(ascii.bytes())
            .all(|(u, b)| u.code() == u32::from(b))
}

/// A range that runs to the end of a file without a final line break also takes the line
/// break before it, so the file again ends without one (the one merge added).
fn take_break_at_end(lines: &[Line], len: usize, start: usize, end: usize) -> usize {
    let unterminated = lines.last().is_some_and(|last| !last.has_break());
    if end == len && unterminated && start > 0 {
        lines
            .iter()
            .find(|line| line.next == start)
            .map_or(start, |before| before.end)
    } else {
        start
    }
}

pub(crate) fn remove<U: Unit>(text: &[U], name: &str) -> Vec<U> {
    remove_units(text, name, &[]).expect("remove claims no declared names, so it has no conflict")
}

pub(crate) fn merge<U: Unit>(
    text: &[U],
    inf: &InfText,
    encode: &dyn Fn(&str) -> Result<Vec<U>, InfError>,
) -> Result<Vec<U>, InfError> {
    let providers: Vec<&str> = inf.provider_sections();
    let mut out = remove_units(text, &inf.service_name, &providers)?;
    let lines = scan::scan(&out);
    let crlf = encode("\r\n")?;
    let mut eol = scan::line_break(&out, &lines);
    if eol.is_empty() {
        eol = crlf.clone();
    }
    let unterminated = lines.last().is_some_and(|last| !last.has_break());
    let entry = encode(&format!(
        "{}={}",
        inf.services_entry.0, inf.services_entry.1
    ))?;

    // The `[Services]` entry, in the first `[Services]` section.
    let sections = scan::sections(&lines);
    let services = sections
        .iter()
        .find(|s| scan::name_is(&out, &s.name, "Services"));
    if let Some(section) = services {
        let after = section
            .entries(&lines)
            .last()
            .map_or(section.lines.start, |(index, _, _)| index);
        let line = &lines[after];
        let insert: Vec<U> = if line.has_break() {
            // A lone `\r` before a `\n` would become one `\r\n` break.
            let glues = is(&eol, "\r") && out.get(line.next).is_some_and(|u| u.code() == LF);
            [
                entry.clone(),
                if glues { crlf.clone() } else { eol.clone() },
            ]
            .concat()
        } else {
            [eol.clone(), entry.clone()].concat()
        };
        out.splice(line.next..line.next, insert);
    }

    // The block at the end. After a final lone `\r`, a `\n` would join it into one break.
    if is(&eol, "\n") && out.last().is_some_and(|u| u.code() == CR) {
        eol = crlf.clone();
    }
    let mut block: Vec<U> = Vec::new();
    if services.is_none() {
        block.extend(encode("[Services]")?);
        block.extend(&eol);
        block.extend(entry);
        block.extend(&eol);
    }
    let mut prefix: Vec<U> = Vec::new();
    if !out.is_empty() {
        let ends_with_break = scan::scan(&out).last().is_some_and(Line::has_break);
        if !ends_with_break {
            prefix.extend(&eol);
        }
        prefix.extend(&eol);
    }
    for (index, section) in inf.sections.iter().enumerate() {
        if index > 0 {
            block.extend(&eol);
        }
        block.extend(encode(&format!("[{}]", section.name))?);
        block.extend(&eol);
        for (key, value) in &section.entries {
            block.extend(encode(&format!("{key}={value}"))?);
            block.extend(&eol);
        }
    }
    if unterminated {
        block.truncate(block.len() - eol.len());
    }
    out.extend(prefix);
    out.extend(block);
    Ok(out)
}

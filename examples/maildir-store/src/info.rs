//! A message's Maildir info flags as MAPI state, both ways.
//!
//! | flag | meaning (Maildir) | MAPI |
//! | --- | --- | --- |
//! | `S` | seen | `MSGFLAG_READ` in `PR_MESSAGE_FLAGS` |
//! | `D` | draft | `MSGFLAG_UNSENT` (a draft is an unsent message) |
//! | `F` | flagged | `PR_FLAG_STATUS` = followupFlagged (2) |
//! | `R` | replied | `MSGSTATUS_ANSWERED` in `PR_MSG_STATUS`, `PR_LAST_VERB_EXECUTED` = `EXCHIVERB_REPLYTOSENDER` |
//! | `T` | trashed | `MSGSTATUS_DELMARKED` in `PR_MSG_STATUS` |
//!
//! `T` is IMAP's `\Deleted`: marked, still there until expunged. MAPI's nearest is
//! `MSGSTATUS_DELMARKED` ("marked for subsequent deletion"), which a client sets and reads with
//! `SetMessageStatus`; the message stays listed, as it does in IMAP. Other flags (`P` passed,
//! Dovecot's keyword letters `a`-`z`) have no MAPI meaning and are kept as they are.
//!
//! A message in `new/` has no flags: unread, not seen by any mail reader yet.

use mapi_spi_runtime::flags::{
    MSGFLAG_HASATTACH, MSGFLAG_READ, MSGFLAG_UNSENT, MSGSTATUS_ANSWERED, MSGSTATUS_DELMARKED,
};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::tags::*;

/// `PR_FLAG_STATUS` of a flagged message: followupFlagged (MS-OXOFLAG 2.2.1.1).
pub const FOLLOWUP_FLAGGED: u32 = 2;
/// `PR_LAST_VERB_EXECUTED` of a message replied to (exchform.h).
pub const EXCHIVERB_REPLYTOSENDER: u32 = 102;
/// `PR_LAST_VERB_EXECUTED` of a message replied to all (exchform.h).
pub const EXCHIVERB_REPLYTOALL: u32 = 103;

/// Appends the MAPI state properties of a message with info flags `flags` (`None`: in `new/`).
pub fn push_state_props(props: &mut Vec<Property>, flags: Option<&str>, has_attach: bool) {
    let flags = flags.unwrap_or("");
    let has = |c| flags.contains(c);
    let mut message_flags = 0;
    if has('S') {
        message_flags |= MSGFLAG_READ;
    }
    if has('D') {
        message_flags |= MSGFLAG_UNSENT;
    }
    if has_attach {
        message_flags |= MSGFLAG_HASATTACH;
    }
    let mut status = 0;
    if has('R') {
        status |= MSGSTATUS_ANSWERED;
    }
    if has('T') {
        status |= MSGSTATUS_DELMARKED;
    }
    let long = |tag, value| Property::for_tag(tag, PropValue::Long(value));
    props.push(long(PR_MESSAGE_FLAGS, message_flags));
    props.push(long(PR_MSG_STATUS, status));
    if has('F') {
        props.push(long(PR_FLAG_STATUS, FOLLOWUP_FLAGGED));
    }
    if has('R') {
        props.push(long(PR_LAST_VERB_EXECUTED, EXCHIVERB_REPLYTOSENDER));
    }
}

/// The info flags of a message whose flags were `flags` after `state` is applied: each
/// property given sets or clears its flags; flags no property given speaks for stay.
pub fn apply_state(flags: &str, state: &[Property]) -> String {
    let mut flags: Vec<char> = flags.chars().collect();
    let mut set = |c: char, on: bool| {
        flags.retain(|&f| f != c);
        if on {
            flags.push(c);
        }
    };
    for prop in state {
        let PropValue::Long(value) = prop.value else {
            continue;
        };
        match prop.tag() {
            PR_MESSAGE_FLAGS => {
                set('S', value & MSGFLAG_READ != 0);
                set('D', value & MSGFLAG_UNSENT != 0);
            }
            PR_MSG_STATUS => {
                set('R', value & MSGSTATUS_ANSWERED != 0);
                set('T', value & MSGSTATUS_DELMARKED != 0);
            }
            PR_FLAG_STATUS => set('F', value == FOLLOWUP_FLAGGED),
            PR_LAST_VERB_EXECUTED
                if value == EXCHIVERB_REPLYTOSENDER || value == EXCHIVERB_REPLYTOALL =>
            {
                set('R', true)
            }
            _ => {}
        }
    }
    flags.sort_unstable();
    flags.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways() {
        let mut props = Vec::new();
        push_state_props(&mut props, Some("DFRST"), false);
        assert_eq!(apply_state("", &props), "DFRST");
        assert_eq!(apply_state("Pa", &props), "DFPRSTa");
        let mut cleared = Vec::new();
        push_state_props(&mut cleared, None, false);
        cleared.push(Property::for_tag(PR_FLAG_STATUS, PropValue::Long(0)));
        assert_eq!(apply_state("DFRSTPa", &cleared), "Pa");
        // Only what is given changes.
        let read = [Property::for_tag(
            PR_MESSAGE_FLAGS,
            PropValue::Long(MSGFLAG_READ),
        )];
        assert_eq!(apply_state("FR", &read), "FRS");
    }
}

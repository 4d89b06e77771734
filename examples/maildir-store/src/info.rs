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

/// The MAPI state of a message with info flags `flags` (`None`: in `new/`), as properties.
/// Each is its own method so that a contents-table row puts them in ID order among the
/// others ([`crate::mime::Summary::push_props`]).
pub struct State {
    message_flags: u32,
    status: u32,
    replied: bool,
    flagged: bool,
}

impl State {
    pub fn of(flags: Option<&str>, has_attach: bool) -> State {
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
        State {
            message_flags,
            status,
            replied: has('R'),
            flagged: has('F'),
        }
    }

    /// `PR_MESSAGE_FLAGS`.
    pub fn message_flags(&self) -> Property {
        Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(self.message_flags))
    }

    /// `PR_MSG_STATUS`.
    pub fn status(&self) -> Property {
        Property::for_tag(PR_MSG_STATUS, PropValue::Long(self.status))
    }

    /// `PR_LAST_VERB_EXECUTED` and `PR_FLAG_STATUS` when they apply, in that (ID) order.
    pub fn push_follow_up(&self, props: &mut Vec<Property>) {
        if self.replied {
            props.push(Property::for_tag(
                PR_LAST_VERB_EXECUTED,
                PropValue::Long(EXCHIVERB_REPLYTOSENDER),
            ));
        }
        if self.flagged {
            props.push(Property::for_tag(
                PR_FLAG_STATUS,
                PropValue::Long(FOLLOWUP_FLAGGED),
            ));
        }
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

    fn state_props(flags: Option<&str>) -> Vec<Property> {
        let state = State::of(flags, false);
        let mut props = vec![state.message_flags(), state.status()];
        state.push_follow_up(&mut props);
        props
    }

    #[test]
    fn both_ways() {
        let props = state_props(Some("DFRST"));
        assert_eq!(apply_state("", &props), "DFRST");
        assert_eq!(apply_state("Pa", &props), "DFPRSTa");
        let mut cleared = state_props(None);
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
